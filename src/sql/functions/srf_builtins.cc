// generate_series over integers, numeric and timestamps, and unnest of
// one-dimensional arrays, as streaming iterators for Function Scan nodes.
#include <limits>

#include "sql/functions/srf.h"

#include "sql/functions/regex.h"
#include "sql/session_context.h"
#include "sql/types/array.h"
#include "sql/types/record.h"
#include "sql/types/type_oids.h"
#include "utils/error.h"

namespace tusk::sql {
namespace {

[[noreturn]] void BadArg(const char* msg) { throw PgError(sqlstate::kInvalidParameterValue, msg); }

// int4 and int8: the series ends before a step that would leave the type's
// range, like PostgreSQL's overflow check.
class IntSeries : public SrfIterator {
 public:
  IntSeries(int64_t start, int64_t stop, int64_t step, bool int4)
      : cur_(start), stop_(stop), step_(step), lo_(int4 ? std::numeric_limits<int32_t>::min()
                                                         : std::numeric_limits<int64_t>::min()),
        hi_(int4 ? std::numeric_limits<int32_t>::max() : std::numeric_limits<int64_t>::max()) {}
  bool Next(Datum& out, ExecContext&) override {
    if (done_ || (step_ > 0 ? cur_ > stop_ : cur_ < stop_)) return false;
    out = Datum::Int(static_cast<int64_t>(cur_));
    cur_ += step_;
    if (cur_ < lo_ || cur_ > hi_) done_ = true;
    return true;
  }

 private:
  __int128 cur_;
  int64_t stop_, step_;
  __int128 lo_, hi_;
  bool done_ = false;
};

class NumericSeries : public SrfIterator {
 public:
  NumericSeries(Numeric start, Numeric stop, Numeric step)
      : cur_(std::move(start)), stop_(std::move(stop)), step_(std::move(step)), down_(step_.negative()) {}
  bool Next(Datum& out, ExecContext&) override {
    int c = cur_.Compare(stop_);
    if (down_ ? c < 0 : c > 0) return false;
    out = Datum::Num(cur_);
    cur_ = cur_.Add(step_);
    return true;
  }

 private:
  Numeric cur_, stop_, step_;
  bool down_;
};

// timestamp and timestamptz: each value is the previous plus the step, by
// the `+` operator's own implementation (month arithmetic in local time for
// timestamptz).
class TimestampSeries : public SrfIterator {
 public:
  TimestampSeries(uint32_t type, const Datum& start, const Datum& stop, const Datum& step, bool down)
      : cur_(start), stop_(stop.i), step_(step), down_(down) {
    add_.op = OpCode::kCall;
    for (const OperDef& op : AllOperators()) {
      if (op.name == "+" && op.left == type && op.right == oid::kInterval) {
        add_.fn = op.fn;
        add_.aux = op.aux;
        add_.type_a = type;
        add_.type_b = oid::kInterval;
        add_.strict = op.strict;
      }
    }
    if (!add_.fn) throw PgError(sqlstate::kInternalError, "timestamp + interval operator missing");
  }
  bool Next(Datum& out, ExecContext& ctx) override {
    if (down_ ? cur_.i < stop_ : cur_.i > stop_) return false;
    out = cur_;
    const Datum* args[2] = {&cur_, &step_};
    Datum next = cur_;
    add_.fn(add_, args, next, ctx);
    cur_ = next;
    return true;
  }

 private:
  Datum cur_;
  int64_t stop_;
  Datum step_;
  bool down_;
  Step add_;
};

class Unnest : public SrfIterator {
 public:
  explicit Unnest(std::shared_ptr<const ArrayValue> arr) : arr_(std::move(arr)) {}
  bool Next(Datum& out, ExecContext&) override {
    if (!arr_ || pos_ >= arr_->elems.size()) return false;
    out = arr_->elems[pos_++];
    return true;
  }

 private:
  std::shared_ptr<const ArrayValue> arr_;
  size_t pos_ = 0;
};

// _pg_expandarray: each element with its position counted from 1 whatever
// the lower bound (int2vector subscripts start at 0). In an expression the
// row is one record value.
class ExpandArray : public SrfIterator {
 public:
  explicit ExpandArray(std::shared_ptr<const ArrayValue> arr)
      : arr_(std::move(arr)), typmod_(ExpandArrayTypmod(arr_->elem_type)) {}
  bool Next(Datum& out, ExecContext& ctx) override {
    std::vector<Datum> row(2);
    if (!NextRow(row.data(), ctx)) return false;
    out = MakeRecord(typmod_, std::move(row));
    return true;
  }
  bool NextRow(Datum* out, ExecContext&) override {
    if (pos_ >= arr_->elems.size()) return false;
    out[0] = arr_->elems[pos_++];
    out[1] = Datum::Int(static_cast<int64_t>(pos_));
    return true;
  }

