// pg_lsn text form (pg_lsn_in's strict X/Y hex syntax and its 22P02),
// binary and stored forms, unsigned ordering, numeric conversion; the
// qualified-name splitter behind regclass/regnamespace/regrole input, reg*
// input/output without a session (numbers and "-" only), and format_type.
#include <gtest/gtest.h>

#include <functional>

#include "sql/functions/registry.h"
#include "sql/types/pg_lsn.h"
#include "sql/types/regtypes.h"
#include "sql/types/storage_codec.h"
#include "sql/types/type_io.h"
#include "sql/types/type_oids.h"
#include "utils/error.h"

using namespace tusk::sql;

namespace {

std::string SqlState(const std::function<void()>& f) {
  try {
    f();
  } catch (const tusk::PgError& e) {
    return e.data().sqlstate;
  }
  return "";
}

TEST(PgLsnTest, ParsesHexHalves) {
  EXPECT_EQ(ParsePgLsn("0/0"), 0u);
  EXPECT_EQ(ParsePgLsn("16/B374D848"), 0x16B374D848ull);
  EXPECT_EQ(ParsePgLsn("ffffffff/FFFFFFFF"), 0xFFFFFFFFFFFFFFFFull);
  EXPECT_EQ(ParsePgLsn("00000001/00000002"), 0x100000002ull);
}

TEST(PgLsnTest, RejectsAnythingElse) {
  for (const char* bad : {"", "/", "0/", "/0", " 0/1", "0/1 ", "0 /1", "123456789/1", "1/123456789", "g/0", "0/0/0",
                          "-1/0", "0x1/0", "1"}) {
    EXPECT_FALSE(ParsePgLsn(bad).has_value()) << bad;
  }
  try {
    PgLsnIn("x/1");
    FAIL();
  } catch (const tusk::PgError& e) {
    EXPECT_EQ(e.data().sqlstate, "22P02");
    EXPECT_EQ(e.data().message, "invalid input syntax for type pg_lsn: \"x/1\"");
  }
}

TEST(PgLsnTest, FormatsUpperCaseWithoutPadding) {
  EXPECT_EQ(FormatPgLsn(0), "0/0");
  EXPECT_EQ(FormatPgLsn(0x16B374D848ull), "16/B374D848");
  EXPECT_EQ(FormatPgLsn(~0ull), "FFFFFFFF/FFFFFFFF");
}

TEST(PgLsnTest, IoRoundTripsAndOrdersUnsigned) {
  IoContext io;
  Datum hi = TextIn(oid::kPgLsn, "FFFFFFFF/1", io);
  Datum lo = TextIn(oid::kPgLsn, "0/10", io);
  EXPECT_GT(CompareDatum(oid::kPgLsn, hi, lo), 0);
  std::string out;
  TextOut(oid::kPgLsn, hi, io, out);
  EXPECT_EQ(out, "FFFFFFFF/1");
  std::string bin;
  BinaryOut(oid::kPgLsn, hi, bin);
  ASSERT_EQ(bin.size(), 8u);
  EXPECT_EQ(static_cast<unsigned char>(bin[0]), 0xFF);  // network order
  EXPECT_EQ(BinaryIn(oid::kPgLsn, bin).i, hi.i);
  std::string a, b;
  EncodeStored(oid::kPgLsn, hi, a);
  EncodeStored(oid::kPgLsn, lo, b);
  ASSERT_EQ(StorageLength(oid::kPgLsn), 8);
  EXPECT_EQ(a.size(), 8u);
  EXPECT_GT(CompareStored(oid::kPgLsn, a, b), 0);
  Datum back;
  DecodeStored(oid::kPgLsn, a, back);
  EXPECT_EQ(back.i, hi.i);
}

TEST(PgLsnTest, NumericConversion) {
  EXPECT_EQ(NumericToLsn(Numeric::Parse("16.5")), 17u);
  EXPECT_EQ(NumericToLsn(Numeric::Parse("18446744073709551615")), ~0ull);
  EXPECT_EQ(SqlState([] { NumericToLsn(Numeric::Parse("18446744073709551616")); }), "22023");
  EXPECT_EQ(SqlState([] { NumericToLsn(Numeric::Parse("-1")); }), "22023");
  EXPECT_EQ(SqlState([] { NumericToLsn(Numeric::NaN()); }), "0A000");
  EXPECT_EQ(LsnToNumeric(~0ull).ToString(), "18446744073709551615");
}

TEST(RegTypesTest, SplitsQualifiedNames) {
  using V = std::vector<std::string>;
  EXPECT_EQ(SplitQualifiedName("Foo"), V{"foo"});
  EXPECT_EQ(SplitQualifiedName(" public . \"My T\" "), (V{"public", "My T"}));
  EXPECT_EQ(SplitQualifiedName("\"a\"\"b\".c"), (V{"a\"b", "c"}));
  EXPECT_EQ(SplitQualifiedName("a.b.c.d").size(), 4u);
  for (const char* bad : {"", "  ", "a..b", "a.", ".a", "\"", "\"\"", "a b"}) {
    EXPECT_EQ(SqlState([&] { SplitQualifiedName(bad); }), "42602") << bad;
  }
}

TEST(RegTypesTest, NumbersAndDashWithoutSession) {
  EXPECT_EQ(RegIn(oid::kRegclass, "-", nullptr), 0u);
  EXPECT_EQ(RegIn(oid::kRegclass, "1259", nullptr), 1259u);
  EXPECT_EQ(RegOut(oid::kRegclass, 0, nullptr), "-");
  EXPECT_EQ(RegOut(oid::kRegclass, 1259, nullptr), "1259");
  EXPECT_EQ(RegIn(oid::kRegtype, "integer", nullptr), oid::kInt4);
  EXPECT_EQ(RegIn(oid::kRegtype, "pg_lsn", nullptr), oid::kPgLsn);
  EXPECT_EQ(RegOut(oid::kRegtype, oid::kVarchar, nullptr), "character varying");
  EXPECT_EQ(RegOut(oid::kRegtype, 99999, nullptr), "99999");
  EXPECT_EQ(SqlState([] { RegIn(oid::kRegclass, "t", nullptr); }), "42P01");
  EXPECT_EQ(SqlState([] { RegIn(oid::kRegclass, "a.b.c.d", nullptr); }), "42601");
  EXPECT_EQ(SqlState([] { RegIn(oid::kRegtype, "nosuch", nullptr); }), "42704");
  EXPECT_EQ(SqlState([] { RegIn(oid::kRegrole, "nosuch", nullptr); }), "42704");
  EXPECT_EQ(SqlState([] { RegIn(oid::kRegnamespace, "nosuch", nullptr); }), "3F000");
  EXPECT_EQ(RegIn(oid::kRegclass, "t", nullptr, true), 0u);
}

TEST(RegTypesTest, FormatType) {
  EXPECT_EQ(FormatTypeWithTypmod(oid::kInt4, -1), "integer");
  EXPECT_EQ(FormatTypeWithTypmod(oid::kVarchar, 14), "character varying(10)");
  EXPECT_EQ(FormatTypeWithTypmod(oid::kBpchar, -1), "bpchar");
  EXPECT_EQ(FormatTypeWithTypmod(oid::kBpchar, -1, false), "character");
  EXPECT_EQ(FormatTypeWithTypmod(oid::kNumeric, (10 << 16 | 2) + 4), "numeric(10,2)");
  EXPECT_EQ(FormatTypeWithTypmod(oid::kTimestamptz, 3), "timestamp(3) with time zone");
  EXPECT_EQ(FormatTypeWithTypmod(oid::kVarcharArray, 14), "character varying(10)[]");
  EXPECT_EQ(FormatTypeWithTypmod(999999, -1), "???");
}

}  // namespace
