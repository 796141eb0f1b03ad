// The server log: lines of "PREFIX LEVEL:  message" with DETAIL/HINT lines,
// written to stderr (which the logger process may have redirected to its pipe).
#pragma once

#include <string>
#include <string_view>

#include "utils/error.h"

namespace tusk {

// Process-wide log settings; set from the configuration after each (re)load.
struct LogSettings {
  std::string line_prefix = "%m [%p] ";  // log_line_prefix
  ErrLevel min_level = ErrLevel::kWarning;  // log_min_messages (LOG always logs)
  std::string application_name;  // %a
  std::string user_name;         // %u
  std::string database_name;     // %d
  std::string remote_host;       // %r / %h
  std::string backend_type = "postmaster";  // %b
};

LogSettings& GetLogSettings();

// Writes one entry (message, then DETAIL/HINT lines) with a single write(2),
// so lines from different processes never interleave.
void LogEntry(const ErrorData& data);

// Convenience for a LOG/WARNING/... line with only a message.
void Log(ErrLevel level, std::string_view message);
inline void LogLine(std::string_view message) { Log(ErrLevel::kLog, message); }

// Formats a timestamp like PostgreSQL's %m: "2026-11-21 22:23:19.450 UTC".
std::string FormatLogTime(bool with_millis = true);

}  // namespace tusk
