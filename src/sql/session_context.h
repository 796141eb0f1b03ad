// Interface the backend implements so the engine can reach session state,
// server functions and process-memory system views. The engine never reaches
// global server state any other way.
#pragma once

#include <cstdint>
#include <functional>
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
// Privilege bits as the checks below take them: catalog::AclPriv's.
enum SqlPrivilege : uint32_t {
  kPrivInsert = 1u << 0,
  kPrivSelect = 1u << 1,
  kPrivUpdate = 1u << 2,
  kPrivDelete = 1u << 3,
  kPrivTruncate = 1u << 4,
  kPrivUsage = 1u << 8,
};

struct ViewDef {
  std::shared_ptr<const Statement> query;
  std::vector<std::string> columns;
  // A user's view (0 for the built-in ones, which everyone may read): its
  // relations are read with its owner's privileges.
  uint32_t oid = 0;
  std::string name;
  uint32_t owner = 0;
  std::optional<std::string> acl;
};

// A relation as the OID alias types and the administration functions see it.
struct RelationFacts {
  uint32_t oid = 0;
  std::string name;
  std::string schema;          // pg_namespace.nspname
  bool visible = false;        // the first relation of its name on the search path
  char relkind = 'r';
  uint32_t relfilenode = 0;    // 0: no storage (views)
  uint32_t tablespace = 0;     // pg_class.reltablespace (0 = the database's default)
  uint32_t toast_oid = 0;      // pg_class.reltoastrelid
  std::vector<uint32_t> indexes;
};

// What psql's describe functions (pg_get_indexdef, pg_get_constraintdef,
// pg_get_expr, pg_get_viewdef) read from the catalogs.
struct ColumnFacts {
  int16_t attnum = 0;
  std::string name;
  uint32_t type = 0;
  int32_t typmod = -1;
};
struct IndexFacts {
  uint32_t oid = 0, relid = 0;
  std::string name, am;
  bool unique = false, primary = false;
  std::vector<int16_t> attnums, options;  // options: indoption bits (1 DESC, 2 NULLS FIRST)
};
struct ConstraintFacts {
  uint32_t oid = 0, relid = 0, index = 0;
  std::string name;
  char type = 'c';
  bool deferrable = false, deferred = false;
  std::vector<int16_t> keys;
  std::string expr_sql;  // CHECK: the stored expression text
};

// A scan's blocks in order, counted by one process alone: for a scan no
// other process shares (a leader that got no worker slot, or the right side
// of a join, which every participant reads whole).
class LocalBlockCounter {
 public:
  explicit LocalBlockCounter(uint32_t nblocks) : nblocks_(nblocks) {}
  bool Next(uint32_t* block) {
    if (next_ >= nblocks_) return false;
    *block = next_++;
    return true;
  }

 private:
  uint32_t nblocks_;
  uint32_t next_ = 0;
};

// The leader's side of one parallel scan's workers (backend/parallel_leader.cc):
// the block counter they share with the leader, and their messages.
class ParallelWorkers {
 public:
  virtual ~ParallelWorkers() = default;
  virtual int Launched() const = 0;
  // Hands out the next block of the scan to the caller (leader or worker alike).
  virtual bool NextBlock(uint32_t* block) = 0;
  // The next whole message of any worker. kNone: none now (wait = false);
  // kFinished: every worker has ended. A worker's error is rethrown here.
  enum class Poll { kMessage, kNone, kFinished };
  virtual Poll Receive(std::string* msg, bool wait) = 0;
};

