// Window functions (invariant 47): `f(args) OVER (...)`, `OVER w` and the
// WINDOW clause, window aggregates with FILTER, frames, and the order of
// the window nodes in the plan. Checks and messages follow PostgreSQL's
// parse_func.c, parse_agg.c (transformWindowFuncCall) and parse_clause.c
// (transformWindowDefinitions, transformFrameOffset).
#include <algorithm>

#include "sql/analyzer/analyzer_impl.h"
#include "sql/parser/deparse.h"
#include "sql/types/type_oids.h"
#include "utils/error.h"

namespace tusk::sql {
namespace {

void WindowStubFn(const Step&, const Datum* const*, Datum&, ExecContext&) {
  throw PgError(sqlstate::kInternalError, "window function called outside a window node");
}

// pg_proc's window functions; aux is the WinFuncKind.
const std::vector<FuncDef>& WindowFunctionDefs() {
  static const std::vector<FuncDef> defs = [] {
    auto k = [](WinFuncKind w) { return static_cast<int>(w); };
    const uint32_t any = oid::kAnyElement, anyc = oid::kAnyCompatible;
    std::vector<FuncDef> d = {
        {"row_number", {}, oid::kInt8, WindowStubFn, false, false, k(WinFuncKind::kRowNumber)},
        {"rank", {}, oid::kInt8, WindowStubFn, false, false, k(WinFuncKind::kRank)},
        {"dense_rank", {}, oid::kInt8, WindowStubFn, false, false, k(WinFuncKind::kDenseRank)},
        {"percent_rank", {}, oid::kFloat8, WindowStubFn, false, false, k(WinFuncKind::kPercentRank)},
        {"cume_dist", {}, oid::kFloat8, WindowStubFn, false, false, k(WinFuncKind::kCumeDist)},
        {"ntile", {oid::kInt4}, oid::kInt4, WindowStubFn, false, false, k(WinFuncKind::kNtile)},
        {"lag", {any}, any, WindowStubFn, false, false, k(WinFuncKind::kLag)},
        {"lag", {any, oid::kInt4}, any, WindowStubFn, false, false, k(WinFuncKind::kLag)},
        {"lag", {anyc, oid::kInt4, anyc}, anyc, WindowStubFn, false, false, k(WinFuncKind::kLag)},
        {"lead", {any}, any, WindowStubFn, false, false, k(WinFuncKind::kLead)},
        {"lead", {any, oid::kInt4}, any, WindowStubFn, false, false, k(WinFuncKind::kLead)},
        {"lead", {anyc, oid::kInt4, anyc}, anyc, WindowStubFn, false, false, k(WinFuncKind::kLead)},
        {"first_value", {any}, any, WindowStubFn, false, false, k(WinFuncKind::kFirstValue)},
        {"last_value", {any}, any, WindowStubFn, false, false, k(WinFuncKind::kLastValue)},
        {"nth_value", {any, oid::kInt4}, any, WindowStubFn, false, false, k(WinFuncKind::kNthValue)},
    };
    return d;
  }();
  return defs;
}

bool SameOpt(const TExprPtr& a, const TExprPtr& b) {
  if (!a || !b) return !a && !b;
  return a->Equals(*b);
}

bool SameKeys(const std::vector<AggOrderKey>& a, const std::vector<AggOrderKey>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (a[i].desc != b[i].desc || a[i].nulls_first != b[i].nulls_first || !a[i].expr->Equals(*b[i].expr)) return false;
  }
  return true;
}

bool SameWindow(const WindowClause& a, const WindowClause& b) {
  if (a.partition.size() != b.partition.size()) return false;
  for (size_t i = 0; i < a.partition.size(); ++i) {
    if (!a.partition[i]->Equals(*b.partition[i])) return false;
  }
  return SameKeys(a.order, b.order) && a.has_frame == b.has_frame && a.mode == b.mode && a.start == b.start &&
         a.end == b.end && a.exclude == b.exclude && SameOpt(a.start_offset, b.start_offset) &&
         SameOpt(a.end_offset, b.end_offset);
}

bool SameCall(const WindowFuncCall& a, const WindowFuncCall& b) {
  if (a.window != b.window || a.kind != b.kind || a.result_type != b.result_type || a.args.size() != b.args.size())
    return false;
  for (size_t i = 0; i < a.args.size(); ++i) {
    if (!a.args[i]->Equals(*b.args[i])) return false;
  }
  return a.agg.def == b.agg.def && SameOpt(a.agg.arg, b.agg.arg) && SameOpt(a.agg.arg2, b.agg.arg2) &&
         SameOpt(a.agg.filter, b.agg.filter);
}

// Location of the first column of this query level in e, -2 if none.
int FirstColumnAt(const TExpr& e) {
  if (e.kind == TKind::kColumn) return e.location;
  for (const auto& a : e.args) {
    int loc = FirstColumnAt(*a);
    if (loc != -2) return loc;
  }
  return e.else_expr ? FirstColumnAt(*e.else_expr) : -2;
}

// EXPLAIN's text of a sort key: a column as is, anything else in
// parentheses, as PostgreSQL prints a Sort Key.
std::string KeyText(const Expr& e) {
  std::string s;
  try {
    s = DeparseExpr(e);
  } catch (const PgError&) {
    s = "...";
  }
  return e.kind == ExprKind::kColumnRef ? s : "(" + s + ")";
}

// PostgreSQL's exprLocation: the leftmost token of an expression (a cast
// or an operator here carries the location of its `::` or operator).
int Leftmost(const Expr& e) {
  int loc = e.location;
  for (const auto& a : e.args) {
    if (!a) continue;
    int l = Leftmost(*a);
    if (l >= 0 && (loc < 0 || l < loc)) loc = l;
  }
  return loc;
}

std::string SortSuffix(bool desc, bool nulls_first) {
  std::string s = desc ? " DESC" : "";
  if (nulls_first != desc) s += nulls_first ? " NULLS FIRST" : " NULLS LAST";
  return s;
}

}  // namespace

