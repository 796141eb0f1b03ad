// WAL-sender entries and physical replication slots in shared memory, one
// LWLock over both (held for a few field copies, or a small file write when a
// persistent slot changes).
#include "replication/repl_shared.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "storage/ipc/shmem.h"
#include "storage/lmgr/lwlock.h"
#include "utils/error.h"
#include "utils/process_globals.h"

namespace tusk::replication {
namespace {

constexpr size_t kSlotNameSize = 64;  // NAMEDATALEN

struct SenderEntry {  // guarded by Shared::lock
  int32_t pid;
  SenderInfo info;  // info.pid mirrors pid
};

struct SlotEntry {  // guarded by Shared::lock
  bool in_use;
  bool temporary;
  int32_t owner_pid;   // temporary: the process that created it
  int32_t active_pid;  // 0: not in use by a sender
  wal::Lsn restart_lsn;
  wal::Lsn saved_lsn;  // persistent: restart_lsn as last written to disk
  char name[kSlotNameSize];
};

struct Shared {
  LWLock lock;
  bool loaded;  // persistent slots read from pg_replslot (lazily, after each shared-memory creation)
  std::atomic<uint64_t> removed_below;
  int nsenders;
  int nslots;
  // SenderEntry[nsenders], then SlotEntry[nslots]
};

Shared* g_shared = nullptr;

SenderEntry* Senders() { return reinterpret_cast<SenderEntry*>(g_shared + 1); }
SlotEntry* Slots() { return reinterpret_cast<SlotEntry*>(Senders() + g_shared->nsenders); }

std::string SlotDir(const std::string& name) { return Globals().data_dir + "/pg_replslot/" + name; }

void FsyncPath(const std::string& path, bool dir) {
  int fd = ::open(path.c_str(), (dir ? O_RDONLY | O_DIRECTORY : O_RDWR) | O_CLOEXEC);
  if (fd >= 0) {
    (void)::fsync(fd);
    ::close(fd);
  }
}

// pg_replslot/NAME/state: a small text file of Tusk's own ("restart_lsn HEX").
void SaveSlotFile(const SlotEntry& s) {
  const std::string dir = SlotDir(s.name);
  if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST)
    throw MakeError(sqlstate::kIoError, "could not create directory \"" + dir + "\": " + std::strerror(errno));
  const std::string tmp = dir + "/state.tmp", path = dir + "/state";
  char text[64];
  std::snprintf(text, sizeof text, "restart_lsn %016llx\n", static_cast<unsigned long long>(s.restart_lsn));
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) throw MakeError(sqlstate::kIoError, "could not create file \"" + tmp + "\": " + std::strerror(errno));
  const size_t len = std::strlen(text);
  bool ok = ::write(fd, text, len) == static_cast<ssize_t>(len) && ::fsync(fd) == 0;
  int saved = errno;
  ::close(fd);
  if (!ok || ::rename(tmp.c_str(), path.c_str()) != 0)
    throw MakeError(sqlstate::kIoError, "could not write file \"" + path + "\": " + std::strerror(ok ? errno : saved));
  FsyncPath(dir, true);
  FsyncPath(Globals().data_dir + "/pg_replslot", true);
}

void RemoveSlotFiles(const std::string& name) {
  std::error_code ec;
  std::filesystem::remove_all(SlotDir(name), ec);
  FsyncPath(Globals().data_dir + "/pg_replslot", true);
}

// Reads pg_replslot once per shared-memory lifetime. Caller holds the lock exclusively.
void LoadLocked() {
  if (g_shared->loaded) return;
  g_shared->loaded = true;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(Globals().data_dir + "/pg_replslot", ec)) {
    const std::string name = entry.path().filename().string();
    std::ifstream in(entry.path() / "state");
    std::string key, hex;
    if (!(in >> key >> hex) || key != "restart_lsn" || name.size() >= kSlotNameSize) continue;
    for (int i = 0; i < g_shared->nslots; ++i) {
      SlotEntry& s = Slots()[i];
      if (s.in_use) continue;
      s = SlotEntry{};
      s.in_use = true;
      s.restart_lsn = s.saved_lsn = std::stoull(hex, nullptr, 16);
      std::snprintf(s.name, sizeof s.name, "%s", name.c_str());
      break;
    }
  }
}

// The lock, exclusively, with the persistent slots loaded.
class Locked {
 public:
  Locked() : guard_(g_shared->lock, LWLockMode::kExclusive) { LoadLocked(); }

 private:
  LWLockGuard guard_;
};

