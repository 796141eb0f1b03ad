// Interface the backend implements so the engine can reach session state,
// server functions and process-memory system views. The engine never reaches
// global server state any other way.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "sql/table_access.h"
#include "utils/error.h"

namespace tusk::sql {

class VirtualTable {  // a system view backed by process memory (pg_stat_activity, pg_settings, ...)
 public:
  virtual ~VirtualTable() = default;
  struct Column {
    std::string name;
    uint32_t type_oid;
  };
  virtual const std::vector<Column>& Columns() const = 0;
  // Current rows; each value in PostgreSQL text form or nullopt for NULL; the
  // engine converts with the column type's input function.
  virtual std::vector<std::vector<std::optional<std::string>>> Rows() = 0;
};

struct Statement;

// A view: its query (parsed once, kept alive while cached) and column names.
struct ViewDef {
  std::shared_ptr<const Statement> query;
  std::vector<std::string> columns;
};

class SessionContext {  // implemented by the backend
 public:
  virtual ~SessionContext() = default;
  virtual int BackendPid() = 0;
  virtual std::string CurrentUser() = 0;      // current_user, user, current_role
  virtual std::string SessionUser() = 0;      // session_user
  virtual std::string CurrentDatabase() = 0;  // current_database(), current_catalog
  virtual bool IsSuperuser() = 0;
  // current_setting(name [, missing_ok]) and SHOW: nullopt only if missing_ok
  // and unknown; otherwise throws PgError 42704.
  virtual std::optional<std::string> GetConfig(const std::string& name, bool missing_ok) = 0;
  // set_config(name, value, is_local): returns the new value as SHOW prints it.
  virtual std::string SetConfig(const std::string& name, const std::string& value, bool is_local) = 0;
  // true on success; false plus a WARNING emitted by the caller if pid is not
  // a server process; throws on permission errors.
  virtual bool CancelBackend(int pid) = 0;
  virtual bool TerminateBackend(int pid) = 0;
  virtual bool ReloadConf() = 0;
  // Microseconds since the Unix epoch.
  virtual int64_t TransactionStartMicros() = 0;
  virtual int64_t StatementStartMicros() = 0;
  virtual void SleepInterruptibly(double seconds) = 0;  // throws 57014 on cancel/timeout
  virtual void CheckForInterrupts() = 0;                // called once per row
  virtual void EmitNotice(const ErrorData& notice) = 0;
  // pg_get_userbyid: the role's name under the statement's snapshot; nullopt
  // if there is no role with that OID.
  virtual std::optional<std::string> RoleNameByOid(uint32_t role) {
    (void)role;
    return std::nullopt;
  }
  // nullptr if unknown. Schema empty = search path (pg_catalog first).
  virtual VirtualTable* LookupRelation(const std::string& schema, const std::string& name) = 0;
  // A stored table (or catalog) by name; nullptr if none. Schema empty =
  // search path.
  virtual std::shared_ptr<StoredTable> LookupTable(const std::string& schema, const std::string& name) {
    (void)schema;
    (void)name;
    return nullptr;
  }
  virtual std::shared_ptr<const ViewDef> LookupView(const std::string& schema, const std::string& name) {
    (void)schema;
    (void)name;
    return nullptr;
  }
};

}  // namespace tusk::sql
