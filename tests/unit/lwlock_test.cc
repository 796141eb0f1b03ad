// LWLocks across real forked processes in a shared mapping.
#include "storage/lmgr/lwlock.h"

#include <gtest/gtest.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <new>

namespace tusk {
namespace {

struct Shared {
  LWLock lock;
  long counter;
  long readers_saw_odd;
};

// The WAL flush pattern: each process needs "its" value covered; whoever
// gets the lock covers everyone so far, the others only wait for it to be
// free and look again. Every need is met, and far fewer than all take the lock.
TEST(LWLock, AcquireOrWaitLetsCoveredWaitersLeave) {
  struct Flush {
    LWLock lock;
    std::atomic<long> requested{0};
    std::atomic<long> covered{0};
    std::atomic<long> acquisitions{0};
    std::atomic<long> waited_out{0};  // AcquireOrWait returned false
  };
  void* mem = mmap(nullptr, sizeof(Flush), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  auto* f = new (mem) Flush{};
  ASSERT_TRUE(f->lock.AcquireOrWait());  // free: taken
  EXPECT_TRUE(f->lock.HeldByMe());
  f->lock.Release();
  constexpr int kProcs = 4, kIters = 2000;
  pid_t children[kProcs];
  for (int p = 0; p < kProcs; ++p) {
    if ((children[p] = fork()) == 0) {
      for (int i = 0; i < kIters; ++i) {
        long need = f->requested.fetch_add(1) + 1;
        while (f->covered.load() < need) {
          if (!f->lock.AcquireOrWait()) {
            if (f->lock.HeldByMe()) _exit(2);  // false must leave it unheld
            f->waited_out.fetch_add(1);
            continue;
          }
          f->acquisitions.fetch_add(1);
          long upto = f->requested.load();
          usleep(50);  // the "fsync"
          if (upto > f->covered.load()) f->covered.store(upto);
          f->lock.Release();
        }
      }
      _exit(0);
    }
  }
  for (pid_t c : children) {
    int status = 0;
    waitpid(c, &status, 0);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  }
  EXPECT_EQ(f->covered.load(), kProcs * kIters);
  EXPECT_LT(f->acquisitions.load(), kProcs * kIters);
  EXPECT_GT(f->waited_out.load(), 0);  // a busy lock is waited for, not taken
  munmap(mem, sizeof(Flush));
}

TEST(LWLock, ExclusiveSerializesProcesses) {
  void* mem = mmap(nullptr, sizeof(Shared), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  auto* s = new (mem) Shared{};
  constexpr int kProcs = 4, kIters = 20000;
  pid_t children[kProcs];
  for (int p = 0; p < kProcs; ++p) {
    if ((children[p] = fork()) == 0) {
      for (int i = 0; i < kIters; ++i) {
        if (i % 3 == 0) {
          s->lock.Acquire(LWLockMode::kShared);
          // Writers make the counter odd and then even again inside the lock.
          if (s->counter % 2 != 0) s->readers_saw_odd++;
          s->lock.Release();
        } else {
          s->lock.Acquire(LWLockMode::kExclusive);
          long v = s->counter;
          s->counter = v + 1;
          s->counter = v + 2;
          s->lock.Release();
        }
      }
      _exit(0);
    }
  }
  for (pid_t c : children) waitpid(c, nullptr, 0);  // only our own children
  long writes = 0;
  for (int i = 0; i < kIters; ++i) writes += i % 3 != 0;
  EXPECT_EQ(s->counter, 2 * writes * kProcs);
  EXPECT_EQ(s->readers_saw_odd, 0);
  munmap(mem, sizeof(Shared));
}

TEST(LWLock, TryAcquireAndReleaseAll) {
  LWLock a, b;
  a.Acquire(LWLockMode::kShared);
  EXPECT_TRUE(a.TryAcquire(LWLockMode::kShared));
  EXPECT_FALSE(a.TryAcquire(LWLockMode::kExclusive));
  b.Acquire(LWLockMode::kExclusive);
  EXPECT_FALSE(b.TryAcquire(LWLockMode::kShared));
  EXPECT_EQ(NumHeldLWLocks(), 3);
  ReleaseAllLWLocks();
  EXPECT_EQ(NumHeldLWLocks(), 0);
  EXPECT_TRUE(b.TryAcquire(LWLockMode::kExclusive));
  b.Release();
}

}  // namespace
}  // namespace tusk
