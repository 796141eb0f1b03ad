// The stats collector process and the backend side of its datagram protocol.
#include "postmaster/pgstat.h"

#include <fcntl.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstddef>
#include <cstring>
#include <unordered_map>

#include "postmaster/aux_process.h"
#include "postmaster/pgarch.h"
#include "storage/ipc/latch.h"
#include "storage/ipc/proc_array.h"
#include "storage/ipc/shmem.h"
#include "utils/process_globals.h"
#include "utils/timestamp.h"
#include "utils/ps_title.h"

namespace tusk::pgstat {
namespace {

constexpr int kMaxDatabases = 64;
constexpr size_t kNameLen = 64;

struct Entry {
  char datname[kNameLen];
  int64_t sessions, sessions_fatal, sessions_killed, xact_commit, xact_rollback, statements, stats_reset_us;
};

constexpr size_t kMaxTables = 4096;  // open addressing; a table that finds no slot is not counted

struct TableEntry {
  uint64_t key;  // db << 32 | relid; 0 = free
  int64_t c[kNumTableFields];
};

struct Shared {
  std::atomic<uint32_t> changecount;  // odd while the collector writes
  int count;
  Entry entries[kMaxDatabases];
  TableEntry tables[kMaxTables];
};

// One datagram: deltas for one database.
struct Message {
  uint32_t magic;
  char datname[kNameLen];
  int64_t sessions, sessions_fatal, sessions_killed, xact_commit, xact_rollback, statements;
};
constexpr uint32_t kMagic = 0x53544154;

// One datagram of table deltas (or one VACUUM/ANALYZE report).
enum : uint32_t { kDelta = 0, kVacuumed = 1, kAnalyzed = 2 };
struct TableDelta {
  uint64_t key;
  uint32_t kind;
  int64_t c[kNumTableFields];
};
constexpr size_t kDeltasPerMessage = 24;
struct TableMessage {
  uint32_t magic;
  uint32_t n;
  TableDelta d[kDeltasPerMessage];
};
constexpr uint32_t kTableMagic = 0x53544254;

// A dropped database: its entry and its tables' entries go.
struct DropMessage {
  uint32_t magic;
  uint32_t db_oid;
  char datname[kNameLen];
};
constexpr uint32_t kDropMagic = 0x53544244;

uint64_t Key(uint32_t db, uint32_t relid) { return (static_cast<uint64_t>(db) << 32) | relid; }

Shared* g_shared = nullptr;
int g_sock[2] = {-1, -1};
Message g_pending = {};
int64_t g_last_flush_us = 0;
bool g_force_next = false;


Entry* FindOrAdd(const char* datname) {
  for (int i = 0; i < g_shared->count; ++i)
    if (strncmp(g_shared->entries[i].datname, datname, kNameLen) == 0) return &g_shared->entries[i];
  if (g_shared->count == kMaxDatabases) return nullptr;
  Entry* e = &g_shared->entries[g_shared->count++];
  memset(e, 0, sizeof *e);
  proc_array::CopyString(e->datname, kNameLen, std::string_view(datname, strnlen(datname, kNameLen)));
  e->stats_reset_us = NowMicros();
  return e;
}

void Apply(const Message& m) {
  g_shared->changecount.fetch_add(1);
  if (Entry* e = FindOrAdd(m.datname)) {
    e->sessions += m.sessions;
    e->sessions_fatal += m.sessions_fatal;
    e->sessions_killed += m.sessions_killed;
    e->xact_commit += m.xact_commit;
    e->xact_rollback += m.xact_rollback;
    e->statements += m.statements;
  }
  g_shared->changecount.fetch_add(1);
}

TableEntry* FindTable(uint64_t key, bool create) {
  size_t h = static_cast<size_t>((key * 0x9E3779B97F4A7C15ull) >> 40) % kMaxTables;
  for (size_t i = 0; i < kMaxTables; ++i) {
    TableEntry& e = g_shared->tables[(h + i) % kMaxTables];
    if (e.key == key) return &e;
    if (e.key == 0) {
      if (!create) return nullptr;
      memset(&e, 0, sizeof e);
      e.key = key;
      return &e;
    }
  }
  return nullptr;
}

void ApplyTable(const TableDelta& d) {
  TableEntry* e = FindTable(d.key, true);
  if (!e) return;
  for (int f = 0; f < kNumTableFields; ++f) {
    if (f >= kLastVacuum && f <= kLastAutoanalyze) {
      if (d.c[f]) e->c[f] = d.c[f];
    } else if (d.kind != kDelta && (f == kLiveTup || f == kDeadTup)) {
      e->c[f] = d.c[f];
    } else {
      e->c[f] += d.c[f];
    }
  }
  if (d.kind == kVacuumed) e->c[kInsSinceVacuum] = 0;
  if (d.kind == kAnalyzed) e->c[kModSinceAnalyze] = 0;
  for (int f : {kLiveTup, kDeadTup, kModSinceAnalyze, kInsSinceVacuum})
    if (e->c[f] < 0) e->c[f] = 0;  // estimates: a rolled-back delete of rows counted before a restart
}

// Removes a dropped database's entries. The table entries are an open
// addressing table without tombstones: the others are inserted again.
void ApplyDrop(const DropMessage& m) {
  g_shared->changecount.fetch_add(1);
  for (int i = 0; i < g_shared->count; ++i) {
    if (strncmp(g_shared->entries[i].datname, m.datname, kNameLen) != 0) continue;
    memmove(&g_shared->entries[i], &g_shared->entries[i + 1], sizeof(Entry) * (g_shared->count - i - 1));
    --g_shared->count;
    break;
  }
  bool any = false;
  for (const TableEntry& e : g_shared->tables) any = any || (e.key != 0 && (e.key >> 32) == m.db_oid);
  if (any) {
    std::vector<TableEntry> keep;
    for (const TableEntry& e : g_shared->tables)
      if (e.key != 0 && (e.key >> 32) != m.db_oid) keep.push_back(e);
    memset(g_shared->tables, 0, sizeof g_shared->tables);
    for (const TableEntry& e : keep)
      if (TableEntry* t = FindTable(e.key, true)) *t = e;
  }
  g_shared->changecount.fetch_add(1);
}

void ApplyTables(const TableMessage& m) {
  g_shared->changecount.fetch_add(1);
  for (uint32_t i = 0; i < m.n && i < kDeltasPerMessage; ++i) ApplyTable(m.d[i]);
  g_shared->changecount.fetch_add(1);
}

std::string StatsFile() { return Globals().data_dir + "/pg_stat/tusk.stat"; }

void SaveToFile() {
  std::string tmp = StatsFile() + ".tmp";
  FILE* f = fopen(tmp.c_str(), "wb");
  if (f == nullptr) return;
  bool ok = fwrite(&g_shared->count, sizeof g_shared->count, 1, f) == 1 &&
            fwrite(g_shared->entries, sizeof(Entry), g_shared->count, f) == static_cast<size_t>(g_shared->count);
  // Then the tables in use, after their count.
  std::vector<TableEntry> used;
  for (const TableEntry& e : g_shared->tables)
    if (e.key != 0) used.push_back(e);
  const uint32_t ntables = static_cast<uint32_t>(used.size());
  ok = ok && fwrite(&ntables, sizeof ntables, 1, f) == 1 && fwrite(used.data(), sizeof(TableEntry), ntables, f) == ntables;
  ok = fclose(f) == 0 && ok;
  if (ok) rename(tmp.c_str(), StatsFile().c_str());
}

void LoadAndRemoveFile() {
  FILE* f = fopen(StatsFile().c_str(), "rb");
  if (f == nullptr) return;
  int count = 0;
  if (fread(&count, sizeof count, 1, f) == 1 && count >= 0 && count <= kMaxDatabases) {
    Entry entries[kMaxDatabases];
    if (fread(entries, sizeof(Entry), count, f) == static_cast<size_t>(count)) {
      g_shared->changecount.fetch_add(1);
      memcpy(g_shared->entries, entries, sizeof(Entry) * count);
      g_shared->count = count;
      g_shared->changecount.fetch_add(1);
      uint32_t ntables = 0;
      TableEntry e;
      if (fread(&ntables, sizeof ntables, 1, f) == 1 && ntables <= kMaxTables) {
        g_shared->changecount.fetch_add(1);
        for (uint32_t i = 0; i < ntables && fread(&e, sizeof e, 1, f) == 1; ++i)
          if (TableEntry* t = e.key ? FindTable(e.key, true) : nullptr) *t = e;
        g_shared->changecount.fetch_add(1);
      }
    }
  }
  fclose(f);
  unlink(StatsFile().c_str());  // a crash before the next clean stop must not resurrect old totals
}

}  // namespace

size_t ShmemSize() { return shmem::AlignedSize(sizeof(Shared)); }
void ShmemInit() { g_shared = static_cast<Shared*>(shmem::Alloc(sizeof(Shared))); }

int CreateSocket() {
  if (g_sock[0] < 0) {
    if (socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, g_sock) != 0) return -1;
    fcntl(g_sock[0], F_SETFL, O_NONBLOCK);
    fcntl(g_sock[1], F_SETFL, O_NONBLOCK);
  }
  return g_sock[0];
}

