// Shared flags for child -> postmaster requests.
#include "storage/ipc/pmsignal.h"

#include <signal.h>
#include <unistd.h>

#include <atomic>

#include "storage/ipc/shmem.h"

namespace tusk::pmsignal {
namespace {

struct Shared {
  std::atomic<bool> flags[static_cast<int>(Reason::kCount)];
  std::atomic<int> quit_reason;
  std::atomic<bool> shutdown_checkpoint;
  std::atomic<int> running_backups;
};

Shared* g_shared = nullptr;

}  // namespace

size_t ShmemSize() { return shmem::AlignedSize(sizeof(Shared)); }

void ShmemInit() { g_shared = static_cast<Shared*>(shmem::Alloc(sizeof(Shared))); }

void SendToPostmaster(Reason reason) {
  g_shared->flags[static_cast<int>(reason)].store(true);
  kill(getppid(), SIGUSR1);
}

bool CheckAndClear(Reason reason) { return g_shared->flags[static_cast<int>(reason)].exchange(false); }

void SetQuitReason(QuitReason reason) { g_shared->quit_reason.store(static_cast<int>(reason)); }

QuitReason GetQuitReason() {
  return g_shared == nullptr ? QuitReason::kNone : static_cast<QuitReason>(g_shared->quit_reason.load());
}

void BackupStarted() { g_shared->running_backups.fetch_add(1); }
void BackupEnded() { g_shared->running_backups.fetch_sub(1); }
int RunningBackups() { return g_shared == nullptr ? 0 : g_shared->running_backups.load(); }

void SetShutdownCheckpointRequested() { g_shared->shutdown_checkpoint.store(true); }
bool ShutdownCheckpointRequested() { return g_shared->shutdown_checkpoint.load(); }

}  // namespace tusk::pmsignal