bool IsWindowFunctionName(const std::string& name) {
  for (const auto& d : WindowFunctionDefs()) {
    if (d.name == name) return true;
  }
  return false;
}

void Analyzer::WindowNotAllowed(int location) {
  Error("42P20", std::string("window functions are not allowed in ") + win_clause_, location);
}

TExprPtr Analyzer::TransformWindowFunc(const Expr& e) {
  const std::string& name = e.names.back();
  bool is_agg = false;
  for (const auto& a : AllAggregates()) is_agg |= a.name == name;
  WindowFuncCall wf;
  wf.location = e.location;
  // Arguments, then FILTER, then the function, as PostgreSQL's
  // transformFuncCall / ParseFuncOrColumn.
  std::vector<TExprPtr> args;
  bool saved_in_win = in_win_;
  in_win_ = true;
  for (const auto& a : e.args) args.push_back(Transform(*a));
  in_win_ = saved_in_win;
  TExprPtr filter;
  if (e.agg_filter) {
    bool saved_allowed = agg_allowed_;
    const char* saved_agg_clause = agg_forbidden_clause_;
    const char* saved_win_clause = win_clause_;
    agg_allowed_ = false;
    agg_forbidden_clause_ = "FILTER";
    win_clause_ = "FILTER";
    filter = CoerceToBool(Transform(*e.agg_filter), "FILTER");
    agg_allowed_ = saved_allowed;
    agg_forbidden_clause_ = saved_agg_clause;
    win_clause_ = saved_win_clause;
  }
  if (is_agg) {
    ResolveAggregateCall(e, std::move(args), &wf.agg);
    if (e.agg_distinct)
      Error(sqlstate::kFeatureNotSupported, "DISTINCT is not implemented for window functions", e.location);
    if (!e.agg_order.empty())
      Error(sqlstate::kFeatureNotSupported, "aggregate ORDER BY is not implemented for window functions", e.location);
    wf.kind = WinFuncKind::kAggregate;
    wf.agg.filter = std::move(filter);
    wf.result_type = wf.agg.result_type;
  } else {
    if (!e.args.empty() && (name == "rank" || name == "dense_rank" || name == "percent_rank" || name == "cume_dist")) {
      // Also hypothetical-set aggregates in PostgreSQL.
      Error("42809", "WITHIN GROUP is required for ordered-set aggregate " + name, e.location);
    }
    TExprPtr call = ResolveFunction(e, std::move(args), &WindowFunctionDefs());
    if (!e.over) Error("42809", "window function " + name + " requires an OVER clause", e.location);
    if (e.agg_distinct)
      Error(sqlstate::kFeatureNotSupported, "DISTINCT is not implemented for window functions", e.location);
    if (!e.agg_order.empty())
      Error(sqlstate::kFeatureNotSupported, "aggregate ORDER BY is not implemented for window functions", e.location);
    if (e.agg_filter)
      Error(sqlstate::kFeatureNotSupported, "FILTER is not implemented for non-aggregate window functions", e.location);
    wf.kind = static_cast<WinFuncKind>(call->aux);
    wf.args = std::move(call->args);
    wf.result_type = call->type;
  }
  // parse_agg.c's transformWindowFuncCall: where it stands, then its window.
  if (win_clause_) WindowNotAllowed(e.location);
  wf.window = ResolveWindow(*e.over);
  if (in_win_) Error("42P20", "window function calls cannot be nested", e.location);
  if (in_agg_) Error(sqlstate::kGroupingError, "aggregate function calls cannot contain window function calls", e.location);
  windows_[wf.window].used = true;
  int index = -1;
  for (size_t i = 0; i < win_funcs_.size() && index < 0; ++i) {
    if (SameCall(win_funcs_[i], wf)) index = static_cast<int>(i);
  }
  if (index < 0) {
    index = static_cast<int>(win_funcs_.size());
    win_funcs_.push_back(std::move(wf));
  }
  auto ref = std::make_unique<TExpr>(TKind::kWindowFunc, win_funcs_[index].result_type);
  ref->index = index;
  ref->location = e.location;
  return ref;
}

