// Error reporting with PostgreSQL's levels and SQLSTATEs.
// ERROR and FATAL are C++ exceptions (PgError) caught at the top of a
// process's command loop; lower levels are messages, written by utils/log.
#pragma once

#include <exception>
#include <source_location>
#include <string>

namespace tusk {

// PostgreSQL's elevels, in increasing severity.
enum class ErrLevel { kDebug, kLog, kInfo, kNotice, kWarning, kError, kFatal, kPanic };

// The text PostgreSQL prints for a level ("ERROR", "FATAL", ...).
const char* ErrLevelName(ErrLevel level);

// SQLSTATE codes used across the server (PostgreSQL's appendix A).
namespace sqlstate {
inline constexpr char kSuccessfulCompletion[] = "00000";
inline constexpr char kWarning[] = "01000";
inline constexpr char kConnectionException[] = "08000";
inline constexpr char kConnectionFailure[] = "08006";
inline constexpr char kProtocolViolation[] = "08P01";
inline constexpr char kFeatureNotSupported[] = "0A000";
inline constexpr char kInvalidTransactionState[] = "25000";
inline constexpr char kActiveSqlTransaction[] = "25001";
inline constexpr char kNoActiveSqlTransaction[] = "25P01";
inline constexpr char kInFailedSqlTransaction[] = "25P02";
inline constexpr char kReadOnlySqlTransaction[] = "25006";
inline constexpr char kInvalidAuthorizationSpecification[] = "28000";
inline constexpr char kInvalidPassword[] = "28P01";
inline constexpr char kInvalidCatalogName[] = "3D000";
inline constexpr char kInvalidCursorName[] = "34000";
inline constexpr char kInvalidSqlStatementName[] = "26000";
inline constexpr char kDataException[] = "22000";
inline constexpr char kNumericValueOutOfRange[] = "22003";
inline constexpr char kDivisionByZero[] = "22012";
inline constexpr char kInvalidTextRepresentation[] = "22P02";
inline constexpr char kInvalidParameterValue[] = "22023";
inline constexpr char kFloatingPointException[] = "22P01";
inline constexpr char kStringDataRightTruncation[] = "22001";
inline constexpr char kNullValueNotAllowed[] = "22004";
inline constexpr char kInvalidBinaryRepresentation[] = "22P03";
inline constexpr char kDatetimeFieldOverflow[] = "22008";
inline constexpr char kInvalidDatetimeFormat[] = "22007";
inline constexpr char kSyntaxError[] = "42601";
inline constexpr char kInsufficientPrivilege[] = "42501";
inline constexpr char kUndefinedColumn[] = "42703";
inline constexpr char kUndefinedFunction[] = "42883";
inline constexpr char kUndefinedTable[] = "42P01";
inline constexpr char kUndefinedObject[] = "42704";
inline constexpr char kDuplicateObject[] = "42710";
inline constexpr char kAmbiguousColumn[] = "42702";
inline constexpr char kAmbiguousFunction[] = "42725";
inline constexpr char kDatatypeMismatch[] = "42804";
inline constexpr char kIndeterminateDatatype[] = "42P18";
inline constexpr char kGroupingError[] = "42803";
inline constexpr char kCannotCoerce[] = "42846";
inline constexpr char kInvalidColumnReference[] = "42P10";
inline constexpr char kTooManyColumns[] = "54011";
inline constexpr char kTooManyConnections[] = "53300";
inline constexpr char kOutOfMemory[] = "53200";
inline constexpr char kDiskFull[] = "53100";
inline constexpr char kIoError[] = "58030";
inline constexpr char kUndefinedFile[] = "58P01";
inline constexpr char kProgramLimitExceeded[] = "54000";
inline constexpr char kObjectNotInPrerequisiteState[] = "55000";
inline constexpr char kObjectInUse[] = "55006";
inline constexpr char kCantChangeRuntimeParam[] = "55P02";
inline constexpr char kQueryCanceled[] = "57014";
inline constexpr char kBadCopyFileFormat[] = "22P04";
inline constexpr char kLockFileExists[] = "F0001";
inline constexpr char kAdminShutdown[] = "57P01";
inline constexpr char kCrashShutdown[] = "57P02";
inline constexpr char kCannotConnectNow[] = "57P03";
inline constexpr char kIdleInTransactionSessionTimeout[] = "25P03";
inline constexpr char kLockNotAvailable[] = "55P03";
inline constexpr char kInternalError[] = "XX000";
inline constexpr char kDataCorrupted[] = "XX001";
inline constexpr char kConfigFileError[] = "F0000";
inline constexpr char kUndefinedParameter[] = "42704";
inline constexpr char kSerializationFailure[] = "40001";
inline constexpr char kDeadlockDetected[] = "40P01";
inline constexpr char kUniqueViolation[] = "23505";
inline constexpr char kNotNullViolation[] = "23502";
inline constexpr char kCheckViolation[] = "23514";
inline constexpr char kReservedName[] = "42939";
inline constexpr char kDependentObjectsStillExist[] = "2BP01";
}  // namespace sqlstate

// Everything PostgreSQL's ErrorResponse/NoticeResponse can carry.
struct ErrorData {
  ErrLevel level = ErrLevel::kError;
  std::string sqlstate = sqlstate::kInternalError;
  std::string message;
  std::string detail;
  std::string detail_log;  // for the server log only (PostgreSQL's errdetail_log)
  std::string hint;
  int position = 0;  // 1-based character offset into the query; 0 = none
  std::string context;
  // Where it was raised (the F, L and R fields of ErrorResponse).
  std::string file;
  int line = 0;
  std::string routine;

