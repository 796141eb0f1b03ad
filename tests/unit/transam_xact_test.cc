// Transactions across real forked processes: unique dense xid assignment,
// snapshots (started after / committed before / aborted), subtransactions with
// and without cache overflow, crash semantics, and the visibility matrix.
#include <gtest/gtest.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "access/transam/clog.h"
#include "access/transam/snapshot.h"
#include "access/transam/subtrans.h"
#include "access/transam/transam.h"
#include "access/transam/visibility.h"
#include "storage/ipc/proc_array.h"
#include "storage/ipc/shmem.h"

namespace tusk::transam {
namespace {

namespace im = infomask;

class TransamXact : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/tusk_xact_XXXXXX";
    dir_ = mkdtemp(tmpl);
    Init();
  }
  void TearDown() override {
    shmem::DestroyRegion();
    std::filesystem::remove_all(dir_);
  }
  void Init() {
    proc_array::Sizing ps{8, 2, 2};
    Sizing ts;
    ts.data_directory = dir_;
    ts.max_connections = 8;
    ts.autovacuum_max_workers = 2;
    ts.max_wal_senders = 2;
    shmem::CreateRegion(proc_array::ShmemSize(ps) + ShmemSize(ts) + 65536);
    proc_array::ShmemInit(ps);
    ShmemInit(ts);
    ASSERT_NE(proc_array::ClaimSlot(BackendType::kClientBackend), nullptr);
  }
  std::string dir_;
};

// Another backend, driven over pipes: each command gets a 64-bit reply.
//   'b' begin (assign top xid)   's' assign a subxact of the newest xid
//   'c' commit   'a' abort   'S' snapshot: reply xmax
class OtherBackend {
 public:
  OtherBackend() {
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
  ~OtherBackend() {
    close(cmd_);
    int status = 0;
    waitpid(pid_, &status, 0);
    close(res_);
  }
  uint64_t Ask(char c) {
    EXPECT_EQ(write(cmd_, &c, 1), 1);
    uint64_t v = 0;
    EXPECT_EQ(read(res_, &v, sizeof v), static_cast<ssize_t>(sizeof v));
    return v;
  }

 private:
  static void Serve(int in, int out) {
    if (proc_array::ClaimSlot(BackendType::kClientBackend) == nullptr) _exit(2);
    uint64_t top = 0;
    std::vector<uint64_t> subs;
    char c;
    while (read(in, &c, 1) == 1) {
      uint64_t reply = 0;
      switch (c) {
        case 'b':
          top = reply = AssignXid(false);
          subs.clear();
          break;
        case 's':
          reply = AssignXid(true, subs.empty() ? top : subs.back());
          subs.push_back(reply);
          break;
        case 'c':
        case 'a':
          clog::SetStatus(top, subs, c == 'c' ? XidStatus::kCommitted : XidStatus::kAborted);
          EndTransaction();
          break;
        case 'S':
          reply = GetSnapshot().xmax;
          break;
      }
      if (write(out, &reply, sizeof reply) != sizeof reply) _exit(3);
    }
    proc_array::ReleaseMySlot();
  }
  pid_t pid_;
  int cmd_, res_;
};

TEST_F(TransamXact, ConcurrentAssignmentIsUniqueAndDense) {
  constexpr int kProcs = 4, kEach = 500;
  size_t bytes = sizeof(uint64_t) * kProcs * kEach;
  auto* out = static_cast<uint64_t*>(mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0));
  uint64_t first = ReadNextXid();
  for (int p = 0; p < kProcs; ++p) {
    if (fork() == 0) {
      if (proc_array::ClaimSlot(BackendType::kClientBackend) == nullptr) _exit(2);
      for (int i = 0; i < kEach; ++i) {
        out[p * kEach + i] = AssignXid(false);
        // Our own xid must be visible as running right away.
        if (!IsInProgress(out[p * kEach + i])) _exit(4);
        clog::SetStatus(out[p * kEach + i], {}, XidStatus::kCommitted);
        EndTransaction();
      }
      _exit(0);
    }
  }
  for (int p = 0; p < kProcs; ++p) {
    int status = 0;
    wait(&status);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  }
  std::vector<uint64_t> all(out, out + kProcs * kEach);
  std::sort(all.begin(), all.end());
  for (size_t i = 0; i < all.size(); ++i) ASSERT_EQ(all[i], first + i);
  EXPECT_EQ(ReadNextXid(), first + kProcs * kEach);
  for (uint64_t x : all) ASSERT_TRUE(DidCommit(x));
  munmap(out, bytes);
}

