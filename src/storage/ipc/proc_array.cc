// Slot claiming and the seqlock-style copy protocol of the process array.
#include "storage/ipc/proc_array.h"

#include <unistd.h>

#include <cstring>

#include "storage/ipc/shmem.h"
#include "utils/timestamp.h"

namespace tusk {

const char* BackendTypeName(BackendType type) {
  switch (type) {
    case BackendType::kNone: return "";
    case BackendType::kClientBackend: return "client backend";
    case BackendType::kAutovacuumLauncher: return "autovacuum launcher";
    case BackendType::kAutovacuumWorker: return "autovacuum worker";
    case BackendType::kBackgroundWriter: return "background writer";
    case BackendType::kCheckpointer: return "checkpointer";
    case BackendType::kWalWriter: return "walwriter";
    case BackendType::kStartup: return "startup";
    case BackendType::kArchiver: return "archiver";
    case BackendType::kStatsCollector: return "stats collector";
    case BackendType::kLogger: return "logger";
    case BackendType::kWalSender: return "walsender";
    case BackendType::kWalReceiver: return "walreceiver";
    case BackendType::kParallelWorker: return "parallel worker";
  }
  return "";
}

const char* SessionStateName(SessionState state) {
  switch (state) {
    case SessionState::kUndefined: return nullptr;
    case SessionState::kIdle: return "idle";
    case SessionState::kRunning: return "active";
    case SessionState::kIdleInTransaction: return "idle in transaction";
    case SessionState::kIdleInTransactionAborted: return "idle in transaction (aborted)";
    case SessionState::kFastpath: return "fastpath function call";
    case SessionState::kDisabled: return "disabled";
  }
  return nullptr;
}

namespace proc_array {
namespace {

struct Header {
  int backend_slots;
  int autovac_slots;
  int aux_slots;
  int walsender_slots;
  int worker_slots;
  int total;
};

Header* g_header = nullptr;
ProcSlot* g_slots = nullptr;
ProcSlot* g_mine = nullptr;


void RangeFor(BackendType type, int* begin, int* end) {
  const Header& h = *g_header;
  switch (type) {
    case BackendType::kClientBackend:
      *begin = 0;
      *end = h.backend_slots;
      return;
    case BackendType::kAutovacuumWorker:
      *begin = h.backend_slots;
      *end = *begin + h.autovac_slots;
      return;
    case BackendType::kWalSender:
      *begin = h.backend_slots + h.autovac_slots + h.aux_slots;
      *end = *begin + h.walsender_slots;
      return;
    case BackendType::kParallelWorker:
      *begin = h.backend_slots + h.autovac_slots + h.aux_slots + h.walsender_slots;
      *end = *begin + h.worker_slots;
      return;
    default:
      *begin = h.backend_slots + h.autovac_slots;
      *end = *begin + h.aux_slots;
      return;
  }
}

}  // namespace

size_t ShmemSize(const Sizing& s) {
  int total = TotalSlotsFor(s);
  return shmem::AlignedSize(sizeof(Header)) + shmem::AlignedSize(sizeof(ProcSlot) * total);
}

void ShmemInit(const Sizing& s) {
  g_header = static_cast<Header*>(shmem::Alloc(sizeof(Header)));
  g_header->backend_slots = s.max_connections;
  g_header->autovac_slots = s.autovacuum_max_workers;
  g_header->aux_slots = kAuxSlots;
  g_header->walsender_slots = s.max_wal_senders;
  g_header->worker_slots = s.max_worker_processes;
  g_header->total = TotalSlotsFor(s);
  g_slots = static_cast<ProcSlot*>(shmem::Alloc(sizeof(ProcSlot) * g_header->total));
  g_mine = nullptr;
}

ProcSlot* ClaimSlot(BackendType type) {
  int begin, end;
  RangeFor(type, &begin, &end);
  int32_t me = getpid();
  for (int i = begin; i < end; ++i) {
    int32_t expected = 0;
    if (g_slots[i].pid.compare_exchange_strong(expected, me)) {
      ProcSlot* s = &g_slots[i];
      SlotWriter w(s);
      s->type = type;
      s->state = SessionState::kUndefined;
      s->is_superuser = false;
      s->database_oid = s->role_oid = 0;
      s->client_port = 0;
      s->leader_pid = 0;
      s->backend_start_us = NowMicros();
      s->xid.store(0);
      s->xmin.store(0);
      s->writing.store(0);
      s->xact_start_us = s->query_start_us = s->state_change_us = 0;
      s->database[0] = s->user[0] = s->application_name[0] = s->client_addr[0] = s->query[0] = '\0';
      g_mine = s;
      return s;
    }
  }
  return nullptr;
}

ProcSlot* MySlot() { return g_mine; }

void ReleaseMySlot() {
  if (g_mine == nullptr) return;
  {
    SlotWriter w(g_mine);
    g_mine->type = BackendType::kNone;
  }
  // A leaked xid or xmin would hold back every snapshot and vacuum.
  g_mine->xid.store(0);
  g_mine->xmin.store(0);
  g_mine->pid.store(0);
  g_mine = nullptr;
}

int SlotIndex(const ProcSlot* slot) { return static_cast<int>(slot - g_slots); }
ProcSlot* SlotAt(int index) { return &g_slots[index]; }
int TotalSlots() { return g_header->total; }

int FreeBackendSlots() {
  int n = 0;
  for (int i = 0; i < g_header->backend_slots; ++i) n += g_slots[i].pid.load() == 0;
  return n;
}

bool AtMostBackends(int n) {
  for (int i = 0; i < g_header->backend_slots; ++i)
    if (g_slots[i].pid.load(std::memory_order_relaxed) != 0 && --n < 0) return false;
  return true;
}

SlotWriter::SlotWriter(ProcSlot* slot) : slot_(slot) {
  slot_->changecount.fetch_add(1, std::memory_order_acq_rel);
}
SlotWriter::~SlotWriter() { slot_->changecount.fetch_add(1, std::memory_order_acq_rel); }

void CopyString(char* dst, size_t dst_size, std::string_view src) {
  size_t n = src.size() < dst_size - 1 ? src.size() : dst_size - 1;
  memcpy(dst, src.data(), n);
  dst[n] = '\0';
}

static bool CopySlot(const ProcSlot& s, ProcSnapshot* out) {
  for (int attempt = 0; attempt < 1000; ++attempt) {
    uint32_t before = s.changecount.load(std::memory_order_acquire);
    if (before & 1) continue;
    out->pid = s.pid.load();
    out->type = s.type;
    out->state = s.state;
    out->is_superuser = s.is_superuser;
    out->database_oid = s.database_oid;
    out->role_oid = s.role_oid;
    out->client_port = s.client_port;
    out->leader_pid = s.leader_pid;
    out->backend_start_us = s.backend_start_us;
    out->xact_start_us = s.xact_start_us;
    out->query_start_us = s.query_start_us;
    out->state_change_us = s.state_change_us;
    out->xid = s.xid.load();
    out->xmin = s.xmin.load();
    out->database.assign(s.database, strnlen(s.database, sizeof s.database));
    out->user.assign(s.user, strnlen(s.user, sizeof s.user));
    out->application_name.assign(s.application_name, strnlen(s.application_name, sizeof s.application_name));
    out->client_addr.assign(s.client_addr, strnlen(s.client_addr, sizeof s.client_addr));
    out->query.assign(s.query, strnlen(s.query, sizeof s.query));
    std::atomic_thread_fence(std::memory_order_acquire);
    if (s.changecount.load(std::memory_order_acquire) == before) return out->pid != 0;
  }
  return false;
}

std::vector<ProcSnapshot> SnapshotAll() {
  std::vector<ProcSnapshot> out;
  for (int i = 0; i < g_header->total; ++i) {
    if (g_slots[i].pid.load() == 0) continue;
    ProcSnapshot snap;
    if (CopySlot(g_slots[i], &snap) && snap.type != BackendType::kNone) out.push_back(std::move(snap));
  }
  return out;
}

std::optional<ProcSnapshot> FindByPid(int32_t pid) {
  for (int i = 0; i < g_header->total; ++i) {
    if (g_slots[i].pid.load() != pid) continue;
    ProcSnapshot snap;
    if (CopySlot(g_slots[i], &snap)) return snap;
  }
  return std::nullopt;
}

int CountBackendsForDatabase(uint32_t database_oid) {
  int n = 0;
  for (int i = 0; i < g_header->backend_slots; ++i)
    n += g_slots[i].pid.load() != 0 && g_slots[i].database_oid == database_oid;
  return n;
}

int CountBackendsForRole(uint32_t role_oid) {
  int n = 0;
  for (int i = 0; i < g_header->backend_slots; ++i)
    n += g_slots[i].pid.load() != 0 && g_slots[i].role_oid == role_oid;
  return n;
}

int CountDatabaseUsers(uint32_t database_oid, std::vector<int32_t>* autovacuum_pids) {
  int n = 0;
  for (int i = 0; i < g_header->backend_slots + g_header->autovac_slots; ++i) {
    const int32_t pid = g_slots[i].pid.load();
    if (pid == 0 || g_slots[i].database_oid != database_oid) continue;
    ++n;
    if (i >= g_header->backend_slots) autovacuum_pids->push_back(pid);
  }
  return n;
}

}  // namespace proc_array
}  // namespace tusk