namespace {

std::unordered_map<uint64_t, TableStats>& LocalTables() {
  static std::unordered_map<uint64_t, TableStats> tables;  // nodes stay put: handed-out pointers stay valid
  return tables;
}
std::vector<TableStats*>& TouchedInXact() {
  static std::vector<TableStats*> touched;
  return touched;
}

// Non-blocking, as the database counters: a full socket drops the counts.
void SendTables(TableMessage& m) {
  if (m.n == 0) return;
  m.magic = kTableMagic;
  const size_t len = offsetof(TableMessage, d) + m.n * sizeof(TableDelta);
  send(g_sock[1], &m, len, MSG_DONTWAIT);
  m.n = 0;
}

}  // namespace

struct TableStatsAccess {
  static int64_t* Counters(TableStats& t) { return t.c_; }
  static void EndXact(TableStats& t, bool committed) {
    int64_t* c = t.c_;
    c[kTupIns] += t.ins_;
    c[kTupUpd] += t.upd_;
    c[kTupDel] += t.del_;
    c[kInsSinceVacuum] += t.ins_;  // rolled back too, as PostgreSQL counts them
    if (committed) {
      c[kLiveTup] += t.ins_ - t.del_;
      c[kDeadTup] += t.upd_ + t.del_;
      c[kModSinceAnalyze] += t.ins_ + t.upd_ + t.del_;
    } else {
      c[kDeadTup] += t.ins_ + t.upd_;
    }
    t.ins_ = t.upd_ = t.del_ = 0;
    t.touched_ = false;
  }
};

