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
// time(p), timestamp(p): rounds to p fractional digits (p in 0..6), half
// away from zero; infinite timestamps stay as they are.
int64_t RoundTime(int64_t us, int32_t precision);
// The typmod of time(p), timestamp(p) or timestamptz(p) (type: their OID):
// p, or 6 for a larger one (PostgreSQL warns and reduces it); 22023 for a
// negative one, with PostgreSQL's message.
int32_t TimePrecisionTypmod(uint32_t type, int32_t p);
// PostgreSQL's warning for a precision above 6 ("TIMESTAMP(7) precision
// reduced to maximum allowed, 6").
std::string TimePrecisionReducedMessage(uint32_t type, int32_t p);
// The time of day of a local timestamp or a time span, in [0, 24h).
int64_t TimeOfDay(int64_t us);

}  // namespace tusk::sql
