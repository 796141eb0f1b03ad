// A parallel worker: forked by the postmaster for one slot, it reads its
// leader's request, attaches to the leader's database and snapshot, runs its
// share of the scan (sql::RunParallelWorker) and streams the results back
// through the slot's ring. Its last write to the slot is kDone, with the
// error fields filled first when it failed; the leader rethrows that error.
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <thread>

#include "access/transam/xact.h"
#include "backend/backend.h"
#include "backend/interrupts.h"
#include "backend/parallel_request.h"
#include "backend/stored_table.h"
#include "catalog/catalog.h"
#include "sql/executor/parallel_codec.h"
#include "sql/executor/parallel_scan.h"
#include "sql/session_context.h"
#include "storage/ipc/latch.h"
#include "storage/ipc/parallel_slots.h"
#include "storage/ipc/proc_array.h"
#include "storage/lmgr/lock.h"
#include "utils/guc.h"
#include "utils/process_globals.h"
#include "utils/ps_title.h"

namespace tusk::backend {

std::string EncodeParallelRequest(const ParallelRequest& r) {
  std::string out;
  sql::ByteWriter w(out);
  w.U32(r.database_oid);
  w.Bytes(r.database);
  w.Bytes(r.user);
  w.U32(r.role_oid);
  w.U8(r.superuser);
  w.U32(r.relid);
  w.I64(static_cast<int64_t>(r.snapshot.xmin));
  w.I64(static_cast<int64_t>(r.snapshot.xmax));
  w.U32(static_cast<uint32_t>(r.snapshot.xip.size()));
  for (uint64_t x : r.snapshot.xip) w.I64(static_cast<int64_t>(x));
  w.U32(static_cast<uint32_t>(r.snapshot.subxip.size()));
  for (uint64_t x : r.snapshot.subxip) w.I64(static_cast<int64_t>(x));
  w.U32(r.snapshot.curcid);
  w.U8(r.snapshot.suboverflowed);
  w.I64(r.xact_start_us);
  w.I64(r.stmt_start_us);
  w.Bytes(r.query);
  w.Bytes(r.work);
  return out;
}

ParallelRequest DecodeParallelRequest(std::string_view bytes) {
  sql::ByteReader rd(bytes);
  ParallelRequest r;
  r.database_oid = rd.U32();
  r.database = std::string(rd.Bytes());
  r.user = std::string(rd.Bytes());
  r.role_oid = rd.U32();
  r.superuser = rd.U8() != 0;
  r.relid = rd.U32();
  r.snapshot.xmin = static_cast<uint64_t>(rd.I64());
  r.snapshot.xmax = static_cast<uint64_t>(rd.I64());
  for (uint32_t n = rd.U32(); n > 0; --n) r.snapshot.xip.push_back(static_cast<uint64_t>(rd.I64()));
  for (uint32_t n = rd.U32(); n > 0; --n) r.snapshot.subxip.push_back(static_cast<uint64_t>(rd.I64()));
  r.snapshot.curcid = rd.U32();
  r.snapshot.suboverflowed = rd.U8() != 0;
  r.xact_start_us = rd.I64();
  r.stmt_start_us = rd.I64();
  r.query = std::string(rd.Bytes());
  r.work = std::string(rd.Bytes());
  return r;
}

namespace {

using parallel::SlotState;
using parallel::WorkerSlot;

[[noreturn]] void ThrowInParallel(const std::string& what) {
  throw PgError(sqlstate::kInvalidTransactionState, "cannot " + what + " during a parallel operation");
}

// What the engine may ask of its session inside a worker: who and when,
// interrupts, and nothing that reads or changes session state (the planner
// keeps such functions out of parallel work; these errors are the backstop).
class WorkerContext : public sql::SessionContext {
 public:
  WorkerContext(const ParallelRequest& r, WorkerSlot& slot) : r_(r), slot_(slot) {}
  int BackendPid() override { return slot_.leader_pid; }
  std::string CurrentUser() override { return r_.user; }
  std::string SessionUser() override { return r_.user; }
  std::string CurrentDatabase() override { return r_.database; }
  bool IsSuperuser() override { return r_.superuser; }
  std::optional<std::string> GetConfig(const std::string& name, bool missing_ok) override {
    return guc::ShowConfigOption(name, missing_ok);
  }
  std::string SetConfig(const std::string&, const std::string&, bool) override { ThrowInParallel("set parameters"); }
  bool CancelBackend(int) override { ThrowInParallel("signal backends"); }
  bool TerminateBackend(int) override { ThrowInParallel("signal backends"); }
  bool ReloadConf() override { ThrowInParallel("reload the configuration"); }
  int64_t TransactionStartMicros() override { return r_.xact_start_us; }
  int64_t StatementStartMicros() override { return r_.stmt_start_us; }
  void SleepInterruptibly(double seconds) override {
    const auto until = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
    while (std::chrono::steady_clock::now() < until) {
      CheckForInterrupts();
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(until - std::chrono::steady_clock::now());
      latch::ResetLatch();
      latch::WaitLatch(-1, 0, std::clamp<long>(left.count(), 1, 100));
    }
  }
  void CheckForInterrupts() override {
    backend::CheckForInterrupts();
    if (slot_.abort.load()) throw PgError(sqlstate::kQueryCanceled, "canceling statement due to user request");
  }
  void EmitNotice(const ErrorData&) override {}
  sql::VirtualTable* LookupRelation(const std::string&, const std::string&) override { return nullptr; }

