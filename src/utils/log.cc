// Server log formatting: log_line_prefix escapes and one write per entry.
#include "utils/log.h"

#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>

namespace tusk {

LogSettings& GetLogSettings() {
  static LogSettings settings;
  return settings;
}

std::string FormatLogTime(bool with_millis) {
  timeval tv;
  gettimeofday(&tv, nullptr);
  tm parts;
  localtime_r(&tv.tv_sec, &parts);
  char buf[64];
  size_t n = strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S", &parts);
  if (with_millis) n += snprintf(buf + n, sizeof buf - n, ".%03d", static_cast<int>(tv.tv_usec / 1000));
  n += strftime(buf + n, sizeof buf - n, " %Z", &parts);
  return std::string(buf, n);
}

static std::string ExpandPrefix(const LogSettings& s) {
  std::string out;
  const std::string& p = s.line_prefix;
  for (size_t i = 0; i < p.size(); ++i) {
    if (p[i] != '%' || i + 1 == p.size()) {
      out += p[i];
      continue;
    }
    char c = p[++i];
    switch (c) {
      case 'm': out += FormatLogTime(true); break;
      case 't': out += FormatLogTime(false); break;
      case 'p': out += std::to_string(getpid()); break;
      case 'a': out += s.application_name; break;
      case 'u': out += s.user_name; break;
      case 'd': out += s.database_name; break;
      case 'r':
      case 'h': out += s.remote_host; break;
      case 'b': out += s.backend_type; break;
      case '%': out += '%'; break;
      default: break;  // unknown escapes print nothing, as in PostgreSQL
    }
  }
  return out;
}

static bool ShouldLog(ErrLevel level, ErrLevel min_level) {
  // LOG ranks between ERROR and FATAL for the server log, as in PostgreSQL.
  auto rank = [](ErrLevel l) {
    switch (l) {
      case ErrLevel::kDebug: return 0;
      case ErrLevel::kInfo: return 1;
      case ErrLevel::kNotice: return 2;
      case ErrLevel::kWarning: return 3;
      case ErrLevel::kError: return 4;
      case ErrLevel::kLog: return 5;
      case ErrLevel::kFatal: return 6;
      case ErrLevel::kPanic: return 7;
    }
    return 5;
  };
  return rank(level) >= rank(min_level);
}

// A line break inside a field is followed by a tab, as PostgreSQL's
// append_with_tabs does for the stderr log: continuation lines are told
// apart from new entries.
static std::string WithTabs(const std::string& s) {
  if (s.find('\n') == std::string::npos) return s;
  std::string out;
  out.reserve(s.size() + 8);
  for (char c : s) {
    out += c;
    if (c == '\n') out += '\t';
  }
  return out;
}

void LogEntry(const ErrorData& data) {
  const LogSettings& s = GetLogSettings();
  if (!ShouldLog(data.level, s.min_level)) return;
  std::string prefix = ExpandPrefix(s);
  std::string text = prefix + ErrLevelName(data.level) + ":  " + WithTabs(data.message) + "\n";
  const std::string& detail = data.detail_log.empty() ? data.detail : data.detail_log;
  if (!detail.empty()) text += prefix + "DETAIL:  " + WithTabs(detail) + "\n";
  if (!data.hint.empty()) text += prefix + "HINT:  " + WithTabs(data.hint) + "\n";
  if (!data.context.empty()) text += prefix + "CONTEXT:  " + WithTabs(data.context) + "\n";
  const char* p = text.data();
  size_t left = text.size();
  while (left > 0) {
    ssize_t w = write(STDERR_FILENO, p, left);
    if (w < 0) {
      if (errno == EINTR) continue;
      return;  // nowhere left to report a logging failure
    }
    p += w;
    left -= static_cast<size_t>(w);
  }
}

void Log(ErrLevel level, std::string_view message) {
  ErrorData d;
  d.level = level;
  d.message = std::string(message);
  LogEntry(d);
}

}  // namespace tusk
