// Rows of the process-memory system views, as PostgreSQL 15 names their columns.
#include "backend/system_views.h"

#include "storage/lmgr/lock.h"

#include <time.h>

#include <cstdio>
#include <functional>
#include <map>
#include <set>
#include <vector>

#include "backend/session.h"
#include "access/sequence/sequence.h"
#include "access/transam/xact.h"
#include "catalog/catalog.h"
#include "catalog/role_store.h"
#include "postmaster/pgarch.h"
#include "postmaster/pgstat.h"
#include "replication/repl_shared.h"
#include "sql/types/type_oids.h"
#include "storage/ipc/proc_array.h"
#include "storage/lmgr/lock.h"
#include "utils/guc.h"
#include "utils/process_globals.h"

namespace tusk::backend {

using Row = std::vector<std::optional<std::string>>;
using RowList = std::vector<Row>;
namespace oid = sql::oid;

std::string FormatTimestamptzUtc(int64_t micros) {
  time_t secs = static_cast<time_t>(micros / 1000000);
  tm parts;
  gmtime_r(&secs, &parts);
  char buf[64];
  snprintf(buf, sizeof buf, "%04d-%02d-%02d %02d:%02d:%02d.%06d+00", parts.tm_year + 1900, parts.tm_mon + 1,
           parts.tm_mday, parts.tm_hour, parts.tm_min, parts.tm_sec, static_cast<int>(micros % 1000000));
  return buf;
}

namespace {

class FnView : public sql::VirtualTable {
 public:
  FnView(std::vector<Column> columns, std::function<RowList()> rows)
      : columns_(std::move(columns)), rows_(std::move(rows)) {}
  const std::vector<Column>& Columns() const override { return columns_; }
  RowList Rows() override { return rows_(); }

