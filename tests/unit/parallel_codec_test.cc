// The parallel query encoding: Datums and compiled programs survive a round
// trip exactly, truncated messages are errors, and partial aggregate states
// split anywhere, shipped and combined give the serial aggregate's result.
#include "sql/executor/parallel_codec.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <functional>
#include <limits>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "sql/analyzer/analyzer.h"
#include "sql/engine.h"
#include "sql/executor/compile.h"
#include "sql/functions/registry.h"
#include "sql/types/array.h"
#include "sql/types/type_io.h"
#include "sql/types/type_oids.h"
#include "utils/error.h"

namespace tusk::sql {
namespace {

// Every field, bit for bit (floats by their bits, numerics by text, which
// shows the display scale).
void ExpectSameDatum(const Datum& a, const Datum& b, const std::string& where = "") {
  EXPECT_EQ(a.null, b.null) << where;
  EXPECT_EQ(a.b, b.b) << where;
  EXPECT_EQ(a.i, b.i) << where;
  EXPECT_EQ(a.days, b.days) << where;
  EXPECT_EQ(a.months, b.months) << where;
  EXPECT_EQ(std::bit_cast<uint64_t>(a.f), std::bit_cast<uint64_t>(b.f)) << where;
  EXPECT_EQ(a.s, b.s) << where;
  EXPECT_EQ(a.n.ToString(), b.n.ToString()) << where;
  EXPECT_EQ(a.n.scale(), b.n.scale()) << where;
  ASSERT_EQ(a.arr == nullptr, b.arr == nullptr) << where;
  if (!a.arr) return;
  EXPECT_EQ(a.arr->elem_type, b.arr->elem_type) << where;
  EXPECT_EQ(a.arr->lbound, b.arr->lbound) << where;
  ASSERT_EQ(a.arr->elems.size(), b.arr->elems.size()) << where;
  for (size_t k = 0; k < a.arr->elems.size(); ++k) {
    ExpectSameDatum(a.arr->elems[k], b.arr->elems[k], where + "[" + std::to_string(k) + "]");
  }
}

Datum RoundTrip(const Datum& d) {
  std::string buf;
  ByteWriter w(buf);
  WriteDatum(w, d);
  ByteReader r(buf);
  Datum out = ReadDatum(r);
  EXPECT_TRUE(r.AtEnd());
  return out;
}

// Truncated (or otherwise unusable) messages: XX000, as an internal error.
void ExpectInternalError(const std::function<void()>& read) {
  try {
    read();
    ADD_FAILURE() << "no error";
  } catch (const PgError& e) {
    EXPECT_EQ(e.data().sqlstate, "XX000");
  }
}

Datum Num(const char* text) { return Datum::Num(Numeric::Parse(text)); }

TEST(ParallelCodec, ScalarsAndOddFieldCombinations) {
  std::vector<Datum> values = {
      Datum::Null(), Datum::Bool(true), Datum::Bool(false), Datum::Int(0), Datum::Int(-1),
      Datum::Int(std::numeric_limits<int64_t>::min()), Datum::Int(std::numeric_limits<int64_t>::max()),
      Datum::Float(0.0), Datum::Float(-0.0), Datum::Float(1.5e-310),  // subnormal
      Datum::Float(std::numeric_limits<double>::infinity()), Datum::Float(-std::numeric_limits<double>::infinity()),
      Datum::Float(std::nan("")), Datum::Float(-std::nan("0x123")),  // sign and payload kept
      Datum::Text(""), Datum::Text("x"), Datum::Text(std::string(100000, 'a') + "\xE2\x82\xAC"),
  };
  // A reused Datum keeps other fields' leftovers; they travel too.
  Datum leftovers = Datum::Int(7);
  leftovers.null = true;
  leftovers.s = "old";
  leftovers.f = 2.5;
  leftovers.n = Numeric::Parse("3.10");
  values.push_back(leftovers);
  for (const Datum& d : values) ExpectSameDatum(d, RoundTrip(d));
}

TEST(ParallelCodec, NumericsKeepSignScaleAndSpecials) {
  for (const char* t : {"0", "0.00", "1.5", "1.50", "-1.50", "-0.001", "NaN", "Infinity", "-Infinity",
                        "123456789012345678901234567890.123456789012345678901234567890", "1e300", "-1e-300",
                        "99999999999999999999999999999999999999", "0.0000000000000000000000000000000000000001"}) {
    Datum d = Num(t);
    Datum back = RoundTrip(d);
    ExpectSameDatum(d, back, t);
    EXPECT_EQ(back.n.Compare(d.n), 0) << t;
    EXPECT_EQ(back.n.is_nan(), d.n.is_nan()) << t;
    EXPECT_EQ(back.n.negative(), d.n.negative()) << t;
  }
  // A display scale past the 16-bit dscale of numeric's binary form.
  Datum tiny = Num("1e-70000");
  EXPECT_EQ(RoundTrip(tiny).n.scale(), 70000);
  ExpectSameDatum(tiny, RoundTrip(tiny));
}

TEST(ParallelCodec, DatesTimesAndIntervals) {
  IoContext io;
  const std::pair<uint32_t, const char*> cases[] = {
      {oid::kDate, "2024-02-29"},
      {oid::kDate, "1999-12-31"},
      {oid::kTimestamp, "2026-11-23 00:14:15.123456"},
      {oid::kTimestamptz, "1900-01-01 00:00:00+00"},
      {oid::kInterval, "1 year 2 mons -3 days 04:05:06.789"},
      {oid::kInterval, "-178000000 years"},
  };
  for (const auto& [type, text] : cases) {
    Datum d = TextIn(type, text, io);
    Datum back = RoundTrip(d);
    ExpectSameDatum(d, back, text);
    std::string a, b;
    TextOut(type, d, io, a);
    TextOut(type, back, io, b);
    EXPECT_EQ(a, b);
  }
}

TEST(ParallelCodec, ArraysKeepElementTypeBoundsNullsAndNesting) {
  IoContext io;
  Datum ints = ArrayTextIn(oid::kInt4, "[0:3]={1,NULL,-3,4}", io, -1);
  ASSERT_EQ(ints.arr->lbound, 0);
  ExpectSameDatum(ints, RoundTrip(ints));
  Datum texts = ArrayTextIn(oid::kText, "{\"a b\",NULL,\"\",x}", io, -1);
  ExpectSameDatum(texts, RoundTrip(texts));
  Datum nums = MakeArray(oid::kNumeric, {Num("1.50"), Num("NaN"), Datum::Null(), Num("-0.001")}, -5);
  ExpectSameDatum(nums, RoundTrip(nums));
  Datum empty = EmptyArray(oid::kFloat8);
  Datum back = RoundTrip(empty);
  ExpectSameDatum(empty, back);
  EXPECT_EQ(back.arr->elem_type, oid::kFloat8);
  // ArrayValue is one-dimensional, but an element may itself hold an
  // array: the encoding recurses whatever the nesting.
  Datum nested = MakeArray(oid::kInt4Array, {ints, Datum::Null(), empty}, 2);
  ExpectSameDatum(nested, RoundTrip(nested));
  // A null Datum that still points at an array (a reused register).
  Datum stale = ints;
  stale.null = true;
  ExpectSameDatum(stale, RoundTrip(stale));
}

TEST(ParallelCodec, ManyValuesInOneMessage) {
  std::string buf;
  ByteWriter w(buf);
  w.U8(200);
  w.U32(0xDEADBEEF);
  w.I32(-5);
  w.I64(-(int64_t{1} << 40));
  w.F64(-0.0);
  __int128 big = static_cast<__int128>(-1) << 100;
  w.I128(big);
  w.Bytes(std::string("a\0b", 3));
  WriteDatum(w, Num("2.50"));
  w.Bytes("");
  ByteReader r(buf);
  EXPECT_EQ(r.U8(), 200);
  EXPECT_EQ(r.U32(), 0xDEADBEEFu);
  EXPECT_EQ(r.I32(), -5);
  EXPECT_EQ(r.I64(), -(int64_t{1} << 40));
  EXPECT_TRUE(std::signbit(r.F64()));
  EXPECT_TRUE(r.I128() == big);
  EXPECT_EQ(r.Bytes(), std::string_view("a\0b", 3));
  EXPECT_EQ(ReadDatum(r).n.ToString(), "2.50");
  EXPECT_FALSE(r.AtEnd());
  EXPECT_EQ(r.Bytes(), "");
  EXPECT_TRUE(r.AtEnd());
  ExpectInternalError([&] { r.U8(); });
}

TEST(ParallelCodec, EveryPrefixOfADatumIsTruncated) {
  IoContext io;
  Datum d = MakeArray(oid::kNumeric, {Num("1.50"), Datum::Null(), Num("-7")}, 3);
  std::string buf;
  ByteWriter w(buf);
  WriteDatum(w, d);
  for (size_t len = 0; len < buf.size(); ++len) {
    ExpectInternalError([&] {
      ByteReader r(std::string_view(buf).substr(0, len));
      ReadDatum(r);
    });
  }
}

// Enough of a session for the analyzer: expressions without tables.
class NoTablesSession : public SessionContext {
 public:
  int BackendPid() override { return 1; }
  std::string CurrentUser() override { return "u"; }
  std::string SessionUser() override { return "u"; }
  std::string CurrentDatabase() override { return "d"; }
  bool IsSuperuser() override { return true; }
  std::optional<std::string> GetConfig(const std::string& name, bool missing_ok) override {
    if (name == "timezone" || name == "TimeZone") return "UTC";
    if (missing_ok) return std::nullopt;
    throw PgError(sqlstate::kUndefinedObject, "unrecognized configuration parameter \"" + name + "\"");
  }
  std::string SetConfig(const std::string&, const std::string& value, bool) override { return value; }
  bool CancelBackend(int) override { return false; }
  bool TerminateBackend(int) override { return false; }
  bool ReloadConf() override { return false; }
  int64_t TransactionStartMicros() override { return 0; }
  int64_t StatementStartMicros() override { return 0; }
  void SleepInterruptibly(double) override {}
  void CheckForInterrupts() override {}
  void EmitNotice(const ErrorData&) override {}
  VirtualTable* LookupRelation(const std::string&, const std::string&) override { return nullptr; }
};

// The select list's expressions over parameters $1 int4, $2 text,
// $3 numeric, $4 float8, compiled as the executor compiles them.
std::vector<ExprProgram> CompileTargets(const std::string& select_list, SessionContext& session) {
  auto stmts = ParseQuery("select " + select_list);
  AnalyzedQuery q = AnalyzeSelect(*stmts.at(0), {oid::kInt4, oid::kText, oid::kNumeric, oid::kFloat8}, session);
  std::vector<ExprProgram> progs;
  for (size_t k = 0; k < q.visible; ++k) progs.push_back(CompileExpr(*q.targets[k], q.param_types.size()));
  return progs;
}

constexpr const char* kExpressions =
    "$1 * 3 + 7, $2 || '-' || upper($2), case when $1 > 5 then 1.50 else 2.250 end, coalesce(null::int, $1, 0), "
    "($1 in (1, 2, 3) and $2 is not null) or $4 > 1, $1 = any(array[1, 2, 10]), array[$1, null, 3], "
    "round($3 * 1.005, 2), date '2024-01-31' + $1, interval '1 mon 2 days' * $4, abs(-$4), "
    "length(repeat($2, 3)), $3 / 7, not ($1 is null), 'NaN'::numeric, array['a', $2], $1::text || $3::text";

TEST(ParallelCodec, ProgramsEvaluateTheSameAfterARoundTrip) {
  NoTablesSession session;
  std::vector<ExprProgram> progs = CompileTargets(kExpressions, session);
  ASSERT_EQ(progs.size(), 17u);
  const std::vector<std::vector<Datum>> param_sets = {
      {Datum::Int(2), Datum::Text("ab"), Num("10.125"), Datum::Float(0.5)},
      {Datum::Int(10), Datum::Text(""), Num("-3.00"), Datum::Float(2.75)},
      {Datum::Null(), Datum::Null(), Datum::Null(), Datum::Null()},
      {Datum::Int(-7), Datum::Text("x y"), Num("NaN"), Datum::Float(-0.0)},
  };
  ExecContext ctx;
  ctx.session = &session;
  for (size_t k = 0; k < progs.size(); ++k) {
    std::string buf;
    ByteWriter w(buf);
    WriteProgram(w, progs[k]);
    ByteReader r(buf);
    ExprProgram back = ReadProgram(r);
    EXPECT_TRUE(r.AtEnd());
    // Structure: every step field, register and parameter register.
    const ExprProgram& p = progs[k];
    ASSERT_EQ(back.steps.size(), p.steps.size());
    for (size_t s = 0; s < p.steps.size(); ++s) {
      const Step &a = p.steps[s], &b = back.steps[s];
      EXPECT_EQ(a.op, b.op);
      EXPECT_EQ(a.strict, b.strict);
      EXPECT_EQ(a.out, b.out);
      EXPECT_EQ(a.target, b.target);
      EXPECT_EQ(a.aux, b.aux);
      EXPECT_EQ(a.fn, b.fn);
      EXPECT_EQ(a.type_a, b.type_a);
      EXPECT_EQ(a.type_b, b.type_b);
      EXPECT_EQ(a.typmod, b.typmod);
      EXPECT_EQ(std::vector<int>(a.args.begin(), a.args.end()), std::vector<int>(b.args.begin(), b.args.end()));
    }
    ASSERT_EQ(back.regs.size(), p.regs.size());
    for (size_t reg = 0; reg < p.regs.size(); ++reg) ExpectSameDatum(p.regs[reg], back.regs[reg]);
    EXPECT_EQ(back.param_regs, p.param_regs);
    EXPECT_EQ(back.result, p.result);
    EXPECT_EQ(back.type, p.type);
    // Behaviour: the same results for every parameter set.
    for (const auto& params : param_sets) {
      ExprProgram before = p, after = back;
      before.BindParams(params);
      after.BindParams(params);
      const Datum& x = before.Eval(nullptr, ctx);
      const Datum& y = after.Eval(nullptr, ctx);
      ASSERT_EQ(x.null, y.null) << k;
      if (x.null) continue;
      std::string xs, ys;
      TextOut(p.type, x, ctx.io, xs);
      TextOut(p.type, y, ctx.io, ys);
      EXPECT_EQ(xs, ys) << k;
      ExpectSameDatum(x, y, std::to_string(k));
    }
  }
}

TEST(ParallelCodec, EveryPrefixOfAProgramIsTruncated) {
  NoTablesSession session;
  std::vector<ExprProgram> progs = CompileTargets(kExpressions, session);
  std::string buf;
  ByteWriter w(buf);
  for (const ExprProgram& p : progs) WriteProgram(w, p);
  for (size_t len = 0; len < buf.size(); ++len) {
    ExpectInternalError([&] {
      ByteReader r(std::string_view(buf).substr(0, len));
      for (size_t k = 0; k < progs.size(); ++k) ReadProgram(r);
    });
  }
  ByteReader whole(buf);
  for (size_t k = 0; k < progs.size(); ++k) ReadProgram(whole);
  EXPECT_TRUE(whole.AtEnd());
}

TEST(ParallelCodec, ProgramsWithSubqueriesAreRefused) {
  ExprProgram p;
  p.subplans.emplace_back();
  std::string buf;
  ByteWriter w(buf);
  ExpectInternalError([&] { WriteProgram(w, p); });  // XX000 too
}

// ---- Partial aggregation ----

AggSpec Spec(const char* name, uint32_t arg_type) {
  for (const AggDef& d : AllAggregates()) {
    if (d.name != name || d.kind == AggKind::kCountStar) continue;
    if (d.arg != arg_type && d.arg != kAnyArg) continue;
    AggSpec a;
    a.def = &d;
    a.arg_type = arg_type;
    a.result_type = d.result ? d.result : arg_type;
    return a;
  }
  ADD_FAILURE() << "no aggregate " << name;
  return {};
}

AggSpec CountStar() {
  for (const AggDef& d : AllAggregates()) {
    if (d.kind == AggKind::kCountStar) {
      AggSpec a;
      a.def = &d;
      a.result_type = oid::kInt8;
      return a;
    }
  }
  return {};
}

bool IsFloat(uint32_t type) { return type == oid::kFloat4 || type == oid::kFloat8; }

// The final values agree: exactly (numerics with their scale), or for
// floats up to the rounding of a different summation order.
void ExpectSameFinal(const AggSpec& a, const Datum& serial, const Datum& combined, const std::string& where) {
  ASSERT_EQ(serial.null, combined.null) << where;
  if (serial.null) return;
  if (IsFloat(a.result_type)) {
    if (std::isnan(serial.f) || std::isinf(serial.f)) {
      EXPECT_EQ(std::isnan(serial.f), std::isnan(combined.f)) << where;
      if (std::isinf(serial.f)) {
        EXPECT_EQ(serial.f, combined.f) << where;
      }
      return;
    }
    const double tol = 1e-9 * std::max({1.0, std::fabs(serial.f), std::fabs(combined.f)});
    EXPECT_NEAR(serial.f, combined.f, tol) << where;
    return;
  }
  ExpectSameDatum(serial, combined, where);
}

AggState Ship(const AggSpec& a, const AggState& s) {
  std::string buf;
  ByteWriter w(buf);
  WriteAggState(w, a, s);
  for (size_t len = 0; len < buf.size(); len += 7) {
    ExpectInternalError([&] {
      ByteReader r(std::string_view(buf).substr(0, len));
      ReadAggState(r, a);
    });
  }
  ByteReader r(buf);
  AggState back = ReadAggState(r, a);
  EXPECT_TRUE(r.AtEnd());
  return back;
}

// Splits the inputs at `cuts` (ascending, each part possibly empty),
// accumulates each part into its own state as a worker would, ships the
// states, and combines them in input order; the final value must be the
// serial one.
void CheckSplit(const AggSpec& a, const std::vector<Datum>& inputs, const std::vector<size_t>& cuts,
                const std::string& where) {
  ExecContext ctx;
  AggState serial;
  for (const Datum& v : inputs) AggAccumulate(a, serial, v, Datum::Null(), ctx);
  std::vector<AggState> parts;
  size_t begin = 0;
  for (size_t k = 0; k <= cuts.size(); ++k) {
    const size_t end = k < cuts.size() ? cuts[k] : inputs.size();
    AggState part;
    for (size_t i = begin; i < end; ++i) AggAccumulate(a, part, inputs[i], Datum::Null(), ctx);
    parts.push_back(Ship(a, part));
    begin = end;
  }
  AggState combined;
  for (const AggState& part : parts) CombineAggState(a, combined, part, ctx);
  EXPECT_EQ(combined.count, serial.count) << where;
  if (a.arg_type == oid::kNumeric && (a.def->kind == AggKind::kSum || a.def->kind == AggKind::kAvg)) {
    // Not visible in the final value, but AggRemove relies on them.
    EXPECT_EQ(combined.max_scale, serial.max_scale) << where;
    EXPECT_EQ(combined.max_scale_count, serial.max_scale_count) << where;
  }
  ExpectSameFinal(a, AggFinal(a, serial), AggFinal(a, combined), where);
  // The leader may go on accumulating rows of its own into a combined state.
  if (!inputs.empty()) {
    AggAccumulate(a, serial, inputs[0], Datum::Null(), ctx);
    AggAccumulate(a, combined, inputs[0], Datum::Null(), ctx);
    ExpectSameFinal(a, AggFinal(a, serial), AggFinal(a, combined), where + " +1");
  }
}

// Two-way splits at the ends, near them and in the middle, and random
// three- and four-way splits.
void CheckSplits(const AggSpec& a, const std::vector<Datum>& inputs, const std::string& what) {
  const size_t n = inputs.size();
  const std::string where = std::string(a.def->name) + "(" + std::to_string(a.arg_type) + ") " + what;
  for (size_t cut : {size_t{0}, size_t{1}, n / 3, n / 2, n > 0 ? n - 1 : 0, n}) {
    if (cut > n) continue;
    CheckSplit(a, inputs, {cut}, where + " cut " + std::to_string(cut));
  }
  std::mt19937 rng(static_cast<unsigned>(n) * 31 + a.arg_type);
  for (int round = 0; round < 4; ++round) {
    std::vector<size_t> cuts;
    for (int k = 0; k < 2 + round % 2; ++k) cuts.push_back(n ? rng() % (n + 1) : 0);
    std::sort(cuts.begin(), cuts.end());
    CheckSplit(a, inputs, cuts, where + " random split " + std::to_string(round));
  }
  CheckSplit(a, {}, {}, where + " no rows");
}

void CheckAggregates(const std::vector<const char*>& names, uint32_t type, const std::vector<Datum>& inputs,
                     const std::string& what) {
  for (const char* name : names) CheckSplits(Spec(name, type), inputs, what);
}

const std::vector<const char*> kNumberAggs = {"count", "sum", "avg", "min", "max", "var_samp",
                                              "var_pop", "stddev_samp", "stddev_pop"};

std::vector<Datum> WithNulls(std::vector<Datum> v, std::mt19937& rng) {
  std::vector<Datum> out;
  for (Datum& d : v) {
    if (rng() % 5 == 0) out.push_back(Datum::Null());
    out.push_back(std::move(d));
  }
  return out;
}

TEST(ParallelCodec, CombinedIntegerAggregatesMatchSerial) {
  std::mt19937 rng(7);
  std::vector<Datum> int4s, int8s;
  for (int k = 0; k < 60; ++k) {
    int4s.push_back(Datum::Int(static_cast<int32_t>(rng()) / (k % 3 == 0 ? 1 : 100000)));
    // Near the int8 limits: the sums only fit in the 128-bit accumulator.
    int8s.push_back(Datum::Int(k % 2 ? std::numeric_limits<int64_t>::max() - k : static_cast<int64_t>(rng() % 1000)));
  }
  CheckAggregates(kNumberAggs, oid::kInt4, WithNulls(int4s, rng), "int4");
  CheckAggregates(kNumberAggs, oid::kInt8, WithNulls(int8s, rng), "int8");
  CheckSplits(CountStar(), WithNulls(int4s, rng), "count(*)");
  CheckAggregates(kNumberAggs, oid::kInt4, {Datum::Null(), Datum::Null()}, "only nulls");
  CheckAggregates(kNumberAggs, oid::kInt4, {Datum::Int(5)}, "one row");
}

TEST(ParallelCodec, CombinedNumericAggregatesMatchSerialWithScale) {
  std::mt19937 rng(11);
  const char* pool[] = {"1.5", "1.50", "-0.001", "2", "0.00", "-17.25", "1e30", "123456789.123456789",
                        "99999999999999999999999999999999999.9", "1e40", "-1e40",
                        "123456789012345678901234567890.12345678", "900000000000000000000000000000000000",
                        "0.0000000000000000000000000000001", "3"};
  std::vector<Datum> mixed;
  for (int k = 0; k < 80; ++k) mixed.push_back(Num(pool[rng() % std::size(pool)]));
  CheckAggregates(kNumberAggs, oid::kNumeric, WithNulls(mixed, rng), "mixed");
  // Fast mode on both sides with different scales, and parts that each
  // fit the fast form but whose sum does not (over 10^37 units).
  CheckAggregates(kNumberAggs, oid::kNumeric, {Num("1"), Num("2"), Num("3.125"), Num("4.5"), Num("0.0000001")},
                  "scales");
  std::vector<Datum> near_limit(13, Num("900000000000000000000000000000000000"));  // 9e35, 36 digits
  near_limit[7] = Num("-1");  // scale 0: a larger scale would leave the units at once
  CheckAggregates(kNumberAggs, oid::kNumeric, near_limit, "fast limit");
  // The result keeps the largest input scale even when the sum is zero.
  CheckAggregates({"sum", "avg"}, oid::kNumeric, {Num("1.500"), Num("-1.5"), Num("0.00")}, "zero sum");
  // Specials: NaN, and infinities of both signs (inf - inf is NaN).
  CheckAggregates(kNumberAggs, oid::kNumeric, {Num("1.5"), Num("NaN"), Datum::Null(), Num("2")}, "nan");
  CheckAggregates(kNumberAggs, oid::kNumeric, {Num("Infinity"), Num("2.5"), Num("-Infinity"), Num("3")}, "infs");
  CheckAggregates(kNumberAggs, oid::kNumeric, {Num("Infinity"), Num("2.5"), Num("Infinity")}, "inf");
}

// The numeric sum's two forms: parts in units at different scales combine
// in units at the larger scale; a total past the units' range, or a part
// already in decimal form, gives a decimal sum.
TEST(ParallelCodec, NumericSumsCombineInUnitsWhileTheyFit) {
  AggSpec a = Spec("sum", oid::kNumeric);
  ExecContext ctx;
  auto state = [&](std::vector<const char*> values) {
    AggState s;
    for (const char* v : values) AggAccumulate(a, s, Num(v), Datum::Null(), ctx);
    return s;
  };
  AggState x = state({"1.5", "2"}), y = state({"0.125"});
  ASSERT_TRUE(x.nfast && y.nfast);
  CombineAggState(a, x, y, ctx);
  EXPECT_TRUE(x.nfast);
  EXPECT_EQ(x.nscale, 3);
  EXPECT_EQ(AggFinal(a, x).n.ToString(), "3.625");
  // Values of up to 36 digits enter the units; their sum stays there below 10^37.
  const char* big = "900000000000000000000000000000000000";  // 9e35
  std::vector<const char*> six(6, big);
  AggState p = state(six), q = state(six);
  ASSERT_TRUE(p.nfast && q.nfast);
  CombineAggState(a, p, q, ctx);
  EXPECT_FALSE(p.nfast);
  EXPECT_EQ(AggFinal(a, p).n.ToString(), "10800000000000000000000000000000000000");
  AggState slow = state({"1e40"}), fast = state({"0.01"});
  ASSERT_FALSE(slow.nfast);
  CombineAggState(a, fast, slow, ctx);
  EXPECT_FALSE(fast.nfast);
  EXPECT_EQ(AggFinal(a, fast).n.ToString(), "10000000000000000000000000000000000000000.01");
}

TEST(ParallelCodec, CombinedFloatAggregatesMatchSerialUpToRounding) {
  std::mt19937 rng(13);
  std::uniform_real_distribution<double> dist(-1000, 1000);
  std::vector<Datum> floats;
  for (int k = 0; k < 70; ++k) floats.push_back(Datum::Float(k % 10 == 0 ? dist(rng) * 1e6 : dist(rng)));
  CheckAggregates(kNumberAggs, oid::kFloat8, WithNulls(floats, rng), "float8");
  CheckAggregates(kNumberAggs, oid::kFloat4, WithNulls(floats, rng), "float4");
  // Equal values: Sxx is exactly 0 whatever the split.
  CheckAggregates(kNumberAggs, oid::kFloat8, {Datum::Float(0.1), Datum::Float(0.1), Datum::Float(0.1)}, "equal");
  const double inf = std::numeric_limits<double>::infinity();
  CheckAggregates(kNumberAggs, oid::kFloat8, {Datum::Float(1), Datum::Float(std::nan("")), Datum::Float(2)}, "nan");
  CheckAggregates(kNumberAggs, oid::kFloat8, {Datum::Float(1), Datum::Float(inf), Datum::Float(2)}, "inf");
  CheckAggregates(kNumberAggs, oid::kFloat8, {Datum::Float(inf), Datum::Float(-inf), Datum::Float(2)}, "infs");
}

TEST(ParallelCodec, CombinedFloatVarianceOverflowIsAnError) {
  // Finite inputs whose sum overflows: an error serially, and when the
  // parts each hold one of them.
  AggSpec a = Spec("var_samp", oid::kFloat8);
  ExecContext ctx;
  AggState serial, x, y;
  AggAccumulate(a, serial, Datum::Float(1e308), Datum::Null(), ctx);
  try {
    AggAccumulate(a, serial, Datum::Float(1e308), Datum::Null(), ctx);
    ADD_FAILURE() << "no serial overflow";
  } catch (const PgError& e) {
    EXPECT_EQ(e.data().sqlstate, "22003");
  }
  AggAccumulate(a, x, Datum::Float(1e308), Datum::Null(), ctx);
  AggAccumulate(a, y, Datum::Float(1e308), Datum::Null(), ctx);
  try {
    CombineAggState(a, x, y, ctx);
    ADD_FAILURE() << "no combined overflow";
  } catch (const PgError& e) {
    EXPECT_EQ(e.data().sqlstate, "22003");
  }
}

TEST(ParallelCodec, CombinedIntervalBoolAndTextAggregatesMatchSerial) {
  IoContext io;
  std::vector<Datum> spans;
  for (const char* t : {"1 day", "2 mons 3 days 04:00:00.5", "-1 year", "00:00:00.000001", "7 days -12:00:00",
                        "1 mon", "-29 days"}) {
    spans.push_back(TextIn(oid::kInterval, t, io));
  }
  std::mt19937 rng(17);
  CheckAggregates({"count", "sum", "avg", "min", "max"}, oid::kInterval, WithNulls(spans, rng), "interval");
  std::vector<Datum> bools;
  for (int k = 0; k < 20; ++k) bools.push_back(Datum::Bool(k != 13));
  CheckAggregates({"bool_and", "bool_or", "every", "count"}, oid::kBool, WithNulls(bools, rng), "bools");
  CheckAggregates({"bool_and", "bool_or"}, oid::kBool, {Datum::Bool(false), Datum::Bool(false)}, "falses");
  std::vector<Datum> texts;
  for (const char* t : {"pear", "apple", "", "zebra", "apple", "Apple"}) texts.push_back(Datum::Text(t));
  CheckAggregates({"min", "max", "count"}, oid::kText, WithNulls(texts, rng), "text");
  // Ties: of equal numerics (1.5 = 1.50) min and max keep the earlier one.
  CheckAggregates({"min", "max"}, oid::kNumeric, {Num("1.50"), Num("1.5"), Num("1.500")}, "ties");
  Datum arr = MakeArray(oid::kInt4, {Datum::Int(1), Datum::Null()}, 0);
  CheckAggregates({"min", "max"}, oid::kInt4Array, {arr, MakeArray(oid::kInt4, {Datum::Int(2)})}, "arrays");
}

TEST(ParallelCodec, OnlyPlainCallsOfCombinableAggregatesCombine) {
  EXPECT_TRUE(AggCanCombine(Spec("sum", oid::kNumeric)));
  EXPECT_TRUE(AggCanCombine(CountStar()));
  EXPECT_FALSE(AggCanCombine(Spec("string_agg", oid::kText)));
  EXPECT_FALSE(AggCanCombine(Spec("array_agg", oid::kInt4)));
  AggSpec distinct = Spec("count", oid::kInt4);
  distinct.distinct = true;
  EXPECT_FALSE(AggCanCombine(distinct));
  AggSpec ordered = Spec("sum", oid::kInt4);
  ordered.order_types = {oid::kInt4};
  EXPECT_FALSE(AggCanCombine(ordered));
  std::string buf;
  ByteWriter w(buf);
  ExpectInternalError([&] { WriteAggState(w, distinct, AggState()); });  // XX000, not a state
}

}  // namespace
}  // namespace tusk::sql
