// The shared half of suspend and resume; the steps themselves run in the
// postmaster (postmaster/suspend_steps.cc).
#include "storage/ipc/suspend.h"

#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cstring>
#include <new>

#include "storage/ipc/latch.h"
#include "storage/ipc/proc_array.h"
#include "storage/ipc/shmem.h"
#include "storage/lmgr/lock.h"

namespace tusk::suspend {
namespace {

constexpr int kAnswers = 8;
constexpr size_t kMessageSize = 480;

struct AnswerSlot {
  std::atomic<uint64_t> ticket;
  bool ok;
  char message[kMessageSize];
};

struct Shared {
  std::atomic<int> phase;
  // One pending request at a time, guarded by `lock`.
  std::atomic<bool> lock;
  int request_kind;
  int request_timeout;
  uint64_t request_ticket;
  uint64_t next_ticket;
  AnswerSlot answers[kAnswers];
  std::atomic<uint64_t> sync_requested, sync_done;
  std::atomic<int> sync_ok;
  std::atomic<uint64_t> notify_generation, notify_ack;
};

Shared* g_shared = nullptr;

class SpinGuard {
 public:
  SpinGuard() {
    while (g_shared->lock.exchange(true, std::memory_order_acquire)) usleep(100);
  }
  ~SpinGuard() { g_shared->lock.store(false, std::memory_order_release); }
};

}  // namespace

size_t ShmemSize() { return shmem::AlignedSize(sizeof(Shared)); }

void ShmemInit() {
  void* mem = shmem::Alloc(sizeof(Shared));
  std::memset(mem, 0, sizeof(Shared));
  g_shared = new (mem) Shared;
}

Phase CurrentPhase() {
  return g_shared == nullptr ? Phase::kRunning : static_cast<Phase>(g_shared->phase.load(std::memory_order_seq_cst));
}

const char* PhaseName(Phase phase) {
  switch (phase) {
    case Phase::kRunning: return "running";
    case Phase::kNotify: return "notify";
    case Phase::kFreeze: return "freeze";
    case Phase::kSync: return "sync";
    case Phase::kSuspended: return "suspended";
  }
  return "running";
}

bool WritesFrozen() { return CurrentPhase() >= Phase::kFreeze; }
bool DataFrozen() { return CurrentPhase() >= Phase::kSync; }

void SetPhase(Phase phase) { g_shared->phase.store(static_cast<int>(phase), std::memory_order_seq_cst); }

// Dekker-style with the freeze step: we publish `writing` before reading the
// phase, the postmaster publishes the phase before reading `writing`, both
// sequentially consistent, so at least one of the two sees the other.
void BeginWriting() {
  ProcSlot* me = proc_array::MySlot();
  if (me == nullptr || g_shared == nullptr) return;
  for (;;) {
    me->writing.fetch_add(1, std::memory_order_seq_cst);
    if (!WritesFrozen() || me->writing.load() > 1 || me->xid.load() != 0) return;  // nested or already running: carry on
    me->writing.fetch_sub(1, std::memory_order_seq_cst);
    while (WritesFrozen()) {
      lmgr::RunWaitInterruptHook();
      latch::WaitLatch(-1, 0, 50);
    }
  }
}

void EndWriting() {
  ProcSlot* me = proc_array::MySlot();
  if (me == nullptr || g_shared == nullptr) return;
  me->writing.fetch_sub(1, std::memory_order_seq_cst);
}

WriteScope::WriteScope() { BeginWriting(); }
WriteScope::~WriteScope() { EndWriting(); }

std::vector<int> RunningWriters() {
  std::vector<int> pids;
  for (int i = 0; i < proc_array::TotalSlots(); ++i) {
    ProcSlot* s = proc_array::SlotAt(i);
    const int32_t pid = s->pid.load();
    if (pid == 0) continue;
    if (s->writing.load(std::memory_order_seq_cst) > 0 || s->xid.load(std::memory_order_seq_cst) != 0) pids.push_back(pid);
  }
  return pids;
}

uint64_t SubmitRequest(RequestKind kind, int timeout_s) {
  SpinGuard guard;
  if (g_shared->request_kind != 0) return 0;
  g_shared->request_kind = static_cast<int>(kind);
  g_shared->request_timeout = timeout_s;
  g_shared->request_ticket = ++g_shared->next_ticket;
  return g_shared->request_ticket;
}

bool WaitForAnswer(uint64_t ticket, void (*wait_hook)(), std::string* message) {
  AnswerSlot& a = g_shared->answers[ticket % kAnswers];
  while (a.ticket.load(std::memory_order_acquire) != ticket) {
    if (wait_hook != nullptr) wait_hook();
    latch::WaitLatch(-1, 0, 50);
  }
  SpinGuard guard;
  *message = a.message;
  return a.ok;
}

Request TakeRequest() {
  SpinGuard guard;
  Request r;
  r.kind = static_cast<RequestKind>(g_shared->request_kind);
  r.timeout_s = g_shared->request_timeout;
  r.ticket = g_shared->request_ticket;
  g_shared->request_kind = 0;
  return r;
}

void Answer(uint64_t ticket, bool ok, const std::string& message) {
  if (ticket == 0) return;
  SpinGuard guard;
  auto& a = g_shared->answers[ticket % kAnswers];
  a.ok = ok;
  std::strncpy(a.message, message.c_str(), kMessageSize - 1);
  a.message[kMessageSize - 1] = '\0';
  a.ticket.store(ticket, std::memory_order_release);
}

uint64_t RequestSync() {
  g_shared->sync_ok.store(0);
  return g_shared->sync_requested.fetch_add(1) + 1;
}

bool SyncRequested(uint64_t* generation) {
  const uint64_t want = g_shared->sync_requested.load();
  if (want == g_shared->sync_done.load()) return false;
  *generation = want;
  return true;
}

void ReportSyncDone(uint64_t generation, bool ok) {
  g_shared->sync_ok.store(ok ? 1 : -1);
  g_shared->sync_done.store(generation);
}

int SyncOutcome(uint64_t generation) {
  if (g_shared->sync_done.load() < generation) return 0;
  return g_shared->sync_ok.load();
}

uint64_t NotifyGeneration() { return g_shared == nullptr ? 0 : g_shared->notify_generation.load(); }
void SetNotifyGeneration(uint64_t generation) { g_shared->notify_generation.store(generation); }
void AcknowledgeNotify(uint64_t generation) { g_shared->notify_ack.store(generation); }
bool NotifyAcknowledged(uint64_t generation) { return g_shared->notify_ack.load() >= generation; }

}  // namespace tusk::suspend
