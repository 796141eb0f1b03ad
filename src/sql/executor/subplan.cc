// Execution of subqueries inside expressions: scalar, EXISTS and ANY/ALL.
// The current row is pushed as the outer row while the subquery runs, so
// correlated references read it; uncorrelated results are kept.
#include "sql/executor/plan.h"
#include "sql/parser/ast.h"
#include "sql/types/array.h"
#include "utils/error.h"

namespace tusk::sql {
namespace {

constexpr char kCardinalityViolation[] = "21000";

// Runs the subquery, calling fn(row) until it returns false.
template <typename Fn>
void Each(SubPlan& sp, const Datum* row, ExecContext& ctx, Fn&& fn) {
  ExecState& st = *ctx.state;
  ctx.outer.push_back(row);
  try {
    auto plan = BuildPlan(*sp.query, st);
    while (const Row* r = plan->Next(st)) {
      if (!fn(*r)) break;
    }
  } catch (...) {
    ctx.outer.pop_back();
    throw;
  }
  ctx.outer.pop_back();
}

}  // namespace

Datum RunSubPlan(SubPlan& sp, const Datum* row, const Datum* tests, ExecContext& ctx) {
  auto kind = static_cast<SubLinkKind>(sp.kind);
  if (kind == SubLinkKind::kArray) {
    if (sp.cached) return sp.value;
    std::vector<Datum> elems;
    Each(sp, row, ctx, [&](const Row& r) {
      elems.push_back(r[0]);
      return true;
    });
    Datum result = MakeArray(sp.elem_type, std::move(elems));
    if (!sp.correlated) {
      sp.cached = true;
      sp.value = result;
    }
    return result;
  }
  if (kind == SubLinkKind::kExists || kind == SubLinkKind::kExpr) {
    if (sp.cached) return sp.value;
    Datum result;
    if (kind == SubLinkKind::kExists) {
      bool found = false;
      Each(sp, row, ctx, [&](const Row&) {
        found = true;
        return false;
      });
      result = Datum::Bool(found);
    } else {
      int n = 0;
      Each(sp, row, ctx, [&](const Row& r) {
        if (++n > 1) {
          throw PgError(kCardinalityViolation, "more than one row returned by a subquery used as an expression");
        }
        result = r[0];
        return true;
      });
    }
    if (!sp.correlated) {
      sp.cached = true;
      sp.value = result;
    }
    return result;
  }
  // ANY / ALL: combine the test values with every subquery row (rows are
  // kept flattened, sp.width values each).
  size_t w = static_cast<size_t>(sp.width);
  std::vector<Datum> local;
  std::vector<Datum>* values = &sp.rows;
  if (sp.correlated || !sp.cached) {
    values = sp.correlated ? &local : &sp.rows;
    values->clear();
    Each(sp, row, ctx, [&](const Row& r) {
      values->insert(values->end(), r.begin(), r.begin() + static_cast<std::ptrdiff_t>(w));
      return true;
    });
    if (!sp.correlated) sp.cached = true;
  }
  bool any = kind == SubLinkKind::kAny;
  bool saw_null = false;
  std::vector<Datum> pair(2 * w);
  for (size_t i = 0; i < w; ++i) pair[i] = tests[i];
  for (size_t k = 0; k + w <= values->size(); k += w) {
    for (size_t i = 0; i < w; ++i) pair[w + i] = (*values)[k + i];
    const Datum& r = sp.combine[0].Eval(pair.data(), ctx);
    if (r.null) {
      saw_null = true;
    } else if (r.b == any) {
      return Datum::Bool(any);
    }
  }
  return saw_null ? Datum::Null() : Datum::Bool(!any);
}

}  // namespace tusk::sql