SlotEntry* FindLocked(const std::string& name) {
  for (int i = 0; i < g_shared->nslots; ++i) {
    SlotEntry& s = Slots()[i];
    if (s.in_use && name == s.name) return &s;
  }
  return nullptr;
}

PgError NoSuchSlot(const std::string& name) {
  return MakeError(sqlstate::kUndefinedObject, "replication slot \"" + name + "\" does not exist");
}

PgError SlotActive(const SlotEntry& s) {
  return MakeError(sqlstate::kObjectInUse,
                   "replication slot \"" + std::string(s.name) + "\" is active for PID " + std::to_string(s.active_pid));
}

SlotInfo InfoOf(const SlotEntry& s) {
  SlotInfo i;
  i.name = s.name;
  i.temporary = s.temporary;
  i.active_pid = s.active_pid;
  i.restart_lsn = s.restart_lsn;
  return i;
}

}  // namespace

const char* SenderStateName(SenderState state) {
  switch (state) {
    case SenderState::kStartup: return "startup";
    case SenderState::kBackup: return "backup";
    case SenderState::kCatchup: return "catchup";
    case SenderState::kStreaming: return "streaming";
    case SenderState::kStopping: return "stopping";
  }
  return "startup";
}

size_t ShmemSize(const guc::Vars& vars) {
  return shmem::AlignedSize(sizeof(Shared) + sizeof(SenderEntry) * std::max(vars.max_wal_senders, 0) +
                            sizeof(SlotEntry) * std::max(vars.max_replication_slots, 0));
}

void ShmemInit(const guc::Vars& vars) {
  void* mem = shmem::Alloc(ShmemSize(vars));
  g_shared = new (mem) Shared();
  g_shared->nsenders = std::max(vars.max_wal_senders, 0);
  g_shared->nslots = std::max(vars.max_replication_slots, 0);
  for (int i = 0; i < g_shared->nsenders; ++i) Senders()[i] = SenderEntry{};
  for (int i = 0; i < g_shared->nslots; ++i) Slots()[i] = SlotEntry{};
}

void RegisterSender() {
  const int32_t me = static_cast<int32_t>(::getpid());
  LWLockGuard g(g_shared->lock, LWLockMode::kExclusive);
  for (int i = 0; i < g_shared->nsenders; ++i)
    if (Senders()[i].pid == me) return;
  for (int i = 0; i < g_shared->nsenders; ++i) {
    SenderEntry& e = Senders()[i];
    if (e.pid != 0) continue;
    e = SenderEntry{};
    e.pid = me;
    e.info.pid = me;
    return;
  }
}

void UnregisterSender() {
  CleanupSlotsOfThisProcess();
  const int32_t me = static_cast<int32_t>(::getpid());
  LWLockGuard g(g_shared->lock, LWLockMode::kExclusive);
  for (int i = 0; i < g_shared->nsenders; ++i)
    if (Senders()[i].pid == me) Senders()[i] = SenderEntry{};
}

void UpdateSender(const SenderInfo& info) {
  const int32_t me = static_cast<int32_t>(::getpid());
  LWLockGuard g(g_shared->lock, LWLockMode::kExclusive);
  for (int i = 0; i < g_shared->nsenders; ++i) {
    SenderEntry& e = Senders()[i];
    if (e.pid != me) continue;
    e.info = info;
    e.info.pid = me;
  }
}

std::vector<SenderInfo> SnapshotSenders() {
  std::vector<SenderInfo> out;
  LWLockGuard g(g_shared->lock, LWLockMode::kShared);
  for (int i = 0; i < g_shared->nsenders; ++i)
    if (Senders()[i].pid != 0) out.push_back(Senders()[i].info);
  return out;
}

void CheckSlotName(const std::string& name) {
  if (name.empty())
    throw MakeError("42602", "replication slot name \"" + name + "\" is too short");
  if (name.size() >= kSlotNameSize)
    throw MakeError("42622", "replication slot name \"" + name + "\" is too long");
  for (char c : name) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) {
      PgError e = MakeError("42602", "replication slot name \"" + name + "\" contains invalid character");
      e.Hint("Replication slot names may only contain lower case letters, numbers, and the underscore character.");
      throw e;
    }
  }
}