TEST_F(TransamXact, SnapshotSeesCommittedBeforeNotLaterNorAborted) {
  OtherBackend a, b;
  uint64_t committed_before = a.Ask('b');
  a.Ask('c');
  uint64_t aborted = a.Ask('b');
  a.Ask('a');
  uint64_t running = b.Ask('b');

  Snapshot snap = GetSnapshot();
  CurrentXact me;
  EXPECT_EQ(snap.xip, std::vector<uint64_t>{running});
  EXPECT_EQ(snap.xmin, running);
  EXPECT_EQ(proc_array::MySlot()->xmin.load(), running);  // published for vacuum
  EXPECT_EQ(GetOldestXmin(), running);

  TupleXactFields t1{committed_before, 0, 0, im::kXmaxInvalid};
  EXPECT_TRUE(SatisfiesMvcc(t1, snap, me));
  EXPECT_TRUE(t1.infomask & im::kXminCommitted);  // hint recorded
  TupleXactFields t2{aborted, 0, 0, im::kXmaxInvalid};
  EXPECT_FALSE(SatisfiesMvcc(t2, snap, me));
  EXPECT_TRUE(t2.infomask & im::kXminInvalid);
  TupleXactFields t3{running, 0, 0, im::kXmaxInvalid};
  EXPECT_FALSE(SatisfiesMvcc(t3, snap, me));
  EXPECT_EQ(t3.infomask & (im::kXminCommitted | im::kXminInvalid), 0);  // no hint while running

  // Commits after the snapshot stay invisible to it; a new snapshot sees them.
  b.Ask('c');
  uint64_t later = a.Ask('b');
  a.Ask('c');
  TupleXactFields t4{running, 0, 0, im::kXmaxInvalid};
  EXPECT_FALSE(SatisfiesMvcc(t4, snap, me));
  TupleXactFields t5{later, 0, 0, im::kXmaxInvalid};
  EXPECT_FALSE(SatisfiesMvcc(t5, snap, me));
  Snapshot snap2 = GetSnapshot();
  EXPECT_TRUE(snap2.xip.empty());
  EXPECT_TRUE(SatisfiesMvcc(t4, snap2, me));
  EXPECT_TRUE(SatisfiesMvcc(t5, snap2, me));
  TupleXactFields t6{aborted, 0, 0, im::kXmaxInvalid};
  EXPECT_FALSE(SatisfiesMvcc(t6, snap2, me));
  ClearMyXmin();
  EXPECT_EQ(GetOldestXmin(), ReadNextXid());
}

TEST_F(TransamXact, SubtransactionsCachedAndOverflowed) {
  OtherBackend a;
  uint64_t top = a.Ask('b');
  uint64_t s1 = a.Ask('s');
  uint64_t s2 = a.Ask('s');  // child of s1
  EXPECT_EQ(subtrans::GetParent(s2), s1);
  EXPECT_EQ(subtrans::GetTopmost(s2), top);
  Snapshot snap = GetSnapshot();
  EXPECT_FALSE(snap.suboverflowed);
  EXPECT_EQ(snap.subxip.size(), 2u);
  EXPECT_TRUE(IsInProgress(s2));
  EXPECT_TRUE(XidInSnapshot(s2, snap));

  std::vector<uint64_t> subs;
  for (int i = 0; i < kSubxidCacheSize + 6; ++i) subs.push_back(a.Ask('s'));
  Snapshot over = GetSnapshot();
  EXPECT_TRUE(over.suboverflowed);
  EXPECT_TRUE(IsInProgress(subs.back()));  // found through pg_subtrans
  EXPECT_TRUE(XidInSnapshot(subs.back(), over));
  EXPECT_EQ(subtrans::GetTopmost(subs.back()), top);

  a.Ask('c');
  EXPECT_FALSE(IsInProgress(subs.back()));
  EXPECT_TRUE(DidCommit(subs.back()));
  EXPECT_TRUE(DidCommit(s1));
  CurrentXact me;
  TupleXactFields t{subs.back(), 0, 0, im::kXmaxInvalid};
  EXPECT_FALSE(SatisfiesMvcc(t, over, me));  // committed after the snapshot
  EXPECT_TRUE(SatisfiesMvcc(t, GetSnapshot(), me));
}