  void SetLocation(const std::source_location& loc);
};

// An ERROR, FATAL or PANIC in flight. Thrown by the code that detects the
// problem; caught by the command loop that owns the session or process.
class PgError : public std::exception {
 public:
  explicit PgError(ErrorData data) : data_(std::move(data)) {}
  PgError(const char* sqlstate, std::string message, ErrLevel level = ErrLevel::kError,
          const std::source_location& loc = std::source_location::current()) {
    data_.SetLocation(loc);
    data_.level = level;
    data_.sqlstate = sqlstate;
    data_.message = std::move(message);
  }
  const char* what() const noexcept override { return data_.message.c_str(); }
  const ErrorData& data() const { return data_; }
  ErrorData& data() { return data_; }

  PgError& Detail(std::string d) { data_.detail = std::move(d); return *this; }
  PgError& Hint(std::string h) { data_.hint = std::move(h); return *this; }
  PgError& Context(std::string c) { data_.context = std::move(c); return *this; }
  PgError& Position(int p) { data_.position = p; return *this; }

 private:
  ErrorData data_;
};

// Builds a PgError with an optional detail and hint; throw the result.
inline PgError MakeError(const char* state, std::string message, std::string detail = {},
                         std::string hint = {},
                         const std::source_location& loc = std::source_location::current()) {
  PgError e(state, std::move(message), ErrLevel::kError, loc);
  e.data().detail = std::move(detail);
  e.data().hint = std::move(hint);
  return e;
}

// A NOTICE or WARNING for the client (not thrown).
inline ErrorData MakeNotice(ErrLevel level, const char* state, std::string message) {
  ErrorData d;
  d.level = level;
  d.sqlstate = state;
  d.message = std::move(message);
  return d;
}

inline PgError MakeFatal(const char* state, std::string message, std::string detail = {},
                         std::string hint = {},
                         const std::source_location& loc = std::source_location::current()) {
  PgError e(state, std::move(message), ErrLevel::kFatal, loc);
  e.data().detail = std::move(detail);
  e.data().hint = std::move(hint);
  return e;
}

}  // namespace tusk
