// Operator and function overload resolution, modelled on PostgreSQL's
// func_select_candidate: prefer exact type matches, then preferred types of
// each category, then string types for unknown-literal arguments.
#include <algorithm>

#include "sql/analyzer/analyzer_impl.h"
#include "sql/types/type_oids.h"
#include "utils/error.h"

namespace tusk::sql {
namespace {

constexpr char kInvalidSchemaName[] = "3F000";

struct Candidate {
  std::vector<uint32_t> args;
  const void* def;
};

TypeCategory Category(uint32_t t) {
  const TypeInfo* ti = LookupType(t);
  return ti ? ti->category : TypeCategory::kUser;
}

bool Preferred(uint32_t t) {
  const TypeInfo* ti = LookupType(t);
  return ti && ti->preferred;
}

// Returns the chosen candidate, nullptr if none; *ambiguous when several tie.
const Candidate* Choose(const std::vector<Candidate>& all, const std::vector<uint32_t>& actual, bool* ambiguous) {
  *ambiguous = false;
  std::vector<const Candidate*> ok;
  for (const auto& c : all) {
    bool fits = true;
    for (size_t i = 0; i < actual.size(); ++i) {
      if (c.args[i] != kAnyArg && !CanCoerce(actual[i], c.args[i], CoercionContext::kImplicit)) fits = false;
    }
    if (fits) ok.push_back(&c);
  }
  if (ok.size() <= 1) return ok.empty() ? nullptr : ok[0];
  // One unknown argument next to a known type: assume the same type.
  auto best_by = [&](auto score) {
    int best = -1;
    std::vector<const Candidate*> keep;
    for (auto* c : ok) {
      int s = score(*c);
      if (s > best) {
        best = s;
        keep.clear();
      }
      if (s == best) keep.push_back(c);
    }
    ok = keep;
  };
  uint32_t known = 0;
  for (uint32_t t : actual) {
    if (t != oid::kUnknown) known = known ? known : t;
  }
  best_by([&](const Candidate& c) {
    int s = 0;
    for (size_t i = 0; i < actual.size(); ++i) {
      uint32_t a = actual[i] == oid::kUnknown ? known : actual[i];
      s += c.args[i] == a;
    }
    return s;
  });
  if (ok.size() > 1) {
    best_by([&](const Candidate& c) {
      int s = 0;
      for (size_t i = 0; i < actual.size(); ++i) s += actual[i] != oid::kUnknown && Preferred(c.args[i]);
      return s;
    });
  }
  if (ok.size() > 1) {
    best_by([&](const Candidate& c) {
      int s = 0;
      for (size_t i = 0; i < actual.size(); ++i) {
        s += actual[i] == oid::kUnknown && Category(c.args[i]) == TypeCategory::kString && Preferred(c.args[i]);
      }
      return s;
    });
  }
  *ambiguous = ok.size() > 1;
  return ok[0];
}

}  // namespace

TExprPtr Analyzer::ResolveOperator(const std::string& name, TExprPtr left, TExprPtr right, int location) {
  uint32_t lt = left ? left->type : 0, rt = right->type;
  auto is_str = [](uint32_t t) { return t == oid::kUnknown || Category(t) == TypeCategory::kString; };
  // text || anything: the non-string side is converted through its output
  // function (PostgreSQL's textanycat / anytextcat).
  if (name == "||" && left && (is_str(lt) || is_str(rt))) {
    if (!is_str(lt)) left = Coerce(std::move(left), oid::kText, -1, CoercionContext::kExplicit, location);
    if (!is_str(rt)) right = Coerce(std::move(right), oid::kText, -1, CoercionContext::kExplicit, location);
    lt = left->type;
    rt = right->type;
  }
  std::vector<Candidate> cands;
  for (const auto& op : AllOperators()) {
    if (op.name != name || (op.left == 0) != (left == nullptr)) continue;
    cands.push_back({left ? std::vector<uint32_t>{op.left, op.right} : std::vector<uint32_t>{op.right}, &op});
  }
  std::vector<uint32_t> actual = left ? std::vector<uint32_t>{lt, rt} : std::vector<uint32_t>{rt};
  bool ambiguous;
  const Candidate* c = Choose(cands, actual, &ambiguous);
  std::string sig = left ? TypeSqlName(lt) + " " + name + " " + TypeSqlName(rt) : name + " " + TypeSqlName(rt);
  if (!c) {
    Error(sqlstate::kUndefinedFunction, "operator does not exist: " + sig, location,
          "No operator matches the given name and argument types. You might need to add explicit type casts.");
  }
  if (ambiguous) {
    Error(sqlstate::kAmbiguousFunction, "operator is not unique: " + sig, location,
          "Could not choose a best candidate operator. You might need to add explicit type casts.");
  }
  const OperDef& op = *static_cast<const OperDef*>(c->def);
  std::vector<TExprPtr> args;
  if (left) args.push_back(Coerce(std::move(left), op.left, -1, CoercionContext::kImplicit, location));
  args.push_back(Coerce(std::move(right), op.right, -1, CoercionContext::kImplicit, location));
  TExprPtr call = MakeCall(op.fn, op.result, std::move(args), true, op.aux, location);
  call->type_a = op.left ? op.left : op.right;
  call->type_b = op.right;
  return call;
}

TExprPtr Analyzer::ResolveFunction(const Expr& fc, std::vector<TExprPtr> args) {
  const std::string& name = fc.names.back();
  if (fc.names.size() > 1 && fc.names[fc.names.size() - 2] != "pg_catalog") {
    Error(kInvalidSchemaName, "schema \"" + fc.names[fc.names.size() - 2] + "\" does not exist",
          fc.location);
  }
  std::vector<Candidate> cands;
  for (const auto& f : AllFunctions()) {
    if (f.name != name) continue;
    std::vector<uint32_t> sig = f.args;
    if (f.variadic) {
      if (args.size() < sig.size()) continue;
      while (sig.size() < args.size()) sig.push_back(sig.back());
    } else if (sig.size() != args.size()) {
      continue;
    }
    cands.push_back({sig, &f});
  }
  std::vector<uint32_t> actual;
  for (auto& a : args) actual.push_back(a->type);
  bool ambiguous;
  const Candidate* c = Choose(cands, actual, &ambiguous);
  std::string sig = name + "(" + TypeList(args) + ")";
  if (!c) {
    Error(sqlstate::kUndefinedFunction, "function " + sig + " does not exist", fc.location,
          "No function matches the given name and argument types. You might need to add explicit type casts.");
  }
  if (ambiguous) {
    Error(sqlstate::kAmbiguousFunction, "function " + sig + " is not unique", fc.location,
          "Could not choose a best candidate function. You might need to add explicit type casts.");
  }
  const FuncDef& f = *static_cast<const FuncDef*>(c->def);
  for (size_t i = 0; i < args.size(); ++i) {
    uint32_t want = c->args[i] == kAnyArg ? oid::kText : c->args[i];
    CoercionContext cc = c->args[i] == kAnyArg ? CoercionContext::kExplicit : CoercionContext::kImplicit;
    bool from_bool = args[i]->type == oid::kBool;
    args[i] = Coerce(std::move(args[i]), want, -1, cc, fc.location);
    // "any" arguments (concat, format) are rendered by the output function: t/f, not true/false.
    if (c->args[i] == kAnyArg && from_bool) args[i]->aux = kCastViaOutput;
  }
  return MakeCall(f.fn, f.result, std::move(args), f.strict, f.aux, fc.location);
}

}  // namespace tusk::sql
