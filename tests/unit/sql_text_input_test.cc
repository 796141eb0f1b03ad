// Text input of the types COPY parses for every row (integers, numeric,
// timestamp) and numeric's stored (binary) form: values, bytes (numeric_send)
// and errors must be PostgreSQL 15's, which the expected values are.
#include <gtest/gtest.h>

#include "sql/types/datetime.h"
#include "sql/types/datum.h"
#include "sql/types/numeric.h"
#include "sql/types/type_io.h"
#include "sql/types/type_oids.h"
#include "utils/error.h"

using namespace tusk::sql;

namespace {

std::string Hex(const std::string& b) {
  static const char* kDigits = "0123456789abcdef";
  std::string out;
  for (unsigned char c : b) {
    out += kDigits[c >> 4];
    out += kDigits[c & 15];
  }
  return out;
}

// "sqlstate: message" of the error TextIn raises, or "" if it accepts the text.
std::string ErrorOf(uint32_t type, const char* text, int32_t typmod = -1) {
  try {
    TextIn(type, text, IoContext{}, typmod);
  } catch (const tusk::PgError& e) {
    return e.data().sqlstate + ": " + e.data().message;
  }
  return "";
}

std::string SqlState(const char* text, int32_t typmod = -1) {
  return ErrorOf(oid::kNumeric, text, typmod).substr(0, 5);
}

int64_t Int(uint32_t type, const char* text) { return TextIn(type, text, IoContext{}).i; }

}  // namespace

TEST(SqlNumericIo, BinaryFormIsPostgres) {
  const std::pair<const char*, const char*> cases[] = {
      {"0", "0000000000000000"},
      {"0.00", "0000000000000002"},
      {"-0", "0000000000000000"},
      {"5466.40", "0002000000000002155a0fa0"},
      {"-0.0001", "0001ffff400000040001"},
      {"10000", "00010001000000000001"},
      {"1e20", "00010005000000000001"},
      {"0.5", "0001ffff000000011388"},
      {"123456789.987654321", "0006000200000009000109291a852694153803e8"},
      {"1e-5", "0001fffe0000000503e8"},
      {" -12.30 ", "0002000040000002000c0bb8"},
      {"+1.5", "000200000000000100011388"},
      {"1.5e3", "000100000000000005dc"},
      {"1.5E-3", "0001ffff00000004000f"},
      {"007.10", "0002000000000002000703e8"},
      {"0.000012345678", "0002fffe0000000c04d2162e"},
  };
  for (const auto& [text, hex] : cases) {
    const Numeric n = Numeric::Parse(text);
    EXPECT_EQ(Hex(n.ToBinary()), hex) << text;
    EXPECT_EQ(Numeric::FromBinary(n.ToBinary()).ToString(), n.ToString()) << text;
  }
  // Digits past dscale are truncated (numeric_recv), not rounded: 1.2399 sent with dscale 2.
  auto unhex = [](const std::string& h) {
    std::string out;
    for (size_t i = 0; i + 1 < h.size(); i += 2) out.push_back(static_cast<char>(std::stoi(h.substr(i, 2), nullptr, 16)));
    return out;
  };
  EXPECT_EQ(Numeric::FromBinary(unhex("00020000000000020001095f")).ToString(), "1.23");
  EXPECT_EQ(Numeric::FromBinary(unhex("0002000040000002000109ff")).ToString(), "-1.25");
  // A dscale past the digits pads with zeros; a weight past them scales up.
  EXPECT_EQ(Numeric::FromBinary(unhex("00010000000000050001")).ToString(), "1.00000");
  EXPECT_EQ(Numeric::FromBinary(unhex("0001000200000000000c")).ToString(), "1200000000");
  // Special values keep their sign word and read back as themselves.
  EXPECT_EQ(Hex(Numeric::Parse("NaN").ToBinary()), "00000000c0000000");
  EXPECT_EQ(Hex(Numeric::Parse(" -inf").ToBinary()), "00000000f0000000");
  EXPECT_EQ(Numeric::FromBinary(Numeric::Parse("Infinity").ToBinary()).ToString(), "Infinity");
}

