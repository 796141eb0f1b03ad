// The leader's side of parallel query: reserving worker slots, writing their
// requests, reading their message streams, and getting every worker out of
// its slot again when the scan ends, fails or is cancelled.
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <algorithm>

#include "access/transam/xact.h"
#include "backend/interrupts.h"
#include "backend/parallel_request.h"
#include "backend/session.h"
#include "storage/ipc/latch.h"
#include "storage/ipc/parallel_slots.h"
#include "storage/ipc/proc_array.h"
#include "utils/guc.h"

namespace tusk::backend {
namespace {

using parallel::SlotState;
using parallel::WorkerSlot;

SlotState StateOf(const WorkerSlot& s) { return static_cast<SlotState>(s.state.load()); }

// A worker that has ended, or never will start.
bool Ended(const WorkerSlot& s) { return StateOf(s) == SlotState::kDone || StateOf(s) == SlotState::kFailed; }

// A forked worker that is gone without saying it was done (killed before its
// first instruction, or a FATAL it could not report).
bool Vanished(const WorkerSlot& s) {
  const pid_t pid = s.worker_pid.load();
  return StateOf(s) == SlotState::kStarting && pid > 0 && kill(pid, 0) != 0 && errno == ESRCH;
}

// The settings under which no scan is given workers.
bool SettingsAllowWorkers() {
  const guc::Vars& v = guc::V();
  return v.max_parallel_workers_per_gather > 0 && parallel::NumSlots() > 0;
}

// Not once this transaction has an xid: its own rows are visible to it
// through its xids and command ids, which workers do not share. The top
// level's tells: it is assigned before any subtransaction's, and the
// current subtransaction may have none yet with its parent's rows to see.
bool XactAllowsWorkers() { return xact::GetTopXid() == 0; }

class LeaderWorkers : public sql::ParallelWorkers {
 public:
  LeaderWorkers(std::vector<int> slots, uint32_t nblocks)
      : slots_(std::move(slots)), nblocks_(nblocks), local_(nblocks) {
    pending_.resize(slots_.size());
    finished_.assign(slots_.size(), false);
  }
  ~LeaderWorkers() override { Release(); }

  int Launched() const override { return static_cast<int>(slots_.size()); }

  bool NextBlock(uint32_t* block) override {
    if (slots_.empty()) return local_.Next(block);
    // Blocks one at a time: every page is in shared buffers or the kernel's
    // cache, and finer shares balance better than PostgreSQL's chunks would.
    const uint32_t b = parallel::Slot(slots_[0]).next_block.fetch_add(1);
    if (b >= nblocks_) return false;
    *block = b;
    return true;
  }

  Poll Receive(std::string* msg, bool wait) override {
    for (;;) {
      bool all_finished = true;
      for (size_t k = 0; k < slots_.size(); ++k) {
        const size_t i = (next_ + k) % slots_.size();
        if (finished_[i]) continue;
        if (TakeMessage(i, msg)) {
          next_ = i + 1;
          return Poll::kMessage;
        }
        if (!finished_[i]) all_finished = false;
      }
      if (all_finished) return Poll::kFinished;
      if (!wait) return Poll::kNone;
      Sleep();
    }
  }

 private:
  struct Pending {
    uint32_t need = 0;  // body length once the prefix is in
    bool have_len = false;
    std::string buf;
  };

  // Completes slot i's next message if its bytes are all there; marks the
  // slot finished when its worker ended and the ring is drained.
  bool TakeMessage(size_t i, std::string* msg) {
    WorkerSlot& s = parallel::Slot(slots_[i]);
    Pending& p = pending_[i];
    const bool ended = Ended(s);  // read before the ring: its last bytes precede kDone
    for (;;) {
      const size_t want = p.have_len ? p.need - p.buf.size() : 4 - p.buf.size();
      if (want > 0) {
        const size_t old = p.buf.size();
        p.buf.resize(old + want);
        const size_t got = parallel::RingRead(s, p.buf.data() + old, want);
        p.buf.resize(old + got);
        if (got < want) break;
      }
      if (!p.have_len) {
        std::memcpy(&p.need, p.buf.data(), 4);
        p.have_len = true;
        p.buf.clear();
        continue;
      }
      msg->swap(p.buf);
      p.buf.clear();
      p.have_len = false;
      return true;
    }
    if (ended) {
      finished_[i] = true;
      if (s.failed) ThrowWorkerError(s);
    } else if (Vanished(s)) {
      finished_[i] = true;
      throw PgError(sqlstate::kInternalError, "lost connection to parallel worker");
    }
    return false;
  }

  [[noreturn]] static void ThrowWorkerError(const WorkerSlot& s) {
    ErrorData d;
    d.sqlstate = std::string(s.sqlstate, strnlen(s.sqlstate, sizeof s.sqlstate));
    d.message = std::string(s.message, strnlen(s.message, sizeof s.message));
    d.detail = std::string(s.detail, strnlen(s.detail, sizeof s.detail));
    d.hint = std::string(s.hint, strnlen(s.hint, sizeof s.hint));
    d.context = "parallel worker";
    throw PgError(std::move(d));
  }

