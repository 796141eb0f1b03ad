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
  double fsum = 0;
  Numeric nsum2;     // variance/stddev over numeric: sum of squares
  double fsxx = 0;   // variance/stddev over floats: Youngs-Cramer Sxx
  bool special = false;  // variance/stddev: a NaN or infinite input was seen
  Datum best;  // min/max, bool_and/bool_or
  std::string text;  // string_agg
  std::vector<Datum> items;  // array_agg
  std::unordered_set<std::string> seen;  // DISTINCT aggregates
  std::vector<Row> sorted;  // ORDER BY in the call: [arg, arg2, keys...]
};

// Adds one input (v, and v2 for two-argument aggregates) to s. NULL inputs
// are skipped except by array_agg; DISTINCT inputs are deduplicated.
void AggAccumulate(const AggSpec& a, AggState& s, const Datum& v, const Datum& v2, ExecContext& ctx);
// The aggregate's value for state s; s is left unchanged (a window frame
// may grow further).
Datum AggFinal(const AggSpec& a, const AggState& s);

}  // namespace tusk::sql
