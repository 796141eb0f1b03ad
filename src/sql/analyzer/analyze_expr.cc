// Expression analysis: turns parser Expr nodes into typed TExpr trees.
// Unknown-typed literals stay unknown until context (an operator, function
// argument or cast) fixes their type, as in PostgreSQL.
#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <functional>

#include "sql/analyzer/analyze_array.h"
#include "sql/analyzer/analyzer_impl.h"
#include "sql/functions/srf.h"
#include "sql/functions/registry.h"
#include "sql/parser/lexer.h"
#include "sql/types/time.h"
#include "sql/types/type_oids.h"
#include "utils/error.h"

namespace tusk::sql {
namespace {

void IsNullFn(const Step& st, const Datum* const* a, Datum& out, ExecContext&) {
  out.b = st.aux ? !a[0]->null : a[0]->null;
}

// aux: BoolTestKind * 2 + negated
void BoolTestFn(const Step& st, const Datum* const* a, Datum& out, ExecContext&) {
  const Datum& v = *a[0];
  bool r;
  switch (st.aux / 2) {
    case 0: r = !v.null && v.b; break;
    case 1: r = !v.null && !v.b; break;
    default: r = v.null; break;
  }
  out.b = (st.aux & 1) ? !r : r;
}

void DistinctFn(const Step& st, const Datum* const* a, Datum& out, ExecContext&) {
  bool distinct;
  if (a[0]->null || a[1]->null) {
    distinct = a[0]->null != a[1]->null;
  } else {
    distinct = CompareDatum(st.type_a, *a[0], *a[1]) != 0;
  }
  out.b = st.aux ? !distinct : distinct;
}

void NullIfFn(const Step& st, const Datum* const* a, Datum& out, ExecContext&) {
  if (!a[0]->null && !a[1]->null && CompareDatum(st.type_a, *a[0], *a[1]) == 0) {
    out.null = true;
    return;
  }
  out = *a[0];
}

// aux 0 = GREATEST, 1 = LEAST; NULL arguments are ignored.
void GreatestFn(const Step& st, const Datum* const* a, Datum& out, ExecContext&) {
  const Datum* best = nullptr;
  for (size_t i = 0; i < st.args.size(); ++i) {
    if (a[i]->null) continue;
    if (!best) {
      best = a[i];
      continue;
    }
    int c = CompareDatum(st.type_a, *a[i], *best);
    if (st.aux == 0 ? c > 0 : c < 0) best = a[i];
  }
  if (!best) {
    out.null = true;
    return;
  }
  out = *best;
}

bool FitsInt(const std::string& s, int64_t lo, int64_t hi, int64_t* v) {
  errno = 0;
  char* end;
  long long x = std::strtoll(s.c_str(), &end, 10);
  if (errno || *end) return false;
  *v = x;
  return x >= lo && x <= hi;
}

}  // namespace

int Analyzer::Pos(int location) const { return location < 0 ? 0 : CharPosition(stmt_.query(), location); }

void Analyzer::Error(const char* state, const std::string& msg, int location, const std::string& hint) {
  PgError e(state, msg);
  if (!hint.empty()) e.Hint(hint);
  e.Position(Pos(location));
  throw e;
}

std::string Analyzer::TypeList(const std::vector<TExprPtr>& args) const {
  std::string s;
  for (size_t i = 0; i < args.size(); ++i) s += (i ? ", " : "") + TypeSqlName(args[i]->type);
  return s;
}

TExprPtr Analyzer::MakeCall(FnImpl fn, uint32_t result, std::vector<TExprPtr> args, bool strict, int aux, int loc) {
  auto e = std::make_unique<TExpr>(TKind::kCall, result);
  e->fn = fn;
  e->strict = strict;
  e->aux = aux;
  e->args = std::move(args);
  e->location = loc;
  if (!e->args.empty()) e->type_a = e->args[0]->type;
  return e;
}

TExprPtr Analyzer::Coerce(TExprPtr e, uint32_t target, int32_t typmod, CoercionContext cc, int location) {
  if (e->type == target && typmod < 0) return e;
  if (e->kind == TKind::kParam && e->type == oid::kUnknown) {
    params_[e->index] = target;
    e->type = target;
    if (typmod < 0) return e;
  }
  if (e->kind == TKind::kConst && e->type == oid::kUnknown) {
    // Literal coercion happens now; errors point at the literal.
    if (!e->value.null) {
      // The input function's errors point at the literal; the typmod is
      // applied afterwards like PostgreSQL's length coercion, so its errors
      // have no position (interval's input takes the typmod itself).
      bool typmod_in_input = target == oid::kInterval;
      try {
        e->value = TextIn(target, e->value.s, io_, typmod_in_input ? typmod : -1);
      } catch (PgError& err) {
        if (err.data().position == 0) err.Position(Pos(e->location));
        throw;
      }
      if (!typmod_in_input && typmod >= 0) ApplyTypmod(target, typmod, e->value);
    }
    e->type = target;
    e->typmod = typmod;
    return e;
  }
  if (!CanCoerce(e->type, target, cc)) {
    if (cc == CoercionContext::kExplicit) {
      Error(sqlstate::kCannotCoerce,
            "cannot cast type " + TypeSqlName(e->type) + " to " + TypeSqlName(target), location);
    }
    Error(sqlstate::kDatatypeMismatch,
          "argument of type " + TypeSqlName(e->type) + " cannot be converted to " + TypeSqlName(target), location);
  }
  if (e->type == target && typmod < 0) return e;
  uint32_t from = e->type;
  std::vector<TExprPtr> args;
  args.push_back(std::move(e));
  TExprPtr c = MakeCall(CastFunction, target, std::move(args), true, 0, location);
  c->type_a = from;
  c->type_b = target;
  c->call_typmod = typmod;
  c->typmod = typmod;
  return c;
}

namespace {

// The typmod every expression has (PostgreSQL keeps it through CASE and
// COALESCE then), else -1.
int32_t SharedTypmod(const std::vector<TExpr*>& exprs) {
  for (const TExpr* x : exprs)
    if (x->typmod != exprs[0]->typmod || x->type != exprs[0]->type) return -1;
  return exprs.empty() ? -1 : exprs[0]->typmod;
}

int LeftmostLocation(const TExpr& e) {
  int loc = e.location;
  for (const auto& a : e.args) {
    int l = LeftmostLocation(*a);
    if (l >= 0 && (loc < 0 || l < loc)) loc = l;
  }
  return loc;
}

}  // namespace

TExprPtr Analyzer::CoerceToBool(TExprPtr e, const char* construct) {
  if (FindSrf(*e)) {
    Error(sqlstate::kDatatypeMismatch, std::string("argument of ") + construct + " must not return a set",
          LeftmostLocation(*e));
  }
  if (e->type == oid::kBool) return e;
  if (e->type == oid::kUnknown) return Coerce(std::move(e), oid::kBool, -1, CoercionContext::kImplicit, e->location);
  Error(sqlstate::kDatatypeMismatch,
        std::string("argument of ") + construct + " must be type boolean, not type " + TypeSqlName(e->type),
        e->location);
}

uint32_t Analyzer::CommonType(const std::vector<TExpr*>& exprs, const char* construct) {
  uint32_t result = 0;
  for (TExpr* e : exprs) {
    if (e->type == oid::kUnknown) continue;
    if (!result) {
      result = e->type;
      continue;
    }
    if (e->type == result) continue;
    const TypeInfo* a = LookupType(result);
    const TypeInfo* b = LookupType(e->type);
    if (!a || !b || a->category != b->category) {
      if (!construct) return 0;
      Error(sqlstate::kDatatypeMismatch,
            std::string(construct) + " types " + TypeSqlName(result) + " and " + TypeSqlName(e->type) +
                " cannot be matched",
            e->location);
    }
    // Move to the other type if ours converts to it implicitly but not back.
    if (!a->preferred && CanCoerce(result, e->type, CoercionContext::kImplicit) &&
        !CanCoerce(e->type, result, CoercionContext::kImplicit)) {
      result = e->type;
    }
  }
  return result ? result : oid::kText;
}

TExprPtr Analyzer::RowCompare(const std::string& op, size_t n, const std::function<TExprPtr(size_t)>& left,
                               const std::function<TExprPtr(size_t)>& right, int location) {
  std::vector<TExprPtr> pairs;
  for (size_t i = 0; i < n; ++i) {
    pairs.push_back(ResolveOperator(op, left(i), right(i), location));
    if (pairs.back()->type != oid::kBool) {
      Error(sqlstate::kDatatypeMismatch, "row comparison operator must yield type boolean, not type " +
                                             TypeSqlName(pairs.back()->type), location);
    }
  }
  bool ordering = op == "<" || op == "<=" || op == ">" || op == ">=";
  if (op != "=" && op != "<>" && !ordering) {
    throw PgError(sqlstate::kFeatureNotSupported, "could not determine interpretation of row comparison operator " + op)
        .Hint("Row comparison operators must be associated with btree operator families.")
        .Position(Pos(location));
  }
  if (pairs.size() == 1) return std::move(pairs[0]);
  if (!ordering) {
    // = is every pair equal, <> some pair unequal.
    auto b = std::make_unique<TExpr>(op == "=" ? TKind::kAnd : TKind::kOr, oid::kBool);
    b->location = location;
    b->args = std::move(pairs);
    return b;
  }
  // Lexicographic, deciding at the first unequal pair (NULL there or before
  // makes it NULL): a1 < b1 OR (a1 = b1 AND (... an <= bn)).
  std::string strict = op.substr(0, 1);
  TExprPtr result = std::move(pairs.back());
  for (size_t i = n - 1; i-- > 0;) {
    auto both = std::make_unique<TExpr>(TKind::kAnd, oid::kBool);
    both->args.push_back(ResolveOperator("=", left(i), right(i), location));
    both->args.push_back(std::move(result));
    auto either = std::make_unique<TExpr>(TKind::kOr, oid::kBool);
    either->args.push_back(op.size() == 1 ? std::move(pairs[i]) : ResolveOperator(strict, left(i), right(i), location));
    either->args.push_back(std::move(both));
    result = std::move(either);
  }
  return result;
}

TExprPtr Analyzer::TransformRowCompare(const std::string& op, const Expr& l, const Expr& r, int location) {
  if (l.args.size() != r.args.size()) {
    Error(sqlstate::kSyntaxError, "unequal number of entries in row expressions", location);
  }
  if (l.args.empty()) Error(sqlstate::kFeatureNotSupported, "cannot compare rows of zero length", location);
  return RowCompare(
      op, l.args.size(), [&](size_t i) { return Transform(*l.args[i]); }, [&](size_t i) { return Transform(*r.args[i]); },
      location);
}

TExprPtr Analyzer::Transform(const Expr& e) {
  switch (e.kind) {
    case ExprKind::kConst: {
      auto c = std::make_unique<TExpr>(TKind::kConst, oid::kUnknown);
      c->location = e.location;
      switch (e.const_kind) {
        case ConstKind::kInteger: {
          int64_t v;
          if (FitsInt(e.str, INT32_MIN, INT32_MAX, &v)) {
            c->type = oid::kInt4;
            c->value = Datum::Int(v);
          } else if (FitsInt(e.str, INT64_MIN, INT64_MAX, &v)) {
            c->type = oid::kInt8;
            c->value = Datum::Int(v);
          } else {
            c->type = oid::kNumeric;
            c->value = Datum::Num(Numeric::Parse(e.str));
          }
          break;
        }
        case ConstKind::kNumeric:
          c->type = oid::kNumeric;
          c->value = Datum::Num(Numeric::Parse(e.str));
          break;
        case ConstKind::kString:
          c->value = Datum::Text(e.str);
          break;
        case ConstKind::kNull:
          break;
        case ConstKind::kBool:
          c->type = oid::kBool;
          c->value = Datum::Bool(e.bool_val);
          break;
        case ConstKind::kBitString:
          Error(sqlstate::kFeatureNotSupported, "bit string literals are not supported", e.location);
      }
      return c;
    }
    case ExprKind::kColumnRef:
      return ResolveColumnRef(e);
    case ExprKind::kParam: {
      int n = e.param_number;
      if (n < 1 || n > 65535) {
        Error(sqlstate::kUndefinedParameter, "there is no parameter $" + std::to_string(n), e.location);
      }
      if (static_cast<int>(params_.size()) < n) params_.resize(n, 0);
      auto p = std::make_unique<TExpr>(TKind::kParam, params_[n - 1] ? params_[n - 1] : oid::kUnknown);
      p->index = n - 1;
      p->location = e.location;
      return p;
    }
    case ExprKind::kOp: {
      if (e.args.size() == 2 && e.args[0]->kind == ExprKind::kRow && e.args[1]->kind == ExprKind::kRow) {
        return TransformRowCompare(e.str, *e.args[0], *e.args[1], e.location);
      }
      TExprPtr l = e.args.size() == 2 ? Transform(*e.args[0]) : nullptr;
      TExprPtr r = Transform(*e.args.back());
      CheckOperatorSchema(e, l ? l->type : 0, r->type);
      return ResolveOperator(e.str, std::move(l), std::move(r), e.location);
    }
    case ExprKind::kAnd:
    case ExprKind::kOr: {
      auto b = std::make_unique<TExpr>(e.kind == ExprKind::kAnd ? TKind::kAnd : TKind::kOr, oid::kBool);
      b->location = e.location;
      for (const auto& a : e.args) b->args.push_back(CoerceToBool(Transform(*a), e.kind == ExprKind::kAnd ? "AND" : "OR"));
      return b;
    }
    case ExprKind::kNot: {
      auto b = std::make_unique<TExpr>(TKind::kNot, oid::kBool);
      b->location = e.location;
      b->args.push_back(CoerceToBool(Transform(*e.args[0]), "NOT"));
      return b;
    }
    case ExprKind::kNullTest: {
      if (e.args[0]->kind == ExprKind::kRow) {
        // ROW(...) IS NULL: every field is null; IS NOT NULL: none is.
        auto all = std::make_unique<TExpr>(TKind::kAnd, oid::kBool);
        all->location = e.location;
        for (const auto& f : e.args[0]->args) {
          std::vector<TExprPtr> args;
          args.push_back(Transform(*f));
          all->args.push_back(MakeCall(IsNullFn, oid::kBool, std::move(args), false, e.negated, e.location));
        }
        return all;
      }
      std::vector<TExprPtr> args;
      args.push_back(Transform(*e.args[0]));
      return MakeCall(IsNullFn, oid::kBool, std::move(args), false, e.negated, e.location);
    }
    case ExprKind::kBoolTest: {
      const char* names[] = {"IS TRUE", "IS FALSE", "IS UNKNOWN"};
      std::vector<TExprPtr> args;
      args.push_back(CoerceToBool(Transform(*e.args[0]), names[static_cast<int>(e.bool_test)]));
      return MakeCall(BoolTestFn, oid::kBool, std::move(args), false,
                      static_cast<int>(e.bool_test) * 2 + e.negated, e.location);
    }
    case ExprKind::kDistinct: {
      if (e.args[0]->kind == ExprKind::kRow && e.args[1]->kind == ExprKind::kRow) {
        // Rows are distinct when any pair of fields is.
        const Expr& l = *e.args[0];
        const Expr& r = *e.args[1];
        if (l.args.size() != r.args.size()) {
          Error(sqlstate::kSyntaxError, "unequal number of entries in row expressions", e.location);
        }
        auto any = std::make_unique<TExpr>(TKind::kOr, oid::kBool);
        any->location = e.location;
        for (size_t i = 0; i < l.args.size(); ++i) {
          TExprPtr eq = ResolveOperator("=", Transform(*l.args[i]), Transform(*r.args[i]), e.location);
          uint32_t t = eq->type_a;
          TExprPtr c = MakeCall(DistinctFn, oid::kBool, std::move(eq->args), false, 0, e.location);
          c->type_a = t;
          any->args.push_back(std::move(c));
        }
        if (!e.negated) return any;
        auto n = std::make_unique<TExpr>(TKind::kNot, oid::kBool);
        n->args.push_back(std::move(any));
        return n;
      }
      // Resolve "=" to settle both argument types, then compare null-aware.
      TExprPtr eq = ResolveOperator("=", Transform(*e.args[0]), Transform(*e.args[1]), e.location);
      uint32_t t = eq->type_a;
      TExprPtr c = MakeCall(DistinctFn, oid::kBool, std::move(eq->args), false, e.negated, e.location);
      c->type_a = t;
      return c;
    }
    case ExprKind::kBetween: {
      auto range = [&](const Expr& lo, const Expr& hi) {
        auto b = std::make_unique<TExpr>(TKind::kAnd, oid::kBool);
        b->args.push_back(ResolveOperator(">=", Transform(*e.args[0]), Transform(lo), e.location));
        b->args.push_back(ResolveOperator("<=", Transform(*e.args[0]), Transform(hi), e.location));
        return b;
      };
      TExprPtr r = range(*e.args[1], *e.args[2]);
      if (e.symmetric) {
        auto o = std::make_unique<TExpr>(TKind::kOr, oid::kBool);
        o->args.push_back(std::move(r));
        o->args.push_back(range(*e.args[2], *e.args[1]));
        r = std::move(o);
      }
      if (e.negated) {
        auto n = std::make_unique<TExpr>(TKind::kNot, oid::kBool);
        n->args.push_back(std::move(r));
        r = std::move(n);
      }
      return r;
    }
    case ExprKind::kIn:
      return TransformIn(*this, e);
    case ExprKind::kLike: {
      if (e.str == "similar") {
        // x SIMILAR TO p [ESCAPE e] is x ~ similar_to_escape(p [, e]).
        Expr fn(ExprKind::kFunc, e.location);
        fn.names = {"similar_to_escape"};
        std::vector<TExprPtr> fargs;
        for (size_t i = 1; i < e.args.size(); ++i) fargs.push_back(Transform(*e.args[i]));
        TExprPtr pattern = ResolveFunction(fn, std::move(fargs));
        return ResolveOperator(e.negated ? "!~" : "~", Transform(*e.args[0]), std::move(pattern), e.location);
      }
      std::string op = e.str == "ilike" ? (e.negated ? "!~~*" : "~~*") : (e.negated ? "!~~" : "~~");
      TExprPtr call = ResolveOperator(op, Transform(*e.args[0]), Transform(*e.args[1]), e.location);
      if (e.args.size() == 3 && call->type_a == oid::kBytea) {
        // PostgreSQL rewrites the pattern to like_escape(pattern, escape),
        // text for a literal pattern, and has no bytea ~~ text. (A pattern
        // typed bytea would take like_escape(bytea, bytea); not supported.)
        Error(sqlstate::kUndefinedFunction, "operator does not exist: bytea " + op + " text", e.location,
              "No operator matches the given name and argument types. You might need to add explicit type casts.");
      }
      if (e.args.size() == 3) {
        call->args.push_back(Coerce(Transform(*e.args[2]), oid::kText, -1, CoercionContext::kImplicit, e.location));
      }
      return call;
    }
    case ExprKind::kCase: {
      auto c = std::make_unique<TExpr>(TKind::kCase, 0);
      c->location = e.location;
      // CASE x WHEN a ...: x is evaluated once (args[0], aux = 1); each WHEN
      // compares a kCaseTest standing for its value.
      TExprPtr test;
      if (e.case_arg) {
        test = Transform(*e.case_arg);
        RefuseSrfIn(*test, "CASE");
        c->aux = 1;
        c->args.push_back(nullptr);
      }
      const size_t first = c->args.size();
      for (size_t i = 0; i < e.args.size(); i += 2) {
        TExprPtr cond;
        if (test) {
          auto value = std::make_unique<TExpr>(TKind::kCaseTest, test->type);
          value->typmod = test->typmod;
          value->location = test->location;
          cond = ResolveOperator("=", std::move(value), Transform(*e.args[i]), e.args[i]->location);
        } else {
          cond = Transform(*e.args[i]);
        }
        c->args.push_back(CoerceToBool(std::move(cond), "CASE/WHEN"));
        c->args.push_back(Transform(*e.args[i + 1]));
      }
      if (test) c->args[0] = std::move(test);
      if (e.case_else) c->else_expr = Transform(*e.case_else);
      RefuseSrfIn(*c, "CASE");
      std::vector<TExpr*> rs;
      for (size_t i = first + 1; i < c->args.size(); i += 2) rs.push_back(c->args[i].get());
      if (c->else_expr) rs.push_back(c->else_expr.get());
      uint32_t t = CommonType(rs, "CASE");
      for (size_t i = first + 1; i < c->args.size(); i += 2) {
        c->args[i] = Coerce(std::move(c->args[i]), t, -1, CoercionContext::kImplicit, c->args[i]->location);
      }
      if (c->else_expr) c->else_expr = Coerce(std::move(c->else_expr), t, -1, CoercionContext::kImplicit, e.location);
      c->type = t;
      if (c->else_expr) {
        rs.clear();
        for (size_t i = first + 1; i < c->args.size(); i += 2) rs.push_back(c->args[i].get());
        rs.push_back(c->else_expr.get());
        c->typmod = SharedTypmod(rs);
      }
      return c;
    }
    case ExprKind::kCoalesce:
    case ExprKind::kGreatest:
    case ExprKind::kLeast:
    case ExprKind::kNullIf: {
      std::vector<TExprPtr> args;
      for (const auto& a : e.args) args.push_back(Transform(*a));
      if (e.kind == ExprKind::kCoalesce) {
        for (const auto& a : args) RefuseSrfIn(*a, "COALESCE");
      }
      if (e.kind == ExprKind::kNullIf) {
        TExprPtr eq = ResolveOperator("=", std::move(args[0]), std::move(args[1]), e.location);
        uint32_t t = eq->type_a;
        TExprPtr c = MakeCall(NullIfFn, t, std::move(eq->args), false, 0, e.location);
        c->type_a = t;
        return c;
      }
      const char* construct = e.kind == ExprKind::kCoalesce ? "COALESCE" : e.kind == ExprKind::kGreatest ? "GREATEST" : "LEAST";
      std::vector<TExpr*> raw;
      for (auto& a : args) raw.push_back(a.get());
      uint32_t t = CommonType(raw, construct);
      for (auto& a : args) a = Coerce(std::move(a), t, -1, CoercionContext::kImplicit, a->location);
      if (e.kind == ExprKind::kCoalesce) {
        auto c = std::make_unique<TExpr>(TKind::kCoalesce, t);
        raw.clear();
        for (auto& a : args) raw.push_back(a.get());
        c->typmod = SharedTypmod(raw);
        c->args = std::move(args);
        c->location = e.location;
        return c;
      }
      TExprPtr c = MakeCall(GreatestFn, t, std::move(args), false, e.kind == ExprKind::kLeast, e.location);
      c->type_a = t;
      return c;
    }
    case ExprKind::kCast: {
      const TypeName& tn = *e.type;
      const TypeInfo* ti = LookupTypeByName(tn.names.back());
      if (ti && tn.names.size() > 1 && tn.names[0] != "pg_catalog") ti = nullptr;
      uint32_t array_type = ti && tn.array ? ti->array_type : 0;
      if (!ti || ti->oid == oid::kUnknown || (tn.array && !array_type)) {
        std::string shown;
        for (size_t i = 0; i < tn.names.size(); ++i) shown += (i ? "." : "") + tn.names[i];
        Error(sqlstate::kUndefinedObject, "type \"" + shown + (tn.array ? "[]" : "") + "\" does not exist", tn.location);
      }
      int32_t typmod = -1;  // of the element type for arrays
      if (!tn.typmods.empty()) {
        if (ti->oid == oid::kNumeric) {
          int p = tn.typmods[0], s = tn.typmods.size() > 1 ? tn.typmods[1] : 0;
          if (p < 1 || p > 1000) {
            Error(sqlstate::kInvalidParameterValue, "NUMERIC precision " + std::to_string(p) + " must be between 1 and 1000", tn.location);
          }
          if (s < -1000 || s > 1000) {
            Error(sqlstate::kInvalidParameterValue, "NUMERIC scale " + std::to_string(s) + " must be between -1000 and 1000", tn.location);
          }
          typmod = NumericTypmod(p, s);
        } else if (ti->oid == oid::kVarchar || ti->oid == oid::kBpchar) {
          typmod = tn.typmods[0];
        } else if (ti->oid == oid::kTime || ti->oid == oid::kTimestamp || ti->oid == oid::kTimestamptz) {
          try {
            typmod = TimePrecisionTypmod(ti->oid, tn.typmods[0]);
          } catch (PgError& err) {
            err.Position(Pos(tn.location));
            throw;
          }
          if (tn.typmods[0] > 6) {
            ErrorData w = MakeNotice(ErrLevel::kWarning, sqlstate::kInvalidParameterValue,
                                     TimePrecisionReducedMessage(ti->oid, tn.typmods[0]));
            w.position = Pos(tn.location);
            ctx_.EmitNotice(w);
          }
        }
      }
      if (array_type && e.args[0]->kind == ExprKind::kArray) {
        // ARRAY[...]::t[] converts the elements to t directly, so ARRAY[]::t[] works.
        TExprPtr r = TransformArrayExpr(*this, *e.args[0], ti->oid, typmod);
        r->location = e.location;
        return r;
      }
      TExprPtr arg = Transform(*e.args[0]);
      int loc = e.location;
      TExprPtr r = Coerce(std::move(arg), array_type ? array_type : ti->oid, typmod, CoercionContext::kExplicit, loc);
      // x::varchar has no length even when x is a varchar(10) column; an
      // array's typmod belongs to its elements.
      if (array_type || typmod < 0) r->typmod = -1;
      return r;
    }
    case ExprKind::kSqlValue: {
      static const std::pair<const char*, const char*> kMap[] = {
          {"current_user", "current_user"}, {"user", "current_user"},       {"current_role", "current_user"},
          {"session_user", "session_user"}, {"current_catalog", "current_database"},
          {"current_schema", "current_schema"}, {"current_timestamp", "now"}, {"localtimestamp", "localtimestamp"},
          {"current_date", "current_date"}, {"localtime", "localtime"}};
      for (const auto& [kw, fn] : kMap) {
        if (e.str != kw) continue;
        Expr call(ExprKind::kFunc, e.location);
        call.names = {fn};
        return ResolveFunction(call, {});
      }
      Error(sqlstate::kFeatureNotSupported, e.str + " is not supported", e.location);
    }
    case ExprKind::kFunc: {
      const std::string& name = e.names.back();
      const bool builtin_schema = e.names.size() == 2 && (e.names[0] == "pg_catalog" ||
                                                          (e.names[0] == "information_schema" &&
                                                           IsInformationSchemaFunction(name)));
      if (e.names.size() > 1 && !builtin_schema) {
        std::vector<TExprPtr> args;
        if (!e.agg_star) {
          for (const auto& a : e.args) args.push_back(Transform(*a));
        }
        CheckFunctionSchema(*this, e, args);
      }
      for (const auto& agg : AllAggregates()) {
        if (agg.name == name) return e.over ? TransformWindowFunc(e) : TransformAggregate(e);
      }
      if (IsWindowFunctionName(name)) return TransformWindowFunc(e);
      if (e.agg_star) {
        // f(*) is looked up as f(): only an existing f() is "not an aggregate".
        bool exists = false;
        for (const auto& f : AllFunctions()) exists |= f.name == name && f.args.empty();
        if (!exists) {
          std::string shown = e.names.size() > 1 ? e.names[0] + "." + name : name;
          Error(sqlstate::kUndefinedFunction, "function " + shown + "() does not exist", e.location,
                "No function matches the given name and argument types. You might need to add explicit type casts.");
        }
        Error("42809", name + "(*) specified, but " + name + " is not an aggregate function", e.location);
      }
      if (e.agg_distinct) {
        Error("42809", "DISTINCT specified, but " + name + " is not an aggregate function", e.location);
      }
      if (!e.agg_order.empty()) {
        Error("42809", "ORDER BY specified, but " + name + " is not an aggregate function", e.location);
      }
      if (e.agg_filter) {
        Error("42809", "FILTER specified, but " + name + " is not an aggregate function", e.location);
      }
      if (IsSrfCall(e)) return TransformSrfCall(e);
      std::vector<TExprPtr> args;
      for (const auto& a : e.args) args.push_back(Transform(*a));
      TExprPtr call = ResolveFunction(e, std::move(args));
      if (e.over) {
        Error("42809", "OVER specified, but " + name + " is not a window function nor an aggregate function",
              e.location);
      }
      return call;
    }
    case ExprKind::kSubscript:
      return TransformSubscript(*this, e);
    case ExprKind::kSubLink:
      CheckOperatorSchema(e, 0, 0);
      return TransformSubLink(e);
    case ExprKind::kAnyAll:
      CheckOperatorSchema(e, 0, 0);
      return TransformAnyAllArray(*this, e);
    case ExprKind::kArray:
      return TransformArrayExpr(*this, e, 0, -1);
    case ExprKind::kRow:
      return TransformRow(e);
    case ExprKind::kFieldSelect:
      return TransformFieldSelect(e);
    case ExprKind::kCollate: {
      // Every collation Tusk knows is deterministic and compares like "C", so
      // COLLATE only checks its operand and name and leaves the value alone
      // (an unknown literal stays unknown, as in PostgreSQL).
      TExprPtr arg = Transform(*e.args[0]);
      uint32_t t = arg->type;
      uint32_t base = ElementTypeOf(t) ? ElementTypeOf(t) : t;
      if (t != oid::kUnknown && base != oid::kText && base != oid::kVarchar && base != oid::kBpchar &&
          base != oid::kName) {
        Error(sqlstate::kDatatypeMismatch, "collations are not supported by type " + TypeSqlName(t), e.location);
      }
      CheckCollationName(e.names, e.location);
      return arg;
    }
    case ExprKind::kDefault:
      Error(sqlstate::kSyntaxError, "DEFAULT is not allowed in this context", e.location);
  }
  Error(sqlstate::kInternalError, "unrecognized expression", e.location);
}

// Operators all live in pg_catalog: OPERATOR(pg_catalog.op) is the plain
// operator; another schema has none (public) or does not exist. lt/rt are the
// operand types (0: not known here, for ANY/ALL).
void Analyzer::CheckOperatorSchema(const Expr& e, uint32_t lt, uint32_t rt) {
  if (e.names.empty() || (e.names.size() == 1 && e.names[0] == "pg_catalog")) return;
  std::string qual;
  for (const auto& n : e.names) qual += n + ".";
  qual += e.str;
  // These two carry no position in PostgreSQL.
  if (e.names.size() == 2) Error(sqlstate::kFeatureNotSupported, "cross-database references are not implemented: " + qual, -1);
  if (e.names.size() > 2) Error(sqlstate::kSyntaxError, "improper qualified name (too many dotted names): " + qual, -1);
  if (e.names[0] != "public" && e.names[0] != "pg_toast") {
    Error("3F000", "schema \"" + e.names[0] + "\" does not exist", e.location);
  }
  std::string sig = qual;
  if (rt != 0) sig = lt == 0 ? qual + " " + TypeSqlName(rt) : TypeSqlName(lt) + " " + qual + " " + TypeSqlName(rt);
  Error(sqlstate::kUndefinedFunction, "operator does not exist: " + sig, e.location,
        lt == 0 && rt != 0
            ? "No operator matches the given name and argument type. You might need to add an explicit type cast."
            : "No operator matches the given name and argument types. You might need to add explicit type casts.");
}

// The collations of a UTF8 database with libc locales (pg_collation's rows,
// system_views.cc): "default", "C", "POSIX", "ucs_basic", "C.utf8".
void Analyzer::CheckCollationName(const std::vector<std::string>& names, int location) {
  std::string qual;
  for (const auto& n : names) qual += (qual.empty() ? "" : ".") + n;
  if (names.size() == 3) Error(sqlstate::kFeatureNotSupported, "cross-database references are not implemented: " + qual, location);
  if (names.size() > 3) Error(sqlstate::kSyntaxError, "improper qualified name (too many dotted names): " + qual, location);
  if (names.size() == 2 && names[0] != "pg_catalog" && names[0] != "public" && names[0] != "pg_toast") {
    Error("3F000", "schema \"" + names[0] + "\" does not exist", location);
  }
  const std::string& n = names.back();
  bool known = n == "default" || n == "C" || n == "POSIX" || n == "ucs_basic" || n == "C.utf8";
  if (!known || (names.size() == 2 && names[0] != "pg_catalog")) {
    Error(sqlstate::kUndefinedObject, "collation \"" + qual + "\" for encoding \"UTF8\" does not exist", location);
  }
}

}  // namespace tusk::sql
