// A real storage stack for heap-level tests: a temporary data directory,
// bootstrapped WAL, a shared-memory region with a process slot, hand-driven
// transactions, simulated crashes (drop the region, replay WAL) and forked
// backends. Shared by the heap, TOAST and other access-method tests.
#pragma once

#include <fcntl.h>
#include <atomic>
#include <cstring>
#include <map>
#include <optional>
#include <gtest/gtest.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <string>
#include "storage/ipc/shmem_setup.h"
#include "access/heap/heapam.h"
#include "access/transam/clog.h"
#include "access/transam/slru.h"
#include "access/transam/snapshot.h"
#include "access/transam/transam.h"
#include "access/wal/wal.h"
#include "access/wal/wal_reader.h"
#include "access/wal/wal_redo.h"
#include "storage/buffer/buffer.h"
#include "storage/file/smgr.h"
#include "storage/file/sync_queue.h"
#include "storage/ipc/proc_array.h"
#include "storage/ipc/shmem.h"
#include "storage/lmgr/lock.h"
#include "storage/lmgr/lwlock.h"
#include "utils/guc.h"

namespace tusk::heap::testing_env {

inline constexpr uint64_t kSysid = 7300000000000000077ull;

class HeapEnv : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/tusk-heap-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    mkdir((dir_ + "/base").c_str(), 0700);
    mkdir((dir_ + "/base/5").c_str(), 0700);
    guc::InitializeDefaults();
    vars_ = guc::V();
    vars_.data_directory = dir_;
    vars_.shared_buffers = 64;
    vars_.wal_buffers = 16;
    vars_.max_connections = 8;
    vars_.autovacuum_max_workers = 2;
    vars_.max_wal_senders = 2;
    vars_.max_locks_per_transaction = 64;
    vars_.full_page_writes = true;
    vars_.fsync = false;
    smgr::SetDataDirForTesting(dir_);
    ckpt_ = wal::BootstrapWal(dir_, kSysid);
    RegisterHeapRmgrs();
    MakeRegion();
    wal::Reader r(dir_, ckpt_, kSysid);
    const wal::DecodedRecord* rec = r.Next();
    ASSERT_NE(rec, nullptr);
    wal::StartupWal(rec->end_lsn, rec->lsn, kSysid);
    rel_.loc = {smgr::kDefaultTablespace, 5, 16384};
    rel_.rel_oid = 16384;
    rel_.db_oid = 5;
    rel_.name = "t";
    rel_.attrs = {{4, 4, true}, {-1, 4, false}};
    CreateStorage(rel_.loc);
  }
  void TearDown() override {
    buffer::ReleaseAllPins();
    ReleaseAllLWLocks();
    buffer::SetWalFlushHook(nullptr);
    transam::SetWalFlushHook(nullptr);
    shmem::DestroyRegion();
    smgr::CloseAll();
    smgr::SetDataDirForTesting("");
    std::filesystem::remove_all(dir_);
  }

  // A fresh region: everything cached in shared memory is gone (a crash).
  void MakeRegion() {
    shmem::CreateServerSharedMemory(vars_);
    wal::SetDataDirectory(dir_);
    ASSERT_NE(proc_array::ClaimSlot(BackendType::kClientBackend), nullptr);
  }

  // Throws the pool and WAL buffers away unwritten and replays from `from`.
  wal::RedoResult Crash(wal::Lsn from) {
    uint64_t next_xid = transam::ReadNextXid();
    smgr::CloseAll();
    buffer::SetWalFlushHook(nullptr);
    transam::SetWalFlushHook(nullptr);
    shmem::DestroyRegion();
    MakeRegion();
    transam::SetNextXid(next_xid);
    wal::RedoResult res;
    wal::RunRedo(from, ckpt_, &res);
    wal::StartupWal(res.end_of_wal, res.last_record, kSysid);
    return res;
  }

  XactContext Begin() {
    XactContext x;
    x.xid = transam::AssignXid(false);
    lmgr::Acquire(lmgr::LockTag::Transaction(x.xid), lmgr::LockMode::kExclusive, false);
    x.snapshot = transam::GetSnapshot();
    x.cid = 0;
    return x;
  }
  // Next command of the transaction: a fresh snapshot that sees earlier commands.
  static void NextCommand(XactContext& x) {
    x.cid++;
    x.snapshot = transam::GetSnapshot();
    x.snapshot.curcid = x.cid;
  }
  static void End(XactContext& x, bool commit) {
    if (commit) wal::Flush(wal::InsertPosition());
    transam::clog::SetStatus(x.xid, x.subxids, commit ? transam::XidStatus::kCommitted : transam::XidStatus::kAborted);
    transam::EndTransaction();
    lmgr::ReleaseAll(false);
    transam::ResetComboCids();
  }

  std::string Row(int32_t id, const std::string& text) {
    std::string idb(reinterpret_cast<const char*>(&id), 4);
    return FormTuple(rel_.attrs, {std::string_view(idb), std::string_view(text)});
  }
  std::pair<int32_t, std::string> Cols(std::string_view tup) {
    std::vector<std::optional<std::string_view>> v;
    DeformTuple(rel_.attrs, tup, &v);
    int32_t id = 0;
    std::memcpy(&id, v[0]->data(), 4);
    return {id, std::string(*v[1])};
  }
  // Rows visible to a new snapshot outside any transaction: id -> text.
  std::map<int32_t, std::string> Visible() {
    std::map<int32_t, std::string> out;
    transam::Snapshot snap = transam::GetSnapshot();
    HeapScan scan(rel_, snap, transam::CurrentXact{});
    ItemPointer tid;
    std::string_view t;
    while (scan.Next(&tid, &t)) out.insert(Cols(t));
    transam::ClearMyXmin();
    return out;
  }
  uint32_t NBlocks() { return buffer::RelationNumBlocks(rel_.loc, smgr::Fork::kMain); }

  std::string dir_;
  guc::Vars vars_;
  wal::Lsn ckpt_ = 0;
  Relation rel_;
};

// Runs `fn` in a forked backend with its own process slot; returns its exit code.
inline pid_t ForkBackend(const std::function<int()>& fn) {
  pid_t pid = fork();
  if (pid == 0) {
    int rc = 1;
    try {
      if (proc_array::ClaimSlot(BackendType::kClientBackend) == nullptr) _exit(2);
      rc = fn();
    } catch (const std::exception& e) {
      fprintf(stderr, "child: %s\n", e.what());
      rc = 3;
    }
    lmgr::ReleaseAll(true);
    _exit(rc);
  }
  return pid;
}
inline int WaitBackend(pid_t pid) {
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 100;
}

// Shared scratch memory for parent/child results.
template <typename T>
T* SharedScratch() {
  void* p = mmap(nullptr, sizeof(T), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  return new (p) T();
}

}  // namespace tusk::heap::testing_env