namespace {

void FlushTables() {
  TableMessage m;
  m.n = 0;
  for (auto& [key, t] : LocalTables()) {
    int64_t* c = TableStatsAccess::Counters(t);
    bool any = false;
    for (int f = 0; f < kNumTableFields && !any; ++f) any = c[f] != 0;
    if (!any) continue;
    TableDelta& d = m.d[m.n++];
    d.key = key;
    d.kind = kDelta;
    memcpy(d.c, c, sizeof d.c);
    memset(c, 0, sizeof(int64_t) * kNumTableFields);
    if (m.n == kDeltasPerMessage) SendTables(m);
  }
  SendTables(m);
}

void Report(uint32_t db, uint32_t relid, uint32_t kind, int64_t live, int64_t dead, TableField when,
            TableField count) {
  if (g_sock[1] < 0) return;
  FlushTables();  // deltas counted before the report are applied before it
  TableMessage m;
  m.n = 1;
  TableDelta& d = m.d[0];
  memset(&d, 0, sizeof d);
  d.key = Key(db, relid);
  d.kind = kind;
  d.c[kLiveTup] = live;
  d.c[kDeadTup] = dead;
  d.c[when] = NowMicros();
  d.c[count] = 1;
  SendTables(m);
}

}  // namespace

void TableStats::Touch() {
  if (!touched_) {
    touched_ = true;
    TouchedInXact().push_back(this);
  }
}

TableStats* ForTable(uint32_t db, uint32_t relid) { return &LocalTables()[Key(db, relid)]; }

void ReportVacuum(uint32_t db, uint32_t relid, int64_t live, int64_t dead, bool autovacuum) {
  Report(db, relid, kVacuumed, live, dead, autovacuum ? kLastAutovacuum : kLastVacuum,
         autovacuum ? kAutovacuumCount : kVacuumCount);
}

void ReportAnalyze(uint32_t db, uint32_t relid, int64_t live, int64_t dead, bool autovacuum) {
  Report(db, relid, kAnalyzed, live, dead, autovacuum ? kLastAutoanalyze : kLastAnalyze,
         autovacuum ? kAutoanalyzeCount : kAnalyzeCount);
}

std::vector<TableCounters> ReadTables(uint32_t db) {
  std::vector<TableCounters> out;
  for (int attempt = 0; attempt < 100; ++attempt) {
    out.clear();
    uint32_t before = g_shared->changecount.load();
    if (before & 1) continue;
    for (const TableEntry& e : g_shared->tables) {
      if (e.key == 0 || (e.key >> 32) != db) continue;
      TableCounters t;
      t.relid = static_cast<uint32_t>(e.key);
      memcpy(t.c, e.c, sizeof t.c);
      out.push_back(t);
    }
    if (g_shared->changecount.load() == before) break;
  }
  return out;
}

bool ReadTable(uint32_t db, uint32_t relid, TableCounters* out) {
  const uint64_t key = Key(db, relid);
  bool found = false;
  for (int attempt = 0; attempt < 100; ++attempt) {
    uint32_t before = g_shared->changecount.load();
    if (before & 1) continue;
    const TableEntry* e = FindTable(key, false);
    found = e != nullptr;
    if (found) {
      out->relid = relid;
      memcpy(out->c, e->c, sizeof out->c);
    }
    if (g_shared->changecount.load() == before) break;
  }
  return found;
}