TEST(SqlNumericIo, TypmodRoundsAndRefusesOverflow) {
  const int32_t n10_2 = (10 << 16) | 2;  // numeric(10,2), as the analyzer encodes it
  EXPECT_EQ(TextIn(oid::kNumeric, "5466.40", IoContext{}, n10_2).n.ToString(), "5466.40");
  EXPECT_EQ(TextIn(oid::kNumeric, "177", IoContext{}, n10_2).n.ToString(), "177.00");
  EXPECT_EQ(TextIn(oid::kNumeric, "1.005", IoContext{}, n10_2).n.ToString(), "1.01");
  EXPECT_EQ(TextIn(oid::kNumeric, "-1.005", IoContext{}, n10_2).n.ToString(), "-1.01");
  EXPECT_EQ(TextIn(oid::kNumeric, "NaN", IoContext{}, n10_2).n.ToString(), "NaN");
  EXPECT_EQ(SqlState("99999999.995", n10_2), "22003");
  EXPECT_EQ(SqlState("123456789", n10_2), "22003");
  EXPECT_EQ(SqlState("Infinity", n10_2), "22003");
  EXPECT_EQ(SqlState("x"), "22P02");
  EXPECT_EQ(SqlState("1e"), "22P02");
  EXPECT_EQ(SqlState("1.2.3"), "22P02");
  EXPECT_EQ(SqlState(""), "22P02");
  EXPECT_EQ(SqlState("- 1"), "22P02");
}

TEST(SqlIntegerIo, SignsBlanksAndBounds) {
  EXPECT_EQ(Int(oid::kInt4, "12"), 12);
  EXPECT_EQ(Int(oid::kInt4, " 12 "), 12);
  EXPECT_EQ(Int(oid::kInt4, "\t9\n"), 9);
  EXPECT_EQ(Int(oid::kInt4, "+5"), 5);
  EXPECT_EQ(Int(oid::kInt4, "-0"), 0);
  EXPECT_EQ(Int(oid::kInt4, "007"), 7);
  EXPECT_EQ(Int(oid::kInt4, "-2147483648"), INT32_MIN);
  EXPECT_EQ(Int(oid::kInt4, "2147483647"), INT32_MAX);
  EXPECT_EQ(Int(oid::kInt2, "  +7  "), 7);
  EXPECT_EQ(Int(oid::kInt2, "-32768"), -32768);
  EXPECT_EQ(Int(oid::kInt8, "-9223372036854775808"), INT64_MIN);
  EXPECT_EQ(Int(oid::kInt8, "9223372036854775807"), INT64_MAX);
  EXPECT_EQ(Int(oid::kOid, "-1"), 4294967295);
  EXPECT_EQ(Int(oid::kOid, "4294967295"), 4294967295);
}

TEST(SqlIntegerIo, ErrorsAsPostgres) {
  EXPECT_EQ(ErrorOf(oid::kInt4, "2147483648"), "22003: value \"2147483648\" is out of range for type integer");
  EXPECT_EQ(ErrorOf(oid::kInt4, "-2147483649"), "22003: value \"-2147483649\" is out of range for type integer");
  // The range is checked as the digits are read, before trailing junk.
  EXPECT_EQ(ErrorOf(oid::kInt4, "99999999999x"), "22003: value \"99999999999x\" is out of range for type integer");
  EXPECT_EQ(ErrorOf(oid::kInt2, "32768"), "22003: value \"32768\" is out of range for type smallint");
  EXPECT_EQ(ErrorOf(oid::kInt8, "9223372036854775808"),
            "22003: value \"9223372036854775808\" is out of range for type bigint");
  EXPECT_EQ(ErrorOf(oid::kInt8, "99999999999999999999999 x"),
            "22003: value \"99999999999999999999999 x\" is out of range for type bigint");
  for (const char* bad : {"", " ", "-", "+", "x", "1 2", "0x10", "1_000", "1.0", "--1", "\xef\xbc\x91"}) {
    EXPECT_EQ(ErrorOf(oid::kInt4, bad), std::string("22P02: invalid input syntax for type integer: \"") + bad + "\"")
        << bad;
  }
  // oidin looks at trailing junk before the range.
  EXPECT_EQ(ErrorOf(oid::kOid, "99999999999x"), "22P02: invalid input syntax for type oid: \"99999999999x\"");
  EXPECT_EQ(ErrorOf(oid::kOid, "4294967296"), "22003: value \"4294967296\" is out of range for type oid");
  EXPECT_EQ(ErrorOf(oid::kOid, "-2147483649"), "22003: value \"-2147483649\" is out of range for type oid");
}

