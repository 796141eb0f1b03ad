// Names of error levels as PostgreSQL prints them.
#include "utils/error.h"

namespace tusk {

const char* ErrLevelName(ErrLevel level) {
  switch (level) {
    case ErrLevel::kDebug: return "DEBUG";
    case ErrLevel::kLog: return "LOG";
    case ErrLevel::kInfo: return "INFO";
    case ErrLevel::kNotice: return "NOTICE";
    case ErrLevel::kWarning: return "WARNING";
    case ErrLevel::kError: return "ERROR";
    case ErrLevel::kFatal: return "FATAL";
    case ErrLevel::kPanic: return "PANIC";
  }
  return "LOG";
}

void ErrorData::SetLocation(const std::source_location& loc) {
  const char* f = loc.file_name();
  const char* slash = f;
  for (const char* c = f; *c; ++c)
    if (*c == '/') slash = c + 1;
  file = slash;
  line = static_cast<int>(loc.line());
  // function_name() is the full signature; PostgreSQL sends a bare name.
  std::string fn = loc.function_name();
  size_t paren = fn.find('(');
  if (paren != std::string::npos) fn.resize(paren);
  size_t space = fn.rfind(' ');
  if (space != std::string::npos) fn = fn.substr(space + 1);
  size_t colons = fn.rfind("::");
  if (colons != std::string::npos) fn = fn.substr(colons + 2);
  routine = fn;
}

}  // namespace tusk