int Analyzer::ResolveWindow(const WindowDef& over) {
  if (named_windows_.size() != sel_->windows.size()) named_windows_.assign(sel_->windows.size(), -1);
  if (over.bare) {
    // OVER w: the WINDOW entry itself, frame included.
    for (size_t i = 0; i < sel_->windows.size(); ++i) {
      if (sel_->windows[i].name == over.ref_name) return AnalyzeNamedWindow(i);
    }
    Error(sqlstate::kUndefinedObject, "window \"" + over.ref_name + "\" does not exist", over.location);
  }
  return AnalyzeWindowDef(over, sel_->windows.size());
}

int Analyzer::AnalyzeNamedWindow(size_t entry) {
  if (named_windows_.size() != sel_->windows.size()) named_windows_.assign(sel_->windows.size(), -1);
  if (named_windows_[entry] < 0) {
    // An entry may copy only entries before it.
    named_windows_[entry] = AnalyzeWindowDef(sel_->windows[entry], entry);
    windows_[named_windows_[entry]].entry = static_cast<int>(entry);
  }
  return named_windows_[entry];
}

int Analyzer::AnalyzeWindowDef(const WindowDef& def, size_t visible_entries) {
  int ref = -1;
  if (!def.ref_name.empty()) {
    for (size_t i = 0; i < visible_entries && ref < 0; ++i) {
      if (sel_->windows[i].name == def.ref_name) ref = AnalyzeNamedWindow(i);
    }
    if (ref < 0) Error(sqlstate::kUndefinedObject, "window \"" + def.ref_name + "\" does not exist", def.location);
  }
  WindowClause wc;
  wc.name = def.name;
  wc.ref_name = def.ref_name;
  const char* saved_win_clause = win_clause_;
  bool saved_allowed = agg_allowed_;
  win_clause_ = "window definitions";
  agg_allowed_ = true;  // PARTITION BY / ORDER BY may hold aggregates
  auto sortable = [&](TExprPtr t, int location) {
    if (t->type == oid::kUnknown) t = Coerce(std::move(t), oid::kText, -1, CoercionContext::kImplicit, location);
    if (!LookupType(t->type) || t->type == oid::kVoid) {
      Error(sqlstate::kUndefinedFunction, "could not identify an ordering operator for type " + TypeSqlName(t->type),
            location);
    }
    return t;
  };
  for (const auto& p : def.partition_by) {
    TExprPtr t = sortable(Transform(*p), p->location);
    bool dup = false;
    for (const auto& q : wc.partition) dup |= q->Equals(*t);
    if (dup) continue;
    wc.partition.push_back(std::move(t));
    wc.partition_text.push_back(KeyText(*p));
  }
  for (const auto& sb : def.order_by) {
    AggOrderKey k;
    k.expr = sortable(Transform(*sb.expr), sb.expr->location);
    k.desc = sb.desc;
    k.nulls_first = sb.nulls_first.value_or(sb.desc);
    bool dup = false;
    for (const auto& q : wc.order) dup |= q.expr->Equals(*k.expr);
    if (dup) continue;
    wc.order_text.push_back(KeyText(*sb.expr) + SortSuffix(k.desc, k.nulls_first));
    wc.order.push_back(std::move(k));
  }
  win_clause_ = saved_win_clause;
  agg_allowed_ = saved_allowed;
  if (ref >= 0) {
    const WindowClause& r = windows_[ref];
    if (!def.partition_by.empty()) {
      Error("42P20", "cannot override PARTITION BY clause of window \"" + def.ref_name + "\"", def.location);
    }
    for (const auto& p : r.partition) wc.partition.push_back(p->Clone());
    wc.partition_text = r.partition_text;
    if (!def.order_by.empty() && !r.order.empty()) {
      Error("42P20", "cannot override ORDER BY clause of window \"" + def.ref_name + "\"", def.location);
    }
    if (def.order_by.empty()) {
      for (const auto& k : r.order) wc.order.push_back({k.expr->Clone(), k.desc, k.nulls_first});
      wc.order_text = r.order_text;
    }
    if (r.has_frame) {
      std::string msg = "cannot copy window \"" + def.ref_name + "\" because it has a frame clause";
      if (!def.name.empty() || !def.order_by.empty() || def.has_frame) Error("42P20", msg, def.location);
      Error("42P20", msg, def.location, "Omit the parentheses in this OVER clause.");
    }
  }
  wc.has_frame = def.has_frame;
  wc.mode = def.mode;
  wc.start = def.start.kind;
  wc.end = def.end.kind;
  wc.exclude = def.exclude;
  if (wc.has_frame && wc.mode == FrameMode::kGroups && wc.order.empty()) {
    Error("42P20", "GROUPS mode requires an ORDER BY clause", def.location);
  }
  if (wc.mode == FrameMode::kRange && (def.start.offset || def.end.offset) && wc.order.size() != 1) {
    Error("42P20", "RANGE with offset PRECEDING/FOLLOWING requires exactly one ORDER BY column", def.location);
  }
  wc.start_offset = AnalyzeFrameOffset(def, def.start, wc);
  wc.end_offset = AnalyzeFrameOffset(def, def.end, wc);
  if (wc.start_offset || wc.end_offset) {
    uint32_t kt = wc.mode == FrameMode::kRange ? wc.order[0].expr->type : 0;
    if (kt == oid::kDate || kt == oid::kTimestamp || kt == oid::kTimestamptz || kt == oid::kInterval) {
      // key +/- offset over [key, offset]; a date key is shifted as a timestamp.
      auto operand = [&](int index, uint32_t type) {
        auto c = std::make_unique<TExpr>(TKind::kColumn, type);
        c->index = index;
        return c;
      };
      auto key = [&]() -> TExprPtr {
        TExprPtr k = operand(0, kt);
        if (kt == oid::kDate) k = Coerce(std::move(k), oid::kTimestamp, -1, CoercionContext::kImplicit, -1);
        return k;
      };
      wc.range_add = ResolveOperator("+", key(), operand(1, oid::kInterval), -1);
      wc.range_sub = ResolveOperator("-", key(), operand(1, oid::kInterval), -1);
    }
  }
  // Inline windows equal to an earlier one (same copied window) share it,
  // as PostgreSQL's transformWindowFuncCall does.
  if (def.name.empty()) {
    for (size_t i = 0; i < windows_.size(); ++i) {
      if (windows_[i].name.empty() && windows_[i].ref_name == wc.ref_name && SameWindow(windows_[i], wc))
        return static_cast<int>(i);
    }
  }
  windows_.push_back(std::move(wc));
  return static_cast<int>(windows_.size()) - 1;
}

