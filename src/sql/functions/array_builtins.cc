// Array functions and operators: constructors and subscripts used by the
// analyzer, array_position/length/upper/lower/cardinality, array_to_string,
// string_to_array, append/prepend/cat (functions and ||), comparisons,
// containment. Elements compare with CompareDatum of
// the element type; NULL elements follow each function's PostgreSQL rule.
#include <algorithm>

#include "sql/functions/registry.h"
#include "sql/session_context.h"
#include "sql/types/array.h"
#include "sql/types/type_io.h"
#include "sql/types/type_oids.h"
#include "utils/error.h"

namespace tusk::sql {
namespace {

constexpr uint32_t kAnyArray = oid::kAnyArray, kCompat = oid::kAnyCompatible, kCompatArray = oid::kAnyCompatibleArray;
constexpr uint32_t kI4 = oid::kInt4, kText = oid::kText;

enum Cmp { kEq, kNe, kLt, kLe, kGt, kGe };

// The elements are equal in the sense of IS NOT DISTINCT FROM.
bool SameElement(uint32_t type, const Datum& a, const Datum& b) {
  if (a.null || b.null) return a.null == b.null;
  return CompareDatum(type, a, b) == 0;
}

void Build(const Step& st, const Datum* const* a, Datum& out, ExecContext&) {
  std::vector<Datum> elems;
  elems.reserve(st.args.size());
  for (size_t i = 0; i < st.args.size(); ++i) elems.push_back(*a[i]);
  out = MakeArray(st.type_a, std::move(elems));
}

void Subscript(const Datum& arr, int64_t i, Datum& out) {
  const ArrayValue& v = *arr.arr;
  int64_t k = i - v.lbound;
  if (k < 0 || k >= static_cast<int64_t>(v.elems.size())) {
    out.null = true;
    return;
  }
  out = v.elems[static_cast<size_t>(k)];
}

void Slice(const Step& st, const Datum* const* a, Datum& out, ExecContext&) {
  const ArrayValue& v = *a[0]->arr;
  int64_t lo = v.lbound, hi = v.ubound();
  size_t next = 1;
  if (st.aux & 1) lo = std::max<int64_t>(lo, a[next++]->i);
  if (st.aux & 2) hi = std::min<int64_t>(hi, a[next++]->i);
  std::vector<Datum> elems;
  for (int64_t i = lo; i <= hi; ++i) elems.push_back(v.elems[static_cast<size_t>(i - v.lbound)]);
  out = MakeArray(v.elem_type, std::move(elems));
}

void MultiSubscript(const Step& st, const Datum* const* a, Datum& out, ExecContext&) {
  if (st.aux) {
    out = EmptyArray(a[0]->arr->elem_type);
  } else {
    out.null = true;
  }
}

// array_position(a, x [, start]) / array_positions(a, x); aux 1 = positions.
void Position(const Step& st, const Datum* const* a, Datum& out, ExecContext&) {
  if (a[0]->null) {
    out.null = true;
    return;
  }
  const ArrayValue& v = *a[0]->arr;
  size_t from = 0;
  if (st.args.size() > 2) {
    if (a[2]->null) throw PgError(sqlstate::kNullValueNotAllowed, "initial position must not be null");
    int64_t k = a[2]->i - v.lbound;
    if (k >= static_cast<int64_t>(v.elems.size())) {
      out.null = true;
      return;
    }
    from = k > 0 ? static_cast<size_t>(k) : 0;
  }
  std::vector<Datum> found;
  for (size_t i = from; i < v.elems.size(); ++i) {
    if (!SameElement(v.elem_type, v.elems[i], *a[1])) continue;
    Datum pos = Datum::Int(v.lbound + static_cast<int64_t>(i));
    if (st.aux == 0) {
      out = pos;
      return;
    }
    found.push_back(pos);
  }
  if (st.aux == 0) {
    out.null = true;
  } else {
    out = MakeArray(oid::kInt4, std::move(found));
  }
}

// aux: 0 array_length, 1 array_upper, 2 array_lower (all for dimension 1 only).
void DimInfo(const Step& st, const Datum* const* a, Datum& out, ExecContext&) {
  const ArrayValue& v = *a[0]->arr;
  if (a[1]->i != 1 || v.empty()) {
    out.null = true;
    return;
  }
  out.i = st.aux == 0 ? static_cast<int64_t>(v.elems.size()) : st.aux == 1 ? v.ubound() : v.lbound;
}

void Cardinality(const Step&, const Datum* const* a, Datum& out, ExecContext&) {
  out.i = static_cast<int64_t>(a[0]->arr->elems.size());
}

void Ndims(const Step&, const Datum* const* a, Datum& out, ExecContext&) {
  if (a[0]->arr->empty()) {
    out.null = true;
    return;
  }
  out.i = 1;
}

void Dims(const Step&, const Datum* const* a, Datum& out, ExecContext&) {
  const ArrayValue& v = *a[0]->arr;
  if (v.empty()) {
    out.null = true;
    return;
  }
  out.s = "[" + std::to_string(v.lbound) + ":" + std::to_string(v.ubound()) + "]";
}

// array_to_string(a, delimiter [, null_string]); NULL elements are skipped
// unless null_string is given and not NULL.
void ArrayToString(const Step& st, const Datum* const* a, Datum& out, ExecContext& ctx) {
  if (a[0]->null || a[1]->null) {
    out.null = true;
    return;
  }
  const ArrayValue& v = *a[0]->arr;
  const Datum* null_str = st.args.size() > 2 && !a[2]->null ? a[2] : nullptr;
  std::string r;
  bool first = true;
  for (const Datum& e : v.elems) {
    if (e.null && !null_str) continue;
    if (!first) r += a[1]->s;
    first = false;
    if (e.null) {
      r += null_str->s;
    } else {
      TextOut(v.elem_type, e, ctx.io, r);
    }
  }
  out.s = std::move(r);
}

size_t Utf8Len(unsigned char c) { return c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4; }

// string_to_array(s, delimiter [, null_string]): a NULL delimiter splits
// into characters, an empty one keeps the string whole.
void StringToArray(const Step& st, const Datum* const* a, Datum& out, ExecContext&) {
  if (a[0]->null) {
    out.null = true;
    return;
  }
  const std::string& s = a[0]->s;
  const Datum* null_str = st.args.size() > 2 && !a[2]->null ? a[2] : nullptr;
  std::vector<Datum> elems;
  auto add = [&](std::string piece) {
    if (null_str && piece == null_str->s) {
      elems.push_back(Datum::Null());
    } else {
      elems.push_back(Datum::Text(std::move(piece)));
    }
  };
  if (!s.empty()) {
    if (a[1]->null) {
      for (size_t i = 0; i < s.size();) {
        size_t n = std::min(Utf8Len(static_cast<unsigned char>(s[i])), s.size() - i);
        add(s.substr(i, n));
        i += n;
      }
    } else if (a[1]->s.empty()) {
      add(s);
    } else {
      const std::string& d = a[1]->s;
      size_t start = 0;
      for (size_t p; (p = s.find(d, start)) != std::string::npos; start = p + d.size()) add(s.substr(start, p - start));
      add(s.substr(start));
    }
  }
  out = MakeArray(oid::kText, std::move(elems));
}

// array_append(a, x) / a || x: a NULL array counts as empty.
void Append(const Step& st, const Datum* const* a, Datum& out, ExecContext&) {
  uint32_t elem = ElementTypeOf(st.type_a);
  if (a[0]->null) {
    out = MakeArray(elem, {*a[1]});
    return;
  }
  const ArrayValue& v = *a[0]->arr;
  std::vector<Datum> elems = v.elems;
  elems.push_back(*a[1]);
  out = MakeArray(elem, std::move(elems), v.lbound);
}

// array_prepend(x, a) / x || a: keeps a's lower bound.
void Prepend(const Step& st, const Datum* const* a, Datum& out, ExecContext&) {
  uint32_t elem = ElementTypeOf(st.type_b);
  if (a[1]->null) {
    out = MakeArray(elem, {*a[0]});
    return;
  }
  const ArrayValue& v = *a[1]->arr;
  std::vector<Datum> elems;
  elems.reserve(v.elems.size() + 1);
  elems.push_back(*a[0]);
  elems.insert(elems.end(), v.elems.begin(), v.elems.end());
  out = MakeArray(elem, std::move(elems), v.lbound);
}

// array_cat(a, b) / a || b: NULL or empty operands leave the other as is;
// the result keeps a's lower bound.
void Cat(const Step&, const Datum* const* a, Datum& out, ExecContext&) {
  const Datum& x = *a[0];
  const Datum& y = *a[1];
  if (x.null || y.null) {
    if (x.null && y.null) {
      out.null = true;
    } else {
      out = x.null ? y : x;
    }
    return;
  }
  if (x.arr->empty() || y.arr->empty()) {
    out = x.arr->empty() ? y : x;
    return;
  }
  std::vector<Datum> elems = x.arr->elems;
  elems.insert(elems.end(), y.arr->elems.begin(), y.arr->elems.end());
  out = MakeArray(x.arr->elem_type, std::move(elems), x.arr->lbound);
}

void Compare(const Step& st, const Datum* const* a, Datum& out, ExecContext&) {
  int c = CompareDatum(st.type_a, *a[0], *a[1]);
  switch (st.aux) {
    case kEq: out.b = c == 0; break;
    case kNe: out.b = c != 0; break;
    case kLt: out.b = c < 0; break;
    case kLe: out.b = c <= 0; break;
    case kGt: out.b = c > 0; break;
    case kGe: out.b = c >= 0; break;
  }
}

// Every non-null element of b occurs in a; a NULL element of b never matches.
bool Contains(const ArrayValue& a, const ArrayValue& b) {
  for (const Datum& y : b.elems) {
    if (y.null) return false;
    bool found = false;
    for (const Datum& x : a.elems) {
      if (!x.null && CompareDatum(a.elem_type, x, y) == 0) {
        found = true;
        break;
      }
    }
    if (!found) return false;
  }
  return true;
}

// aux: 0 a @> b, 1 a <@ b, 2 a && b
void Containment(const Step& st, const Datum* const* a, Datum& out, ExecContext&) {
  const ArrayValue& x = *a[0]->arr;
  const ArrayValue& y = *a[1]->arr;
  if (st.aux == 0) {
    out.b = Contains(x, y);
  } else if (st.aux == 1) {
    out.b = Contains(y, x);
  } else {
    out.b = false;
    for (const Datum& e : x.elems) {
      if (e.null) continue;
      for (const Datum& f : y.elems) {
        if (!f.null && CompareDatum(x.elem_type, e, f) == 0) {
          out.b = true;
          return;
        }
      }
    }
  }
}

}  // namespace

void ArrayBuildFn(const Step& st, const Datum* const* a, Datum& out, ExecContext& ctx) { Build(st, a, out, ctx); }

void ArraySubscriptFn(const Step&, const Datum* const* a, Datum& out, ExecContext&) { Subscript(*a[0], a[1]->i, out); }

void ArraySliceFn(const Step& st, const Datum* const* a, Datum& out, ExecContext& ctx) { Slice(st, a, out, ctx); }

void ArrayMultiSubscriptFn(const Step& st, const Datum* const* a, Datum& out, ExecContext& ctx) {
  MultiSubscript(st, a, out, ctx);
}

void AddArrayBuiltins(std::vector<OperDef>& ops, std::vector<FuncDef>& f) {
  f.push_back({"array_position", {kCompatArray, kCompat}, kI4, Position, false, false, 0});
  f.push_back({"array_position", {kCompatArray, kCompat, kI4}, kI4, Position, false, false, 0});
  f.push_back({"array_positions", {kCompatArray, kCompat}, oid::kInt4Array, Position, false, false, 1});
  f.push_back({"array_length", {kAnyArray, kI4}, kI4, DimInfo, true, false, 0});
  f.push_back({"array_upper", {kAnyArray, kI4}, kI4, DimInfo, true, false, 1});
  f.push_back({"array_lower", {kAnyArray, kI4}, kI4, DimInfo, true, false, 2});
  f.push_back({"cardinality", {kAnyArray}, kI4, Cardinality});
  f.push_back({"array_ndims", {kAnyArray}, kI4, Ndims});
  f.push_back({"array_dims", {kAnyArray}, kText, Dims});
  f.push_back({"array_to_string", {kAnyArray, kText}, kText, ArrayToString});
  f.push_back({"array_to_string", {kAnyArray, kText, kText}, kText, ArrayToString, false});
  f.push_back({"string_to_array", {kText, kText}, oid::kTextArray, StringToArray, false});
  f.push_back({"string_to_array", {kText, kText, kText}, oid::kTextArray, StringToArray, false});
  f.push_back({"array_append", {kCompatArray, kCompat}, kCompatArray, Append, false});
  f.push_back({"array_prepend", {kCompat, kCompatArray}, kCompatArray, Prepend, false});
  f.push_back({"array_cat", {kCompatArray, kCompatArray}, kCompatArray, Cat, false});

  static const char* kCmpNames[] = {"=", "<>", "<", "<=", ">", ">="};
  for (int i = 0; i < 6; ++i) ops.push_back({kCmpNames[i], kAnyArray, kAnyArray, oid::kBool, Compare, i});
  // || on arrays is not strict: a NULL array acts as an empty one.
  ops.push_back({"||", kCompatArray, kCompatArray, kCompatArray, Cat, 0, false});
  ops.push_back({"||", kCompatArray, kCompat, kCompatArray, Append, 0, false});
  ops.push_back({"||", kCompat, kCompatArray, kCompatArray, Prepend, 0, false});
  ops.push_back({"@>", kAnyArray, kAnyArray, oid::kBool, Containment, 0});
  ops.push_back({"<@", kAnyArray, kAnyArray, oid::kBool, Containment, 1});
  ops.push_back({"&&", kAnyArray, kAnyArray, oid::kBool, Containment, 2});
}

}  // namespace tusk::sql