void CountSessionStart(const std::string& datname) {
  proc_array::CopyString(g_pending.datname, kNameLen, datname);
  g_pending.sessions++;
}
void CountStatement() { g_pending.statements++; }
void CountTransactionEnd(bool committed) {
  (committed ? g_pending.xact_commit : g_pending.xact_rollback)++;
  for (TableStats* t : TouchedInXact()) TableStatsAccess::EndXact(*t, committed);
  TouchedInXact().clear();
}
void CountSessionEnd(bool killed, bool fatal) {
  if (killed) g_pending.sessions_killed++;
  if (fatal) g_pending.sessions_fatal++;
}

void Flush(bool force) {
  if (g_sock[1] < 0 || g_pending.datname[0] == '\0') return;
  int64_t now = NowMicros();
  if (!force && !g_force_next && now - g_last_flush_us < 500000) return;
  g_force_next = false;
  g_last_flush_us = now;
  FlushTables();
  if (g_pending.sessions == 0 && g_pending.xact_commit == 0 && g_pending.xact_rollback == 0 &&
      g_pending.statements == 0 && g_pending.sessions_killed == 0 && g_pending.sessions_fatal == 0)
    return;
  g_pending.magic = kMagic;
  // Non-blocking: if the collector is behind, the counts are dropped, never the session stalled.
  if (send(g_sock[1], &g_pending, sizeof g_pending, MSG_DONTWAIT) == static_cast<ssize_t>(sizeof g_pending)) {
    std::string keep(g_pending.datname);
    g_pending = {};
    proc_array::CopyString(g_pending.datname, kNameLen, keep);
  }
}

void ForceNextFlush() { g_force_next = true; }

void DropDatabase(uint32_t db_oid, const std::string& datname) {
  if (g_sock[1] < 0) return;
  DropMessage m = {};
  m.magic = kDropMagic;
  m.db_oid = db_oid;
  proc_array::CopyString(m.datname, kNameLen, datname);
  send(g_sock[1], &m, sizeof m, MSG_DONTWAIT);
}

std::vector<DatabaseCounters> ReadAll() {
  std::vector<DatabaseCounters> out;
  for (int attempt = 0; attempt < 100; ++attempt) {
    out.clear();
    uint32_t before = g_shared->changecount.load();
    if (before & 1) continue;
    int n = g_shared->count;
    for (int i = 0; i < n && i < kMaxDatabases; ++i) {
      const Entry& e = g_shared->entries[i];
      DatabaseCounters c;
      c.datname.assign(e.datname, strnlen(e.datname, kNameLen));
      c.sessions = e.sessions;
      c.sessions_fatal = e.sessions_fatal;
      c.sessions_killed = e.sessions_killed;
      c.xact_commit = e.xact_commit;
      c.xact_rollback = e.xact_rollback;
      c.statements = e.statements;
      c.stats_reset_us = e.stats_reset_us;
      out.push_back(std::move(c));
    }
    if (g_shared->changecount.load() == before) break;
  }
  return out;
}

}  // namespace tusk::pgstat

namespace tusk::aux {

int StatsCollectorMain(int socket_fd) {
  InstallAuxSignalHandlers();
  InitPsDisplay("stats collector process");
  pgstat::LoadAndRemoveFile();
  pgarch::LoadAndRemoveStatsFile(Globals().data_dir);
  AuxFlags& f = Flags();
  for (;;) {
    latch::ResetLatch();
    if (int rc = CommonWakeupChecks(); rc >= 0) return rc;
    union {
      pgstat::Message db;
      pgstat::TableMessage tables;
      pgstat::DropMessage drop;
    } m;
    for (;;) {
      ssize_t n = recv(socket_fd, &m, sizeof m, MSG_DONTWAIT);
      if (n < static_cast<ssize_t>(sizeof(uint32_t))) break;
      if (m.db.magic == pgstat::kMagic && n == static_cast<ssize_t>(sizeof m.db)) {
        pgstat::Apply(m.db);
      } else if (m.tables.magic == pgstat::kTableMagic && n >= static_cast<ssize_t>(offsetof(pgstat::TableMessage, d)) &&
                 static_cast<size_t>(n) == offsetof(pgstat::TableMessage, d) + m.tables.n * sizeof(pgstat::TableDelta)) {
        pgstat::ApplyTables(m.tables);
      } else if (m.drop.magic == pgstat::kDropMagic && n == static_cast<ssize_t>(sizeof m.drop)) {
        pgstat::ApplyDrop(m.drop);
      }
    }
    if (f.got_sigterm) {
      pgstat::SaveToFile();
      pgarch::SaveStatsFile(Globals().data_dir);  // the postmaster stops us after the archiver
      return 0;
    }
    latch::WaitLatch(socket_fd, latch::kSocketReadable, 2000);
  }
}

}  // namespace tusk::aux
