// Suspend and resume (contract 11): the shared phase every process consults,
// and the hand-offs between the postmaster (which runs the steps), the
// backends (which stop writing), the checkpointer (which syncs) and the
// autovacuum launcher (which is notified).
//
// Phases, set only by the postmaster:
//   kRunning -> kNotify -> kFreeze -> kSync -> kSuspended -> (resume) kRunning
// and from any of the middle three back to kRunning when a step fails or a
// wake-up event aborts the suspend.
//
// What "frozen" means for the others:
// - From kFreeze on, a process about to start writing (a new top-level
//   transaction ID, VACUUM, a sequence change: WriteScope) waits until the
//   phase is kRunning again; one already writing carries on, and the freeze
//   step waits for it (or fails at the timeout naming it).
// - From kFreeze on, readers neither dirty pages for hint bits nor prune; from
//   kSync on, the writer, the WAL writer, the checkpointer (except for the
//   sync step itself) and the archiver leave the data directory alone.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace tusk::suspend {

enum class Phase : int { kRunning = 0, kNotify, kFreeze, kSync, kSuspended };

size_t ShmemSize();
void ShmemInit();

Phase CurrentPhase();
const char* PhaseName(Phase phase);
// kFreeze and later: no new writers, no hint bits, no pruning.
bool WritesFrozen();
// kSync and later: nothing but the sync step touches the data directory.
bool DataFrozen();

// Postmaster only.
void SetPhase(Phase phase);

// Wraps the start of a write that needs the directory to change. Waits
// (interruptibly, through the lock manager's wait hook) while writes are
// frozen, then marks this process as writing until destroyed, so the freeze
// step waits for it. Nests.
class WriteScope {
 public:
  WriteScope();
  ~WriteScope();
  WriteScope(const WriteScope&) = delete;
  WriteScope& operator=(const WriteScope&) = delete;
};

// Waits while writes are frozen (for callers that publish their own marker
// afterwards, like a new transaction ID in the process array, which
// BeginWriting/EndWriting bracket).
void BeginWriting();
void EndWriting();

// The processes that keep the freeze step waiting: those marked writing or
// holding a top-level transaction ID (prepared transactions aside).
std::vector<int> RunningWriters();

// Requests from SQL (pg_suspend, pg_resume). The backend files one and waits
// for the postmaster's answer; the postmaster takes it at its SIGUSR1.
enum class RequestKind : int { kNone = 0, kSuspend, kResume };
struct Request {
  RequestKind kind = RequestKind::kNone;
  int timeout_s = 60;
  uint64_t ticket = 0;
};
// Backend: returns the ticket to wait for.
uint64_t SubmitRequest(RequestKind kind, int timeout_s);
// Backend: blocks until the answer for `ticket` (calling `wait_hook` every
// 50 ms so cancel and terminate work); false with *message on failure.
bool WaitForAnswer(uint64_t ticket, void (*wait_hook)(), std::string* message);
// Postmaster.
Request TakeRequest();
void Answer(uint64_t ticket, bool ok, const std::string& message);

// The sync step: the postmaster asks, the checkpointer serves (a checkpoint,
// then every file in the data directory fsynced) and reports.
uint64_t RequestSync();                         // postmaster
bool SyncRequested(uint64_t* generation);       // checkpointer
void ReportSyncDone(uint64_t generation, bool ok);  // checkpointer
int SyncOutcome(uint64_t generation);           // postmaster: 0 pending, 1 ok, -1 failed

// The notify step: the autovacuum launcher acknowledges the generation it has
// seen (it has stopped asking for workers).
uint64_t NotifyGeneration();
void SetNotifyGeneration(uint64_t generation);  // postmaster
void AcknowledgeNotify(uint64_t generation);    // launcher
bool NotifyAcknowledged(uint64_t generation);

}  // namespace tusk::suspend
