// Datum and Numeric copies skip members both sides leave empty; every
// combination of empty and non-empty must still copy exactly.
#include <gtest/gtest.h>

#include <memory>

#include "sql/types/array.h"
#include "sql/types/datum.h"

namespace tusk::sql {
namespace {

TEST(DatumCopy, StringsNumericsAndArraysCopyExactlyWhicheverSideIsEmpty) {
  Datum text = Datum::Text("a string longer than the small-string buffer");
  Datum num = Datum::Num(Numeric::Parse("-12345678901234567890.25"));
  Datum zero_scaled = Datum::Num(Numeric::Parse("0.00"));
  Datum integer = Datum::Int(42);

  Datum d = text;  // copy-construct from a string
  EXPECT_EQ(d.s, text.s);
  d = integer;  // a string replaced by none
  EXPECT_TRUE(d.s.empty());
  EXPECT_EQ(d.i, 42);
  d = num;  // digits into a Datum that had none
  EXPECT_EQ(d.n.ToString(), "-12345678901234567890.25");
  d = zero_scaled;  // digits replaced by none, scale kept
  EXPECT_EQ(d.n.ToString(), "0.00");
  d = text;
  d = text;  // same contents again
  EXPECT_EQ(d.s, text.s);
  Datum self = num;
  self = *&self;  // self-assignment keeps the value
  EXPECT_EQ(self.n.ToString(), "-12345678901234567890.25");

  auto arr = std::make_shared<ArrayValue>();
  arr->elems.push_back(Datum::Int(7));
  Datum a = Datum::Array(arr);
  Datum b = a;
  EXPECT_EQ(b.arr, a.arr);
  b = integer;  // an array replaced by none
  EXPECT_EQ(b.arr, nullptr);
  EXPECT_EQ(a.arr.use_count(), 2);  // a and the local handle
  Datum nul;
  nul = text;
  nul = Datum::Null();
  EXPECT_TRUE(nul.null);
  EXPECT_TRUE(nul.s.empty());
}

}  // namespace
}  // namespace tusk::sql
