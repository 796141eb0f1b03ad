// Wall-clock time as PostgreSQL's timestamps need it.
#pragma once

#include <sys/time.h>

#include <cstdint>

namespace tusk {

// Microseconds since the Unix epoch.
inline int64_t NowMicros() {
  timeval tv;
  gettimeofday(&tv, nullptr);
  return static_cast<int64_t>(tv.tv_sec) * 1000000 + tv.tv_usec;
}

}  // namespace tusk
