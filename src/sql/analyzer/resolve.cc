// Operator and function overload resolution, modelled on PostgreSQL's
// func_select_candidate: prefer exact type matches, then preferred types of
// each category, then string types for unknown-literal arguments.
#include <algorithm>

#include "sql/analyzer/analyze_array.h"
#include "sql/analyzer/analyzer_impl.h"
#include "sql/functions/srf.h"
#include "sql/types/type_oids.h"
#include "utils/error.h"

namespace tusk::sql {
namespace {

constexpr char kInvalidSchemaName[] = "3F000";

struct Candidate {
  std::vector<uint32_t> args;
  const void* def;
};

// The types polymorphic arguments stand for in one call: elem for the
// anyelement/anyarray/anynonarray family (all must agree exactly), compat for
// the anycompatible family (the common type of its arguments).
struct PolyBinding {
  bool elem_family = false;
  uint32_t elem = 0;    // 0 = only unknown inputs
  uint32_t compat = 0;  // text when only unknown inputs
};

bool HasPolymorphic(const std::vector<uint32_t>& formal) {
  for (uint32_t f : formal) {
    if (IsPolymorphic(f)) return true;
  }
  return false;
}

TypeCategory Category(uint32_t t) {
  if (t == kAnyArg || IsPolymorphic(t)) return TypeCategory::kPseudo;
  const TypeInfo* ti = LookupType(t);
  return ti ? ti->category : TypeCategory::kUser;
}

bool Preferred(uint32_t t) {
  const TypeInfo* ti = LookupType(t);
  return ti && ti->preferred;
}

// The type a set of types can all be implicitly converted to, like
// PostgreSQL's select_common_type; 0 if there is none.
uint32_t CommonTypeOf(const std::vector<uint32_t>& types) {
  uint32_t result = 0;
  for (uint32_t t : types) {
    if (!result || t == result) {
      result = t;
      continue;
    }
    const TypeInfo* a = LookupType(result);
    const TypeInfo* b = LookupType(t);
    if (!a || !b || a->category != b->category) return 0;
    if (!a->preferred && CanCoerce(result, t, CoercionContext::kImplicit) &&
        !CanCoerce(t, result, CoercionContext::kImplicit)) {
      result = t;
    }
  }
  for (uint32_t t : types) {
    if (!CanCoerce(t, result, CoercionContext::kImplicit)) return 0;
  }
  return result;
}

// Binds the polymorphic formals of a candidate to the actual types; false if
// the actual types are inconsistent with them.
bool BindPolymorphic(const std::vector<uint32_t>& formal, const std::vector<uint32_t>& actual, PolyBinding* b) {
  std::vector<uint32_t> compat;
  for (size_t i = 0; i < formal.size(); ++i) {
    uint32_t f = formal[i], a = actual[i];
    bool known = a != oid::kUnknown;
    uint32_t elem = 0;
    switch (f) {
      case oid::kAnyElement:
      case oid::kAnyNonArray:
        b->elem_family = true;
        if (known && f == oid::kAnyNonArray && IsArrayType(a)) return false;
        elem = known ? a : 0;
        break;
      case oid::kAnyArray:
        b->elem_family = true;
        if (known && !(elem = ElementTypeOf(a))) return false;
        break;
      case oid::kAnyCompatible:
        if (known) compat.push_back(a);
        continue;
      case oid::kAnyCompatibleArray:
        if (known) {
          uint32_t e = ElementTypeOf(a);
          if (!e) return false;
          compat.push_back(e);
        }
        continue;
      default:
        continue;
    }
    if (elem) {
      if (b->elem && b->elem != elem) return false;
      b->elem = elem;
    }
  }
  if (compat.empty()) {
    b->compat = oid::kText;
  } else if (!(b->compat = CommonTypeOf(compat))) {
    return false;
  }
  return true;
}

uint32_t ConcreteType(uint32_t f, const PolyBinding& b) {
  switch (f) {
    case oid::kAnyElement:
    case oid::kAnyNonArray: return b.elem;
    case oid::kAnyArray: return ArrayTypeOf(b.elem);
    case oid::kAnyCompatible: return b.compat;
    case oid::kAnyCompatibleArray: return ArrayTypeOf(b.compat);
    default: return f;
  }
}

bool Fits(const Candidate& c, const std::vector<uint32_t>& actual) {
  for (size_t i = 0; i < actual.size(); ++i) {
    uint32_t f = c.args[i];
    if (f == kAnyArg || IsPolymorphic(f)) continue;
    if (!CanCoerce(actual[i], f, CoercionContext::kImplicit)) return false;
  }
  PolyBinding b;
  return !HasPolymorphic(c.args) || BindPolymorphic(c.args, actual, &b);
}

// Keeps the candidates with the highest score; true when one is left.
template <typename Score>
bool KeepBest(std::vector<const Candidate*>& cands, Score score) {
  int best = -1;
  std::vector<const Candidate*> keep;
  for (const Candidate* c : cands) {
    int s = score(*c);
    if (s > best) {
      best = s;
      keep.clear();
    }
    if (s == best) keep.push_back(c);
  }
  cands = std::move(keep);
  return cands.size() == 1;
}

// PostgreSQL's func_select_candidate over the candidates the arguments can
// be implicitly coerced to: most exact matches, then most exact-or-preferred
// matches, then categories for unknown arguments (string wins, then
// preferred types), then "unknowns have the known arguments' type".
const Candidate* SelectCandidate(std::vector<const Candidate*> cands, const std::vector<uint32_t>& actual) {
  size_t nargs = actual.size();
  if (KeepBest(cands, [&](const Candidate& c) {
        int n = 0;
        for (size_t i = 0; i < nargs; ++i) n += actual[i] != oid::kUnknown && c.args[i] == actual[i];
        return n;
      })) {
    return cands[0];
  }
  if (KeepBest(cands, [&](const Candidate& c) {
        int n = 0;
        for (size_t i = 0; i < nargs; ++i) {
          if (actual[i] == oid::kUnknown) continue;
          n += c.args[i] == actual[i] ||
               (Category(c.args[i]) == Category(actual[i]) && Preferred(c.args[i]));
        }
        return n;
      })) {
    return cands[0];
  }
  size_t nunknowns = 0;
  for (uint32_t t : actual) nunknowns += t == oid::kUnknown;
  if (nunknowns == 0) return nullptr;
  // Unknown arguments: pick a category per position (string if any
  // candidate takes one there; otherwise all candidates must agree).
  bool resolved = true;
  std::vector<TypeCategory> slot_category(nargs, TypeCategory::kUnknown);
  std::vector<bool> slot_preferred(nargs, false);
  for (size_t i = 0; i < nargs && resolved; ++i) {
    if (actual[i] != oid::kUnknown) continue;
    bool have = false, conflict = false;
    for (const Candidate* c : cands) {
      TypeCategory cat = Category(c->args[i]);
      bool pref = Preferred(c->args[i]);
      if (!have) {
        have = true;
        slot_category[i] = cat;
        slot_preferred[i] = pref;
      } else if (cat == slot_category[i]) {
        slot_preferred[i] = slot_preferred[i] || pref;
      } else if (cat == TypeCategory::kString) {
        slot_category[i] = cat;
        slot_preferred[i] = pref;
      } else if (slot_category[i] != TypeCategory::kString) {
        conflict = true;
      }
    }
    if (conflict && slot_category[i] != TypeCategory::kString) resolved = false;
  }
  if (resolved) {
    std::vector<const Candidate*> keep;
    for (const Candidate* c : cands) {
      bool ok = true;
      for (size_t i = 0; i < nargs && ok; ++i) {
        if (actual[i] != oid::kUnknown) continue;
        if (Category(c->args[i]) != slot_category[i]) ok = false;
        if (slot_preferred[i] && !Preferred(c->args[i])) ok = false;
      }
      if (ok) keep.push_back(c);
    }
    if (!keep.empty()) cands = std::move(keep);
    if (cands.size() == 1) return cands[0];
  }
  // Last resort: every known argument has one type; assume the unknown ones
  // have it too (array || '{3}' is array || array).
  if (nunknowns < nargs) {
    uint32_t known = 0;
    bool same = true;
    for (uint32_t t : actual) {
      if (t == oid::kUnknown) continue;
      if (!known) known = t;
      same &= t == known;
    }
    if (same) {
      std::vector<uint32_t> assumed(nargs, known);
      const Candidate* only = nullptr;
      int n = 0;
      for (const Candidate* c : cands) {
        if (Fits(*c, assumed)) {
          only = c;
          ++n;
        }
      }
      if (n == 1) return only;
    }
  }
  return nullptr;
}

// Returns the chosen candidate, nullptr if none; *ambiguous when several
// fit and none is best. `probe` is tried for an exact match first (for a
// binary operator with one unknown side, PostgreSQL's binary_oper_exact
// probes the known type on both sides).
const Candidate* Choose(const std::vector<Candidate>& all, const std::vector<uint32_t>& actual, bool* ambiguous,
                        const std::vector<uint32_t>& probe) {
  *ambiguous = false;
  for (const auto& c : all) {
    if (c.args == probe && !HasPolymorphic(c.args)) return &c;
  }
  std::vector<const Candidate*> ok;
  for (const auto& c : all) {
    if (Fits(c, actual)) ok.push_back(&c);
  }
  if (ok.size() <= 1) return ok.empty() ? nullptr : ok[0];
  const Candidate* best = SelectCandidate(ok, actual);
  if (best) return best;
  *ambiguous = true;
  return ok[0];
}

// Concrete argument and result types of the chosen candidate: polymorphic
// formals replaced by what the actual arguments bind them to.
void Concretize(const std::vector<uint32_t>& formal, uint32_t result, const std::vector<uint32_t>& actual,
                std::vector<uint32_t>* args_out, uint32_t* result_out, uint32_t* array_out) {
  *args_out = formal;
  *result_out = result;
  *array_out = 0;
  if (!HasPolymorphic(formal)) return;
  PolyBinding b;
  BindPolymorphic(formal, actual, &b);
  if (b.elem_family && !b.elem) {
    throw PgError(sqlstate::kDatatypeMismatch, "could not determine polymorphic type because input has type unknown");
  }
  auto concrete = [&](uint32_t f) {
    uint32_t t = ConcreteType(f, b);
    if (!t) {
      uint32_t elem = f == oid::kAnyCompatibleArray ? b.compat : b.elem;
      throw PgError(sqlstate::kUndefinedObject, "could not find array type for data type " + TypeSqlName(elem));
    }
    return t;
  };
  for (uint32_t& t : *args_out) t = concrete(t);
  *result_out = concrete(result);
  *array_out = ArrayTypeOf(b.elem_family ? b.elem : b.compat);
}

}  // namespace

ResolvedOperator LookupOperator(Analyzer& an, const std::string& name, uint32_t lt, uint32_t rt, bool prefix,
                                int location) {
  std::vector<Candidate> cands;
  for (const auto& op : AllOperators()) {
    if (op.name != name || (op.left == 0) != prefix) continue;
    cands.push_back({prefix ? std::vector<uint32_t>{op.right} : std::vector<uint32_t>{op.left, op.right}, &op});
  }
  std::vector<uint32_t> actual = prefix ? std::vector<uint32_t>{rt} : std::vector<uint32_t>{lt, rt};
  std::vector<uint32_t> probe = actual;
  if (!prefix && lt == oid::kUnknown) probe[0] = rt;
  if (!prefix && rt == oid::kUnknown) probe[1] = lt;
  bool ambiguous;
  const Candidate* c = Choose(cands, actual, &ambiguous, probe);
  std::string sig = prefix ? name + " " + TypeSqlName(rt) : TypeSqlName(lt) + " " + name + " " + TypeSqlName(rt);
  if (!c) {
    an.Error(sqlstate::kUndefinedFunction, "operator does not exist: " + sig, location,
             prefix ? "No operator matches the given name and argument type. You might need to add an explicit type cast."
                    : "No operator matches the given name and argument types. You might need to add explicit type casts.");
  }
  if (ambiguous) {
    an.Error(sqlstate::kAmbiguousFunction, "operator is not unique: " + sig, location,
             "Could not choose a best candidate operator. You might need to add explicit type casts.");
  }
  ResolvedOperator r;
  r.op = static_cast<const OperDef*>(c->def);
  std::vector<uint32_t> args;
  uint32_t array_type;
  Concretize(c->args, r.op->result, actual, &args, &r.result, &array_type);
  r.left = prefix ? 0 : args[0];
  r.right = args.back();
  return r;
}

TExprPtr Analyzer::ResolveOperator(const std::string& name, TExprPtr left, TExprPtr right, int location) {
  uint32_t lt = left ? left->type : 0, rt = right->type;
  auto is_str = [](uint32_t t) { return t == oid::kUnknown || Category(t) == TypeCategory::kString; };
  // text || non-array: the non-string side is converted through its output
  // function (PostgreSQL's textanycat / anytextcat take anynonarray).
  // Not when an unknown literal meets a type with its own `T || T` (bytea):
  // PostgreSQL first tries the unknown as the other side's type, and that
  // exact operator wins over textanycat.
  auto own_concat = [](uint32_t t) {
    for (const auto& op : AllOperators())
      if (op.name == "||" && op.left == t && op.right == t) return !IsArrayType(t) && Category(t) != TypeCategory::kString;
    return false;
  };
  bool exact = (lt == oid::kUnknown && own_concat(rt)) || (rt == oid::kUnknown && own_concat(lt));
  if (name == "||" && left && !exact && (is_str(lt) || is_str(rt)) && !IsArrayType(lt) && !IsArrayType(rt)) {
    if (!is_str(lt)) left = Coerce(std::move(left), oid::kText, -1, CoercionContext::kExplicit, location);
    if (!is_str(rt)) right = Coerce(std::move(right), oid::kText, -1, CoercionContext::kExplicit, location);
    lt = left->type;
    rt = right->type;
  }
  ResolvedOperator r = LookupOperator(*this, name, lt, rt, left == nullptr, location);
  std::vector<TExprPtr> args;
  if (left) args.push_back(Coerce(std::move(left), r.left, -1, CoercionContext::kImplicit, location));
  args.push_back(Coerce(std::move(right), r.right, -1, CoercionContext::kImplicit, location));
  TExprPtr call = MakeCall(r.op->fn, r.result, std::move(args), r.op->strict, r.op->aux, location);
  call->type_a = r.left ? r.left : r.right;
  call->type_b = r.right;
  return call;
}

const AggDef* LookupAggregate(const std::string& name, const std::vector<uint32_t>& actual, bool* ambiguous) {
  std::vector<Candidate> cands;
  for (const auto& d : AllAggregates()) {
    if (d.name != name || d.kind == AggKind::kCountStar) continue;
    std::vector<uint32_t> sig{d.arg};
    if (d.arg2) sig.push_back(d.arg2);
    if (sig.size() == actual.size()) cands.push_back({sig, &d});
  }
  const Candidate* c = Choose(cands, actual, ambiguous, actual);
  return c ? static_cast<const AggDef*>(c->def) : nullptr;
}

void CheckFunctionSchema(Analyzer& an, const Expr& fc, const std::vector<TExprPtr>& args) {
  if (fc.names.size() < 2) return;
  std::string shown;
  for (size_t i = 0; i < fc.names.size(); ++i) shown += (i ? "." : "") + fc.names[i];
  if (fc.names.size() > 2) {
    an.Error(sqlstate::kFeatureNotSupported, "cross-database references are not implemented: " + shown, fc.location);
  }
  const std::string& schema = fc.names[0];
  if (schema == "pg_catalog") return;
  if (schema == "information_schema" && IsInformationSchemaFunction(fc.names.back())) return;
  if (schema != "public" && schema != "information_schema" && an.ctx_.NamespaceOid(schema) == 0) {
    an.Error(kInvalidSchemaName, "schema \"" + schema + "\" does not exist", fc.location);
  }
  // Every builtin lives in pg_catalog; public holds no functions.
  an.Error(sqlstate::kUndefinedFunction, "function " + shown + "(" + an.TypeList(args) + ") does not exist",
           fc.location,
           "No function matches the given name and argument types. You might need to add explicit type casts.");
}

TExprPtr Analyzer::ResolveFunction(const Expr& fc, std::vector<TExprPtr> args, const std::vector<FuncDef>* pool) {
  const std::string& name = fc.names.back();
  CheckFunctionSchema(*this, fc, args);
  std::vector<Candidate> cands;
  const bool in_information_schema = fc.names.size() == 2 && fc.names[0] == "information_schema";
  for (const auto& f : pool ? *pool : AllFunctions()) {
    if (f.name != name || IsInformationSchemaFunction(f.name) != in_information_schema) continue;
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
  const Candidate* c = Choose(cands, actual, &ambiguous, actual);
  std::string qualified = fc.names.size() > 1 ? fc.names[0] + "." + name : name;
  std::string sig = qualified + "(" + TypeList(args) + ")";
  if (!c) {
    Error(sqlstate::kUndefinedFunction, "function " + sig + " does not exist", fc.location,
          "No function matches the given name and argument types. You might need to add explicit type casts.");
  }
  if (ambiguous) {
    Error(sqlstate::kAmbiguousFunction, "function " + sig + " is not unique", fc.location,
          "Could not choose a best candidate function. You might need to add explicit type casts.");
  }
  const FuncDef& f = *static_cast<const FuncDef*>(c->def);
  std::vector<uint32_t> formal;
  uint32_t result, array_type;
  try {
    Concretize(c->args, f.result, actual, &formal, &result, &array_type);
  } catch (PgError& err) {
    if (err.data().sqlstate != std::string(sqlstate::kDatatypeMismatch)) err.Position(Pos(fc.location));
    throw;
  }
  if (f.fn == PgTypeofFn) {
    // The argument keeps its own type (unknown literals included).
    int type = static_cast<int>(args[0]->type);
    return MakeCall(f.fn, result, std::move(args), false, type, fc.location);
  }
  for (size_t i = 0; i < args.size(); ++i) {
    uint32_t want = c->args[i] == kAnyArg ? oid::kText : formal[i];
    CoercionContext cc = c->args[i] == kAnyArg ? CoercionContext::kExplicit : CoercionContext::kImplicit;
    bool from_bool = args[i]->type == oid::kBool;
    args[i] = Coerce(std::move(args[i]), want, -1, cc, fc.location);
    // "any" arguments (concat, format) are rendered by the output function: t/f, not true/false.
    if (c->args[i] == kAnyArg && from_bool) args[i]->aux = kCastViaOutput;
  }
  TExprPtr call = MakeCall(f.fn, result, std::move(args), f.strict, f.aux, fc.location);
  // Polymorphic functions learn the array type they work on through type_b.
  if (array_type) call->type_b = array_type;
  return call;
}

}  // namespace tusk::sql
