// Array values: text input/output (array_in/array_out quoting, lower
// bounds, malformed literals with PostgreSQL 15's DETAIL), binary wire
// format (bytes compared with PostgreSQL 15's array_send output) and round
// trips through BinaryOut/BinaryIn for every element type, and ordering.
#include <gtest/gtest.h>

#include "sql/functions/registry.h"
#include "sql/types/array.h"
#include "sql/types/type_io.h"
#include "sql/types/type_oids.h"
#include "utils/error.h"

using namespace tusk::sql;

namespace {

IoContext Io() { return IoContext(); }

std::string Out(uint32_t type, const Datum& d) {
  std::string s;
  TextOut(type, d, Io(), s);
  return s;
}

std::string RoundTripText(uint32_t type, const std::string& text) { return Out(type, TextIn(type, text, Io())); }

std::string Hex(const std::string& s) {
  static const char* kDigits = "0123456789abcdef";
  std::string h;
  for (unsigned char c : s) {
    h.push_back(kDigits[c >> 4]);
    h.push_back(kDigits[c & 15]);
  }
  return h;
}

std::string Unhex(const std::string& h) {
  std::string s;
  for (size_t i = 0; i + 1 < h.size(); i += 2) s.push_back(static_cast<char>(std::stoi(h.substr(i, 2), nullptr, 16)));
  return s;
}

std::string BinOut(uint32_t type, const std::string& text) {
  std::string b;
  BinaryOut(type, TextIn(type, text, Io()), b);
  return Hex(b);
}

// Runs fn and returns "SQLSTATE message | detail" of the error it throws.
template <typename Fn>
std::string ErrorOf(Fn&& fn) {
  try {
    fn();
  } catch (const tusk::PgError& e) {
    std::string r = std::string(e.data().sqlstate) + " " + e.data().message;
    if (!e.data().detail.empty()) r += " | " + e.data().detail;
    return r;
  }
  return "no error";
}

std::string InError(uint32_t type, const std::string& text) {
  return ErrorOf([&] { TextIn(type, text, Io()); });
}

TEST(SqlArrayIo, TypeTable) {
  EXPECT_EQ(ElementTypeOf(oid::kInt4Array), oid::kInt4);
  EXPECT_EQ(ArrayTypeOf(oid::kName), 1003u);
  EXPECT_EQ(ArrayTypeOf(oid::kTimestamptz), 1185u);
  EXPECT_EQ(ArrayTypeOf(oid::kNumeric), 1231u);
  EXPECT_EQ(ArrayTypeOf(oid::kVoid), 0u);
  EXPECT_FALSE(IsArrayType(oid::kText));
  const TypeInfo* t = LookupType(oid::kVarcharArray);
  ASSERT_NE(t, nullptr);
  EXPECT_STREQ(t->name, "_varchar");
  EXPECT_STREQ(t->sql_name, "character varying[]");
  EXPECT_EQ(t->category, TypeCategory::kArray);
  EXPECT_EQ(LookupTypeByName("_int8")->oid, 1016u);
  EXPECT_TRUE(HasBinaryIo(oid::kTextArray));
  EXPECT_FALSE(HasBinaryIo(oid::kInetArray));  // inet itself has no binary form here
}

TEST(SqlArrayIo, TextInAndOut) {
  EXPECT_EQ(RoundTripText(oid::kInt4Array, "{1,2,NULL}"), "{1,2,NULL}");
  EXPECT_EQ(RoundTripText(oid::kInt4Array, "  { 1 ,\t2 }  "), "{1,2}");
  EXPECT_EQ(RoundTripText(oid::kInt4Array, "{}"), "{}");
  EXPECT_EQ(RoundTripText(oid::kTextArray, "{null,NULL,\"NULL\",nUlL}"), "{NULL,NULL,\"NULL\",NULL}");
  EXPECT_EQ(RoundTripText(oid::kTextArray, "{a b, x  y  }"), "{\"a b\",\"x  y\"}");
  EXPECT_EQ(RoundTripText(oid::kTextArray, "{a\\ ,b}"), "{\"a \",b}");
  EXPECT_EQ(RoundTripText(oid::kTextArray, "{a\\\"b,a\\\\b}"), "{\"a\\\"b\",\"a\\\\b\"}");
  EXPECT_EQ(RoundTripText(oid::kTextArray, "{\"\",\"\"}"), "{\"\",\"\"}");
  EXPECT_EQ(RoundTripText(oid::kTextArray, "{ \"a\" }"), "{a}");
  EXPECT_EQ(RoundTripText(oid::kTextArray, "{\"{x}\",\"a,b\",\"\\\\\"}"), "{\"{x}\",\"a,b\",\"\\\\\"}");
  EXPECT_EQ(RoundTripText(oid::kBoolArray, "{t,false,yes}"), "{t,f,t}");
  EXPECT_EQ(RoundTripText(oid::kFloat8Array, "{1.5,nan,-inf}"), "{1.5,NaN,-Infinity}");
  EXPECT_EQ(RoundTripText(oid::kNumericArray, "{1.50,-2}"), "{1.50,-2}");
  EXPECT_EQ(RoundTripText(oid::kTimestampArray, "{2020-01-01 10:00}"), "{\"2020-01-01 10:00:00\"}");
  EXPECT_EQ(RoundTripText(oid::kDateArray, "{2020-01-01}"), "{2020-01-01}");
  EXPECT_EQ(RoundTripText(oid::kBpcharArray, "{ab}"), "{ab}");
}

TEST(SqlArrayIo, BuiltValuesQuoteLikeArrayOut) {
  Datum d = MakeArray(oid::kText, {Datum::Text("a b"), Datum::Null(), Datum::Text("\"q\""), Datum::Text("NULL"),
                                   Datum::Text(""), Datum::Text("a\\b"), Datum::Text("{x}"), Datum::Text("plain")});
  EXPECT_EQ(Out(oid::kTextArray, d), "{\"a b\",NULL,\"\\\"q\\\"\",\"NULL\",\"\",\"a\\\\b\",\"{x}\",plain}");
  // Element typmods apply to each element.
  EXPECT_EQ(Out(oid::kVarcharArray, TextIn(oid::kVarcharArray, "{abc,de}", Io(), 2)), "{ab,de}");
}

TEST(SqlArrayIo, LowerBounds) {
  Datum d = TextIn(oid::kInt4Array, "[0:1]={1,2}", Io());
  ASSERT_TRUE(d.arr);
  EXPECT_EQ(d.arr->lbound, 0);
  EXPECT_EQ(d.arr->ubound(), 1);
  EXPECT_EQ(Out(oid::kInt4Array, d), "[0:1]={1,2}");
  EXPECT_EQ(RoundTripText(oid::kInt4Array, "[1:1]={1}"), "{1}");
  EXPECT_EQ(RoundTripText(oid::kInt4Array, "[3]={1,2,3}"), "{1,2,3}");
  EXPECT_EQ(RoundTripText(oid::kInt4Array, "[-2:-1]={1,2}"), "[-2:-1]={1,2}");
  EXPECT_EQ(RoundTripText(oid::kInt4Array, "[1:2] = {1,2}"), "{1,2}");
}

TEST(SqlArrayIo, MalformedLiterals) {
  const std::string m = "22P02 malformed array literal: ";
  EXPECT_EQ(InError(oid::kInt4Array, "{1,2"), m + "\"{1,2\" | Unexpected end of input.");
  EXPECT_EQ(InError(oid::kInt4Array, "{1,2}x"), m + "\"{1,2}x\" | Junk after closing right brace.");
  EXPECT_EQ(InError(oid::kInt4Array, "1,2"),
            m + "\"1,2\" | Array value must start with \"{\" or dimension information.");
  EXPECT_EQ(InError(oid::kInt4Array, ""), m + "\"\" | Array value must start with \"{\" or dimension information.");
  EXPECT_EQ(InError(oid::kInt4Array, "{1,,2}"), m + "\"{1,,2}\" | Unexpected \",\" character.");
  EXPECT_EQ(InError(oid::kInt4Array, "{,1}"), m + "\"{,1}\" | Unexpected \",\" character.");
  EXPECT_EQ(InError(oid::kInt4Array, "{1,}"), m + "\"{1,}\" | Unexpected \"}\" character.");
  EXPECT_EQ(InError(oid::kInt4Array, "{\"1\"2}"), m + "\"{\"1\"2}\" | Unexpected array element.");
  EXPECT_EQ(InError(oid::kTextArray, "{a\"b\"}"), m + "\"{a\"b\"}\" | Unexpected array element.");
  EXPECT_EQ(InError(oid::kTextArray, "{\"a}"), m + "\"{\"a}\" | Unexpected end of input.");
  EXPECT_EQ(InError(oid::kTextArray, "{\\"), m + "\"{\\\" | Unexpected end of input.");
  EXPECT_EQ(InError(oid::kInt4Array, "{{1,2},{3}}"),
            m + "\"{{1,2},{3}}\" | Multidimensional arrays must have sub-arrays with matching dimensions.");
  EXPECT_EQ(InError(oid::kInt4Array, "{{1,2},3}"), m + "\"{{1,2},3}\" | Unexpected array element.");
  EXPECT_EQ(InError(oid::kInt4Array, "{{}}"), m + "\"{{}}\" | Unexpected \"}\" character.");
  EXPECT_EQ(InError(oid::kInt4Array, "{1}{2}"), m + "\"{1}{2}\" | Junk after closing right brace.");
  EXPECT_EQ(InError(oid::kInt4Array, "[2:3]={1,2,3}"),
            m + "\"[2:3]={1,2,3}\" | Specified array dimensions do not match array contents.");
  EXPECT_EQ(InError(oid::kInt4Array, "[2:3]={}"),
            m + "\"[2:3]={}\" | Specified array dimensions do not match array contents.");
  EXPECT_EQ(InError(oid::kInt4Array, "[2:3={1,2}"), m + "\"[2:3={1,2}\" | Missing \"]\" after array dimensions.");
  EXPECT_EQ(InError(oid::kInt4Array, "[2:3]{1,2}"), m + "\"[2:3]{1,2}\" | Missing \"=\" after array dimensions.");
  EXPECT_EQ(InError(oid::kInt4Array, "[:3]={1,2}"),
            m + "\"[:3]={1,2}\" | \"[\" must introduce explicitly-specified array dimensions.");
  EXPECT_EQ(InError(oid::kInt4Array, "[1:a]={1}"), m + "\"[1:a]={1}\" | Missing array dimension value.");
  EXPECT_EQ(InError(oid::kInt4Array, "[1:2]="), m + "\"[1:2]=\" | Array contents must start with \"{\".");
  EXPECT_EQ(InError(oid::kInt4Array, "[3:2]={}"), "2202E upper bound cannot be less than lower bound");
  // Element errors come from the element type's input function.
  EXPECT_EQ(InError(oid::kInt4Array, "{a}"), "22P02 invalid input syntax for type integer: \"a\"");
  EXPECT_EQ(InError(oid::kInt4Array, "{1 2}"), "22P02 invalid input syntax for type integer: \"1 2\"");
  // Well-formed multidimensional input is refused, not misread.
  EXPECT_EQ(InError(oid::kInt4Array, "{{1,2},{3,4}}"), "0A000 multidimensional arrays are not supported");
  EXPECT_EQ(InError(oid::kInt4Array, "[1:2][1:1]={{1},{2}}"), "0A000 multidimensional arrays are not supported");
}

TEST(SqlArrayIo, BinaryMatchesPostgres) {
  // Expected bytes are PostgreSQL 15's array_send output for the same values.
  EXPECT_EQ(BinOut(oid::kInt4Array, "{1,NULL,3}"),
            "00000001000000010000001700000003000000010000000400000001ffffffff0000000400000003");
  EXPECT_EQ(BinOut(oid::kInt4Array, "{}"), "000000000000000000000017");
  EXPECT_EQ(BinOut(oid::kTextArray, "[0:1]={a,\"b c\"}"),
            "0000000100000000000000190000000200000000000000016100000003622063");
  EXPECT_EQ(BinOut(oid::kNumericArray, "{1.5,2}"),
            "0000000100000000000006a400000002000000010000000c0002000000000001000113880000000a00010000000000000002");
  EXPECT_EQ(BinOut(oid::kBoolArray, "{t,NULL}"), "00000001000000010000001000000002000000010000000101ffffffff");
  EXPECT_EQ(BinOut(oid::kDateArray, "{2020-01-01}"), "00000001000000000000043a00000001000000010000000400001c89");
  EXPECT_EQ(BinOut(oid::kTimestamptzArray, "{2020-01-01 10:00+00}"),
            "0000000100000000000004a000000001000000010000000800023e0fe886c800");
  EXPECT_EQ(BinOut(oid::kFloat8Array, "{1.5}"), "0000000100000000000002bd0000000100000001000000083ff8000000000000");
  EXPECT_EQ(BinOut(oid::kFloat4Array, "{2.5}"), "0000000100000000000002bc00000001000000010000000440200000");
  EXPECT_EQ(BinOut(oid::kInt2Array, "{1}"), "0000000100000000000000150000000100000001000000020001");
  EXPECT_EQ(BinOut(oid::kNameArray, "{pg_catalog,public}"),
            "00000001000000000000001300000002000000010000000a70675f636174616c6f67000000067075626c6963");
  EXPECT_EQ(BinOut(oid::kIntervalArray, "{1 day}"),
            "0000000100000000000004a200000001000000010000001000000000000000000000000100000000");
}

TEST(SqlArrayIo, BinaryRoundTrips) {
  const std::pair<uint32_t, const char*> cases[] = {
      {oid::kBoolArray, "{t,f,NULL}"},
      {oid::kInt2Array, "{-32768,32767}"},
      {oid::kInt4Array, "[5:7]={1,NULL,-3}"},
      {oid::kInt8Array, "{9223372036854775807}"},
      {oid::kOidArray, "{4294967295,0}"},
      {oid::kFloat4Array, "{1.5,NaN,-Infinity}"},
      {oid::kFloat8Array, "{0.1,1e+300}"},
      {oid::kNumericArray, "{0.000,123456789.123456789,-1,NaN}"},
      {oid::kTextArray, "{\"a b\",\"\",NULL,\"\\\"\"}"},
      {oid::kVarcharArray, "{x,yz}"},
      {oid::kBpcharArray, "{\"ab \"}"},
      {oid::kNameArray, "{pg_catalog}"},
      {oid::kDateArray, "{2000-01-01,1999-12-31}"},
      {oid::kTimestampArray, "{\"2020-02-29 23:59:59.123456\"}"},
      {oid::kTimestamptzArray, "{\"1970-01-01 00:00:00+00\"}"},
      {oid::kIntervalArray, "{\"1 mon 2 days 00:00:03\"}"},
      {oid::kTextArray, "{}"},
  };
  for (const auto& [type, text] : cases) {
    Datum d = TextIn(type, text, Io());
    std::string bin;
    BinaryOut(type, d, bin);
    Datum back = BinaryIn(type, bin);
    EXPECT_EQ(Out(type, back), Out(type, d)) << text;
    EXPECT_EQ(CompareDatum(type, back, d), 0) << text;
    std::string again;
    BinaryOut(type, back, again);
    EXPECT_EQ(again, bin) << text;
  }
}

TEST(SqlArrayIo, BinaryInErrors) {
  auto in = [](uint32_t type, const std::string& hex) { return ErrorOf([&] { BinaryIn(type, Unhex(hex)); }); };
  // An int8 array received as int4[].
  EXPECT_EQ(in(oid::kInt4Array, "000000010000000000000014000000010000000100000004000000ff"),
            "42804 binary data has array element type 20 (bigint) instead of expected 23 (integer)");
  EXPECT_EQ(in(oid::kInt4Array, "00000000000000000000001700"), "22P03 incorrect binary data format");
  EXPECT_EQ(in(oid::kInt4Array, "0000000100000000000000170000000100000001000000040000"),
            "22P03 insufficient data left in message");
  EXPECT_EQ(in(oid::kInt4Array, "000000000000000200000017"), "22P03 invalid array flags");
  EXPECT_EQ(in(oid::kInt4Array, "ffffffff0000000000000017"), "22P03 invalid number of dimensions: -1");
  EXPECT_EQ(in(oid::kInt4Array, "0000000100000000000000170000000100000001000000020001"),
            "22P03 improper binary format in array element 1");
  EXPECT_EQ(in(oid::kInt4Array, "00000002000000000000001700000001000000010000000100000001000000040000000a"),
            "0A000 multidimensional arrays are not supported");
  // Zero-length dimensions are the empty array.
  Datum d = BinaryIn(oid::kInt4Array, Unhex("000000010000000000000017000000000000000a"));
  EXPECT_EQ(Out(oid::kInt4Array, d), "{}");
}

TEST(SqlArrayIo, Ordering) {
  auto cmp = [](const char* a, const char* b) {
    return CompareDatum(oid::kInt4Array, TextIn(oid::kInt4Array, a, Io()), TextIn(oid::kInt4Array, b, Io()));
  };
  EXPECT_EQ(cmp("{1,2}", "{1,2}"), 0);
  EXPECT_LT(cmp("{1}", "{1,2}"), 0);
  EXPECT_GT(cmp("{2}", "{1,5}"), 0);
  EXPECT_LT(cmp("{}", "{1}"), 0);
  EXPECT_GT(cmp("{1,NULL}", "{1,2}"), 0);  // NULL elements sort last
  EXPECT_EQ(cmp("{1,NULL}", "{1,NULL}"), 0);
  EXPECT_LT(cmp("[0:1]={1,2}", "{1,2}"), 0);  // then the lower bound
  EXPECT_EQ(CompareDatum(oid::kNumericArray, TextIn(oid::kNumericArray, "{1.0}", Io()),
                         TextIn(oid::kNumericArray, "{1.00}", Io())),
            0);
}

}  // namespace
