// Record-valued expressions: ROW(...) / (a, b) outside row comparisons, and
// field selection (expr).name / (expr).* on them. A record expression's
// typmod names its field list (types/record.h), so selection resolves the
// field at analysis time, through subquery columns and set-returning calls
// alike (their typmod travels with the column).
#include "sql/analyzer/analyzer_impl.h"
#include "sql/types/record.h"
#include "sql/types/type_oids.h"
#include "utils/error.h"

namespace tusk::sql {
namespace {

void RowConstructFn(const Step& st, const Datum* const* args, Datum& out, ExecContext&) {
  std::vector<Datum> fields(st.args.size());
  for (size_t i = 0; i < fields.size(); ++i) fields[i] = *args[i];
  out = MakeRecord(st.typmod, std::move(fields));
}

void FieldSelectFn(const Step& st, const Datum* const* args, Datum& out, ExecContext&) {
  const Datum& r = *args[0];
  if (r.null || !r.rec || static_cast<size_t>(st.aux) >= r.rec->fields.size()) {
    out = Datum::Null();
    return;
  }
  out = r.rec->fields[static_cast<size_t>(st.aux)];
}

}  // namespace

TExprPtr Analyzer::TransformRow(const Expr& e) {
  RecordDesc desc;
  std::vector<TExprPtr> fields;
  for (size_t i = 0; i < e.args.size(); ++i) {
    TExprPtr f = Transform(*e.args[i]);
    // record_out prints every field, so an unknown literal is text like a select-list one.
    if (f->type == oid::kUnknown) f = Coerce(std::move(f), oid::kText, -1, CoercionContext::kImplicit, e.args[i]->location);
    desc.names.push_back("f" + std::to_string(i + 1));
    desc.types.push_back(f->type);
    desc.typmods.push_back(f->typmod);
    fields.push_back(std::move(f));
  }
  TExprPtr call = MakeCall(RowConstructFn, oid::kRecord, std::move(fields), false, 0, e.location);
  call->typmod = call->call_typmod = RecordTypmod(desc);
  call->type_a = oid::kRecord;  // keeps it out of parallel workers, whose registry differs
  return call;
}

TExprPtr Analyzer::WholeRowReference(const std::string& name, int location) {
  int levels = 0;
  for (Analyzer* a = this; a; a = a->parent_, ++levels) {
    for (const RangeEntry& r : a->rtes_) {
      if (r.name != name) continue;
      RecordDesc desc;
      std::vector<TExprPtr> fields;
      for (int i : r.columns) {
        const ScopeColumn& c = a->scope_[static_cast<size_t>(i)];
        if (c.hidden && c.rte >= 0 && c.name == "ctid") continue;  // a system column, as in *
        a->MarkUsed(i);
        auto f = std::make_unique<TExpr>(levels == 0 ? TKind::kColumn : TKind::kOuterColumn, c.type);
        f->typmod = c.typmod;
        f->index = i;
        f->aux = levels;
        f->location = location;
        desc.names.push_back(c.name);
        desc.types.push_back(c.type);
        desc.typmods.push_back(c.typmod);
        fields.push_back(std::move(f));
      }
      // Every query written between here and the level found is correlated.
      for (Analyzer* m = this; levels > 0 && m && m != a; m = m->lexical_) m->correlated_ = true;
      TExprPtr call = MakeCall(RowConstructFn, oid::kRecord, std::move(fields), false, 0, location);
      call->typmod = call->call_typmod = RecordTypmod(desc);
      call->type_a = oid::kRecord;
      return call;
    }
  }
  return nullptr;
}

TExprPtr Analyzer::SelectField(TExprPtr base, size_t field, int location) {
  std::shared_ptr<const RecordDesc> desc = RecordDescOf(base->typmod);
  if (base->kind == TKind::kCall && base->fn == RowConstructFn) {
    // (ROW(a, b)).f2 is b itself, as PostgreSQL's ParseComplexProjection folds it.
    return std::move(base->args[field]);
  }
  std::vector<TExprPtr> args;
  args.push_back(std::move(base));
  TExprPtr call = MakeCall(FieldSelectFn, desc->types[field], std::move(args), true, static_cast<int>(field), location);
  call->typmod = desc->typmods[field];
  call->type_a = oid::kRecord;
  return call;
}

// The record a field selection reads, checked to be one: PostgreSQL's
// errors for a scalar, positioned at the opening parenthesis.
TExprPtr Analyzer::TransformFieldBase(const Expr& e) {
  TExprPtr base = Transform(*e.args[0]);
  if (base->type != oid::kRecord) {
    if (e.star) Error("42809", "type " + TypeSqlName(base->type) + " is not composite", -1);
    Error("42809", "column notation ." + e.str + " applied to type " + TypeSqlName(base->type) +
                       ", which is not a composite type", e.location);
  }
  if (!RecordDescOf(base->typmod)) {
    Error(sqlstate::kFeatureNotSupported, "record type has not been registered", e.location);
  }
  return base;
}

TExprPtr Analyzer::TransformFieldSelect(const Expr& e) {
  if (e.star) Error(sqlstate::kSyntaxError, "row expansion via \"*\" is not supported here", e.location);
  TExprPtr base = TransformFieldBase(e);
  std::shared_ptr<const RecordDesc> desc = RecordDescOf(base->typmod);
  for (size_t i = 0; i < desc->names.size(); ++i) {
    if (desc->names[i] == e.str) return SelectField(std::move(base), i, e.location);
  }
  Error(sqlstate::kUndefinedColumn, "could not identify column \"" + e.str + "\" in record data type", e.location);
}

void Analyzer::ExpandFieldStar(const Expr& e, AnalyzedQuery& q) {
  TExprPtr base = TransformFieldBase(e);
  std::shared_ptr<const RecordDesc> desc = RecordDescOf(base->typmod);
  for (size_t i = 0; i < desc->names.size(); ++i) {
    TExprPtr f = SelectField(base->Clone(), i, e.location);
    q.columns.push_back({desc->names[i], f->type, f->typmod});
    q.targets.push_back(std::move(f));
  }
}

}  // namespace tusk::sql