 private:
  std::shared_ptr<const ArrayValue> arr_;
  int32_t typmod_;
  size_t pos_ = 0;
};

// pg_backup_stop([wait_for_archive]) in FROM: one row (lsn, labelfile, spcmapfile).
class BackupStopRow : public SrfIterator {
 public:
  explicit BackupStopRow(bool wait) : wait_(wait) {}
  bool Next(Datum& out, ExecContext& ctx) override {
    Datum row[3];
    if (!NextRow(row, ctx)) return false;
    out = row[0];
    return true;
  }
  bool NextRow(Datum* out, ExecContext& ctx) override {
    if (done_) return false;
    done_ = true;
    SessionContext::BackupStopInfo info = ctx.session->BackupStop(wait_);
    out[0] = Datum::Int(static_cast<int64_t>(info.lsn));
    out[1] = Datum::Text(std::move(info.label_file));
    out[2] = Datum::Text(std::move(info.spcmap_file));
    return true;
  }

 private:
  bool wait_;
  bool done_ = false;
};

// regexp_matches: one text[] per match (the groups, or the whole match when
// the pattern has none; a group that did not take part is NULL), only the
// first match without the g flag. regexp_split_to_table: the text between
// matches. An empty match moves on by one character, as PostgreSQL's.
class RegexScan : public SrfIterator {
 public:
  RegexScan(const std::vector<Datum>& args, bool split) : text_(args[0].s), split_(split) {
    bool icase = false;
    if (args.size() > 2) ParseRegexFlags(args[2].s, &global_, &icase);
    if (split && global_)
      throw PgError(sqlstate::kInvalidParameterValue,
                    "regexp_split_to_table() does not support the \"global\" option");
    if (split) global_ = true;
    re_ = Regex::Get(args[1].s, icase);
  }
  bool Next(Datum& out, ExecContext&) override {
    if (done_) return false;
    std::vector<RegexSpan> m;
    // A split yields no empty piece for an empty match at either end.
    while (search_ <= text_.size() && re_->SearchFrom(text_, search_, &m)) {
      const size_t so = static_cast<size_t>(m[0].so), eo = static_cast<size_t>(m[0].eo);
      search_ = eo > so ? eo : so + CharLen(so);
      if (split_) {
        if (eo == so && (so == 0 || so >= text_.size())) continue;
        out = Datum::Text(text_.substr(piece_, so - piece_));
        piece_ = eo;
        return true;
      }
      if (!global_) done_ = true;
      std::vector<Datum> groups;
      if (m.size() == 1) {
        groups.push_back(Datum::Text(text_.substr(so, eo - so)));
      } else {
        for (size_t g = 1; g < m.size(); ++g)
          groups.push_back(m[g].so < 0 ? Datum::Null()
                                       : Datum::Text(text_.substr(static_cast<size_t>(m[g].so),
                                                                  static_cast<size_t>(m[g].eo - m[g].so))));
      }
      out = MakeArray(oid::kText, std::move(groups));
      return true;
    }
    done_ = true;
    if (split_) {
      out = Datum::Text(text_.substr(std::min(piece_, text_.size())));
      return true;
    }
    return false;
  }

