// Lightweight locks: shared/exclusive locks for structures in shared memory,
// held for short stretches (never across client I/O or a heavyweight-lock
// wait). One 32-bit word each; sleepers wait on it with a process-shared
// futex, so they work across forked processes.
//
// Rules:
//  1. Never sleep, wait for a client, or take a heavyweight lock while holding one.
//  2. Take several in a fixed order (documented by their owners) to avoid deadlock.
//  3. An ERROR releases everything this process holds (ReleaseAllLWLocks in the
//     error path); a crash while holding one restarts the cluster.
#pragma once

#include <atomic>
#include <cstdint>

namespace tusk {

enum class LWLockMode { kShared, kExclusive };

class LWLock {
 public:
  LWLock() : state_(0) {}
  void Acquire(LWLockMode mode);
  // Takes the lock only if that needs no waiting.
  bool TryAcquire(LWLockMode mode);
  // PostgreSQL's LWLockAcquireOrWait: takes the lock exclusively if it is
  // free (true); else sleeps until it is free and returns false without it,
  // so a waiter whose work the holder did (a WAL flush) need not queue for it.
  bool AcquireOrWait();
  void Release();
  bool HeldByMe() const;
  bool HeldExclusively() const { return (state_.load(std::memory_order_relaxed) & kExclusive) != 0; }

 private:
  static constexpr uint32_t kExclusive = 1u << 31;
  static constexpr uint32_t kWaiters = 1u << 30;
  static constexpr uint32_t kSharedMask = (1u << 24) - 1;
  bool TryLock(LWLockMode mode);
  // One step of waiting while the lock is busy for `mode`: spin, then sleep
  // on the futex. False if it was found free.
  bool SleepWhileBusy(LWLockMode mode, int* spins);

  std::atomic<uint32_t> state_;
};

// RAII holder.
class LWLockGuard {
 public:
  LWLockGuard(LWLock& lock, LWLockMode mode) : lock_(&lock) { lock_->Acquire(mode); }
  struct Adopt {};
  LWLockGuard(LWLock& lock, Adopt) : lock_(&lock) {}  // already held (TryAcquire, AcquireOrWait)
  ~LWLockGuard() {
    if (lock_) lock_->Release();
  }
  LWLockGuard(const LWLockGuard&) = delete;
  LWLockGuard& operator=(const LWLockGuard&) = delete;
  void Unlock() {
    lock_->Release();
    lock_ = nullptr;
  }

 private:
  LWLock* lock_;
};

// Releases every LWLock this process holds (error recovery).
void ReleaseAllLWLocks();
int NumHeldLWLocks();

// A test-and-set lock for a few instructions; spins, then yields.
class SpinLock {
 public:
  void Lock();
  void Unlock() { flag_.store(false, std::memory_order_release); }

 private:
  std::atomic<bool> flag_{false};
};

}  // namespace tusk