TEST_F(TransamXact, CrashedTransactionCountsAsAborted) {
  uint64_t lost = AssignXid(false);
  uint64_t done = AssignXid(false);  // another, committed and flushed
  clog::SetStatus(done, {}, XidStatus::kCommitted);
  clog::Flush();
  uint64_t next = ReadNextXid();
  // Crash: the region goes, the lost xid never reached the clog.
  shmem::DestroyRegion();
  Init();
  SetNextXid(next);
  StartUpSubtrans();
  EXPECT_LT(lost, ReadNextXid());
  EXPECT_EQ(clog::GetStatus(lost), XidStatus::kInProgress);
  EXPECT_FALSE(IsInProgress(lost));
  EXPECT_TRUE(DidCommit(done));
  CurrentXact me;
  TupleXactFields t{lost, 0, 0, im::kXmaxInvalid};
  EXPECT_FALSE(SatisfiesMvcc(t, GetSnapshot(), me));
  EXPECT_TRUE(t.infomask & im::kXminInvalid);
  TupleXactFields v{lost, 0, 0, im::kXmaxInvalid};
  EXPECT_EQ(SatisfiesVacuum(v, GetOldestXmin()), VacuumResult::kDead);
  TupleXactFields d{done, lost, 0, 0};  // deleted by the crashed one: still live
  EXPECT_TRUE(SatisfiesMvcc(d, GetSnapshot(), me));
  EXPECT_TRUE(d.infomask & im::kXmaxInvalid);
  EXPECT_GE(AssignXid(false), next);  // counting resumes past the checkpoint's value
}