 private:
  const ParallelRequest& r_;
  WorkerSlot& slot_;
};

// One length-prefixed message into the ring, waiting for room as needed.
void Send(WorkerSlot& slot, WorkerContext& ctx, std::string_view msg) {
  const uint32_t len = static_cast<uint32_t>(msg.size());
  char prefix[4];
  std::memcpy(prefix, &len, 4);
  std::string_view parts[2] = {std::string_view(prefix, 4), msg};
  for (std::string_view part : parts) {
    while (!part.empty()) {
      const size_t n = parallel::RingWrite(slot, part.data(), part.size());
      part.remove_prefix(n);
      if (n > 0) continue;
      latch::ResetLatch();
      slot.worker_waiting.store(true);
      const bool room = parallel::RingAvailable(slot) < parallel::kRingBytes;
      if (!room && !slot.abort.load()) latch::WaitLatch(-1, 0, 100);
      slot.worker_waiting.store(false);
      ctx.CheckForInterrupts();
    }
  }
}

void Report(WorkerSlot& slot, const ErrorData& d) {
  auto put = [](char* dst, size_t cap, const std::string& s) {
    const size_t n = std::min(cap - 1, s.size());
    std::memcpy(dst, s.data(), n);
    dst[n] = '\0';
  };
  put(slot.sqlstate, sizeof slot.sqlstate, d.sqlstate);
  put(slot.message, sizeof slot.message, d.message);
  put(slot.detail, sizeof slot.detail, d.detail);
  put(slot.hint, sizeof slot.hint, d.hint);
  slot.failed = true;
}

void Run(WorkerSlot& slot, const ParallelRequest& r) {
  WorkerContext ctx(r, slot);
  catalog::SetCurrentDatabase(r.database_oid);
  xact::StartTransaction(xact::Isolation::kReadCommitted, true);
  xact::StartCommand();
  try {
    xact::QuerySnapshotScope as_leader(&r.snapshot);
    StoredTablesAtStatementStart();
    auto open = [](uint32_t relid) {
      std::shared_ptr<sql::StoredTable> t = OpenStoredTableByOid(relid);
      if (!t) throw PgError(sqlstate::kInternalError, "parallel worker could not open relation " + std::to_string(relid));
      return t;
    };
    WorkerSlot& group = parallel::Slot(slot.group_slot);
    const uint32_t nblocks = slot.nblocks;
    auto next_block = [&group, nblocks](uint32_t* block) {
      const uint32_t b = group.next_block.fetch_add(1);
      if (b >= nblocks) return false;
      *block = b;
      return true;
    };
    sql::RunParallelWorker(r.work, open, r.relid, next_block, ctx, [&](std::string_view msg) { Send(slot, ctx, msg); });
  } catch (...) {
    xact::Abort();
    StoredTablesAtTransactionEnd();
    throw;
  }
  xact::Commit();
  StoredTablesAtTransactionEnd();
}

}  // namespace

int ParallelWorkerMain(int slot_index) {
  Globals().my_type = BackendType::kParallelWorker;
  InstallBackendSignalHandlers();
  lmgr::SetWaitInterruptHook(&CheckForInterrupts);
  WorkerSlot& slot = parallel::Slot(slot_index);
  slot.worker_pid.store(getpid());
  InitPsDisplay("bgworker: parallel worker for PID " + std::to_string(slot.leader_pid));
  int rc = 0;
  try {
    ParallelRequest r = DecodeParallelRequest(std::string_view(slot.request, slot.request_len));
    if (ProcSlot* me = proc_array::ClaimSlot(BackendType::kParallelWorker)) {
      proc_array::SlotWriter w(me);
      me->leader_pid = slot.leader_pid;
      me->database_oid = r.database_oid;
      me->role_oid = r.role_oid;
      me->is_superuser = r.superuser;
      me->state = SessionState::kRunning;
      me->query_start_us = me->state_change_us = r.stmt_start_us;
      me->xact_start_us = r.xact_start_us;
      proc_array::CopyString(me->database, sizeof me->database, r.database);
      proc_array::CopyString(me->user, sizeof me->user, r.user);
      proc_array::CopyString(me->query, sizeof me->query, r.query);
    }
    StatementStarted(0);  // a cancel (SIGINT) now ends the work, as in a backend
    Run(slot, r);
  } catch (const PgError& e) {
    Report(slot, e.data());
    rc = e.data().level == ErrLevel::kFatal ? 1 : 0;
  } catch (const std::exception& e) {
    ErrorData d;
    d.message = e.what();
    Report(slot, d);
  }
  lmgr::ReleaseAll(false);
  proc_array::ReleaseMySlot();
  slot.state.store(static_cast<int32_t>(SlotState::kDone));
  kill(slot.leader_pid, SIGUSR1);
  return rc;
}

}  // namespace tusk::backend