TEST(SqlTimestampIo, ValuesAsPostgres) {
  const std::pair<const char*, const char*> cases[] = {
      {"2024-01-01 00:00:37", "2024-01-01 00:00:37"},
      {" 2024-03-05 07:08:09 ", "2024-03-05 07:08:09"},
      {"2024-01-01T10:00:00", "2024-01-01 10:00:00"},
      {"2024-01-01 10:00:00.1234567", "2024-01-01 10:00:00.123457"},
      {"1999-12-31 23:59:59.999999", "1999-12-31 23:59:59.999999"},
      {"2024-01-01 24:00:00", "2024-01-02 00:00:00"},
      // A time zone is ignored for timestamp without time zone.
      {"2024-01-01 10:00:00+05", "2024-01-01 10:00:00"},
      {"2024-01-01 10:00:00 Europe/Paris", "2024-01-01 10:00:00"},
      {"2024-01-01 00:00:00 BC", "2024-01-01 00:00:00 BC"},
      {"0001-12-31 23:59:59 bc", "0001-12-31 23:59:59 BC"},
      {"0005-02-29 BC", "0005-02-29 00:00:00 BC"},  // 5 BC is a leap year (year -4)
      {"2024-01-01 AD", "2024-01-01 00:00:00"},
      {" infinity ", "infinity"},
      {"-infinity", "-infinity"},
      {"epoch", "1970-01-01 00:00:00"},
  };
  for (const auto& [text, shown] : cases) EXPECT_EQ(FormatTimestamp(ParseTimestamp(text)), shown) << text;
  EXPECT_EQ(FormatTimestamptz(ParseTimestamptz("2024-06-01 12:00:00+02", "UTC"), "UTC"), "2024-06-01 10:00:00+00");
  EXPECT_EQ(FormatTimestamptz(ParseTimestamptz("2024-06-01 12:00:00-03:30", "UTC"), "UTC"), "2024-06-01 15:30:00+00");
  EXPECT_EQ(FormatTimestamptz(ParseTimestamptz("2024-06-01 12:00:00+02 BC", "UTC"), "UTC"),
            "2024-06-01 10:00:00+00 BC");
  EXPECT_EQ(FormatDate(ParseDate("2024-01-01 BC")), "2024-01-01 BC");
}

TEST(SqlTimestampIo, ErrorsAsPostgres) {
  for (const char* text : {"2024-13-01", "2024-00-10", "2024-01-32", "2024-02-30", "2023-02-29", "0000-01-01",
                           "0004-02-29 BC", "2024-01-01 25:00"}) {
    EXPECT_EQ(ErrorOf(oid::kTimestamp, text),
              std::string("22008: date/time field value out of range: \"") + text + "\"")
        << text;
  }
  for (const char* text : {"2024-01-01 10:00:00 garbage", "x", "", "2024-01"}) {
    EXPECT_EQ(ErrorOf(oid::kTimestamp, text),
              std::string("22007: invalid input syntax for type timestamp: \"") + text + "\"")
        << text;
  }
}
