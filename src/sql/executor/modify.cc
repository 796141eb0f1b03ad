// INSERT / UPDATE / DELETE execution (see modify.h).
#include "sql/executor/modify.h"

#include "sql/executor/compile.h"
#include "sql/session_context.h"
#include "sql/types/array.h"
#include "sql/types/type_io.h"
#include "sql/types/type_oids.h"
#include "utils/error.h"

namespace tusk::sql {
namespace {

std::vector<ExprProgram> CompileAll(const std::vector<TExprPtr>& es, size_t np) {
  std::vector<ExprProgram> out;
  for (const auto& e : es) out.push_back(CompileExpr(*e, np));
  return out;
}

std::string FailingRow(const StoredTable& t, const Row& row, const IoContext& io) {
  std::string s = "Failing row contains (";
  for (size_t i = 0; i < t.columns.size(); ++i) {
    if (i) s += ", ";
    if (row[i].null) {
      s += "null";
    } else {
      TextOut(t.columns[i].type, row[i], io, s);
    }
  }
  return s + ").";
}

size_t CharCount(const std::string& s) {
  size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

// Column length limits, as an assignment applies them: too long is 22001
// unless only spaces are cut; character(n) is padded.
void ApplyColumnTypmod(const StoredColumn& c, Datum& d) {
  if (d.null || c.typmod < 0) return;
  if (d.arr) {
    // The typmod of an array column is its elements' (varchar(3)[]).
    StoredColumn elem = c;
    elem.type = d.arr->elem_type;
    std::vector<Datum> elems = d.arr->elems;
    for (Datum& e : elems) ApplyColumnTypmod(elem, e);
    d = MakeArray(d.arr->elem_type, std::move(elems), d.arr->lbound);
    return;
  }
  if (c.type == oid::kVarchar || c.type == oid::kBpchar) {
    size_t n = static_cast<size_t>(c.typmod);
    size_t len = CharCount(d.s);
    if (len > n) {
      size_t i = 0, chars = 0;
      for (; i < d.s.size(); ++i) {
        if ((static_cast<unsigned char>(d.s[i]) & 0xC0) != 0x80) {
          if (chars == n) break;
          ++chars;
        }
      }
      if (d.s.find_first_not_of(' ', i) != std::string::npos) {
        throw PgError("22001", std::string("value too long for type ") +
                                   (c.type == oid::kVarchar ? "character varying(" : "character(") +
                                   std::to_string(n) + ")");
      }
      d.s.resize(i);
      len = n;
    }
    if (c.type == oid::kBpchar && len < n) d.s.append(n - len, ' ');
    return;
  }
  ApplyTypmod(c.type, c.typmod, d);
}

void CheckRow(const CompiledModify& m, std::vector<ExprProgram>& checks, Row& row, ExecContext& ctx) {
  const StoredTable& t = *m.table;
  for (size_t i = 0; i < t.columns.size(); ++i) {
    ApplyColumnTypmod(t.columns[i], row[i]);
    if (t.columns[i].not_null && row[i].null) {
      throw PgError("23502", "null value in column \"" + t.columns[i].name + "\" of relation \"" + t.name +
                                 "\" violates not-null constraint")
          .Detail(FailingRow(t, row, ctx.io));
    }
  }
  for (size_t k = 0; k < checks.size(); ++k) {
    const Datum& ok = checks[k].Eval(row.data(), ctx);
    if (!ok.null && !ok.b) {
      throw PgError("23514", "new row for relation \"" + t.name + "\" violates check constraint \"" +
                                 m.check_names[k] + "\"")
          .Detail(FailingRow(t, row, ctx.io));
    }
  }
}

void SerializationFailure() {
  throw PgError("40001", "could not serialize access due to concurrent update");
}

}  // namespace

CompiledModify CompileModify(const AnalyzedModify& a, size_t np) {
  CompiledModify m;
  m.kind = a.kind;
  m.table = a.table;
  m.source = CompileQuery(a.source, np);
  m.new_row = CompileAll(a.new_row, np);
  if (a.recheck_where) m.recheck_where.push_back(CompileExpr(*a.recheck_where, np));
  m.recheck_set = CompileAll(a.recheck_set, np);
  m.can_recheck = a.can_recheck;
  m.check_names = a.check_names;
  m.checks = CompileAll(a.checks, np);
  m.returning = CompileAll(a.returning, np);
  for (const auto& r : a.returning) m.returning_types.push_back(r->type);
  m.on_conflict_nothing = a.on_conflict_nothing;
  m.arbiters = a.arbiters;
  m.on_conflict_update = a.on_conflict_update;
  m.conflict_set = CompileAll(a.conflict_set, np);
  if (a.conflict_where) m.conflict_where.push_back(CompileExpr(*a.conflict_where, np));
  return m;
}

int64_t RunModify(const CompiledModify& m, ExecState& st, std::vector<Row>* returning) {
  StoredTable& t = *m.table;
  const size_t ncols = t.columns.size();
  auto checks = BindPrograms(m.checks, st);
  auto ret = BindPrograms(m.returning, st);
  // Programs for the rare paths (a concurrent update to recheck, ON CONFLICT
  // DO UPDATE) are bound when first needed: each bound copy costs allocations.
  std::vector<ExprProgram> recheck_where, recheck_set;
  bool recheck_bound = false;
  ExecContext& ctx = st.ctx;
  std::unique_ptr<PlanNode> source = BuildPlan(m.source, st);
  Row row(ncols + 1), latest(ncols + 1);
  int64_t count = 0;
  auto emit = [&](Row& r) {
    ++count;
    if (ret.empty()) return;
    Row out;
    out.reserve(ret.size());
    for (auto& p : ret) out.push_back(p.Eval(r.data(), ctx));
    returning->push_back(std::move(out));
  };

  if (m.kind == AnalyzedModify::kInsert) {
    t.LockForWrite("INSERT");
    auto new_row = BindPrograms(m.new_row, st);
    std::vector<ExprProgram> conflict_set, conflict_where;
    if (m.on_conflict_update) {
      conflict_set = BindPrograms(m.conflict_set, st);
      conflict_where = BindPrograms(m.conflict_where, st);
    }
    Row both(2 * (ncols + 1)), updated(ncols + 1);
    while (const Row* src = source->Next(st)) {
      for (size_t i = 0; i < ncols; ++i) row[i] = new_row[i].Eval(src->data(), ctx);
      row[ncols] = Datum::Int(0);
      CheckRow(m, checks, row, ctx);
      TupleId conflict;
      const bool skip = m.on_conflict_nothing || m.on_conflict_update;
      for (;;) {
        if (t.Insert(row, skip ? &m.arbiters : nullptr, &conflict)) {
          emit(row);
          break;
        }
        if (!m.on_conflict_update) break;
        // DO UPDATE: lock the existing row, then change its newest version.
        TupleId newer;
        ModifyResult res = t.Lock(conflict, RowLock::kUpdate, RowLockWait::kBlock, &newer);
        if (res == ModifyResult::kSelfModified) {
          throw PgError("21000", "ON CONFLICT DO UPDATE command cannot affect row a second time")
              .Hint("Ensure that no rows proposed for insertion within the same command have duplicate constrained values.");
        }
        if (res != ModifyResult::kOk) continue;  // changed meanwhile: look again
        TupleId at;
        if (!t.FetchLatest(conflict, latest, &at)) continue;
        for (size_t i = 0; i < ncols; ++i) both[i] = latest[i];
        both[ncols] = Datum::Int(PackTupleId(at));
        for (size_t i = 0; i <= ncols; ++i) both[ncols + 1 + i] = row[i];
        if (!conflict_where.empty()) {
          const Datum& ok = conflict_where[0].Eval(both.data(), ctx);
          if (ok.null || !ok.b) break;
        }
        for (size_t i = 0; i < ncols; ++i) updated[i] = conflict_set[i].Eval(both.data(), ctx);
        updated[ncols] = both[ncols];
        CheckRow(m, checks, updated, ctx);
        ModifyResult u = t.Update(at, updated, &newer);
        if (u == ModifyResult::kSelfModified) {
          throw PgError("21000", "ON CONFLICT DO UPDATE command cannot affect row a second time")
              .Hint("Ensure that no rows proposed for insertion within the same command have duplicate constrained values.");
        }
        if (u == ModifyResult::kOk) emit(updated);
        break;
      }
    }
    return count;
  }

  const bool is_update = m.kind == AnalyzedModify::kUpdate;
  t.LockForWrite(is_update ? "UPDATE" : "DELETE");
  while (const Row* r = source->Next(st)) {
    TupleId tid = UnpackTupleId((*r)[0].i);
    for (size_t i = 0; i < ncols; ++i) row[i] = (*r)[i + 1];
    row[ncols] = Datum::Int(PackTupleId(tid));
    for (;;) {
      if (is_update) CheckRow(m, checks, row, ctx);
      TupleId newer;
      ModifyResult res = is_update ? t.Update(tid, row, &newer) : t.Delete(tid, &newer);
      if (res == ModifyResult::kOk) {
        if (is_update) {
          emit(row);
        } else {
          emit(row);
        }
        break;
      }
      if (res == ModifyResult::kSelfModified || res == ModifyResult::kDeleted) break;
      // kUpdated: READ COMMITTED (the table raised 40001 otherwise) re-checks
      // the newest version and applies the change to it if it still qualifies.
      if (!m.can_recheck) SerializationFailure();
      TupleId at;
      if (!t.FetchLatest(newer, latest, &at)) break;
      if (!recheck_bound) {
        recheck_where = BindPrograms(m.recheck_where, st);
        recheck_set = BindPrograms(m.recheck_set, st);
        recheck_bound = true;
      }
      latest.resize(ncols + 1);
      latest[ncols] = Datum::Int(PackTupleId(at));
      if (!recheck_where.empty()) {
        const Datum& ok = recheck_where[0].Eval(latest.data(), ctx);
        if (ok.null || !ok.b) break;
      }
      if (is_update) {
        for (size_t i = 0; i < ncols; ++i) row[i] = recheck_set[i].Eval(latest.data(), ctx);
      } else {
        for (size_t i = 0; i < ncols; ++i) row[i] = latest[i];
      }
      row[ncols] = latest[ncols];
      tid = at;
    }
  }
  return count;
}

}  // namespace tusk::sql

namespace tusk::sql {

int64_t RunInsertFeed(const CompiledModify& m, ExecState& st, bool freeze, const std::function<void(int64_t)>& at_row,
                      const std::function<bool()>& next_params) {
  StoredTable& t = *m.table;
  const size_t ncols = t.columns.size();
  t.LockForWrite("INSERT");
  struct Freeze {
    StoredTable& t;
    ~Freeze() { t.freeze_inserts = false; }
  } unfreeze{t};
  t.freeze_inserts = freeze;
  auto checks = BindPrograms(m.checks, st);
  auto new_row = BindPrograms(m.new_row, st);
  ExecContext& ctx = st.ctx;
  Row row(ncols + 1), src;
  int64_t count = 0;
  int64_t fed = 0;  // parameter rows taken from the feed
  // Rows the table holds back (bulk insertion), by the feed row they came from.
  const bool buffered = t.BuffersInserts();
  std::vector<int64_t> held;
  auto flush = [&]() {
    if (held.empty()) return;
    size_t failed = 0;
    try {
      t.FlushInserts(&failed);
    } catch (...) {
      if (failed < held.size()) at_row(held[failed]);
      held.clear();
      throw;
    }
    held.clear();
  };
  // Checks and stores `row` once its columns are filled.
  auto store = [&] {
    row[ncols] = Datum::Int(0);
    CheckRow(m, checks, row, ctx);
    ++count;
    if (!buffered) {
      TupleId unused;
      t.Insert(row, nullptr, &unused);
      return;
    }
    const bool full = t.InsertBuffered(row);  // a row failing here is not held
    held.push_back(fed - 1);
    if (full || held.size() >= StoredTable::kMaxHeldRows) flush();
  };
  auto insert = [&](const Row& from) {
    for (size_t i = 0; i < ncols; ++i) row[i] = new_row[i].Eval(from.data(), ctx);
    store();
  };
  // One VALUES row (COPY's own INSERT): its programs are bound once and get
  // each row's parameters; any other source is planned per row.
  const bool one_values_row = m.source.values.size() == 1 && !m.source.from;
  std::vector<ExprProgram> values;
  if (one_values_row) values = BindPrograms(m.source.values[0], st);
  // COPY's own INSERT: each VALUES item is just a parameter and each column
  // just a VALUES item or a constant (a default): a row is then made by
  // moving each parameter into its column, with no program run or copy.
  std::vector<int> direct(ncols, -1);  // per column: the parameter moved in, or -1
  bool moves = one_values_row;
  if (moves) {
    auto param_of = [](const ExprProgram& p) {
      if (!p.steps.empty() || p.result < 0) return -1;
      for (size_t k = 0; k < p.param_regs.size(); ++k)
        if (p.param_regs[k] == p.result) return static_cast<int>(k);
      return -1;
    };
    std::vector<bool> used(st.params.size() + values.size() + 1, false);
    for (size_t i = 0; i < ncols && moves; ++i) {
      const ExprProgram& p = new_row[i];
      if (!p.steps.empty()) {
        moves = false;
      } else if (p.result < 0) {  // a VALUES item
        const size_t item = static_cast<size_t>(-1 - p.result);
        const int k = item < values.size() ? param_of(values[item]) : -1;
        if (k < 0 || static_cast<size_t>(k) >= used.size() || used[k]) {
          moves = false;
        } else {
          used[k] = true;
          direct[i] = k;
        }
      } else if (param_of(p) >= 0) {
        moves = false;
      }
    }
  }
  try {
    while (next_params()) {
      ++fed;
      ctx.session->CheckForInterrupts();
      if (moves) {
        for (size_t i = 0; i < ncols; ++i) {
          if (direct[i] >= 0) {
            row[i] = std::move(st.params[static_cast<size_t>(direct[i])]);
          } else {
            row[i] = new_row[i].Eval(nullptr, ctx);  // a constant
          }
        }
        store();
        continue;
      }
      if (one_values_row) {
        src.resize(values.size());
        for (size_t i = 0; i < values.size(); ++i) {
          values[i].BindParams(st.params);
          src[i] = values[i].Eval(nullptr, ctx);
        }
        insert(src);
        continue;
      }
      std::unique_ptr<PlanNode> source = BuildPlan(m.source, st);
      while (const Row* r = source->Next(st)) insert(*r);
    }
    flush();
  } catch (...) {
    // Row by row, an earlier row's error would have come first: write the
    // held rows (which may raise it, about its own row), then this error.
    flush();
    throw;
  }
  return count;
}

}  // namespace tusk::sql
