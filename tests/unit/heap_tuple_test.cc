// Heap tuple format: round trips with NULLs, short and long varlena values
// and alignment padding; trailing attributes missing after ADD COLUMN; the
// header bytes at their documented offsets; corrupt tuples rejected.
#include <gtest/gtest.h>

#include <cstring>

#include "access/heap/heap_tuple.h"
#include "utils/error.h"

namespace tusk::heap {
namespace {

namespace im = transam::infomask;

std::string Bytes(int64_t v, size_t n) { return std::string(reinterpret_cast<const char*>(&v), n); }

TEST(HeapTuple, RoundTripWithNullsAndVarlena) {
  std::vector<AttrDesc> attrs = {{1, 1, true}, {8, 8, true}, {-1, 4, false}, {4, 4, true}, {-1, 4, false}, {2, 2, true}};
  std::string i8 = Bytes(0x1122334455667788LL, 8), i4 = Bytes(42, 4), i2 = Bytes(7, 2);
  std::string shortv = "hello", longv(3000, 'x');
  longv[0] = 'L';
  std::vector<std::optional<std::string_view>> in = {std::string_view("c"), i8, shortv, std::nullopt, longv, i2};
  std::string t = FormTuple(attrs, in);
  EXPECT_EQ(TupNatts(t.data()), 6);
  EXPECT_TRUE(TupInfomask(t.data()) & im::kHasNull);
  EXPECT_TRUE(TupInfomask(t.data()) & im::kHasVarWidth);
  EXPECT_EQ(TupHoff(t.data()), 32);  // 31 + 1 bitmap byte, rounded to 8
  EXPECT_EQ(static_cast<uint8_t>(t[kTupOffBits]), 0b110111);
  // The 8-byte value is 8-aligned from the tuple start: after 'c' at 32 come 7 pad bytes.
  EXPECT_EQ(t.substr(40, 8), i8);
  // Short varlena: one odd header byte, (1 + 5) << 1 | 1.
  EXPECT_EQ(static_cast<uint8_t>(t[48]), (6 << 1) | 1);
  std::vector<std::optional<std::string_view>> out;
  DeformTuple(attrs, t, &out);
  ASSERT_EQ(out.size(), 6u);
  EXPECT_EQ(*out[0], "c");
  EXPECT_EQ(*out[1], i8);
  EXPECT_EQ(*out[2], shortv);
  EXPECT_FALSE(out[3].has_value());
  EXPECT_EQ(*out[4], longv);
  EXPECT_EQ(*out[5], i2);
}

TEST(HeapTuple, NoNullsMeansNoBitmapAndMissingTrailingAttrsAreNull) {
  std::vector<AttrDesc> attrs = {{4, 4, true}};
  std::string i4 = Bytes(5, 4);
  std::string t = FormTuple(attrs, {std::string_view(i4)});
  EXPECT_EQ(TupHoff(t.data()), kMinTupleHeader);
  EXPECT_EQ(t.size(), kMinTupleHeader + 4);
  EXPECT_EQ(TupInfomask(t.data()) & (im::kHasNull | im::kHasVarWidth), 0);
  std::vector<AttrDesc> wider = {{4, 4, true}, {-1, 4, false}, {8, 8, true}};
  std::vector<std::optional<std::string_view>> out;
  DeformTuple(wider, t, &out);
  ASSERT_EQ(out.size(), 3u);
  EXPECT_EQ(*out[0], i4);
  EXPECT_FALSE(out[1].has_value());
  EXPECT_FALSE(out[2].has_value());
}

TEST(HeapTuple, BoundaryBetweenShortAndLongHeaders) {
  std::vector<AttrDesc> attrs = {{1, 1, true}, {-1, 4, false}, {-1, 4, false}};
  std::string a(kMaxShortPayload, 'a'), b(kMaxShortPayload + 1, 'b');
  std::string t = FormTuple(attrs, {std::string_view("z"), a, b});
  std::vector<std::optional<std::string_view>> out;
  DeformTuple(attrs, t, &out);
  EXPECT_EQ(*out[1], a);
  EXPECT_EQ(*out[2], b);
  // An empty string is a 1-byte value too.
  std::string e = FormTuple(attrs, {std::string_view("z"), std::string_view(""), std::string_view("")});
  DeformTuple(attrs, e, &out);
  EXPECT_EQ(*out[1], "");
  EXPECT_EQ(e.size(), kMinTupleHeader + 3);
}

TEST(HeapTuple, HeaderFieldsAtDocumentedOffsets) {
  std::string t = FormTuple({{4, 4, true}}, {std::string_view("abcd")});
  SetTupXmin(t.data(), 0x0102030405060708ull);
  SetTupXmax(t.data(), 9);
  SetTupCid(t.data(), 3);
  SetTupCtid(t.data(), {7, 2});
  EXPECT_EQ(static_cast<uint8_t>(t[0]), 0x08);
  EXPECT_EQ(static_cast<uint8_t>(t[7]), 0x01);
  EXPECT_EQ(t[8], 9);
  EXPECT_EQ(t[16], 3);
  EXPECT_EQ(t[20], 7);
  EXPECT_EQ(t[24], 2);
  EXPECT_EQ(t[26], 1);  // natts
  EXPECT_EQ(t[30], 32);
  transam::TupleXactFields f = ReadXactFields(t.data());
  EXPECT_EQ(f.xmin, 0x0102030405060708ull);
  EXPECT_EQ(f.xmax, 9u);
  EXPECT_EQ(TupCtid(t.data()), (ItemPointer{7, 2}));
}

TEST(HeapTuple, WrongWidthAndCorruptionRejected) {
  EXPECT_THROW(FormTuple({{4, 4, true}}, {std::string_view("abc")}), PgError);
  std::string t = FormTuple({{-1, 4, false}}, {std::string_view(std::string(200, 'q'))});
  std::vector<std::optional<std::string_view>> out;
  std::string cut = t.substr(0, t.size() - 10);
  EXPECT_THROW(DeformTuple({{-1, 4, false}}, cut, &out), PgError);
  EXPECT_THROW(DeformTuple({{-1, 4, false}}, std::string_view("short"), &out), PgError);
}

}  // namespace
}  // namespace tusk::heap