 private:
  size_t CharLen(size_t at) const {
    size_t len = 1;
    while (at + len < text_.size() && (static_cast<unsigned char>(text_[at + len]) & 0xC0) == 0x80) ++len;
    return len;
  }
  std::string text_;
  bool split_;
  bool global_ = false;
  bool done_ = false;
  size_t search_ = 0;  // where the next search starts
  size_t piece_ = 0;   // start of the split piece being collected
  std::shared_ptr<const Regex> re_;
};

const char* SetFunctionName(int kind) {
  switch (kind) {
    case kSrfUnnest: return "unnest";
    case kSrfBackupStop: return "pg_backup_stop";
    case kSrfRegexpMatches: return "regexp_matches";
    case kSrfRegexpSplitTable: return "regexp_split_to_table";
    case kSrfExpandArray: return "_pg_expandarray";
    default: return "generate_series";
  }
}

std::vector<FuncDef> BuildSetFunctions() {
  std::vector<FuncDef> v;
  auto add = [&](std::vector<uint32_t> args, uint32_t result, int kind) {
    v.push_back({SetFunctionName(kind), std::move(args), result, nullptr, true, false, kind});
  };
  for (uint32_t t : {oid::kInt4, oid::kInt8}) {
    add({t, t}, t, kSrfSeriesInt);
    add({t, t, t}, t, kSrfSeriesInt);
  }
  add({oid::kNumeric, oid::kNumeric}, oid::kNumeric, kSrfSeriesNumeric);
  add({oid::kNumeric, oid::kNumeric, oid::kNumeric}, oid::kNumeric, kSrfSeriesNumeric);
  add({oid::kTimestamp, oid::kTimestamp, oid::kInterval}, oid::kTimestamp, kSrfSeriesTimestamp);
  add({oid::kTimestamptz, oid::kTimestamptz, oid::kInterval}, oid::kTimestamptz, kSrfSeriesTimestamp);
  add({oid::kAnyArray}, oid::kAnyElement, kSrfUnnest);
  add({}, oid::kPgLsn, kSrfBackupStop);
  add({oid::kBool}, oid::kPgLsn, kSrfBackupStop);
  add({oid::kText, oid::kText}, oid::kTextArray, kSrfRegexpMatches);
  add({oid::kText, oid::kText, oid::kText}, oid::kTextArray, kSrfRegexpMatches);
  add({oid::kText, oid::kText}, oid::kText, kSrfRegexpSplitTable);
  add({oid::kText, oid::kText, oid::kText}, oid::kText, kSrfRegexpSplitTable);
  add({oid::kAnyArray}, oid::kRecord, kSrfExpandArray);
  return v;
}

}  // namespace

const std::vector<FuncDef>& AllSetFunctions() {
  static const std::vector<FuncDef> fns = BuildSetFunctions();
  return fns;
}

bool IsSetFunctionName(const std::string& name) {
  return name == "generate_series" || name == "unnest" || name == "pg_backup_stop" || name == "regexp_matches" ||
         name == "regexp_split_to_table" || name == "_pg_expandarray";
}

bool IsInformationSchemaFunction(const std::string& name) { return name == "_pg_expandarray"; }

int32_t ExpandArrayTypmod(uint32_t elem_type) {
  return RecordTypmod(RecordDesc{{"x", "n"}, {elem_type, oid::kInt4}, {-1, -1}});
}

const std::vector<OutColumn>* SetFunctionOutColumns(int kind) {
  static const std::vector<OutColumn> kBackupStop = {
      {"lsn", oid::kPgLsn}, {"labelfile", oid::kText}, {"spcmapfile", oid::kText}};
  static const std::vector<OutColumn> kExpandArray = {{"x", oid::kAnyElement}, {"n", oid::kInt4}};
  if (kind == kSrfExpandArray) return &kExpandArray;
  return kind == kSrfBackupStop ? &kBackupStop : nullptr;
}

std::unique_ptr<SrfIterator> StartSetFunction(int kind, uint32_t result_type, std::vector<Datum> args,
                                              ExecContext&) {
  switch (kind) {
    case kSrfSeriesInt: {
      int64_t step = args.size() > 2 ? args[2].i : 1;
      if (step == 0) BadArg("step size cannot equal zero");
      return std::make_unique<IntSeries>(args[0].i, args[1].i, step, result_type == oid::kInt4);
    }
    case kSrfSeriesNumeric: {
      Numeric step = args.size() > 2 ? args[2].n : Numeric::FromInt(1);
      if (args[0].n.is_nan()) BadArg("start value cannot be NaN");
      if (args[1].n.is_nan()) BadArg("stop value cannot be NaN");
      if (step.is_nan()) BadArg("step size cannot be NaN");
      if (step.is_zero()) BadArg("step size cannot equal zero");
      return std::make_unique<NumericSeries>(args[0].n, args[1].n, std::move(step));
    }
    case kSrfSeriesTimestamp: {
      // The step's sign as interval comparison sees it (a month is 30 days).
      const Datum& iv = args[2];
      __int128 span = (static_cast<__int128>(iv.months) * 30 + iv.days) * 86400000000LL + iv.i;
      if (span == 0) BadArg("step size cannot equal zero");
      return std::make_unique<TimestampSeries>(result_type, args[0], args[1], args[2], span < 0);
    }
    case kSrfUnnest: return std::make_unique<Unnest>(args[0].arr);
    case kSrfBackupStop: return std::make_unique<BackupStopRow>(args.empty() || args[0].b);
    case kSrfRegexpMatches: return std::make_unique<RegexScan>(args, false);
    case kSrfRegexpSplitTable: return std::make_unique<RegexScan>(args, true);
    case kSrfExpandArray: return std::make_unique<ExpandArray>(args[0].arr);
  }
  throw PgError(sqlstate::kInternalError, "unknown set-returning function");
}

}  // namespace tusk::sql