 private:
  std::vector<Column> columns_;
  std::function<RowList()> rows_;
};

std::optional<std::string> Ts(int64_t us) {
  if (us == 0) return std::nullopt;
  return FormatTimestamptzUtc(us);
}
std::optional<std::string> Bool(bool b) { return std::string(b ? "t" : "f"); }
std::optional<std::string> Int(int64_t v) { return std::to_string(v); }

// pg_locks from the lock manager's table: held modes and waits, one row each.
// Tusk has no fast path (fastpath is false) and does not name each holder's
// virtual transaction (NULL).
RowList LockRows() {
  RowList rows;
  for (const lmgr::LockInfo& l : lmgr::SnapshotLocks()) {
    using T = lmgr::LockTagType;
    const lmgr::LockTag& t = l.tag;
    const bool rel = t.type == T::kRelation || t.type == T::kPage || t.type == T::kTuple;
    const bool obj = t.type == T::kObject || t.type == T::kAdvisory;
    std::vector<std::optional<std::string>> r;
    r.push_back(l.locktype);
    r.push_back(rel || obj ? Int(l.database) : std::nullopt);
    r.push_back(rel ? Int(l.relation) : std::nullopt);
    r.push_back(t.type == T::kPage || t.type == T::kTuple ? Int(l.page) : std::nullopt);
    r.push_back(t.type == T::kTuple ? Int(l.tuple) : std::nullopt);
    r.push_back(t.type == T::kVirtualTransaction ? std::optional<std::string>(std::to_string(t.field1) + "/" +
                                                                              std::to_string(t.field2))
                                                 : std::nullopt);
    r.push_back(t.type == T::kTransaction ? Int(static_cast<int64_t>(l.transactionid)) : std::nullopt);
    r.push_back(obj ? Int(t.field2) : std::nullopt);  // classid (advisory: the key's high half or first int4)
    r.push_back(obj ? Int(t.field3) : std::nullopt);  // objid
    r.push_back(obj ? Int(t.field4) : std::nullopt);  // objsubid (advisory: 1 bigint key, 2 two int4 keys)
    r.push_back(std::nullopt);                         // virtualtransaction
    r.push_back(Int(l.pid));
    r.push_back(l.mode);
    r.push_back(Bool(l.granted));
    r.push_back(Bool(false));  // fastpath
    r.push_back(l.waitstart_us ? std::optional<std::string>(FormatTimestamptzUtc(l.waitstart_us)) : std::nullopt);
    rows.push_back(std::move(r));
  }
  return rows;
}

RowList StatActivityRows(Session& s) {
  RowList rows;
  bool su = s.IsSuperuser();
  auto me = proc_array::MySlot();
  uint32_t my_role = 0;
  if (me != nullptr) my_role = me->role_oid;
  for (const ProcSnapshot& p : proc_array::SnapshotAll()) {
    bool client = p.type == BackendType::kClientBackend || p.type == BackendType::kAutovacuumWorker ||
                  p.type == BackendType::kParallelWorker;
    // Another role's session shows who, not what (tenant isolation).
    bool visible = su || p.role_oid == my_role || !client;
    Row r;
    r.push_back(p.database_oid ? Int(p.database_oid) : std::nullopt);   // datid
    r.push_back(p.database.empty() ? std::nullopt : std::optional(p.database));  // datname
    r.push_back(Int(p.pid));                                             // pid
    r.push_back(p.leader_pid ? Int(p.leader_pid) : std::nullopt);        // leader_pid
    r.push_back(p.role_oid ? Int(p.role_oid) : std::nullopt);            // usesysid
    r.push_back(p.user.empty() ? std::nullopt : std::optional(p.user));  // usename
    r.push_back(client || p.type == BackendType::kWalSender ? std::optional(p.application_name)
                                                              : std::optional<std::string>(""));  // application_name
    bool tcp = (p.type == BackendType::kClientBackend || p.type == BackendType::kWalSender) && p.client_port > 0;
    r.push_back(visible && tcp ? std::optional(p.client_addr) : std::nullopt);  // client_addr
    r.push_back(std::nullopt);                                                    // client_hostname
    r.push_back(visible && (p.type == BackendType::kClientBackend || p.type == BackendType::kWalSender)
                    ? Int(p.client_port)
                    : std::nullopt);  // client_port
    r.push_back(Ts(p.backend_start_us));                                          // backend_start
    r.push_back(visible ? Ts(p.xact_start_us) : std::nullopt);                   // xact_start
    r.push_back(visible ? Ts(p.query_start_us) : std::nullopt);                  // query_start
    r.push_back(visible ? Ts(p.state_change_us) : std::nullopt);                 // state_change
    bool idle = p.state == SessionState::kIdle;
    r.push_back(visible && idle && p.type == BackendType::kClientBackend ? std::optional<std::string>("Client") : std::nullopt);      // wait_event_type
    r.push_back(visible && idle && p.type == BackendType::kClientBackend ? std::optional<std::string>("ClientRead") : std::nullopt);  // wait_event
    const char* state = SessionStateName(p.state);
    r.push_back(visible && state ? std::optional<std::string>(state) : std::nullopt);  // state
    r.push_back(p.xid ? Int(static_cast<int64_t>(p.xid)) : std::nullopt);    // backend_xid
    r.push_back(p.xmin ? Int(static_cast<int64_t>(p.xmin)) : std::nullopt);  // backend_xmin
    r.push_back(std::nullopt);  // query_id
    r.push_back(visible ? std::optional(p.query) : std::optional<std::string>("<insufficient privilege>"));  // query
    r.push_back(std::string(BackendTypeName(p.type)));  // backend_type
    rows.push_back(std::move(r));
  }
  return rows;
}

// An interval of microseconds as PostgreSQL prints a short one ("00:00:00.0015").
std::optional<std::string> LagText(int64_t us) {
  if (us < 0) return std::nullopt;
  char buf[64];
  const int64_t secs = us / 1000000;
  std::snprintf(buf, sizeof buf, "%02lld:%02lld:%02lld", static_cast<long long>(secs / 3600),
                static_cast<long long>(secs / 60 % 60), static_cast<long long>(secs % 60));
  std::string out = buf;
  if (us % 1000000 != 0) {
    std::snprintf(buf, sizeof buf, ".%06lld", static_cast<long long>(us % 1000000));
    std::string frac = buf;
    while (frac.back() == '0') frac.pop_back();
    out += frac;
  }
  return out;
}

// pg_stat_replication: the WAL senders' shared entries beside their process slots.
RowList StatReplicationRows(Session& s) {
  RowList rows;
  const bool su = s.IsSuperuser();
  const ProcSlot* me = proc_array::MySlot();
  const uint32_t my_role = me ? me->role_oid : 0;
  std::map<int32_t, ProcSnapshot> procs;
  for (ProcSnapshot& p : proc_array::SnapshotAll())
    if (p.type == BackendType::kWalSender) procs.emplace(p.pid, std::move(p));
  auto lsn = [](wal::Lsn l) { return l == 0 ? std::nullopt : std::optional<std::string>(wal::LsnToString(l)); };
  for (const replication::SenderInfo& w : replication::SnapshotSenders()) {
    auto it = procs.find(w.pid);
    if (it == procs.end()) continue;
    const ProcSnapshot& p = it->second;
    const bool visible = su || p.role_oid == my_role;
    const bool tcp = p.client_port > 0;
    Row r;
    r.push_back(Int(p.pid));
    r.push_back(p.role_oid ? Int(p.role_oid) : std::nullopt);
    r.push_back(p.user.empty() ? std::nullopt : std::optional(p.user));
    r.push_back(std::optional(p.application_name));
    r.push_back(visible && tcp ? std::optional(p.client_addr) : std::nullopt);
    r.push_back(std::nullopt);  // client_hostname
    r.push_back(visible ? Int(p.client_port) : std::nullopt);
    r.push_back(Ts(p.backend_start_us));
    if (!visible) {
      for (int i = 0; i < 12; ++i) r.push_back(std::nullopt);
    } else {
      r.push_back(w.xmin ? Int(static_cast<int64_t>(w.xmin)) : std::nullopt);  // backend_xmin
      r.push_back(std::string(replication::SenderStateName(w.state)));
      r.push_back(lsn(w.sent));
      r.push_back(lsn(w.write));
      r.push_back(lsn(w.flush));
      r.push_back(lsn(w.replay));
      r.push_back(LagText(w.write_lag_us));
      r.push_back(LagText(w.flush_lag_us));
      r.push_back(LagText(w.replay_lag_us));
      r.push_back(Int(0));                  // sync_priority
      r.push_back(std::string("async"));    // sync_state
      r.push_back(Ts(w.reply_time_us));
    }
    rows.push_back(std::move(r));
  }
  return rows;
}

RowList SettingsRows(bool superuser) {
  RowList rows;
  for (const guc::SettingRow& g : guc::AllSettings(superuser)) {
    Row r;
    r.push_back(g.name);
    r.push_back(g.setting);
    r.push_back(g.unit);
    r.push_back(g.category);
    r.push_back(g.short_desc);
    r.push_back(g.extra_desc);
    r.push_back(g.context);
    r.push_back(g.vartype);
    r.push_back(g.source);
    r.push_back(g.min_val);
    r.push_back(g.max_val);
    r.push_back(g.enumvals);
    r.push_back(g.boot_val);
    r.push_back(g.reset_val);
    r.push_back(g.sourcefile);
    r.push_back(g.sourceline ? Int(*g.sourceline) : std::nullopt);
    r.push_back(Bool(g.pending_restart));
    rows.push_back(std::move(r));
  }
  return rows;
}

// Rows of a shared catalog as the running statement sees them (its own
// uncommitted CREATE ROLE included); outside a transaction, in a short one.
template <class CatalogRowT>
std::vector<CatalogRowT> ReadCatalog() {
  if (xact::IsInTransaction())
    return catalog::ScanCatalog<CatalogRowT>(xact::GetTransactionSnapshot(), xact::CurrentXactForVisibility());
  xact::StartTransaction(xact::Isolation::kReadCommitted, true);
  std::vector<CatalogRowT> rows;
  try {
    rows = catalog::ScanCatalog<CatalogRowT>(xact::GetTransactionSnapshot(), xact::CurrentXactForVisibility());
  } catch (...) {
    xact::Abort();
    throw;
  }
  xact::Commit();
  return rows;
}

RowList StatDatabaseRows() {
  RowList rows;
  auto counters = pgstat::ReadAll();
  auto procs = proc_array::SnapshotAll();
  for (const catalog::DatabaseRow& db : ReadCatalog<catalog::DatabaseRow>()) {
    pgstat::DatabaseCounters c;
    for (const auto& x : counters)
      if (x.datname == db.datname) c = x;
    int backends = 0;
    for (const auto& p : procs) backends += p.type == BackendType::kClientBackend && p.database_oid == db.oid;
    Row r;
    r.push_back(Int(db.oid));
    r.push_back(db.datname);
    r.push_back(Int(backends));
    r.push_back(Int(c.xact_commit));
    r.push_back(Int(c.xact_rollback));
    r.push_back(Int(c.sessions));
    r.push_back(Int(c.sessions_fatal));
    r.push_back(Int(c.sessions_killed));
    r.push_back(Int(c.statements));
    r.push_back(c.stats_reset_us ? Ts(c.stats_reset_us) : std::nullopt);
    rows.push_back(std::move(r));
  }
  return rows;
}

// pg_stat_all_tables: every table, toast table and materialized view of
// this database, with zeros for those nobody has touched. idx_scan and
// idx_tup_fetch are NULL for a table without indexes, as PostgreSQL's sums.
// `which`: 0 all, 1 user (not pg_catalog, information_schema, pg_toast), 2 sys.
RowList StatTablesRows(int which) {
  RowList rows;
  std::map<uint32_t, std::string> nsp;
  for (const auto& n : ReadCatalog<catalog::NamespaceRow>()) nsp[n.oid] = n.nspname;
  std::set<uint32_t> indexed;
  for (const auto& i : ReadCatalog<catalog::IndexRow>()) indexed.insert(i.indrelid);
  std::map<uint32_t, pgstat::TableCounters> counters;
  for (const auto& t : pgstat::ReadTables(catalog::CurrentDatabase())) counters[t.relid] = t;
  for (const auto& c : ReadCatalog<catalog::ClassRow>()) {
    if (c.relkind != 'r' && c.relkind != 't' && c.relkind != 'm' && c.relkind != 'p') continue;
    const std::string& schema = nsp[c.relnamespace];
    const bool sys = schema == "pg_catalog" || schema == "information_schema" || schema.rfind("pg_toast", 0) == 0;
    if ((which == 1 && sys) || (which == 2 && !sys)) continue;
    pgstat::TableCounters t;
    if (auto it = counters.find(c.oid); it != counters.end()) t = it->second;
    const bool has_index = indexed.count(c.oid) != 0;
    Row r{Int(c.oid), schema, c.relname, Int(t.c[pgstat::kSeqScan]), Int(t.c[pgstat::kSeqTupRead]),
          has_index ? Int(t.c[pgstat::kIdxScan]) : std::nullopt,
          has_index ? Int(t.c[pgstat::kIdxTupFetch]) : std::nullopt};
    for (int f = pgstat::kTupIns; f <= pgstat::kInsSinceVacuum; ++f) r.push_back(Int(t.c[f]));
    for (int f = pgstat::kLastVacuum; f <= pgstat::kLastAutoanalyze; ++f) r.push_back(Ts(t.c[f]));
    for (int f = pgstat::kVacuumCount; f <= pgstat::kAutoanalyzeCount; ++f) r.push_back(Int(t.c[f]));
    rows.push_back(std::move(r));
  }
  return rows;
}

// Each role's settings for every database (setdatabase 0), in text[] form:
// pg_roles.rolconfig and pg_user.useconfig.
std::map<uint32_t, std::string> RoleConfigs() {
  std::map<uint32_t, std::string> out;
  for (const catalog::DbRoleSettingRow& s : ReadCatalog<catalog::DbRoleSettingRow>())
    if (s.setdatabase == 0 && s.setrole != 0 && s.setconfig) out[s.setrole] = *s.setconfig;
  return out;
}

std::optional<std::string> ConfigOf(const std::map<uint32_t, std::string>& configs, uint32_t role) {
  auto it = configs.find(role);
  return it == configs.end() ? std::nullopt : std::optional<std::string>(it->second);
}

RowList RoleRows(bool authid) {
  RowList rows;
  const std::map<uint32_t, std::string> configs = authid ? std::map<uint32_t, std::string>{} : RoleConfigs();
  for (const catalog::AuthIdRow& row : ReadCatalog<catalog::AuthIdRow>()) {
    const catalog::RoleRecord role = catalog::RoleFromRow(row);
    Row r;
    if (authid) r.push_back(Int(role.oid));
    r.push_back(role.name);
    r.push_back(Bool(role.superuser));
    r.push_back(Bool(role.inherit));
    r.push_back(Bool(role.createrole));
    r.push_back(Bool(role.createdb));
    r.push_back(Bool(role.can_login));
    r.push_back(Bool(role.replication));
    r.push_back(Bool(role.bypassrls));
    r.push_back(Int(role.conn_limit));
    if (authid)
      r.push_back(role.password.empty() ? std::nullopt : std::optional(role.password));
    else
      r.push_back(std::string("********"));
    r.push_back(std::nullopt);  // rolvaliduntil
    if (!authid) r.push_back(ConfigOf(configs, role.oid));
    if (!authid) r.push_back(Int(role.oid));
    rows.push_back(std::move(r));
  }
  return rows;
}

}  // namespace

SystemViews::SystemViews(Session& s) {
  using C = sql::VirtualTable::Column;
  views_["pg_stat_activity"] = std::make_unique<FnView>(
      std::vector<C>{{"datid", oid::kOid}, {"datname", oid::kName}, {"pid", oid::kInt4}, {"leader_pid", oid::kInt4},
                     {"usesysid", oid::kOid}, {"usename", oid::kName}, {"application_name", oid::kText},
                     {"client_addr", oid::kInet}, {"client_hostname", oid::kText}, {"client_port", oid::kInt4},
                     {"backend_start", oid::kTimestamptz}, {"xact_start", oid::kTimestamptz},
                     {"query_start", oid::kTimestamptz}, {"state_change", oid::kTimestamptz},
                     {"wait_event_type", oid::kText}, {"wait_event", oid::kText}, {"state", oid::kText},
                     {"backend_xid", oid::kText}, {"backend_xmin", oid::kText}, {"query_id", oid::kInt8},
                     {"query", oid::kText}, {"backend_type", oid::kText}},
      [&s] { return StatActivityRows(s); });
  views_["pg_stat_replication"] = std::make_unique<FnView>(
      std::vector<C>{{"pid", oid::kInt4}, {"usesysid", oid::kOid}, {"usename", oid::kName},
                     {"application_name", oid::kText}, {"client_addr", oid::kInet}, {"client_hostname", oid::kText},
                     {"client_port", oid::kInt4}, {"backend_start", oid::kTimestamptz}, {"backend_xmin", oid::kText},
                     {"state", oid::kText}, {"sent_lsn", oid::kPgLsn}, {"write_lsn", oid::kPgLsn},
                     {"flush_lsn", oid::kPgLsn}, {"replay_lsn", oid::kPgLsn}, {"write_lag", oid::kInterval},
                     {"flush_lag", oid::kInterval}, {"replay_lag", oid::kInterval}, {"sync_priority", oid::kInt4},
                     {"sync_state", oid::kText}, {"reply_time", oid::kTimestamptz}},
      [&s] { return StatReplicationRows(s); });
  views_["pg_locks"] = std::make_unique<FnView>(
      std::vector<C>{{"locktype", oid::kText}, {"database", oid::kOid}, {"relation", oid::kOid},
                     {"page", oid::kInt4}, {"tuple", oid::kInt2}, {"virtualxid", oid::kText},
                     {"transactionid", oid::kText}, {"classid", oid::kOid}, {"objid", oid::kOid},
                     {"objsubid", oid::kInt2}, {"virtualtransaction", oid::kText}, {"pid", oid::kInt4},
                     {"mode", oid::kText}, {"granted", oid::kBool}, {"fastpath", oid::kBool},
                     {"waitstart", oid::kTimestamptz}},
      [] { return LockRows(); });
  views_["pg_settings"] = std::make_unique<FnView>(
      std::vector<C>{{"name", oid::kText}, {"setting", oid::kText}, {"unit", oid::kText}, {"category", oid::kText},
                     {"short_desc", oid::kText}, {"extra_desc", oid::kText}, {"context", oid::kText},
                     {"vartype", oid::kText}, {"source", oid::kText}, {"min_val", oid::kText}, {"max_val", oid::kText},
                     {"enumvals", oid::kText}, {"boot_val", oid::kText}, {"reset_val", oid::kText},
                     {"sourcefile", oid::kText}, {"sourceline", oid::kInt4}, {"pending_restart", oid::kBool}},
      [&s] { return SettingsRows(s.IsSuperuser()); });
  views_["pg_stat_database"] = std::make_unique<FnView>(
      std::vector<C>{{"datid", oid::kOid}, {"datname", oid::kName}, {"numbackends", oid::kInt4},
                     {"xact_commit", oid::kInt8}, {"xact_rollback", oid::kInt8}, {"sessions", oid::kInt8},
                     {"sessions_fatal", oid::kInt8}, {"sessions_killed", oid::kInt8}, {"statements", oid::kInt8},
                     {"stats_reset", oid::kTimestamptz}},
      [] { return StatDatabaseRows(); });
  const std::vector<C> stat_tables = {
      {"relid", oid::kOid},           {"schemaname", oid::kName},         {"relname", oid::kName},
      {"seq_scan", oid::kInt8},       {"seq_tup_read", oid::kInt8},       {"idx_scan", oid::kInt8},
      {"idx_tup_fetch", oid::kInt8},  {"n_tup_ins", oid::kInt8},          {"n_tup_upd", oid::kInt8},
      {"n_tup_del", oid::kInt8},      {"n_tup_hot_upd", oid::kInt8},      {"n_live_tup", oid::kInt8},
      {"n_dead_tup", oid::kInt8},     {"n_mod_since_analyze", oid::kInt8}, {"n_ins_since_vacuum", oid::kInt8},
      {"last_vacuum", oid::kTimestamptz},  {"last_autovacuum", oid::kTimestamptz},
      {"last_analyze", oid::kTimestamptz}, {"last_autoanalyze", oid::kTimestamptz},
      {"vacuum_count", oid::kInt8},   {"autovacuum_count", oid::kInt8},   {"analyze_count", oid::kInt8},
      {"autoanalyze_count", oid::kInt8}};
  views_["pg_stat_all_tables"] = std::make_unique<FnView>(stat_tables, [] { return StatTablesRows(0); });
  views_["pg_stat_user_tables"] = std::make_unique<FnView>(stat_tables, [] { return StatTablesRows(1); });
  views_["pg_stat_sys_tables"] = std::make_unique<FnView>(stat_tables, [] { return StatTablesRows(2); });
  views_["pg_stat_archiver"] = std::make_unique<FnView>(
      std::vector<C>{{"archived_count", oid::kInt8}, {"last_archived_wal", oid::kText},
                     {"last_archived_time", oid::kTimestamptz}, {"failed_count", oid::kInt8},
                     {"last_failed_wal", oid::kText}, {"last_failed_time", oid::kTimestamptz},
                     {"stats_reset", oid::kTimestamptz}},
      [] {
        pgarch::Stats st = pgarch::ReadStats();
        auto text = [](const std::string& v) { return v.empty() ? std::nullopt : std::optional<std::string>(v); };
        return RowList{{Int(st.archived_count), text(st.last_archived_wal), Ts(st.last_archived_time_us),
                        Int(st.failed_count), text(st.last_failed_wal), Ts(st.last_failed_time_us),
                        Ts(st.stats_reset_us)}};
      });
  views_["pg_prepared_statements"] = std::make_unique<FnView>(
      std::vector<C>{{"name", oid::kText}, {"statement", oid::kText}, {"prepare_time", oid::kTimestamptz},
                     {"parameter_types", oid::kRegtypeArray}, {"from_sql", oid::kBool},
                     {"generic_plans", oid::kInt8}, {"custom_plans", oid::kInt8}},
      [&s] { return s.PreparedStatementRows(); });
  std::vector<C> role_cols = {{"rolname", oid::kName},      {"rolsuper", oid::kBool},     {"rolinherit", oid::kBool},
                              {"rolcreaterole", oid::kBool}, {"rolcreatedb", oid::kBool}, {"rolcanlogin", oid::kBool},
                              {"rolreplication", oid::kBool}, {"rolbypassrls", oid::kBool}, {"rolconnlimit", oid::kInt4},
                              {"rolpassword", oid::kText},   {"rolvaliduntil", oid::kTimestamptz}};
  std::vector<C> roles = role_cols;
  roles.push_back({"rolconfig", oid::kTextArray});
  roles.push_back({"oid", oid::kOid});
  views_["pg_roles"] = std::make_unique<FnView>(roles, [] { return RoleRows(false); });
  std::vector<C> authid = role_cols;
  authid.insert(authid.begin(), C{"oid", oid::kOid});
  views_["pg_authid"] = std::make_unique<FnView>(authid, [&s] {
    if (!s.IsSuperuser()) throw MakeError(sqlstate::kInsufficientPrivilege, "permission denied for table pg_authid");
    return RoleRows(true);
  });
  // PostgreSQL 15's columns, but for the two xid ones (Tusk's xids do not fit
  // and never freeze) and with "char" shown as text.
  views_["pg_database"] = std::make_unique<FnView>(
      std::vector<C>{{"oid", oid::kOid}, {"datname", oid::kName}, {"datdba", oid::kOid}, {"encoding", oid::kInt4},
                     {"datlocprovider", oid::kText}, {"datistemplate", oid::kBool}, {"datallowconn", oid::kBool},
                     {"datconnlimit", oid::kInt4}, {"dattablespace", oid::kOid}, {"datcollate", oid::kText},
                     {"datctype", oid::kText}, {"daticulocale", oid::kText}, {"datcollversion", oid::kText},
                     {"datacl", oid::kTextArray}},
      [] {
        RowList rows;
        for (const catalog::DatabaseRow& d : ReadCatalog<catalog::DatabaseRow>())
          rows.push_back({Int(d.oid), d.datname, Int(d.datdba), Int(d.encoding), std::string(1, d.datlocprovider),
                          Bool(d.datistemplate), Bool(d.datallowconn), Int(d.datconnlimit), Int(d.dattablespace),
                          d.datcollate, d.datctype, d.daticulocale, d.datcollversion, d.datacl});
        return rows;
      });
  // The stored catalog, as the other shared ones: read under the statement's snapshot.
  views_["pg_db_role_setting"] = std::make_unique<FnView>(
      std::vector<C>{{"setdatabase", oid::kOid}, {"setrole", oid::kOid}, {"setconfig", oid::kTextArray}}, [] {
        RowList rows;
        for (const catalog::DbRoleSettingRow& s : ReadCatalog<catalog::DbRoleSettingRow>())
          rows.push_back({Int(s.setdatabase), Int(s.setrole), s.setconfig});
        return rows;
      });
  AddCatalogViews();
}

// Catalogs Tusk does not store, with PostgreSQL 15's columns as psql reads
// them ("char" as text, aclitem[] as text[], regproc as text): fixed rows for
// access methods, tablespaces and collations, pg_user from pg_authid, and
// empty lists where Tusk has nothing (role memberships, extensions, comments,
// publications).
void SystemViews::AddCatalogViews() {
  using C = sql::VirtualTable::Column;
  auto fixed = [](RowList rows) { return [rows] { return rows; }; };
  views_["pg_am"] = std::make_unique<FnView>(
      std::vector<C>{{"oid", oid::kOid}, {"amname", oid::kName}, {"amhandler", oid::kText}, {"amtype", oid::kText}},
      fixed({{"2", "heap", "heap_tableam_handler", "t"},
             {"403", "btree", "bthandler", "i"},
             {"405", "hash", "hashhandler", "i"},
             {"783", "gist", "gisthandler", "i"},
             {"2742", "gin", "ginhandler", "i"},
             {"4000", "spgist", "spghandler", "i"},
             {"3580", "brin", "brinhandler", "i"}}));
  views_["pg_tablespace"] = std::make_unique<FnView>(
      std::vector<C>{{"oid", oid::kOid}, {"spcname", oid::kName}, {"spcowner", oid::kOid},
                     {"spcacl", oid::kTextArray}, {"spcoptions", oid::kTextArray}},
      fixed({{"1663", "pg_default", "10", std::nullopt, std::nullopt},
             {"1664", "pg_global", "10", std::nullopt, std::nullopt}}));
  views_["pg_collation"] = std::make_unique<FnView>(
      std::vector<C>{{"oid", oid::kOid}, {"collname", oid::kName}, {"collnamespace", oid::kOid},
                     {"collowner", oid::kOid}, {"collprovider", oid::kText}, {"collisdeterministic", oid::kBool},
                     {"collencoding", oid::kInt4}, {"collcollate", oid::kText}, {"collctype", oid::kText},
                     {"colliculocale", oid::kText}, {"collversion", oid::kText}},
      fixed({{"100", "default", "11", "10", "d", "t", "-1", std::nullopt, std::nullopt, std::nullopt, std::nullopt},
             {"950", "C", "11", "10", "c", "t", "-1", "C", "C", std::nullopt, std::nullopt},
             {"951", "POSIX", "11", "10", "c", "t", "-1", "POSIX", "POSIX", std::nullopt, std::nullopt},
             {"12340", "ucs_basic", "11", "10", "c", "t", "6", "C", "C", std::nullopt, std::nullopt},
             {"12341", "C.utf8", "11", "10", "c", "t", "6", "C.utf8", "C.utf8", std::nullopt, std::nullopt}}));
  views_["pg_auth_members"] = std::make_unique<FnView>(
      std::vector<C>{{"roleid", oid::kOid}, {"member", oid::kOid}, {"grantor", oid::kOid},
                     {"admin_option", oid::kBool}},
      fixed({}));
  views_["pg_extension"] = std::make_unique<FnView>(
      std::vector<C>{{"oid", oid::kOid}, {"extname", oid::kName}, {"extowner", oid::kOid},
                     {"extnamespace", oid::kOid}, {"extrelocatable", oid::kBool}, {"extversion", oid::kText},
                     {"extconfig", oid::kOidArray}, {"extcondition", oid::kTextArray}},
      fixed({}));
  views_["pg_description"] = std::make_unique<FnView>(
      std::vector<C>{{"objoid", oid::kOid}, {"classoid", oid::kOid}, {"objsubid", oid::kInt4},
                     {"description", oid::kText}},
      fixed({}));
  views_["pg_shdescription"] = std::make_unique<FnView>(
      std::vector<C>{{"objoid", oid::kOid}, {"classoid", oid::kOid}, {"description", oid::kText}}, fixed({}));
  views_["pg_publication"] = std::make_unique<FnView>(
      std::vector<C>{{"oid", oid::kOid}, {"pubname", oid::kName}, {"pubowner", oid::kOid},
                     {"puballtables", oid::kBool}, {"pubinsert", oid::kBool}, {"pubupdate", oid::kBool},
                     {"pubdelete", oid::kBool}, {"pubtruncate", oid::kBool}, {"pubviaroot", oid::kBool}},
      fixed({}));
  views_["pg_publication_namespace"] = std::make_unique<FnView>(
      std::vector<C>{{"oid", oid::kOid}, {"pnpubid", oid::kOid}, {"pnnspid", oid::kOid}}, fixed({}));
  // Features Tusk lacks (row security, extended statistics, triggers,
  // foreign tables, publications of tables): empty, for \d's queries.
  views_["pg_policy"] = std::make_unique<FnView>(
      std::vector<C>{{"oid", oid::kOid}, {"polname", oid::kName}, {"polrelid", oid::kOid}, {"polcmd", oid::kText},
                     {"polpermissive", oid::kBool}, {"polroles", oid::kOidArray}, {"polqual", oid::kText},
                     {"polwithcheck", oid::kText}},
      fixed({}));
  views_["pg_statistic_ext"] = std::make_unique<FnView>(
      std::vector<C>{{"oid", oid::kOid}, {"stxrelid", oid::kOid}, {"stxname", oid::kName},
                     {"stxnamespace", oid::kOid}, {"stxowner", oid::kOid}, {"stxstattarget", oid::kInt4},
                     {"stxkeys", oid::kInt2Array}, {"stxkind", oid::kTextArray}, {"stxexprs", oid::kText}},
      fixed({}));
  views_["pg_publication_rel"] = std::make_unique<FnView>(
      std::vector<C>{{"oid", oid::kOid}, {"prpubid", oid::kOid}, {"prrelid", oid::kOid}, {"prqual", oid::kText},
                     {"prattrs", oid::kInt2Array}},
      fixed({}));
  views_["pg_trigger"] = std::make_unique<FnView>(
      std::vector<C>{{"oid", oid::kOid}, {"tgrelid", oid::kOid}, {"tgparentid", oid::kOid}, {"tgname", oid::kName},
                     {"tgfoid", oid::kOid}, {"tgtype", oid::kInt2}, {"tgenabled", oid::kText},
                     {"tgisinternal", oid::kBool}, {"tgconstrrelid", oid::kOid}, {"tgconstrindid", oid::kOid},
                     {"tgconstraint", oid::kOid}, {"tgdeferrable", oid::kBool}, {"tginitdeferred", oid::kBool},
                     {"tgnargs", oid::kInt2}, {"tgattr", oid::kInt2Array}, {"tgargs", oid::kText},
                     {"tgqual", oid::kText}, {"tgoldtable", oid::kName}, {"tgnewtable", oid::kName}},
      fixed({}));
  views_["pg_foreign_table"] = std::make_unique<FnView>(
      std::vector<C>{{"ftrelid", oid::kOid}, {"ftserver", oid::kOid}, {"ftoptions", oid::kTextArray}}, fixed({}));
  views_["pg_foreign_server"] = std::make_unique<FnView>(
      std::vector<C>{{"oid", oid::kOid}, {"srvname", oid::kName}, {"srvowner", oid::kOid}, {"srvfdw", oid::kOid},
                     {"srvtype", oid::kText}, {"srvversion", oid::kText}, {"srvacl", oid::kTextArray},
                     {"srvoptions", oid::kTextArray}},
      fixed({}));
  views_["pg_foreign_data_wrapper"] = std::make_unique<FnView>(
      std::vector<C>{{"oid", oid::kOid}, {"fdwname", oid::kName}, {"fdwowner", oid::kOid}, {"fdwhandler", oid::kOid},
                     {"fdwvalidator", oid::kOid}, {"fdwacl", oid::kTextArray}, {"fdwoptions", oid::kTextArray}},
      fixed({}));
  views_["pg_user_mapping"] = std::make_unique<FnView>(
      std::vector<C>{{"oid", oid::kOid}, {"umuser", oid::kOid}, {"umserver", oid::kOid},
                     {"umoptions", oid::kTextArray}},
      fixed({}));
  views_["pg_user_mappings"] = std::make_unique<FnView>(
      std::vector<C>{{"umid", oid::kOid}, {"srvid", oid::kOid}, {"srvname", oid::kName}, {"umuser", oid::kOid},
                     {"usename", oid::kName}, {"umoptions", oid::kTextArray}},
      fixed({}));
  // Event triggers, subscriptions, default privileges and large objects: none in Tusk.
  views_["pg_event_trigger"] = std::make_unique<FnView>(
      std::vector<C>{{"oid", oid::kOid}, {"evtname", oid::kName}, {"evtevent", oid::kName}, {"evtowner", oid::kOid},
                     {"evtfoid", oid::kOid}, {"evtenabled", oid::kText}, {"evttags", oid::kTextArray}},
      fixed({}));
  views_["pg_subscription"] = std::make_unique<FnView>(
      std::vector<C>{{"oid", oid::kOid}, {"subdbid", oid::kOid}, {"subskiplsn", oid::kPgLsn},
                     {"subname", oid::kName}, {"subowner", oid::kOid}, {"subenabled", oid::kBool},
                     {"subbinary", oid::kBool}, {"substream", oid::kBool}, {"subtwophasestate", oid::kText},
                     {"subdisableonerr", oid::kBool}, {"subconninfo", oid::kText}, {"subslotname", oid::kName},
                     {"subsynccommit", oid::kText}, {"subpublications", oid::kTextArray}},
      fixed({}));
  views_["pg_default_acl"] = std::make_unique<FnView>(
      std::vector<C>{{"oid", oid::kOid}, {"defaclrole", oid::kOid}, {"defaclnamespace", oid::kOid},
                     {"defaclobjtype", oid::kText}, {"defaclacl", oid::kTextArray}},
      fixed({}));
  views_["pg_largeobject_metadata"] = std::make_unique<FnView>(
      std::vector<C>{{"oid", oid::kOid}, {"lomowner", oid::kOid}, {"lomacl", oid::kTextArray}}, fixed({}));
  // No text search and no encoding conversions (every database is UTF8).
  views_["pg_ts_config"] = std::make_unique<FnView>(
      std::vector<C>{{"oid", oid::kOid}, {"cfgname", oid::kName}, {"cfgnamespace", oid::kOid},
                     {"cfgowner", oid::kOid}, {"cfgparser", oid::kOid}},
      fixed({}));
  views_["pg_ts_dict"] = std::make_unique<FnView>(
      std::vector<C>{{"oid", oid::kOid}, {"dictname", oid::kName}, {"dictnamespace", oid::kOid},
                     {"dictowner", oid::kOid}, {"dicttemplate", oid::kOid}, {"dictinitoption", oid::kText}},
      fixed({}));
  views_["pg_ts_parser"] = std::make_unique<FnView>(
      std::vector<C>{{"oid", oid::kOid}, {"prsname", oid::kName}, {"prsnamespace", oid::kOid},
                     {"prsstart", oid::kText}, {"prstoken", oid::kText}, {"prsend", oid::kText},
                     {"prsheadline", oid::kText}, {"prslextype", oid::kText}},
      fixed({}));
  views_["pg_ts_template"] = std::make_unique<FnView>(
      std::vector<C>{{"oid", oid::kOid}, {"tmplname", oid::kName}, {"tmplnamespace", oid::kOid},
                     {"tmplinit", oid::kText}, {"tmpllexize", oid::kText}},
      fixed({}));
  views_["pg_conversion"] = std::make_unique<FnView>(
      std::vector<C>{{"oid", oid::kOid}, {"conname", oid::kName}, {"connamespace", oid::kOid},
                     {"conowner", oid::kOid}, {"conforencoding", oid::kInt4}, {"contoencoding", oid::kInt4},
                     {"conproc", oid::kText}, {"condefault", oid::kBool}},
      fixed({}));
  // The languages Tusk's pg_proc uses; no procedural language (plpgsql).
  views_["pg_language"] = std::make_unique<FnView>(
      std::vector<C>{{"oid", oid::kOid}, {"lanname", oid::kName}, {"lanowner", oid::kOid}, {"lanispl", oid::kBool},
                     {"lanpltrusted", oid::kBool}, {"lanplcallfoid", oid::kOid}, {"laninline", oid::kOid},
                     {"lanvalidator", oid::kOid}, {"lanacl", oid::kTextArray}},
      fixed({{"12", "internal", "10", "f", "f", "0", "0", "2246", std::nullopt},
             {"13", "c", "10", "f", "f", "0", "0", "2247", std::nullopt},
             {"14", "sql", "10", "f", "t", "0", "0", "2248", std::nullopt}}));
  // PostgreSQL's pg_sequences view: pg_sequence joined with pg_class and
  // pg_namespace, last_value from the sequence's page (NULL before the first
  // nextval, as pg_sequence_last_value).
  views_["pg_sequences"] = std::make_unique<FnView>(
      std::vector<C>{{"schemaname", oid::kName}, {"sequencename", oid::kName}, {"sequenceowner", oid::kName},
                     {"data_type", oid::kRegtype}, {"start_value", oid::kInt8}, {"min_value", oid::kInt8},
                     {"max_value", oid::kInt8}, {"increment_by", oid::kInt8}, {"cycle", oid::kBool},
                     {"cache_size", oid::kInt8}, {"last_value", oid::kInt8}},
      [] {
        RowList rows;
        std::map<uint32_t, std::string> nsp, owners;
        for (const auto& n : ReadCatalog<catalog::NamespaceRow>()) nsp[n.oid] = n.nspname;
        for (const auto& r : ReadCatalog<catalog::AuthIdRow>()) owners[r.oid] = r.rolname;
        std::map<uint32_t, catalog::ClassRow> classes;
        for (const auto& c : ReadCatalog<catalog::ClassRow>())
          if (c.relkind == 'S') classes[c.oid] = c;
        for (const auto& q : ReadCatalog<catalog::SequenceRow>()) {
          auto it = classes.find(q.seqrelid);
          if (it == classes.end()) continue;
          const catalog::ClassRow& c = it->second;
          std::optional<std::string> last;
          try {
            sequence::State st = sequence::ReadState({1663, catalog::CurrentDatabase(), c.relfilenode});
            if (st.is_called) last = std::to_string(st.last_value);
          } catch (const PgError&) {
          }
          rows.push_back({nsp[c.relnamespace], c.relname, owners[c.relowner],
                          Int(q.seqtypid),
                          Int(q.seqstart), Int(q.seqmin), Int(q.seqmax), Int(q.seqincrement), Bool(q.seqcycle),
                          Int(q.seqcache), last});
        }
        return rows;
      });
  views_["pg_user"] = std::make_unique<FnView>(
      std::vector<C>{{"usename", oid::kName}, {"usesysid", oid::kOid}, {"usecreatedb", oid::kBool},
                     {"usesuper", oid::kBool}, {"userepl", oid::kBool}, {"usebypassrls", oid::kBool},
                     {"passwd", oid::kText}, {"valuntil", oid::kTimestamptz}, {"useconfig", oid::kTextArray}},
      [] {
        RowList rows;
        const std::map<uint32_t, std::string> configs = RoleConfigs();
        for (const catalog::AuthIdRow& row : ReadCatalog<catalog::AuthIdRow>()) {
          if (!row.rolcanlogin) continue;
          rows.push_back({row.rolname, Int(row.oid), Bool(row.rolcreatedb), Bool(row.rolsuper),
                          Bool(row.rolreplication), Bool(row.rolbypassrls), std::string("********"), std::nullopt,
                          ConfigOf(configs, row.oid)});
        }
        return rows;
      });
}

SystemViews::~SystemViews() = default;

sql::VirtualTable* SystemViews::Find(const std::string& name) {
  auto it = views_.find(name);
  return it == views_.end() ? nullptr : it->second.get();
}

}  // namespace tusk::backend
