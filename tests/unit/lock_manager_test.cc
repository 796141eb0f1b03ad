// Heavyweight lock manager across real forked processes sharing one region:
// conflicts, waiting order, queue rules, timeouts, interrupts, overflow and
// release at transaction end, and deadlock detection with PostgreSQL's report.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstring>
#include <functional>
#include <thread>
#include <vector>

#include "storage/ipc/proc_array.h"
#include "storage/ipc/shmem.h"
#include "storage/lmgr/lock.h"
#include "utils/error.h"
#include "utils/guc.h"
#include "utils/timestamp.h"

namespace tusk::lmgr {
namespace {

// Shared with the children through its own mapping.
struct Board {
  std::atomic<int> phase, counter, flag, go;
  int64_t ts[8];
  int order[8];
  int32_t pid[8];
  int result[9][9];
  int count;
  char sqlstate[8][8];
  char message[8][128];
  char detail[8][1024];
  char hint[8][128];
  char failure[256];
};

#define CHILD_CHECK(cond)                                                                       \
  do {                                                                                          \
    if (!(cond)) {                                                                              \
      snprintf(board_->failure, sizeof board_->failure, "%s:%d: %s", __FILE__, __LINE__, #cond); \
      _exit(1);                                                                                 \
    }                                                                                           \
  } while (0)

class LockManagerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    guc::InitializeDefaults();
    guc::SetConfigOption("deadlock_timeout", "200", true, false);
    vars_ = guc::V();
    vars_.max_connections = 8;
    vars_.max_locks_per_transaction = 10;
    proc_array::Sizing sizing{vars_.max_connections, vars_.autovacuum_max_workers, vars_.max_wal_senders};
    shmem::CreateRegion(proc_array::ShmemSize(sizing) + ShmemSize(vars_) + 65536);
    proc_array::ShmemInit(sizing);
    ShmemInit(vars_);
    void* mem = mmap(nullptr, sizeof(Board), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    board_ = new (mem) Board{};
  }
  void TearDown() override {
    for (pid_t p : children_) kill(p, SIGKILL);
    for (pid_t p : children_) waitpid(p, nullptr, 0);
    munmap(board_, sizeof(Board));
  }

  // Runs `body` in a child with a client-backend slot; PgErrors land on the board.
  void Spawn(int id, std::function<void()> body) {
    pid_t pid = fork();
    if (pid == 0) {
      if (proc_array::ClaimSlot(BackendType::kClientBackend) == nullptr) _exit(3);
      board_->pid[id] = getpid();
      try {
        body();
      } catch (const PgError& e) {
        snprintf(board_->sqlstate[id], 8, "%s", e.data().sqlstate.c_str());
        snprintf(board_->message[id], 128, "%s", e.data().message.c_str());
        snprintf(board_->detail[id], 1024, "%s", e.data().detail.c_str());
        snprintf(board_->hint[id], 128, "%s", e.data().hint.c_str());
        ReleaseAll(true);
        if (after_error_) after_error_();
        _exit(0);
      }
      ReleaseAll(true);
      _exit(0);
    }
    children_.push_back(pid);
  }

  void JoinAll() {
    const int64_t deadline = NowMicros() + 15 * 1000000;
    for (pid_t p : children_) {
      int status = 0;
      while (waitpid(p, &status, WNOHANG) == 0) {
        if (NowMicros() > deadline) {
          kill(p, SIGKILL);
          waitpid(p, &status, 0);
          ADD_FAILURE() << "child " << p << " hung";
          break;
        }
        usleep(2000);
      }
      EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "child failed: " << board_->failure;
    }
    children_.clear();
  }

  static int Waiters() {
    int n = 0;
    for (const LockInfo& r : SnapshotLocks()) n += !r.granted;
    return n;
  }
  static int Granted() {
    int n = 0;
    for (const LockInfo& r : SnapshotLocks()) n += r.granted;
    return n;
  }
  static void WaitUntil(const std::function<bool()>& pred) {
    const int64_t deadline = NowMicros() + 10 * 1000000;
    while (!pred() && NowMicros() < deadline) usleep(1000);
    ASSERT_TRUE(pred());
  }
  void Await(std::atomic<int>& v, int value) {
    while (v.load() != value) usleep(500);
  }

  guc::Vars vars_;
  Board* board_ = nullptr;
  std::vector<pid_t> children_;
  std::function<void()> after_error_;
};

const LockTag kRel = LockTag::Relation(5, 16384);

TEST_F(LockManagerTest, ConflictTableMatchesPostgres) {
  // Rows: requested mode 1..8; columns: held mode 1..8 ('X' = conflict).
  const char* expected[] = {"_______X", "______XX", "____XXXX", "___XXXXX",
                            "__XX_XXX", "__XXXXXX", "_XXXXXXX", "XXXXXXXX"};
  for (int a = 1; a <= kMaxLockMode; ++a)
    for (int b = 1; b <= kMaxLockMode; ++b)
      EXPECT_EQ(ModesConflict(LockMode(a), LockMode(b)), expected[a - 1][b - 1] == 'X') << a << " vs " << b;
  EXPECT_STREQ(LockModeName(LockMode::kAccessShare), "AccessShareLock");
  EXPECT_STREQ(LockModeName(LockMode::kShareUpdateExclusive), "ShareUpdateExclusiveLock");
  EXPECT_STREQ(LockModeName(LockMode::kAccessExclusive), "AccessExclusiveLock");
  EXPECT_EQ(DescribeLockTag(kRel), "relation 16384 of database 5");
  EXPECT_EQ(DescribeLockTag(LockTag::Transaction(456)), "transaction 456");
  EXPECT_EQ(DescribeLockTag(LockTag::Tuple(5, 16384, 3, 7)), "tuple (3,7) of relation 16384 of database 5");
  EXPECT_EQ(LockTag::Transaction(1ull << 40).Xid(), 1ull << 40);
  EXPECT_NE(LockTag::Relation(5, 1).Hash(), LockTag::Relation(5, 2).Hash());
}

TEST_F(LockManagerTest, ConflictTableAcrossProcesses) {
  Spawn(0, [&] {
    for (int a = 1; a <= kMaxLockMode; ++a) {
      CHILD_CHECK(Acquire(kRel, LockMode(a), false) == LockResult::kOk);
      board_->phase = 2 * a - 1;
      Await(board_->phase, 2 * a);
      Release(kRel, LockMode(a));
    }
  });
  Spawn(1, [&] {
    for (int a = 1; a <= kMaxLockMode; ++a) {
      Await(board_->phase, 2 * a - 1);
      for (int b = 1; b <= kMaxLockMode; ++b) {
        bool ok = Acquire(kRel, LockMode(b), true) == LockResult::kOk;
        board_->result[a][b] = ok ? 1 : 2;
        if (ok) Release(kRel, LockMode(b));
      }
      board_->phase = 2 * a;
    }
  });
  JoinAll();
  for (int a = 1; a <= kMaxLockMode; ++a)
    for (int b = 1; b <= kMaxLockMode; ++b)
      EXPECT_EQ(board_->result[a][b], ModesConflict(LockMode(a), LockMode(b)) ? 2 : 1) << a << " held, " << b;
}

TEST_F(LockManagerTest, SharedLocksCoexistAndReacquisitionIsLocal) {
  for (int i = 0; i < 3; ++i) {
    Spawn(i, [&] {
      CHILD_CHECK(Acquire(kRel, LockMode::kRowExclusive, false) == LockResult::kOk);
      CHILD_CHECK(Acquire(kRel, LockMode::kRowExclusive, false) == LockResult::kOk);
      CHILD_CHECK(Acquire(kRel, LockMode::kAccessShare, true) == LockResult::kOk);
      CHILD_CHECK(HeldByMe(kRel, LockMode::kRowExclusive));
      board_->counter++;
      Await(board_->go, 1);
    });
  }
  WaitUntil([&] { return board_->counter.load() == 3; });
  EXPECT_EQ(Granted(), 6);  // one row per process and mode, however often taken
  EXPECT_EQ(Waiters(), 0);
  board_->go = 1;
  JoinAll();
  EXPECT_TRUE(SnapshotLocks().empty());
}

TEST_F(LockManagerTest, ExclusiveWaitsUntilRelease) {
  Spawn(0, [&] {
    Acquire(kRel, LockMode::kAccessExclusive, false);
    board_->flag = 1;
    Await(board_->go, 1);
    usleep(100000);
    board_->ts[0] = NowMicros();
    Release(kRel, LockMode::kAccessExclusive);
  });
  Spawn(1, [&] {
    Await(board_->flag, 1);
    CHILD_CHECK(Acquire(kRel, LockMode::kAccessShare, true) == LockResult::kNotAvailable);
    CHILD_CHECK(Acquire(kRel, LockMode::kAccessShare, false) == LockResult::kOk);
    board_->ts[1] = NowMicros();
  });
  WaitUntil([] { return Waiters() == 1; });
  for (const LockInfo& r : SnapshotLocks()) {
    EXPECT_EQ(r.locktype, "relation");
    EXPECT_EQ(r.relation, 16384u);
    if (!r.granted) {
      EXPECT_EQ(r.mode, "AccessShareLock");
      EXPECT_GT(r.waitstart_us, 0);
    }
  }
  board_->go = 1;
  JoinAll();
  EXPECT_GT(board_->ts[0], 0);
  EXPECT_GE(board_->ts[1], board_->ts[0]);
}

TEST_F(LockManagerTest, WaitersAreGrantedInFifoOrder) {
  Spawn(0, [&] {
    Acquire(kRel, LockMode::kAccessExclusive, false);
    board_->flag = 1;
    Await(board_->go, 1);
  });
  WaitUntil([&] { return board_->flag.load() == 1; });
  for (int i = 1; i <= 4; ++i) {
    Spawn(i, [&, i] {
      Acquire(kRel, LockMode::kExclusive, false);
      board_->order[i] = ++board_->counter;
      usleep(10000);
    });
    WaitUntil([&] { return Waiters() == i; });
  }
  board_->go = 1;
  JoinAll();
  for (int i = 1; i <= 4; ++i) EXPECT_EQ(board_->order[i], i);
}

TEST_F(LockManagerTest, NewRequestQueuesBehindConflictingWaiterButHolderGoesFirst) {
  Spawn(0, [&] {
    Acquire(kRel, LockMode::kShare, false);
    board_->flag = 1;
    Await(board_->phase, 1);
    // B waits for Exclusive, which our Share blocks: we go ahead of it.
    int64_t t0 = NowMicros();
    CHILD_CHECK(Acquire(kRel, LockMode::kRowExclusive, false) == LockResult::kOk);
    board_->ts[0] = NowMicros() - t0;
    board_->order[0] = 1;  // granted (ts[0] alone can be 0 us on a fast machine)
    Await(board_->go, 1);
  });
  WaitUntil([&] { return board_->flag.load() == 1; });
  Spawn(1, [&] {
    Acquire(kRel, LockMode::kExclusive, false);
    board_->order[1] = ++board_->counter;
  });
  WaitUntil([] { return Waiters() == 1; });
  Spawn(2, [&] {
    // RowShare is compatible with Share but not with the waiting Exclusive.
    CHILD_CHECK(Acquire(kRel, LockMode::kRowShare, true) == LockResult::kNotAvailable);
    board_->order[2] = 1;
  });
  board_->phase = 1;
  WaitUntil([&] { return board_->order[0] == 1 && board_->order[2] == 1; });
  // Well under deadlock_timeout (1 s): it did not queue behind B and wait
  // for the deadlock check. (A tighter bound failed on a loaded machine.)
  EXPECT_LT(board_->ts[0], 500000);
  EXPECT_EQ(board_->order[1], 0);
  board_->go = 1;
  JoinAll();
  EXPECT_EQ(board_->order[1], 1);
}

TEST_F(LockManagerTest, LockTimeout) {
  Spawn(0, [&] {
    Acquire(kRel, LockMode::kAccessExclusive, false);
    board_->flag = 1;
    Await(board_->go, 1);
  });
  Spawn(1, [&] {
    guc::SetConfigOption("lock_timeout", "150", false, false);
    Await(board_->flag, 1);
    board_->ts[0] = NowMicros();
    try {
      Acquire(kRel, LockMode::kAccessShare, false);
    } catch (...) {
      board_->ts[1] = NowMicros();
      throw;
    }
  });
  WaitUntil([&] { return board_->sqlstate[1][0] != '\0'; });  // gave up while child 0 still holds
  board_->go = 1;
  JoinAll();
  EXPECT_STREQ(board_->sqlstate[1], "55P03");
  EXPECT_STREQ(board_->message[1], "canceling statement due to lock timeout");
  EXPECT_GE(board_->ts[1] - board_->ts[0], 150000);
  EXPECT_LT(board_->ts[1] - board_->ts[0], 1000000);
}

Board* g_hook_board = nullptr;
void ThrowingHook() {
  if (g_hook_board->flag.load() == 1)
    throw MakeError(sqlstate::kQueryCanceled, "canceling statement due to user request");
}

TEST_F(LockManagerTest, InterruptHookThrowRemovesWaiter) {
  g_hook_board = board_;
  Spawn(0, [&] {
    Acquire(kRel, LockMode::kAccessShare, false);
    board_->phase = 1;
    Await(board_->go, 1);
  });
  WaitUntil([&] { return board_->phase.load() == 1; });
  Spawn(1, [&] {
    SetWaitInterruptHook(ThrowingHook);
    Acquire(kRel, LockMode::kAccessExclusive, false);
    board_->order[1] = 1;  // must not get here
  });
  WaitUntil([] { return Waiters() == 1; });
  Spawn(2, [&] {
    // Compatible with the holder, but queued behind the AccessExclusive waiter.
    Acquire(kRel, LockMode::kAccessShare, false);
    board_->order[2] = 1;
    Await(board_->go, 1);
  });
  WaitUntil([] { return Waiters() == 2; });
  EXPECT_EQ(board_->order[2], 0);
  board_->flag = 1;
  WaitUntil([&] { return board_->order[2] == 1; });  // while child 0 still holds its lock
  EXPECT_EQ(Waiters(), 0);
  board_->go = 1;
  JoinAll();
  EXPECT_STREQ(board_->sqlstate[1], "57014");
  EXPECT_EQ(board_->order[1], 0);
  EXPECT_TRUE(SnapshotLocks().empty());
}

TEST_F(LockManagerTest, TableOverflowIsOutOfSharedMemory) {
  Spawn(0, [&] {
    try {
      for (uint32_t i = 0; i < 100000; ++i) {
        Acquire(LockTag::Relation(5, 20000 + i), LockMode::kAccessShare, false);
        board_->count = static_cast<int>(i) + 1;
      }
    } catch (const PgError&) {
      // After release, the entries are reusable.
      int before = board_->count;
      ReleaseAll(false);
      CHILD_CHECK(SnapshotLocks().empty());
      for (int i = 0; i < before; ++i) Acquire(LockTag::Relation(5, 90000 + i), LockMode::kShare, false);
      throw;
    }
  });
  JoinAll();
  EXPECT_STREQ(board_->sqlstate[0], "53200");
  EXPECT_STREQ(board_->message[0], "out of shared memory");
  EXPECT_STREQ(board_->hint[0], "You might need to increase max_locks_per_transaction.");
  EXPECT_GE(board_->count, vars_.max_locks_per_transaction * vars_.max_connections);
  EXPECT_LT(board_->count, 100000);
}

TEST_F(LockManagerTest, ReleaseAllAtTransactionEnd) {
  const LockTag a = LockTag::Relation(5, 1), b = LockTag::Tuple(5, 1, 0, 3), x = LockTag::Transaction(777);
  const LockTag session = LockTag::Advisory(5, 0, 42, 1);
  Spawn(0, [&] {
    Acquire(a, LockMode::kRowExclusive, false);
    Acquire(a, LockMode::kRowExclusive, false);
    Acquire(b, LockMode::kExclusive, false);
    Acquire(x, LockMode::kExclusive, false);
    Acquire(session, LockMode::kExclusive, false, LockOwner::kSession);
    Release(a, LockMode::kRowExclusive);
    CHILD_CHECK(HeldByMe(a, LockMode::kRowExclusive));  // taken twice, released once
    CHILD_CHECK(SnapshotLocks().size() == 4);
    ReleaseAll(false);
    CHILD_CHECK(!HeldByMe(a, LockMode::kRowExclusive) && !HeldByMe(x, LockMode::kExclusive));
    CHILD_CHECK(HeldByMe(session, LockMode::kExclusive));
    auto rows = SnapshotLocks();
    CHILD_CHECK(rows.size() == 1 && rows[0].locktype == "advisory");
    board_->flag = 1;
    Await(board_->go, 1);
    ReleaseAll(true);
    for (const LockInfo& r : SnapshotLocks()) CHILD_CHECK(r.pid != getpid());  // child 1 holds a and x
    board_->phase = 1;
  });
  Spawn(1, [&] {
    Await(board_->flag, 1);
    CHILD_CHECK(Acquire(a, LockMode::kAccessExclusive, true) == LockResult::kOk);
    CHILD_CHECK(Acquire(x, LockMode::kShare, true) == LockResult::kOk);
    CHILD_CHECK(Acquire(session, LockMode::kShare, true) == LockResult::kNotAvailable);
    board_->go = 1;
    CHILD_CHECK(Acquire(session, LockMode::kShare, false) == LockResult::kOk);
  });
  JoinAll();
  EXPECT_EQ(board_->phase.load(), 1);
  EXPECT_STREQ(board_->failure, "");
}

std::string Line(int32_t pid, const char* mode, const std::string& what, int32_t blocker) {
  return "Process " + std::to_string(pid) + " waits for " + mode + " on " + what + "; blocked by process " +
         std::to_string(blocker) + ".";
}

TEST_F(LockManagerTest, TwoProcessDeadlockIsDetectedAndTheOtherProceeds) {
  const LockTag x1 = LockTag::Transaction(1000), x2 = LockTag::Transaction(2000);
  Spawn(0, [&] {
    Acquire(x1, LockMode::kExclusive, false);  // our own xid
    board_->counter++;
    Await(board_->counter, 2);
    board_->ts[0] = NowMicros();
    try {
      Acquire(x2, LockMode::kShare, false);  // wait for the other transaction
    } catch (...) {
      board_->ts[1] = NowMicros();
      usleep(100000);  // the other must still be waiting until we abort
      throw;
    }
  });
  Spawn(1, [&] {
    guc::SetConfigOption("deadlock_timeout", "10000", true, false);  // child 0 detects
    Acquire(x2, LockMode::kExclusive, false);
    board_->counter++;
    Await(board_->counter, 2);
    Acquire(x1, LockMode::kShare, false);
    board_->order[1] = 1;
    board_->ts[2] = NowMicros();
  });
  JoinAll();
  EXPECT_STREQ(board_->sqlstate[0], "40P01");
  EXPECT_STREQ(board_->message[0], "deadlock detected");
  EXPECT_STREQ(board_->hint[0], "See server log for query details.");
  EXPECT_EQ(std::string(board_->detail[0]),
            Line(board_->pid[0], "ShareLock", "transaction 2000", board_->pid[1]) + "\n" +
                Line(board_->pid[1], "ShareLock", "transaction 1000", board_->pid[0]));
  const int64_t waited = board_->ts[1] - board_->ts[0];
  EXPECT_GE(waited, 200000);
  EXPECT_LT(waited, 1000000);
  EXPECT_EQ(board_->order[1], 1);
  EXPECT_STREQ(board_->sqlstate[1], "");
  EXPECT_GE(board_->ts[2], board_->ts[1]);
}

TEST_F(LockManagerTest, ThreeProcessCycle) {
  const LockTag rel[3] = {LockTag::Relation(5, 16384), LockTag::Relation(5, 16385), LockTag::Relation(5, 16386)};
  for (int i = 0; i < 3; ++i) {
    Spawn(i, [&, i] {
      if (i != 0) guc::SetConfigOption("deadlock_timeout", "10000", true, false);
      Acquire(rel[i], LockMode::kAccessExclusive, false);
      board_->counter++;
      Await(board_->counter, 3);
      if (i == 0) WaitUntil([] { return Waiters() == 2; });  // close the cycle last
      Acquire(rel[(i + 1) % 3], LockMode::kAccessExclusive, false);
      board_->order[i] = 1;
    });
  }
  JoinAll();
  EXPECT_STREQ(board_->sqlstate[0], "40P01");
  EXPECT_EQ(std::string(board_->detail[0]),
            Line(board_->pid[0], "AccessExclusiveLock", "relation 16385 of database 5", board_->pid[1]) + "\n" +
                Line(board_->pid[1], "AccessExclusiveLock", "relation 16386 of database 5", board_->pid[2]) + "\n" +
                Line(board_->pid[2], "AccessExclusiveLock", "relation 16384 of database 5", board_->pid[0]));
  EXPECT_EQ(board_->order[0], 0);
  EXPECT_EQ(board_->order[1], 1);
  EXPECT_EQ(board_->order[2], 1);
}

TEST_F(LockManagerTest, NoFalseDeadlockWhenWaitingOnAPlainHolder) {
  Spawn(0, [&] {
    Acquire(kRel, LockMode::kAccessExclusive, false);
    board_->flag = 1;
    Await(board_->go, 1);
  });
  Spawn(1, [&] {
    Await(board_->flag, 1);
    Acquire(kRel, LockMode::kAccessShare, false);
    board_->order[1] = 1;
  });
  WaitUntil([] { return Waiters() == 1; });
  usleep(500000);  // well past deadlock_timeout
  EXPECT_EQ(Waiters(), 1);
  board_->go = 1;
  JoinAll();
  EXPECT_EQ(board_->order[1], 1);
  EXPECT_STREQ(board_->sqlstate[1], "");
}

}  // namespace
}  // namespace tusk::lmgr
