// Transition state of one aggregate call and its final value: the
// Aggregate node keeps one per group, window aggregates one per frame
// (executor/window.cc).
#pragma once

#include <string>
#include <unordered_set>
#include <vector>

#include "sql/executor/plan.h"

namespace tusk::sql {

struct AggState {
  int64_t count = 0;
  __int128 isum = 0;
  Numeric nsum;
  // sum/avg over numeric: while every value fits, the sum is kept as a count
  // of 10^-nscale units (exact, and no decimal string per row); nsum takes
  // over for good at the first value that does not fit.
  bool nfast = true;
  __int128 nunits = 0;
  int nscale = 0;
  double fsum = 0;
  Numeric nsum2;     // variance/stddev over numeric: sum of squares
  double fsxx = 0;   // variance/stddev over floats: Youngs-Cramer Sxx
  bool special = false;  // variance/stddev: a NaN or infinite input was seen
  Datum best;  // min/max, bool_and/bool_or
  std::string text;  // string_agg
  std::vector<Datum> items;  // array_agg
  std::unordered_set<std::string> seen;  // DISTINCT aggregates
  std::vector<Row> sorted;  // ORDER BY in the call: [arg, arg2, keys...]
  int max_scale = 0;             // sum/avg over numeric: the largest input scale
  int64_t max_scale_count = 0;   // and how many inputs have it
};

// Adds one input (v, and v2 for two-argument aggregates) to s. NULL inputs
// are skipped except by array_agg; DISTINCT inputs are deduplicated.
void AggAccumulate(const AggSpec& a, AggState& s, const Datum& v, const Datum& v2, ExecContext& ctx);
// Takes one earlier input out of s again (a window frame whose start
// moved), as PostgreSQL's inverse transition functions do: count, and sum
// and avg over integers, numeric and interval. False when it cannot (other
// aggregates, float sums, NaN or infinite numerics, the last input with the
// largest numeric scale); s is then unusable and must be rebuilt.
bool AggRemove(const AggSpec& a, AggState& s, const Datum& v);
// The aggregate's value for state s; s is left unchanged (a window frame
// may grow further).
Datum AggFinal(const AggSpec& a, const AggState& s);

}  // namespace tusk::sql
