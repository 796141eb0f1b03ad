// The stats collector process and the backend side of its datagram protocol.
#include "postmaster/pgstat.h"

#include <fcntl.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>

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

struct Shared {
  std::atomic<uint32_t> changecount;  // odd while the collector writes
  int count;
  Entry entries[kMaxDatabases];
};

// One datagram: deltas for one database.
struct Message {
  uint32_t magic;
  char datname[kNameLen];
  int64_t sessions, sessions_fatal, sessions_killed, xact_commit, xact_rollback, statements;
};
constexpr uint32_t kMagic = 0x53544154;

Shared* g_shared = nullptr;
int g_sock[2] = {-1, -1};
Message g_pending = {};
int64_t g_last_flush_us = 0;


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

std::string StatsFile() { return Globals().data_dir + "/pg_stat/tusk.stat"; }

void SaveToFile() {
  std::string tmp = StatsFile() + ".tmp";
  FILE* f = fopen(tmp.c_str(), "wb");
  if (f == nullptr) return;
  bool ok = fwrite(&g_shared->count, sizeof g_shared->count, 1, f) == 1 &&
            fwrite(g_shared->entries, sizeof(Entry), g_shared->count, f) == static_cast<size_t>(g_shared->count);
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

void CountSessionStart(const std::string& datname) {
  proc_array::CopyString(g_pending.datname, kNameLen, datname);
  g_pending.sessions++;
}
void CountStatement() { g_pending.statements++; }
void CountTransactionEnd(bool committed) { (committed ? g_pending.xact_commit : g_pending.xact_rollback)++; }
void CountSessionEnd(bool killed, bool fatal) {
  if (killed) g_pending.sessions_killed++;
  if (fatal) g_pending.sessions_fatal++;
}

void Flush(bool force) {
  if (g_sock[1] < 0 || g_pending.datname[0] == '\0') return;
  int64_t now = NowMicros();
  if (!force && now - g_last_flush_us < 500000) return;
  g_last_flush_us = now;
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
    pgstat::Message m;
    for (;;) {
      ssize_t n = recv(socket_fd, &m, sizeof m, MSG_DONTWAIT);
      if (n != static_cast<ssize_t>(sizeof m)) break;
      if (m.magic == pgstat::kMagic) pgstat::Apply(m);
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
