// LWLock acquisition on a futex word; the held-lock list is per process.
#include "storage/lmgr/lwlock.h"

#include <linux/futex.h>
#include <sched.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cassert>
#include <climits>

namespace tusk {
namespace {

constexpr int kMaxHeld = 200;

struct Held {
  LWLock* lock;
  LWLockMode mode;
};
Held g_held[kMaxHeld];
int g_num_held = 0;

// Not FUTEX_PRIVATE: the word lives in memory shared between processes.
void FutexWait(std::atomic<uint32_t>* word, uint32_t expected) {
  syscall(SYS_futex, reinterpret_cast<uint32_t*>(word), FUTEX_WAIT, expected, nullptr, nullptr, 0);
}

void FutexWakeAll(std::atomic<uint32_t>* word) {
  syscall(SYS_futex, reinterpret_cast<uint32_t*>(word), FUTEX_WAKE, INT_MAX, nullptr, nullptr, 0);
}

}  // namespace

bool LWLock::TryLock(LWLockMode mode) {
  uint32_t s = state_.load(std::memory_order_relaxed);
  for (;;) {
    uint32_t next;
    if (mode == LWLockMode::kExclusive) {
      if (s & (kExclusive | kSharedMask)) return false;
      next = s | kExclusive;
    } else {
      if (s & kExclusive) return false;
      next = s + 1;
    }
    if (state_.compare_exchange_weak(s, next, std::memory_order_acquire, std::memory_order_relaxed)) return true;
  }
}

bool LWLock::SleepWhileBusy(LWLockMode mode, int* spins) {
  if (++*spins < 100) return true;
  // Announce a sleeper, then sleep unless the word changed meanwhile.
  uint32_t s = state_.load(std::memory_order_relaxed);
  bool busy = mode == LWLockMode::kExclusive ? (s & (kExclusive | kSharedMask)) != 0 : (s & kExclusive) != 0;
  if (!busy) return false;
  if (!(s & kWaiters)) {
    if (!state_.compare_exchange_weak(s, s | kWaiters, std::memory_order_relaxed)) return true;
    s |= kWaiters;
  }
  FutexWait(&state_, s);
  return true;
}

void LWLock::Acquire(LWLockMode mode) {
  assert(g_num_held < kMaxHeld);
  int spins = 0;
  while (!TryLock(mode)) SleepWhileBusy(mode, &spins);
  g_held[g_num_held++] = Held{this, mode};
}

bool LWLock::AcquireOrWait() {
  if (TryAcquire(LWLockMode::kExclusive)) return true;
  int spins = 0;
  for (;;) {
    if ((state_.load(std::memory_order_acquire) & (kExclusive | kSharedMask)) == 0) return false;
    SleepWhileBusy(LWLockMode::kExclusive, &spins);
  }
}

bool LWLock::TryAcquire(LWLockMode mode) {
  if (!TryLock(mode)) return false;
  g_held[g_num_held++] = Held{this, mode};
  return true;
}

void LWLock::Release() {
  LWLockMode mode = LWLockMode::kShared;
  for (int i = g_num_held - 1; i >= 0; --i) {
    if (g_held[i].lock == this) {
      mode = g_held[i].mode;
      for (int j = i; j + 1 < g_num_held; ++j) g_held[j] = g_held[j + 1];
      --g_num_held;
      break;
    }
  }
  uint32_t after = mode == LWLockMode::kExclusive
                       ? state_.fetch_and(~kExclusive, std::memory_order_release) & ~kExclusive
                       : state_.fetch_sub(1, std::memory_order_release) - 1;
  // Wake sleepers once the lock is entirely free; they race for it again.
  if ((after & kWaiters) && (after & (kExclusive | kSharedMask)) == 0) {
    state_.fetch_and(~kWaiters, std::memory_order_relaxed);
    FutexWakeAll(&state_);
  }
}

bool LWLock::HeldByMe() const {
  for (int i = 0; i < g_num_held; ++i)
    if (g_held[i].lock == this) return true;
  return false;
}

void ReleaseAllLWLocks() {
  while (g_num_held > 0) g_held[g_num_held - 1].lock->Release();
}

int NumHeldLWLocks() { return g_num_held; }

void SpinLock::Lock() {
  int spins = 0;
  while (flag_.exchange(true, std::memory_order_acquire)) {
    while (flag_.load(std::memory_order_relaxed)) {
      if (++spins > 1000) {
        sched_yield();
        spins = 0;
      }
    }
  }
}

}  // namespace tusk
