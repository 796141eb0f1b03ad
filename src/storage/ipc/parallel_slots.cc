// Parallel worker slots and their rings (see parallel_slots.h).
#include "storage/ipc/parallel_slots.h"

#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>

#include "storage/ipc/pmsignal.h"
#include "storage/ipc/shmem.h"

namespace tusk::parallel {
namespace {

WorkerSlot* g_slots = nullptr;
int g_count = 0;

void Wake(const std::atomic<bool>& waiting, pid_t pid) {
  if (waiting.load() && pid > 0) kill(pid, SIGUSR1);
}

}  // namespace

size_t ShmemSize(int slots) { return shmem::AlignedSize(sizeof(WorkerSlot) * static_cast<size_t>(std::max(slots, 0))); }

void ShmemInit(int slots) {
  g_count = std::max(slots, 0);
  g_slots = static_cast<WorkerSlot*>(shmem::Alloc(sizeof(WorkerSlot) * static_cast<size_t>(g_count)));
  for (int i = 0; i < g_count; ++i) g_slots[i].state.store(static_cast<int32_t>(SlotState::kFree));
}

int NumSlots() { return g_slots ? g_count : 0; }
WorkerSlot& Slot(int i) { return g_slots[i]; }

std::vector<int> Reserve(int n, int max_in_use) {
  std::vector<int> out;
  int busy = 0;
  for (int i = 0; i < NumSlots(); ++i)
    if (g_slots[i].state.load() != static_cast<int32_t>(SlotState::kFree)) ++busy;
  for (int i = 0; i < NumSlots() && static_cast<int>(out.size()) < n && busy < max_in_use; ++i) {
    int32_t expected = static_cast<int32_t>(SlotState::kFree);
    if (!g_slots[i].state.compare_exchange_strong(expected, static_cast<int32_t>(SlotState::kReserved))) continue;
    WorkerSlot& s = g_slots[i];
    s.worker_pid.store(0);
    s.leader_pid = getpid();
    s.abort.store(false);
    s.leader_waiting.store(false);
    s.worker_waiting.store(false);
    s.next_block.store(0);
    s.failed = false;
    s.written.store(0);
    s.read.store(0);
    out.push_back(i);
    ++busy;
  }
  return out;
}

void Submit(const std::vector<int>& slots) {
  if (slots.empty()) return;
  for (int i : slots) g_slots[i].state.store(static_cast<int32_t>(SlotState::kRequested));
  pmsignal::SendToPostmaster(pmsignal::Reason::kStartParallelWorker);
}

std::vector<int> TakeRequested() {
  std::vector<int> out;
  for (int i = 0; i < NumSlots(); ++i) {
    int32_t expected = static_cast<int32_t>(SlotState::kRequested);
    if (g_slots[i].state.compare_exchange_strong(expected, static_cast<int32_t>(SlotState::kStarting)))
      out.push_back(i);
  }
  return out;
}

void MarkFailed(int slot) {
  WorkerSlot& s = g_slots[slot];
  s.state.store(static_cast<int32_t>(SlotState::kFailed));
  kill(s.leader_pid, SIGUSR1);
}

size_t RingAvailable(const WorkerSlot& s) { return static_cast<size_t>(s.written.load() - s.read.load()); }

size_t RingWrite(WorkerSlot& s, const char* p, size_t n) {
  const uint64_t w = s.written.load(std::memory_order_relaxed);
  const uint64_t r = s.read.load(std::memory_order_acquire);
  n = std::min<size_t>(n, kRingBytes - static_cast<size_t>(w - r));
  if (n == 0) return 0;
  const size_t at = static_cast<size_t>(w % kRingBytes);
  const size_t first = std::min(n, kRingBytes - at);
  std::memcpy(s.ring + at, p, first);
  std::memcpy(s.ring, p + first, n - first);
  s.written.store(w + n);  // seq_cst: ordered before the waiting flag is read
  Wake(s.leader_waiting, s.leader_pid);
  return n;
}

size_t RingRead(WorkerSlot& s, char* p, size_t n) {
  const uint64_t r = s.read.load(std::memory_order_relaxed);
  const uint64_t w = s.written.load(std::memory_order_acquire);
  n = std::min<size_t>(n, static_cast<size_t>(w - r));
  if (n == 0) return 0;
  const size_t at = static_cast<size_t>(r % kRingBytes);
  const size_t first = std::min(n, kRingBytes - at);
  std::memcpy(p, s.ring + at, first);
  std::memcpy(p + first, s.ring, n - first);
  s.read.store(r + n);
  Wake(s.worker_waiting, s.worker_pid.load());
  return n;
}

}  // namespace tusk::parallel
