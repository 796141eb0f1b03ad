// Parallel query's shared state: max_worker_processes worker slots in the
// one shared-memory region. A leader reserves slots, writes each worker's
// request and asks the postmaster (pmsignal) to fork a worker per slot;
// the worker streams its results back through the slot's byte ring.
//
// Slot life (each arrow by the process named):
//   kFree -> kReserved (leader, CAS) -> kRequested (leader, request written)
//   kRequested -> kStarting (postmaster, CAS, then fork) or kFailed (postmaster: no fork now)
//   kStarting -> kDone (worker, its last write to the slot; error fields set first if it failed)
//   kDone / kFailed -> kFree (leader, once it has read everything it wants)
// The ring is single-producer (the worker) single-consumer (the leader):
// `written` and `read` only grow, each written by one side.
// Wake-ups: a side about to sleep sets its *_waiting flag, re-checks, then
// waits on its latch; the other side, after moving data, sends SIGUSR1
// (which sets the latch) when the flag is up.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

namespace tusk::parallel {

inline constexpr size_t kRequestBytes = 64 * 1024;
inline constexpr size_t kRingBytes = 256 * 1024;

enum class SlotState : int32_t { kFree = 0, kReserved, kRequested, kStarting, kDone, kFailed };

struct WorkerSlot {
  std::atomic<int32_t> state;
  std::atomic<int32_t> worker_pid;  // 0 until forked
  int32_t leader_pid;
  std::atomic<bool> abort;  // leader: stop early (the query ended or failed)
  std::atomic<bool> leader_waiting, worker_waiting;
  // The group's block counter lives in the slot of its first worker.
  std::atomic<uint32_t> next_block;
  int32_t group_slot;
  uint32_t nblocks;
  uint32_t request_len;
  char request[kRequestBytes];
  // The worker's error, when it failed (set before kDone).
  bool failed;
  char sqlstate[6];
  char message[1024];
  char detail[1024];
  char hint[512];
  std::atomic<uint64_t> written;
  std::atomic<uint64_t> read;
  char ring[kRingBytes];
};

size_t ShmemSize(int slots);
void ShmemInit(int slots);
int NumSlots();
WorkerSlot& Slot(int i);

// Leader: up to n free slots, fewer when max_in_use slots (max_parallel_workers)
// are busy already. The slots are kReserved and reset for a new request.
std::vector<int> Reserve(int n, int max_in_use);
// Leader, request written: kRequested, then asks the postmaster to fork.
void Submit(const std::vector<int>& slots);
// Postmaster: the slots waiting for a fork, moved to kStarting.
std::vector<int> TakeRequested();
// Postmaster, when it cannot fork now: kFailed, and the leader is woken.
void MarkFailed(int slot);

// The ring. Write copies what fits of [p, p + n) and returns how much;
// Read copies up to n available bytes. Each wakes the other side if it waits.
size_t RingWrite(WorkerSlot& s, const char* p, size_t n);
size_t RingRead(WorkerSlot& s, char* p, size_t n);
size_t RingAvailable(const WorkerSlot& s);

}  // namespace tusk::parallel