  void Sleep() {
    latch::ResetLatch();
    for (int slot : slots_) parallel::Slot(slot).leader_waiting.store(true);
    bool ready = false;
    for (size_t i = 0; i < slots_.size() && !ready; ++i) {
      const WorkerSlot& s = parallel::Slot(slots_[i]);
      ready = !finished_[i] && (parallel::RingAvailable(s) > 0 || Ended(s) || Vanished(s));
    }
    // The timeout only bounds how long a lost wake-up could cost.
    if (!ready) latch::WaitLatch(-1, 0, 100);
    for (int slot : slots_) parallel::Slot(slot).leader_waiting.store(false);
    CheckForInterrupts();
  }

  // Every worker is told to stop and waited for; only then are the slots
  // free for others (a worker still running would write into a new
  // request's ring).
  void Release() {
    for (int slot : slots_) {
      WorkerSlot& s = parallel::Slot(slot);
      s.abort.store(true);
      int32_t requested = static_cast<int32_t>(SlotState::kRequested);
      s.state.compare_exchange_strong(requested, static_cast<int32_t>(SlotState::kFailed));  // never forked
      if (pid_t pid = s.worker_pid.load(); pid > 0 && !Ended(s)) kill(pid, SIGUSR1);
    }
    for (int slot : slots_) {
      WorkerSlot& s = parallel::Slot(slot);
      s.leader_waiting.store(true);
      while (!Ended(s) && !Vanished(s) && latch::PostmasterIsAlive()) {
        // A worker blocked on a full ring: drain it so it reaches its abort check.
        char sink[4096];
        while (parallel::RingRead(s, sink, sizeof sink) > 0) {}
        latch::ResetLatch();
        if (!Ended(s)) latch::WaitLatch(-1, 0, 10);
      }
      s.leader_waiting.store(false);
      s.state.store(static_cast<int32_t>(SlotState::kFree));
    }
    slots_.clear();
  }

  std::vector<int> slots_;
  uint32_t nblocks_;
  sql::LocalBlockCounter local_;  // no slot was reserved: the leader scans alone
  std::vector<Pending> pending_;
  std::vector<bool> finished_;
  size_t next_ = 0;
};

}  // namespace

// Not parallel_ok_: a plan is built when its portal is opened, before the
// statement runs under ParallelScope, so it is still false then. An xid
// stays until the transaction ends, and a plan normally runs in the
// transaction that built it.
bool Session::ParallelPossible(bool execute) { return SettingsAllowWorkers() && (!execute || XactAllowsWorkers()); }

// PostgreSQL's compute_parallel_worker for a table: one worker from
// min_parallel_table_scan_size on, one more each time the size triples.
int Session::ParallelWorkersFor(uint32_t nblocks) {
  if (!SettingsAllowWorkers()) return 0;
  const guc::Vars& v = guc::V();
  if (nblocks < static_cast<uint32_t>(v.min_parallel_table_scan_size)) return 0;
  int workers = 1;
  for (uint64_t threshold = std::max(v.min_parallel_table_scan_size, 1) * 3ull; nblocks >= threshold && workers < 1024;
       threshold *= 3)
    ++workers;
  return std::min(workers, v.max_parallel_workers_per_gather);
}

std::unique_ptr<sql::ParallelWorkers> Session::LaunchParallelWorkers(uint32_t relid, uint32_t nblocks, int workers,
                                                                     const std::function<std::string()>& request) {
  // As in PostgreSQL: not for cursors or portals that may be suspended.
  if (!parallel_ok_ || !XactAllowsWorkers()) return nullptr;
  const guc::Vars& v = guc::V();
  workers = std::min(workers, v.max_parallel_workers_per_gather);
  std::vector<int> slots = workers > 0 ? parallel::Reserve(workers, v.max_parallel_workers) : std::vector<int>();
  if (!slots.empty()) {
    ParallelRequest r;
    r.database_oid = info_.database_oid;
    r.database = info_.database;
    r.user = info_.user;
    r.role_oid = info_.role.oid;
    r.superuser = info_.role.superuser;
    r.relid = relid;
    r.snapshot = xact::GetTransactionSnapshot();
    r.xact_start_us = xact_start_us_;
    r.stmt_start_us = stmt_start_us_;
    if (ProcSlot* me = proc_array::MySlot()) r.query = std::string(me->query, strnlen(me->query, sizeof me->query));
    r.work = request();
    const std::string bytes = EncodeParallelRequest(r);
    if (bytes.size() > parallel::kRequestBytes) {
      for (int slot : slots) parallel::Slot(slot).state.store(static_cast<int32_t>(SlotState::kFree));
      slots.clear();
    }
    for (int slot : slots) {
      WorkerSlot& s = parallel::Slot(slot);
      s.group_slot = slots[0];
      s.nblocks = nblocks;
      s.request_len = static_cast<uint32_t>(bytes.size());
      std::memcpy(s.request, bytes.data(), bytes.size());
    }
    parallel::Submit(slots);
  }
  return std::make_unique<LeaderWorkers>(std::move(slots), nblocks);
}

}  // namespace tusk::backend