class SessionContext {  // implemented by the backend
 public:
  virtual ~SessionContext() = default;
  // Planning, before a table's size is asked for (a system call on every
  // execution): false when no scan could be given workers whatever its
  // size. `execute`: the plan is to be run, not only explained, so what
  // keeps this execution from launching workers counts too.
  // pg_stat_force_next_flush().
  virtual void ForceNextStatsFlush() {}
  virtual bool ParallelPossible(bool execute) {
    (void)execute;
    return false;
  }
  // Planning: how many workers a parallel scan of a table this size would
  // be given (PostgreSQL's compute_parallel_worker); 0: scan it serially.
  virtual int ParallelWorkersFor(uint32_t nblocks) {
    (void)nblocks;
    return 0;
  }
  // Starts up to `workers` parallel workers for a scan of `relid` (nblocks
  // blocks), each given request() (the engine's encoding of its work).
  // nullptr when this execution may not use workers (a cursor, a portal
  // that may stop early, a transaction that has written); Launched() may
  // be 0 when none is free.
  virtual std::unique_ptr<ParallelWorkers> LaunchParallelWorkers(uint32_t relid, uint32_t nblocks, int workers,
                                                                 const std::function<std::string()>& request) {
    (void)relid;
    (void)nblocks;
    (void)workers;
    (void)request;
    return nullptr;
  }
  virtual int BackendPid() = 0;
  virtual std::string CurrentUser() = 0;      // current_user, user, current_role
  virtual std::string SessionUser() = 0;      // session_user
  virtual std::string CurrentDatabase() = 0;  // current_database(), current_catalog
  virtual bool IsSuperuser() = 0;
  // Throws 42501 ("permission denied for table|view|sequence NAME") unless
  // the role `as_role` (0: the current user) holds every privilege of
  // `privs` (catalog::AclPriv bits) on a relation owned by `owner` with
  // relacl `acl`.
  // has_*_privilege: whether `role` holds `privilege` (an upper-case word:
  // "SELECT", "TEMP", ...) on the object; kind 'r' relation, 'n' schema,
  // 'd' database. The object exists.
  virtual bool RoleHasPrivilege(char kind, uint32_t object, const std::string& role, const std::string& privilege) {
    (void)kind, (void)object, (void)role, (void)privilege;
    return false;
  }
  virtual void CheckRelationPrivilege(char relkind, const std::string& name, uint32_t owner,
                                      const std::optional<std::string>& acl, uint32_t privs, uint32_t as_role) {
    (void)relkind, (void)name, (void)owner, (void)acl, (void)privs, (void)as_role;
  }
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

