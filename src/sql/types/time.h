// time without time zone (OID 1083): microseconds since midnight in
// Datum::i, 0 through 24:00:00 inclusive, as PostgreSQL keeps it.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace tusk::sql {

// time_in: [date] [T]h:mm[:ss[.frac]] or hhmm[ss[.frac]], an optional
// am/pm and an optional zone (checked, then ignored), "allballs".
// 22007 on bad syntax, 22008 for a field or the result out of range.
int64_t ParseTime(std::string_view text);
// time_out: HH:MM:SS with the fraction's trailing zeros dropped.
std::string FormatTime(int64_t us);
// time(p): rounds to p fractional digits (p in 0..6), half away from zero.
int64_t RoundTime(int64_t us, int32_t precision);
// The time of day of a local timestamp or a time span, in [0, 24h).
int64_t TimeOfDay(int64_t us);

}  // namespace tusk::sql