// The in_range support PostgreSQL has for a RANGE offset over an ORDER BY
// column of type `col`: the offset type, 0 when the column type has none.
static uint32_t RangeOffsetType(uint32_t col, uint32_t offset) {
  switch (col) {
    case oid::kInt2:
    case oid::kInt4:
      // in_range for int2/int4 columns takes int2, int4 or int8 offsets.
      if (offset == oid::kInt2 || offset == oid::kInt4 || offset == oid::kInt8) return offset;
      if (offset == oid::kUnknown) return oid::kInt4;
      return oid::kInt8;
    case oid::kInt8: return oid::kInt8;
    case oid::kNumeric: return oid::kNumeric;
    case oid::kFloat4:
    case oid::kFloat8: return oid::kFloat8;
    case oid::kDate:
    case oid::kTimestamp:
    case oid::kTimestamptz:
    case oid::kInterval: return oid::kInterval;
    default: return 0;
  }
}

TExprPtr Analyzer::AnalyzeFrameOffset(const WindowDef& def, const FrameBound& b, const WindowClause& wc) {
  (void)def;
  if (!b.offset) return nullptr;
  const char* construct = wc.mode == FrameMode::kRows ? "ROWS" : wc.mode == FrameMode::kRange ? "RANGE" : "GROUPS";
  const char* agg_clause = wc.mode == FrameMode::kRows    ? "window ROWS"
                           : wc.mode == FrameMode::kRange ? "window RANGE"
                                                          : "window GROUPS";
  const char* saved_win_clause = win_clause_;
  const char* saved_agg_clause = agg_forbidden_clause_;
  bool saved_allowed = agg_allowed_;
  win_clause_ = "window definitions";
  agg_forbidden_clause_ = agg_clause;
  agg_allowed_ = false;
  TExprPtr t = Transform(*b.offset);
  win_clause_ = saved_win_clause;
  agg_forbidden_clause_ = saved_agg_clause;
  agg_allowed_ = saved_allowed;
  int location = Leftmost(*b.offset);
  if (wc.mode != FrameMode::kRange) {
    if (!CanCoerce(t->type, oid::kInt8, CoercionContext::kAssignment)) {
      Error(sqlstate::kDatatypeMismatch,
            std::string("argument of ") + construct + " must be type bigint, not type " + TypeSqlName(t->type), location);
    }
    t = Coerce(std::move(t), oid::kInt8, -1, CoercionContext::kAssignment, location);
  } else {
    uint32_t col = wc.order[0].expr->type;
    uint32_t want = RangeOffsetType(col, t->type);
    if (!want) {
      Error(sqlstate::kFeatureNotSupported,
            "RANGE with offset PRECEDING/FOLLOWING is not supported for column type " + TypeSqlName(col), location);
    }
    if (t->type != want && !CanCoerce(t->type, want, CoercionContext::kImplicit)) {
      Error(sqlstate::kFeatureNotSupported,
            "RANGE with offset PRECEDING/FOLLOWING is not supported for column type " + TypeSqlName(col) +
                " and offset type " + TypeSqlName(t->type),
            location, "Cast the offset value to an appropriate type.");
    }
    t = Coerce(std::move(t), want, -1, CoercionContext::kImplicit, location);
  }
  int var = FirstColumnAt(*t);
  if (var != -2) Error("42P10", std::string("argument of ") + construct + " must not contain variables", var);
  return t;
}

