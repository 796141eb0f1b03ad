// The transaction layer across forked processes sharing one region: commit
// and abort visibility, READ COMMITTED vs REPEATABLE READ snapshots, read-only
// errors, command ids, savepoints, synchronous commit, lock waits, crash redo.
#include <gtest/gtest.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <string>
#include <vector>

#include "storage/ipc/shmem_setup.h"
#include "access/transam/clog.h"
#include "access/transam/slru.h"
#include "access/transam/subtrans.h"
#include "access/transam/transam.h"
#include "access/transam/xact.h"
#include "access/wal/wal.h"
#include "access/wal/wal_reader.h"
#include "access/wal/wal_redo.h"
#include "storage/buffer/buffer.h"
#include "storage/file/sync_queue.h"
#include "storage/ipc/proc_array.h"
#include "storage/ipc/shmem.h"
#include "storage/lmgr/lock.h"
#include "utils/error.h"
#include "utils/guc.h"

namespace tusk::xact {
namespace {

constexpr uint64_t kSysid = 7300000000000000077ull;
constexpr uint64_t kFailed = ~0ull;

class XactTest : public ::testing::Test {
 protected:
  void SetUp() override {
    guc::InitializeDefaults();
    guc::SetCommandLineOption("shared_buffers", "16");
    guc::SetCommandLineOption("wal_buffers", "8");
    char d[] = "/tmp/tusk-xact-XXXXXX";
    ASSERT_NE(mkdtemp(d), nullptr);
    dir_ = d;
    ckpt_ = wal::BootstrapWal(dir_, kSysid);
    CreateShmem();
    wal::Reader r(dir_, ckpt_, kSysid);
    const wal::DecodedRecord* rec = r.Next();
    ASSERT_NE(rec, nullptr) << r.error();
    wal::StartupWal(rec->end_lsn, rec->lsn, kSysid);
    transam::StartUpSubtrans();
    ASSERT_NE(proc_array::ClaimSlot(BackendType::kClientBackend), nullptr);
  }
  void TearDown() override {
    Abort();
    shmem::DestroyRegion();
    std::filesystem::remove_all(dir_);
  }
  // In the order of the postmaster's CreateSharedMemory.
  void CreateShmem() {
    vars_ = guc::V();
    vars_.data_directory = dir_;
    vars_.max_connections = 8;
    vars_.autovacuum_max_workers = 2;
    vars_.max_wal_senders = 2;
    shmem::CreateServerSharedMemory(vars_);
    wal::SetDataDirectory(dir_);
  }
  std::string dir_;
  wal::Lsn ckpt_ = 0;
  guc::Vars vars_;
};

// A tuple inserted by `xid` in command 0, never deleted.
bool SeesInsertBy(uint64_t xid) {
  transam::TupleXactFields t;
  t.xmin = xid;
  t.infomask = transam::infomask::kXmaxInvalid;
  return transam::SatisfiesMvcc(t, GetTransactionSnapshot(), CurrentXactForVisibility());
}

// Another backend driven over pipes; each command (char, arg) gets a reply
// (kFailed if it threw).
//   'b' StartTransaction (arg 1: REPEATABLE READ)   'n' StartCommand
//   'w' GetXid(true)   'c' Commit   'a' Abort   'v' sees an insert by xid arg?
class Other {
 public:
  Other() {
    int cmd[2], res[2];
    EXPECT_EQ(pipe(cmd), 0);
    EXPECT_EQ(pipe(res), 0);
    pid_ = fork();
    if (pid_ == 0) {
      close(cmd[1]);
      close(res[0]);
      Serve(cmd[0], res[1]);
      _exit(0);
    }
    close(cmd[0]);
    close(res[1]);
    cmd_ = cmd[1];
    res_ = res[0];
  }
  ~Other() {
    close(cmd_);
    int status = 0;
    waitpid(pid_, &status, 0);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
    close(res_);
  }
  uint64_t Ask(char c, uint64_t arg = 0) {
    char msg[9];
    msg[0] = c;
    memcpy(msg + 1, &arg, 8);
    EXPECT_EQ(write(cmd_, msg, 9), 9);
    uint64_t v = kFailed;
    EXPECT_EQ(read(res_, &v, sizeof v), static_cast<ssize_t>(sizeof v));
    return v;
  }

