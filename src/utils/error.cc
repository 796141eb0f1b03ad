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

}  // namespace tusk