void Analyzer::FinishWindows(AnalyzedQuery& q) {
  (void)q;
  // Every WINDOW entry is analyzed (its errors count even when no function
  // uses it), and names must be unique.
  for (size_t i = 0; i < sel_->windows.size(); ++i) {
    for (size_t j = 0; j < i; ++j) {
      if (sel_->windows[j].name == sel_->windows[i].name) {
        Error("42P20", "window \"" + sel_->windows[i].name + "\" is already defined", sel_->windows[i].location);
      }
    }
    AnalyzeNamedWindow(i);
  }
}

namespace {

void WindowRefsToColumns(TExpr& e, int base) {
  if (e.kind == TKind::kWindowFunc) {
    e.kind = TKind::kColumn;
    e.index += base;
    return;
  }
  for (auto& a : e.args) WindowRefsToColumns(*a, base);
  if (e.else_expr) WindowRefsToColumns(*e.else_expr, base);
}

struct SortItem {
  int ref;
  bool desc, nulls_first;
  bool operator==(const SortItem& o) const { return ref == o.ref && desc == o.desc && nulls_first == o.nulls_first; }
};

// PostgreSQL's common_prefix_cmp: windows sorted by their sort items,
// later-referenced expressions (higher tleSortGroupRef) first, DESC before
// ASC, NULLS FIRST before LAST, and a longer list before its prefix.
bool WindowSortsBefore(const std::vector<SortItem>& a, const std::vector<SortItem>& b) {
  for (size_t i = 0; i < a.size() && i < b.size(); ++i) {
    if (a[i].ref != b[i].ref) return a[i].ref > b[i].ref;
    if (a[i].desc != b[i].desc) return a[i].desc;
    if (a[i].nulls_first != b[i].nulls_first) return a[i].nulls_first;
  }
  return a.size() > b.size();
}

}  // namespace

