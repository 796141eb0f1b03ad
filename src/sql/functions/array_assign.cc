// Subscripted assignment (UPDATE t SET a[i] = v, a[lo:hi] = arr) on
// one-dimensional arrays, as PostgreSQL's array_set_element and
// array_set_slice: the array grows to take the new elements, filling any
// gap with NULLs, and a NULL or empty array becomes one whose lower bound is
// the (lower) subscript.
#include <algorithm>

#include "sql/functions/registry.h"
#include "sql/types/array.h"
#include "utils/error.h"

namespace tusk::sql {
namespace {

// PostgreSQL's MaxArraySize: the most elements an array may have.
constexpr int64_t kMaxArraySize = 0x7FFFFFF;
constexpr char kArraySubscriptError[] = "2202E";

// `arr` (NULL or empty when absent) with positions lo..hi taken from
// `source` in order, the rest kept or NULL.
Datum Splice(uint32_t elem_type, const ArrayValue* arr, int64_t lo, int64_t hi, const std::vector<Datum>& source) {
  const bool empty = arr == nullptr || arr->elems.empty();
  const int64_t lower = empty ? lo : arr->lbound;
  const int64_t upper = empty ? hi : lower + static_cast<int64_t>(arr->elems.size()) - 1;
  const int64_t new_lower = std::min(lower, lo), new_upper = std::max(upper, hi);
  if (new_upper - new_lower + 1 > kMaxArraySize) {
    throw PgError(sqlstate::kProgramLimitExceeded,
                  "array size exceeds the maximum allowed (" + std::to_string(kMaxArraySize) + ")");
  }
  std::vector<Datum> elems;
  elems.reserve(static_cast<size_t>(new_upper - new_lower + 1));
  for (int64_t i = new_lower; i <= new_upper; ++i) {
    if (i >= lo && i <= hi) {
      elems.push_back(source[static_cast<size_t>(i - lo)]);
    } else if (!empty && i >= lower && i <= upper) {
      elems.push_back(arr->elems[static_cast<size_t>(i - lower)]);
    } else {
      elems.push_back(Datum::Null());
    }
  }
  return MakeArray(elem_type, std::move(elems), static_cast<int32_t>(new_lower));
}

}  // namespace

void ArrayAssignFn(const Step& st, const Datum* const* a, Datum& out, ExecContext&) {
  const uint32_t elem_type = st.type_a;
  const bool slice = st.aux & 4, has_lower = st.aux & 1, has_upper = st.aux & 2;
  const int nsubs = has_lower + has_upper;  // the subscripts written, after the array
  for (int k = 1; k <= nsubs; ++k)
    if (a[k]->null) throw PgError("22004", "array subscript in assignment must not be null");
  const Datum& value = *a[nsubs + 1];
  const ArrayValue* arr = a[0]->null ? nullptr : a[0]->arr.get();
  if (!slice) {
    out = Splice(elem_type, arr, a[1]->i, a[1]->i, {value});
    return;
  }
  // A NULL source leaves the array as it is.
  if (value.null) {
    out = *a[0];
    return;
  }
  const bool empty = arr == nullptr || arr->elems.empty();
  if (empty && (!has_lower || !has_upper)) {
    throw PgError(kArraySubscriptError, "array slice subscript must provide both boundaries")
        .Detail("When assigning to a slice of an empty array value, slice boundaries must be fully specified.");
  }
  const int64_t lo = has_lower ? a[1]->i : arr->lbound;
  const int64_t hi = has_upper ? a[has_lower ? 2 : 1]->i : arr->lbound + static_cast<int64_t>(arr->elems.size()) - 1;
  if (hi < lo) throw PgError(kArraySubscriptError, "upper bound cannot be less than lower bound");
  const std::vector<Datum>& source = value.arr ? value.arr->elems : std::vector<Datum>{};
  if (static_cast<int64_t>(source.size()) < hi - lo + 1) throw PgError(kArraySubscriptError, "source array too small");
  out = Splice(elem_type, arr, lo, hi, source);
}

}  // namespace tusk::sql