  // ---- Catalog facts for regclass/regnamespace/regrole and the
  // administration functions. The defaults know nothing.
  // The relation a (possibly schema-qualified) name resolves to on the search
  // path; 0 if none. An unknown explicit schema raises 3F000.
  virtual uint32_t ResolveRelationOid(const std::string& schema, const std::string& name) {
    (void)schema;
    (void)name;
    return 0;
  }
  virtual std::optional<RelationFacts> RelationByOid(uint32_t relid) {
    (void)relid;
    return std::nullopt;
  }
  // A pg_proc row as pg_function_is_visible and pg_get_function_* see it;
  // nullopt for no such row.
  struct FunctionFacts {
    bool visible = false;
    uint32_t result_type = 0;
    std::vector<uint32_t> arg_types;
  };
  virtual std::optional<FunctionFacts> FunctionByOid(uint32_t proc) {
    (void)proc;
    return std::nullopt;
  }
  // 0 / nullopt when unknown.
  virtual uint32_t NamespaceOid(const std::string& name) {
    (void)name;
    return 0;
  }
  virtual std::optional<std::string> NamespaceName(uint32_t nsp) {
    (void)nsp;
    return std::nullopt;
  }
  // The session's temporary schema (pg_temp_N), 0 until it has one.
  virtual uint32_t MyTempNamespace() { return 0; }
  virtual uint32_t RoleOid(const std::string& name) {
    (void)name;
    return 0;
  }
  virtual std::optional<std::string> RoleName(uint32_t role) {
    (void)role;
    return std::nullopt;
  }
  virtual uint32_t DatabaseOid(const std::string& name) {
    (void)name;
    return 0;
  }
  // ---- Describe functions (pg_get_indexdef and friends). The defaults know nothing.
  // The relation's live columns in attnum order.
  virtual std::vector<ColumnFacts> RelationColumns(uint32_t relid) {
    (void)relid;
    return {};
  }
  virtual std::optional<IndexFacts> IndexByOid(uint32_t index) {
    (void)index;
    return std::nullopt;
  }
  virtual std::optional<ConstraintFacts> ConstraintByOid(uint32_t constraint) {
    (void)constraint;
    return std::nullopt;
  }
  // A view's query text (pg_rewrite); nullopt if relid is no view.
  virtual std::optional<std::string> ViewQuery(uint32_t relid) {
    (void)relid;
    return std::nullopt;
  }
  // Bytes of one fork of a relation (every segment file); 0 if it has none.
  virtual int64_t RelationForkSize(uint32_t relid, int fork) {
    (void)relid;
    (void)fork;
    return 0;
  }
  // Relative path of the relation's main file ("base/5/16384"); nullopt for
  // relations without storage.
  virtual std::optional<std::string> RelationFilePath(uint32_t relid) {
    (void)relid;
    return std::nullopt;
  }
  // Sum of a database directory's files; nullopt if no such database.
  virtual std::optional<int64_t> DatabaseSize(uint32_t db) {
    (void)db;
    return std::nullopt;
  }
  // WAL: 0 insert position, 1 flushed position.
  virtual uint64_t WalPosition(int which) {
    (void)which;
    return 0;
  }
  // Microseconds since the Unix epoch.
  virtual int64_t PostmasterStartMicros() { return 0; }
  virtual int64_t ConfLoadMicros() { return 0; }
  // pg_rotate_logfile: false (after a WARNING) when there is no logger.
  virtual bool RotateLogfile() { return false; }
  // pg_current_logfile([format]): nullopt for NULL.
  virtual std::optional<std::string> CurrentLogfile(const std::string& format) {
    (void)format;
    return std::nullopt;
  }
  // inet_server_addr/port, inet_client_addr/port: nullopt over Unix sockets.
  virtual std::optional<std::string> ServerAddr() { return std::nullopt; }
  virtual std::optional<int> ServerPort() { return std::nullopt; }
  virtual std::optional<std::string> ClientAddr() { return std::nullopt; }
  virtual std::optional<int> ClientPort() { return std::nullopt; }
  // ---- Sequences (nextval and friends). The defaults know no sequence.
  virtual int64_t SequenceNextval(uint32_t relid) {
    (void)relid;
    throw PgError(sqlstate::kFeatureNotSupported, "sequences are not supported here");
  }
  virtual int64_t SequenceCurrval(uint32_t relid) { return SequenceNextval(relid); }
  // setval(regclass, bigint [, bool]): returns `value`.
  virtual int64_t SequenceSetval(uint32_t relid, int64_t value, bool is_called) {
    (void)value;
    (void)is_called;
    return SequenceNextval(relid);
  }
  virtual int64_t SequenceLastval() { return SequenceNextval(0); }
  // pg_advisory_* (PostgreSQL's key layout: one bigint, kind 1, or two
  // int4s, kind 2). Lock: false only when !wait and it is taken. Unlock:
  // false, with PostgreSQL's warning, when not held.
  struct AdvisoryKey {
    uint32_t high = 0, low = 0, kind = 1;
  };
  virtual bool AdvisoryLock(const AdvisoryKey& key, bool shared, bool xact, bool wait) {
    (void)key, (void)shared, (void)xact, (void)wait;
    throw PgError(sqlstate::kFeatureNotSupported, "advisory locks are not supported here");
  }
  virtual bool AdvisoryUnlock(const AdvisoryKey& key, bool shared) {
    (void)key, (void)shared;
    throw PgError(sqlstate::kFeatureNotSupported, "advisory locks are not supported here");
  }
  virtual void AdvisoryUnlockAll() {}
  // NOTIFY channel, 'payload' and pg_notify(): queued for the transaction's commit.
  virtual void Notify(const std::string& channel, const std::string& payload) {
    (void)channel;
    (void)payload;
    throw PgError(sqlstate::kFeatureNotSupported, "NOTIFY is not supported here");
  }
  // pg_get_serial_sequence(table, column): the owned sequence's qualified
  // name, nullopt (NULL) if the column owns none.
  virtual std::optional<std::string> SerialSequence(const std::string& table, const std::string& column) {
    (void)table;
    (void)column;
    return std::nullopt;
  }
  // The current transaction's full xid, assigning one if needed.
  virtual uint64_t CurrentXid() { return 0; }
  // pg_switch_wal(): the end of the switch record (superuser only).
  virtual uint64_t SwitchWal() { throw PgError(sqlstate::kFeatureNotSupported, "pg_switch_wal is not supported here"); }
  // pg_suspend(timeout) / pg_resume(): contract 11, superuser only; they
  // return once the server is suspended (resumed), else raise the reason.
  virtual void SuspendServer(int timeout_s) {
    (void)timeout_s;
    throw PgError(sqlstate::kFeatureNotSupported, "suspend is not supported here");
  }
  virtual void ResumeServer() { throw PgError(sqlstate::kFeatureNotSupported, "resume is not supported here"); }
  // pg_promote(wait, wait_seconds): ends a standby's recovery (contract 10).
  virtual bool Promote(bool wait, int wait_seconds) {
    (void)wait;
    (void)wait_seconds;
    throw PgError(sqlstate::kFeatureNotSupported, "pg_promote is not supported here");
  }
  // pg_backup_start / pg_backup_stop: this session's online backup.
  struct BackupStopInfo {
    uint64_t lsn = 0;
    std::string label_file, spcmap_file;
  };
  virtual uint64_t BackupStart(const std::string& label, bool fast) {
    (void)label;
    (void)fast;
    throw PgError(sqlstate::kFeatureNotSupported, "online backups are not supported here");
  }
  virtual BackupStopInfo BackupStop(bool wait_for_archive) {
    (void)wait_for_archive;
    throw PgError(sqlstate::kFeatureNotSupported, "online backups are not supported here");
  }
};

}  // namespace tusk::sql