void Analyzer::PlanWindows(AnalyzedQuery& q) {
  const int base = static_cast<int>(q.window_input_types.size());
  for (auto& t : q.targets) WindowRefsToColumns(*t, base);
  // Sort-group reference numbers in PostgreSQL's order of assignment:
  // ORDER BY, GROUP BY, DISTINCT, then each window's PARTITION BY and
  // ORDER BY. Equal expressions share a number.
  std::vector<const TExpr*> refs;
  std::vector<TExprPtr> keep;
  auto ref_of = [&](const TExpr& e) {
    for (size_t i = 0; i < refs.size(); ++i) {
      if (refs[i]->Equals(e)) return static_cast<int>(i);
    }
    refs.push_back(&e);
    return static_cast<int>(refs.size()) - 1;
  };
  for (const SortKey& k : q.sort) ref_of(*q.targets[k.column]);
  for (size_t k = 0; k < q.group_keys.size(); ++k) {
    auto c = std::make_unique<TExpr>(TKind::kColumn, q.group_keys[k]->type);
    c->index = static_cast<int>(k);
    ref_of(*c);
    keep.push_back(std::move(c));
  }
  if (q.distinct) {
    for (size_t i = 0; i < q.visible; ++i) ref_of(*q.targets[i]);
  }
  // PostgreSQL's window list: the WINDOW entries in their order, then the
  // OVER (...) windows as they were met.
  std::vector<const WindowClause*> listed;
  for (size_t e = 0; e < sel_->windows.size(); ++e) {
    for (const auto& w : q.windows) {
      if (w.entry == static_cast<int>(e)) listed.push_back(&w);
    }
  }
  for (const auto& w : q.windows) {
    if (w.entry < 0) listed.push_back(&w);
  }
  for (const WindowClause* w : listed) {
    for (const auto& p : w->partition) ref_of(*p);
    for (const auto& o : w->order) ref_of(*o.expr);
  }
  struct Active {
    WindowStep step;
    std::vector<SortItem> items;
  };
  std::vector<Active> actives;
  for (size_t wi = 0; wi < q.windows.size(); ++wi) {
    const WindowClause& w = q.windows[wi];
    if (!w.used) continue;
    Active a;
    a.step.window = static_cast<int>(wi);
    for (size_t i = 0; i < w.partition.size(); ++i) {
      a.step.keys.push_back({w.partition[i]->Clone(), false, false});
      a.step.key_text.push_back(w.partition_text[i]);
      a.items.push_back({ref_of(*w.partition[i]), false, false});
    }
    a.step.npartition = static_cast<int>(w.partition.size());
    for (size_t j = 0; j < w.order.size(); ++j) {
      int pos = -1;
      for (size_t i = 0; i < w.partition.size() && pos < 0; ++i) {
        if (w.partition[i]->Equals(*w.order[j].expr)) pos = static_cast<int>(i);
      }
      if (pos < 0) {
        pos = static_cast<int>(a.step.keys.size());
        a.step.keys.push_back({w.order[j].expr->Clone(), w.order[j].desc, w.order[j].nulls_first});
        a.step.key_text.push_back(w.order_text[j]);
        a.items.push_back({ref_of(*w.order[j].expr), w.order[j].desc, w.order[j].nulls_first});
      }
      a.step.order_pos.push_back(pos);
    }
    actives.push_back(std::move(a));
  }
  std::stable_sort(actives.begin(), actives.end(),
                   [](const Active& a, const Active& b) { return WindowSortsBefore(a.items, b.items); });
  std::vector<SortItem> current;
  for (auto& a : actives) {
    bool prefix = a.items.size() <= current.size() && std::equal(a.items.begin(), a.items.end(), current.begin());
    a.step.sort = !prefix;
    if (!prefix) current = a.items;
    q.window_steps.push_back(std::move(a.step));
  }
  // ORDER BY that the last window sort already satisfies needs no sort.
  if (!q.sort.empty() && !q.distinct && q.distinct_on.empty() && q.sort.size() <= current.size()) {
    bool same = true;
    for (size_t i = 0; i < q.sort.size() && same; ++i) {
      const SortKey& k = q.sort[i];
      same = SortItem{ref_of(*q.targets[k.column]), k.desc, k.nulls_first} == current[i];
    }
    q.sorted_by_window = same;
  }
}

}  // namespace tusk::sql
