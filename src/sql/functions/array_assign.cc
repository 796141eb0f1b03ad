// Subscripted assignment (UPDATE t SET a[i] = v) on one-dimensional arrays,
// as PostgreSQL's array_set_element: the array grows to take the new
// element, filling the gap with NULLs, and a NULL or empty array becomes a
// one-element array whose lower bound is the subscript.
#include <algorithm>

#include "sql/functions/registry.h"
#include "sql/types/array.h"
#include "utils/error.h"

namespace tusk::sql {
namespace {

// PostgreSQL's MaxArraySize: the most elements an array may have.
constexpr int64_t kMaxArraySize = 0x7FFFFFF;

}  // namespace

void ArrayAssignFn(const Step& st, const Datum* const* a, Datum& out, ExecContext&) {
  if (a[1]->null) throw PgError("22004", "array subscript in assignment must not be null");
  const uint32_t elem_type = st.type_a;
  const int64_t index = a[1]->i;
  const Datum& value = *a[2];
  if (a[0]->null || !a[0]->arr || a[0]->arr->elems.empty()) {
    out = MakeArray(elem_type, {value}, static_cast<int32_t>(index));
    return;
  }
  const ArrayValue& arr = *a[0]->arr;
  const int64_t lower = arr.lbound;
  const int64_t upper = lower + static_cast<int64_t>(arr.elems.size()) - 1;
  const int64_t new_lower = std::min(lower, index), new_upper = std::max(upper, index);
  if (new_upper - new_lower + 1 > kMaxArraySize) {
    throw PgError(sqlstate::kProgramLimitExceeded,
                  "array size exceeds the maximum allowed (" + std::to_string(kMaxArraySize) + ")");
  }
  std::vector<Datum> elems;
  elems.reserve(static_cast<size_t>(new_upper - new_lower + 1));
  for (int64_t i = new_lower; i <= new_upper; ++i) {
    if (i == index) {
      elems.push_back(value);
    } else if (i >= lower && i <= upper) {
      elems.push_back(arr.elems[static_cast<size_t>(i - lower)]);
    } else {
      elems.push_back(Datum::Null());
    }
  }
  out = MakeArray(elem_type, std::move(elems), static_cast<int32_t>(new_lower));
}

}  // namespace tusk::sql
