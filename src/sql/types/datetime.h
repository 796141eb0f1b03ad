// Date, timestamp, timestamptz and interval text conversion in PostgreSQL's
// ISO output style. Timestamps are microseconds since 2000-01-01 00:00 (UTC
// for timestamptz), dates are days since 2000-01-01.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace tusk::sql {

inline constexpr int64_t kUsecPerSec = 1000000;
inline constexpr int64_t kUsecPerDay = 86400LL * kUsecPerSec;
// Seconds between the Unix epoch and PostgreSQL's 2000-01-01 epoch.
inline constexpr int64_t kPgEpochUnixSecs = 946684800;

int64_t UnixMicrosToPg(int64_t unix_us);

// Offset of the zone from UTC in seconds (east positive) at a UTC instant
// given in PostgreSQL microseconds. Throws 22023 for unknown zones.
int UtcOffsetAt(const std::string& zone, int64_t pg_us);

std::string FormatDate(int64_t days);
std::string FormatTimestamp(int64_t pg_us);                          // timestamp
std::string FormatTimestamptz(int64_t pg_us, const std::string& zone);
std::string FormatInterval(int32_t months, int32_t days, int64_t us);

// Parsers throw 22007 "invalid input syntax for type ..." like PostgreSQL.
int64_t ParseDate(std::string_view text);
int64_t ParseTimestamp(std::string_view text);
int64_t ParseTimestamptz(std::string_view text, const std::string& zone);
void ParseInterval(std::string_view text, int32_t* months, int32_t* days, int64_t* us);

}  // namespace tusk::sql