// The visibility matrix: inserter/deleter = self, other committed, aborted, running.
TEST_F(TransamXact, VisibilityMatrix) {
  OtherBackend other;
  uint64_t committed = other.Ask('b');
  other.Ask('c');
  uint64_t aborted = other.Ask('b');
  other.Ask('a');
  uint64_t running = other.Ask('b');

  CurrentXact me;
  me.top_xid = AssignXid(false);
  uint64_t my_sub = AssignXid(true, me.top_xid);
  me.subxids = {my_sub};
  me.curcid = 2;
  Snapshot snap = GetSnapshot();
  snap.curcid = 2;
  const uint16_t kNoXmax = im::kXmaxInvalid;

  // Own inserts: visible to later commands only.
  TupleXactFields own1{me.top_xid, 0, 1, kNoXmax};
  EXPECT_TRUE(SatisfiesMvcc(own1, snap, me));
  TupleXactFields own2{my_sub, 0, 2, kNoXmax};
  EXPECT_FALSE(SatisfiesMvcc(own2, snap, me));
  EXPECT_EQ(SatisfiesUpdate(own2, me).result, TmResult::kInvisible);
  EXPECT_EQ(SatisfiesUpdate(own1, me).result, TmResult::kOk);

  // Own insert then own delete, one combo cid: deleted by command 1 is gone
  // for command 2; deleted by command 2 is still visible to it.
  TupleXactFields combo{me.top_xid, me.top_xid, ComboCid(0, 1), im::kComboCid};
  EXPECT_FALSE(SatisfiesMvcc(combo, snap, me));
  EXPECT_EQ(SatisfiesUpdate(combo, me).result, TmResult::kInvisible);
  TupleXactFields combo2{me.top_xid, my_sub, ComboCid(0, 2), im::kComboCid};
  EXPECT_TRUE(SatisfiesMvcc(combo2, snap, me));
  EXPECT_EQ(SatisfiesUpdate(combo2, me).result, TmResult::kSelfModified);
  EXPECT_FALSE(SatisfiesDirty(combo2, me).visible);

  // Committed insert deleted by us at command 2 (SelfModified) / command 1.
  TupleXactFields selfdel{committed, me.top_xid, 2, 0};
  EXPECT_TRUE(SatisfiesMvcc(selfdel, snap, me));
  EXPECT_EQ(SatisfiesUpdate(selfdel, me).result, TmResult::kSelfModified);
  TupleXactFields selfdel1{committed, me.top_xid, 1, 0};
  EXPECT_FALSE(SatisfiesMvcc(selfdel1, snap, me));

  // Deleted by a subtransaction of ours that rolled back: visible again.
  CurrentXact me_after_rollback = me;
  me_after_rollback.subxids.clear();
  TupleXactFields undone{committed, my_sub, 1, 0};
  EXPECT_TRUE(SatisfiesMvcc(undone, snap, me_after_rollback));

  // Deleted by others.
  TupleXactFields del_committed{committed, committed, 0, 0};
  EXPECT_FALSE(SatisfiesMvcc(del_committed, snap, me));
  EXPECT_TRUE(del_committed.infomask & im::kXmaxCommitted);
  UpdateResult u = SatisfiesUpdate(del_committed, me);
  EXPECT_EQ(u.result, TmResult::kUpdated);
  EXPECT_EQ(u.xmax, committed);
  TupleXactFields del_aborted{committed, aborted, 0, 0};
  EXPECT_TRUE(SatisfiesMvcc(del_aborted, snap, me));
  EXPECT_TRUE(del_aborted.infomask & im::kXmaxInvalid);
  EXPECT_EQ(SatisfiesUpdate(del_aborted, me).result, TmResult::kOk);
  TupleXactFields del_running{committed, running, 0, 0};
  EXPECT_TRUE(SatisfiesMvcc(del_running, snap, me));
  u = SatisfiesUpdate(del_running, me);
  EXPECT_EQ(u.result, TmResult::kBeingModified);
  EXPECT_EQ(u.xmax, running);
  DirtyResult d = SatisfiesDirty(del_running, me);
  EXPECT_TRUE(d.visible);
  EXPECT_EQ(d.wait_xmax, running);
  EXPECT_EQ(SatisfiesVacuum(del_running, GetOldestXmin()), VacuumResult::kDeleteInProgress);

  // Row lock by a running transaction: visible, but an update must wait.
  TupleXactFields locked{committed, running, 0, im::kXmaxLockOnly | im::kXmaxExclLock};
  EXPECT_TRUE(SatisfiesMvcc(locked, snap, me));
  EXPECT_EQ(SatisfiesUpdate(locked, me).result, TmResult::kBeingModified);
  EXPECT_EQ(SatisfiesVacuum(locked, GetOldestXmin()), VacuumResult::kLive);

  // Inserted by a running transaction: unique checks must wait on it.
  TupleXactFields ins_running{running, 0, 0, kNoXmax};
  EXPECT_FALSE(SatisfiesMvcc(ins_running, snap, me));
  d = SatisfiesDirty(ins_running, me);
  EXPECT_TRUE(d.visible);
  EXPECT_EQ(d.wait_xmin, running);
  EXPECT_EQ(SatisfiesUpdate(ins_running, me).result, TmResult::kInvisible);
  EXPECT_EQ(SatisfiesVacuum(ins_running, GetOldestXmin()), VacuumResult::kInsertInProgress);
  TupleXactFields ins_aborted{aborted, 0, 0, kNoXmax};
  EXPECT_FALSE(SatisfiesDirty(ins_aborted, me).visible);
  EXPECT_EQ(SatisfiesVacuum(ins_aborted, GetOldestXmin()), VacuumResult::kDead);

  // Frozen and bootstrap rows are visible to everyone.
  TupleXactFields frozen{kFrozenXid, 0, 0, kNoXmax};
  EXPECT_TRUE(SatisfiesMvcc(frozen, snap, me));
  TupleXactFields hinted_frozen{running, 0, 0, static_cast<uint16_t>(kNoXmax | im::kXminFrozen)};
  EXPECT_TRUE(SatisfiesMvcc(hinted_frozen, snap, me));

  // Vacuum: a committed delete is recently dead while someone may see it.
  other.Ask('c');
  TupleXactFields gone{committed, running, 0, 0};
  EXPECT_EQ(GetOldestXmin(), running);  // our snapshot xmin holds it back
  EXPECT_EQ(SatisfiesVacuum(gone, GetOldestXmin()), VacuumResult::kRecentlyDead);
  EXPECT_EQ(SatisfiesVacuum(gone, running + 1), VacuumResult::kDead);
  EXPECT_TRUE(SatisfiesMvcc(gone, snap, me));  // our snapshot still has it running
  clog::SetStatus(me.top_xid, me.subxids, XidStatus::kCommitted);
  EndTransaction();
  ResetComboCids();
  EXPECT_EQ(proc_array::MySlot()->xid.load(), 0u);
  EXPECT_FALSE(IsInProgress(my_sub));
}

}  // namespace
}  // namespace tusk::transam