 private:
  static void Serve(int in, int out) {
    // ClaimSlot replaces the inherited notion of "my slot"; the parent keeps its own.
    if (proc_array::ClaimSlot(BackendType::kClientBackend) == nullptr) _exit(2);
    char msg[9];
    while (read(in, msg, 9) == 9) {
      uint64_t arg;
      memcpy(&arg, msg + 1, 8);
      uint64_t reply = 0;
      try {
        switch (msg[0]) {
          case 'b': StartTransaction(arg == 1 ? Isolation::kRepeatableRead : Isolation::kReadCommitted, false); break;
          case 'n': StartCommand(); break;
          case 'w': reply = GetXid(true); break;
          case 'c': reply = Commit().lsn; break;
          case 'a': Abort(); break;
          case 'v': reply = SeesInsertBy(arg) ? 1 : 0; break;
        }
      } catch (const PgError&) {
        reply = kFailed;
      }
      if (write(out, &reply, sizeof reply) != sizeof reply) _exit(3);
    }
    Abort();
    proc_array::ReleaseMySlot();
  }
  pid_t pid_;
  int cmd_, res_;
};

// Starts a transaction and its first statement, and returns the xid of a write.
uint64_t BeginWrite(Isolation iso = Isolation::kReadCommitted) {
  StartTransaction(iso, false);
  StartCommand();
  CheckWritable("INSERT");
  return GetXid(true);
}

std::string SqlStateOf(const std::function<void()>& fn) {
  try {
    fn();
  } catch (const PgError& e) {
    return e.data().sqlstate + " " + e.data().message;
  }
  return "no error";
}

TEST_F(XactTest, CommitVisibleToLaterSnapshotsOnly) {
  Other rr, rc;
  rr.Ask('b', 1);
  rr.Ask('n');
  rr.Ask('v', transam::kFrozenXid);  // takes the transaction snapshot now
  rc.Ask('b', 0);
  rc.Ask('n');

  uint64_t x = BeginWrite();
  EXPECT_TRUE(transam::IsNormalXid(x));
  EXPECT_EQ(GetTopXid(), x);
  EXPECT_EQ(rc.Ask('v', x), 0u);  // running
  CommitResult r = Commit();
  EXPECT_EQ(r.xid, x);
  EXPECT_FALSE(IsInTransaction());
  EXPECT_TRUE(transam::DidCommit(x));
  EXPECT_FALSE(transam::IsInProgress(x));

  EXPECT_EQ(rc.Ask('v', x), 0u);  // same statement, same snapshot
  rc.Ask('n');
  EXPECT_EQ(rc.Ask('v', x), 1u);  // READ COMMITTED: the next statement sees it
  rr.Ask('n');
  EXPECT_EQ(rr.Ask('v', x), 0u);  // REPEATABLE READ: never in this transaction
  rr.Ask('c');
  rr.Ask('b', 1);
  rr.Ask('n');
  EXPECT_EQ(rr.Ask('v', x), 1u);  // a later transaction does
  rr.Ask('c');
  rc.Ask('c');
}

TEST_F(XactTest, AbortNeverVisible) {
  Other o;
  uint64_t x = BeginWrite();
  o.Ask('b');
  o.Ask('n');
  EXPECT_EQ(o.Ask('v', x), 0u);
  wal::Lsn before = wal::InsertPosition();
  Abort();
  EXPECT_GT(wal::InsertPosition(), before);  // an abort record was written
  Abort();                                   // idempotent
  EXPECT_TRUE(transam::DidAbort(x));
  EXPECT_FALSE(transam::IsInProgress(x));
  o.Ask('n');
  EXPECT_EQ(o.Ask('v', x), 0u);
  o.Ask('c');
  o.Ask('b');
  o.Ask('n');
  EXPECT_EQ(o.Ask('v', x), 0u);
  o.Ask('c');
}

TEST_F(XactTest, ReadOnlyAndModeChanges) {
  StartTransaction(Isolation::kReadCommitted, true);
  StartCommand();
  EXPECT_EQ(SqlStateOf([] { CheckWritable("INSERT"); }), "25006 cannot execute INSERT in a read-only transaction");
  EXPECT_EQ(GetXid(false), 0u);
  SetReadOnly(false);  // before any snapshot: allowed
  CheckWritable("UPDATE");
  SetIsolation(Isolation::kRepeatableRead);
  (void)GetTransactionSnapshot();
  EXPECT_EQ(SqlStateOf([] { SetIsolation(Isolation::kSerializable); }),
            "25001 SET TRANSACTION ISOLATION LEVEL must be called before any query");
  SetReadOnly(true);
  EXPECT_EQ(SqlStateOf([] { SetReadOnly(false); }), "25001 transaction read-write mode must be set before any query");
  // A transaction that never wrote commits without any WAL.
  wal::Lsn before = wal::InsertPosition();
  EXPECT_EQ(Commit().xid, 0u);
  EXPECT_EQ(wal::InsertPosition(), before);
  EXPECT_EQ(IsolationFromName("read uncommitted"), Isolation::kReadCommitted);
  EXPECT_EQ(IsolationFromName("serializable"), Isolation::kSerializable);
}

TEST_F(XactTest, CommandIdsAndTheirLimit) {
  StartTransaction(Isolation::kRepeatableRead, false);
  StartCommand();
  EXPECT_EQ(CurrentCommandId(), 0u);
  StartCommand();
  EXPECT_EQ(CurrentCommandId(), 1u);
  CommandCounterIncrement();
  EXPECT_EQ(GetTransactionSnapshot().curcid, 2u);
  EXPECT_EQ(CurrentXactForVisibility().curcid, 2u);
  SetCommandIdForTesting(0xFFFFFFFDu);
  CommandCounterIncrement();
  EXPECT_EQ(CurrentCommandId(), 0xFFFFFFFEu);
  EXPECT_EQ(SqlStateOf([] { CommandCounterIncrement(); }),
            "54000 cannot have more than 2^32-2 commands in a transaction");
  EXPECT_EQ(CurrentCommandId(), 0xFFFFFFFEu);
  Abort();
  StartTransaction(Isolation::kReadCommitted, false);
  EXPECT_EQ(CurrentCommandId(), 0u);
}

TEST_F(XactTest, SavepointReleaseAndRollbackTo) {
  Other o;
  uint64_t x = BeginWrite();
  BeginSubtransaction("a");
  uint64_t s1 = GetXid(true);
  BeginSubtransaction("b");
  BeginSubtransaction("c");
  EXPECT_EQ(GetXid(false), 0u);
  uint64_t s3 = GetXid(true);  // assigns b's xid first
  uint64_t s2 = s3 - 1;
  EXPECT_TRUE(x < s1 && s1 < s2 && s2 < s3);
  EXPECT_EQ(transam::subtrans::GetParent(s1), x);
  EXPECT_EQ(transam::subtrans::GetParent(s2), s1);
  EXPECT_EQ(transam::subtrans::GetParent(s3), s2);
  EXPECT_EQ(NestingLevel(), 4);

  ReleaseSubtransaction("b");  // b and c become committed children of a
  EXPECT_EQ(NestingLevel(), 2);
  EXPECT_EQ(GetXid(false), s1);
  BeginSubtransaction("d");
  uint64_t s4 = GetXid(true);
  StartCommand();
  transam::CurrentXact me = CurrentXactForVisibility();
  for (uint64_t v : {x, s1, s2, s3, s4}) EXPECT_TRUE(me.IsMine(v)) << v;

  RollbackToSubtransaction("d");
  EXPECT_EQ(NestingLevel(), 3);       // a fresh "d"
  EXPECT_EQ(GetXid(false), 0u);
  EXPECT_TRUE(transam::DidAbort(s4));
  EXPECT_FALSE(transam::IsInProgress(s4));
  EXPECT_FALSE(CurrentXactForVisibility().IsMine(s4));
  EXPECT_FALSE(lmgr::HeldByMe(lmgr::LockTag::Transaction(s4), lmgr::LockMode::kExclusive));
  EXPECT_TRUE(lmgr::HeldByMe(lmgr::LockTag::Transaction(s3), lmgr::LockMode::kExclusive));
  EXPECT_TRUE(transam::IsInProgress(s3));
  EXPECT_TRUE(SeesInsertBy(s3));     // a released child's earlier command: ours and visible
  EXPECT_FALSE(SeesInsertBy(s4));    // rolled back
  EXPECT_NE(SqlStateOf([] { ReleaseSubtransaction("nope"); }).find("3B001"), std::string::npos);
  EXPECT_NE(SqlStateOf([] { RollbackToSubtransaction("nope"); }).find("3B001"), std::string::npos);

  o.Ask('b');
  o.Ask('n');
  EXPECT_EQ(o.Ask('v', s2), 0u);  // still running for others
  o.Ask('c');
  CommitResult r = Commit();
  EXPECT_EQ(r.subxids, (std::vector<uint64_t>{s1, s2, s3}));
  for (uint64_t v : {x, s1, s2, s3}) EXPECT_TRUE(transam::DidCommit(v)) << v;
  EXPECT_FALSE(transam::DidCommit(s4));
  o.Ask('b');
  o.Ask('n');
  EXPECT_EQ(o.Ask('v', s3), 1u);
  EXPECT_EQ(o.Ask('v', s4), 0u);
  o.Ask('c');

  // ROLLBACK TO an outer savepoint discards the inner ones, released or not.
  uint64_t y = BeginWrite();
  BeginSubtransaction("a");
  uint64_t t1 = GetXid(true);
  BeginSubtransaction("b");
  uint64_t t2 = GetXid(true);
  ReleaseSubtransaction("b");
  RollbackToSubtransaction("a");
  EXPECT_EQ(NestingLevel(), 2);
  EXPECT_TRUE(transam::DidAbort(t1));
  EXPECT_TRUE(transam::DidAbort(t2));
  EXPECT_TRUE(Commit().subxids.empty());
  EXPECT_TRUE(transam::DidCommit(y));
  EXPECT_FALSE(transam::DidCommit(t1));
  EXPECT_FALSE(transam::DidCommit(t2));
}

TEST_F(XactTest, SynchronousCommitFlushesBeforeReturning) {
  BeginWrite();
  CommitResult on = Commit();
  EXPECT_TRUE(on.flushed);
  EXPECT_GE(wal::FlushedPosition(), on.lsn);

  guc::SetConfigOption("synchronous_commit", "off", true, false);
  uint64_t x = BeginWrite();
  CommitResult off = Commit();
  EXPECT_FALSE(off.flushed);
  EXPECT_LT(wal::FlushedPosition(), off.lsn);
  EXPECT_TRUE(transam::DidCommit(x));  // committed for everybody all the same

  guc::SetConfigOption("synchronous_commit", "local", true, false);
  BeginWrite();
  CommitResult local = Commit();
  EXPECT_GE(wal::FlushedPosition(), local.lsn);
}

// Shared with a waiter child through its own mapping.
struct Board {
  std::atomic<int> woke{0}, running_after{1}, committed_after{0};
};

TEST_F(XactTest, WaiterWakesWhenHolderCommits) {
  auto* board = new (mmap(nullptr, sizeof(Board), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0)) Board();
  Other holder;
  holder.Ask('b');
  holder.Ask('n');
  uint64_t x = holder.Ask('w');
  ASSERT_TRUE(transam::IsNormalXid(x));
  pid_t waiter = fork();
  if (waiter == 0) {
    if (proc_array::ClaimSlot(BackendType::kClientBackend) == nullptr) _exit(2);
    try {
      WaitForTransaction(x);
    } catch (...) {
      _exit(3);
    }
    board->running_after = transam::IsInProgress(x) ? 1 : 0;
    board->committed_after = transam::DidCommit(x) ? 1 : 0;
    board->woke = 1;
    lmgr::ReleaseAll(true);
    proc_array::ReleaseMySlot();
    _exit(0);
  }
  usleep(300 * 1000);
  EXPECT_EQ(board->woke.load(), 0);  // still blocked on x's lock
  holder.Ask('c');
  int status = 0;
  waitpid(waiter, &status, 0);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
  EXPECT_EQ(board->woke.load(), 1);
  EXPECT_EQ(board->running_after.load(), 0);
  EXPECT_EQ(board->committed_after.load(), 1);
  munmap(board, sizeof(Board));
}

TEST_F(XactTest, CrashRedoRestoresClogAndNextXid) {
  auto* xids = static_cast<uint64_t*>(mmap(nullptr, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0));
  // The "server" runs in a child that dies without any clean-up.
  pid_t pid = fork();
  if (pid == 0) {
    if (proc_array::ClaimSlot(BackendType::kClientBackend) == nullptr) _exit(2);
    try {
      xids[0] = BeginWrite();
      Commit();
      xids[1] = BeginWrite();
      BeginSubtransaction("s");
      xids[2] = GetXid(true);
      BeginSubtransaction("t");
      xids[3] = GetXid(true);
      RollbackToSubtransaction("t");
      Commit();
      xids[4] = BeginWrite();
      Abort();
      xids[5] = BeginWrite();  // left in progress
      BeginSubtransaction("u");
      xids[6] = GetXid(true);
      // Its only WAL: the abort record of a rolled-back savepoint.
      RollbackToSubtransaction("u");
      wal::Flush(wal::InsertPosition());
    } catch (...) {
      _exit(4);
    }
    _exit(0);  // no clog flush, no abort
  }
  int status = 0;
  waitpid(pid, &status, 0);
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;

  // Crash: shared memory is gone; pg_xact never got its pages.
  shmem::DestroyRegion();
  CreateShmem();
  transam::SetNextXid(3);  // the bootstrap checkpoint's next xid
  transam::StartUpSubtrans();
  EXPECT_EQ(transam::clog::GetStatus(xids[0]), transam::XidStatus::kInProgress);  // redo must do it
  RegisterXactRmgr();
  wal::RedoResult result;
  wal::RunRedo(ckpt_, ckpt_, &result);
  EXPECT_GE(result.replayed, 4u);
  ASSERT_NE(proc_array::ClaimSlot(BackendType::kClientBackend), nullptr);

  EXPECT_TRUE(transam::DidCommit(xids[0]));
  EXPECT_TRUE(transam::DidCommit(xids[1]));
  EXPECT_TRUE(transam::DidCommit(xids[2]));
  EXPECT_FALSE(transam::DidCommit(xids[3]));
  EXPECT_TRUE(transam::DidAbort(xids[3]));
  EXPECT_TRUE(transam::DidAbort(xids[4]));
  for (int i : {5, 6}) {
    EXPECT_FALSE(transam::DidCommit(xids[i]));
    EXPECT_FALSE(transam::IsInProgress(xids[i]));
  }
  EXPECT_GT(transam::ReadNextXid(), xids[6]);
  // New transactions get fresh xids, and the crashed one stays invisible.
  wal::StartupWal(result.end_of_wal, result.last_record, kSysid);
  uint64_t fresh = BeginWrite();
  EXPECT_GT(fresh, xids[6]);
  EXPECT_FALSE(SeesInsertBy(xids[5]));
  EXPECT_TRUE(SeesInsertBy(xids[0]));
  Commit();
  munmap(xids, 4096);
}

}  // namespace
}  // namespace tusk::xact