void CreateSlot(const std::string& name, bool temporary, wal::Lsn restart_lsn) {
  CheckSlotName(name);
  Locked l;
  if (FindLocked(name))
    throw MakeError(sqlstate::kDuplicateObject, "replication slot \"" + name + "\" already exists");
  for (int i = 0; i < g_shared->nslots; ++i) {
    SlotEntry& s = Slots()[i];
    if (s.in_use) continue;
    SlotEntry fresh{};
    fresh.in_use = true;
    fresh.temporary = temporary;
    fresh.owner_pid = temporary ? static_cast<int32_t>(::getpid()) : 0;
    fresh.restart_lsn = fresh.saved_lsn = restart_lsn;
    std::snprintf(fresh.name, sizeof fresh.name, "%s", name.c_str());
    if (!temporary) SaveSlotFile(fresh);  // on disk first: a failure leaves no slot
    s = fresh;
    return;
  }
  PgError e = MakeError("53400", "all replication slots are in use");
  e.Hint("Free one or increase max_replication_slots.");
  throw e;
}

void DropSlot(const std::string& name, bool wait, void (*wait_hook)()) {
  for (;;) {
    {
      Locked l;
      SlotEntry* s = FindLocked(name);
      if (s == nullptr) throw NoSuchSlot(name);
      const int32_t me = static_cast<int32_t>(::getpid());
      if (s->active_pid == 0 || s->active_pid == me) {
        const bool persistent = !s->temporary;
        *s = SlotEntry{};
        if (persistent) RemoveSlotFiles(name);
        return;
      }
      if (!wait) throw SlotActive(*s);
    }
    if (wait_hook) wait_hook();
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

std::optional<SlotInfo> FindSlot(const std::string& name) {
  Locked l;
  SlotEntry* s = FindLocked(name);
  if (s == nullptr) return std::nullopt;
  return InfoOf(*s);
}

SlotInfo AcquireSlot(const std::string& name) {
  Locked l;
  SlotEntry* s = FindLocked(name);
  if (s == nullptr) throw NoSuchSlot(name);
  const int32_t me = static_cast<int32_t>(::getpid());
  if (s->active_pid != 0 && s->active_pid != me) throw SlotActive(*s);
  s->active_pid = me;
  return InfoOf(*s);
}

void ReleaseSlot(const std::string& name) {
  Locked l;
  SlotEntry* s = FindLocked(name);
  if (s != nullptr && s->active_pid == static_cast<int32_t>(::getpid())) s->active_pid = 0;
}

void AdvanceSlot(const std::string& name, wal::Lsn restart_lsn, bool force) {
  Locked l;
  SlotEntry* s = FindLocked(name);
  if (s == nullptr || restart_lsn <= s->restart_lsn) {
    if (s == nullptr || !force || s->temporary || s->saved_lsn == s->restart_lsn) return;
  } else {
    s->restart_lsn = restart_lsn;
  }
  if (s->temporary) return;
  if (force || wal::SegmentOf(s->restart_lsn) != wal::SegmentOf(s->saved_lsn)) {
    SaveSlotFile(*s);
    s->saved_lsn = s->restart_lsn;
  }
}

void CleanupSlotsOfThisProcess() {
  if (g_shared == nullptr) return;
  const int32_t me = static_cast<int32_t>(::getpid());
  Locked l;
  for (int i = 0; i < g_shared->nslots; ++i) {
    SlotEntry& s = Slots()[i];
    if (!s.in_use) continue;
    if (s.temporary && s.owner_pid == me) {
      s = SlotEntry{};
      continue;
    }
    if (s.active_pid == me) {
      s.active_pid = 0;
      if (!s.temporary && s.saved_lsn != s.restart_lsn) {
        try {
          SaveSlotFile(s);
          s.saved_lsn = s.restart_lsn;
        } catch (const PgError&) {
          // kept in memory; saved at the next change
        }
      }
    }
  }
}

wal::Lsn OldestRequiredLsn() {
  if (g_shared == nullptr) return wal::kInvalidLsn;
  wal::Lsn oldest = wal::kInvalidLsn;
  auto take = [&oldest](wal::Lsn lsn) {
    if (lsn != wal::kInvalidLsn && (oldest == wal::kInvalidLsn || lsn < oldest)) oldest = lsn;
  };
  Locked l;
  for (int i = 0; i < g_shared->nslots; ++i)
    if (Slots()[i].in_use) take(Slots()[i].restart_lsn);
  for (int i = 0; i < g_shared->nsenders; ++i)
    if (Senders()[i].pid != 0) take(Senders()[i].info.keep);
  return oldest;
}

void NoteSegmentsRemovedBelow(uint64_t segno) {
  if (g_shared == nullptr) return;
  uint64_t cur = g_shared->removed_below.load();
  while (segno > cur && !g_shared->removed_below.compare_exchange_weak(cur, segno)) {
  }
}

uint64_t RemovedBelowSegment() { return g_shared ? g_shared->removed_below.load() : 0; }

}  // namespace tusk::replication
