// LISTEN, UNLISTEN and NOTIFY (PostgreSQL's async.c, session side): what a
// transaction asks for waits in pending_* until it commits (dropped on abort
// and with a rolled-back savepoint); the shared ring is
// storage/ipc/notify_queue.h.
#include <signal.h>

#include "backend/session.h"
#include "catalog/catalog.h"
#include "protocol/message.h"
#include "storage/ipc/notify_queue.h"
#include "storage/ipc/proc_array.h"
#include "utils/error.h"

namespace tusk::backend {
namespace {

int MySlotIndex() {
  ProcSlot* slot = proc_array::MySlot();
  return slot ? proc_array::SlotIndex(slot) : -1;
}

}  // namespace

void Session::Notify(const std::string& channel, const std::string& payload) {
  if (channel.empty()) throw MakeError(sqlstate::kInvalidParameterValue, "channel name cannot be empty");
  if (channel.size() > notify::kMaxChannel) throw MakeError(sqlstate::kInvalidParameterValue, "channel name too long");
  if (payload.size() > notify::kMaxPayload) throw MakeError(sqlstate::kInvalidParameterValue, "payload string too long");
  // The same channel and payload twice in one transaction is delivered once.
  for (const PendingNotify& p : pending_notifies_)
    if (p.channel == channel && p.payload == payload) return;
  pending_notifies_.push_back({channel, payload, savepoints_.size()});
}

std::string Session::RunNotifyStmt(const sql::NotifyStmt& n) {
  switch (n.action) {
    case sql::NotifyStmt::kNotify:
      Notify(n.channel, n.payload);
      return "NOTIFY";
    case sql::NotifyStmt::kListen:
    case sql::NotifyStmt::kUnlisten:
      pending_listens_.push_back({n.action, n.channel, savepoints_.size()});
      return n.action == sql::NotifyStmt::kListen ? "LISTEN" : "UNLISTEN";
  }
  return "NOTIFY";
}

void Session::NotifyPreCommit() {
  if (pending_notifies_.empty()) return;
  size_t bytes = 0;
  for (const PendingNotify& p : pending_notifies_) bytes += notify::EntryBytes(p.channel, p.payload);
  if (!notify::HasRoom(bytes)) throw MakeError(sqlstate::kProgramLimitExceeded, "too many notifications in the NOTIFY queue");
}

void Session::NotifyAtCommit() {
  const int slot = MySlotIndex();
  if (!pending_listens_.empty() && slot >= 0) {
    for (const PendingListen& l : pending_listens_) {
      if (l.action == sql::NotifyStmt::kListen) {
        listen_channels_.insert(l.channel);
      } else if (l.channel.empty()) {
        listen_channels_.clear();
      } else {
        listen_channels_.erase(l.channel);
      }
    }
    if (listen_channels_.empty()) {
      notify::StopListening(slot);
    } else {
      notify::StartListening(slot, catalog::CurrentDatabase());
    }
  }
  pending_listens_.clear();
  if (pending_notifies_.empty() || slot < 0) {
    pending_notifies_.clear();
    return;
  }
  std::vector<std::pair<std::string, std::string>> entries;
  for (PendingNotify& p : pending_notifies_) entries.emplace_back(std::move(p.channel), std::move(p.payload));
  pending_notifies_.clear();
  std::vector<int32_t> wake;
  if (!notify::Append(catalog::CurrentDatabase(), getpid(), entries, slot, &wake)) {
    // Committed already: the queue filled between the check and now.
    EmitNotice(MakeNotice(ErrLevel::kWarning, sqlstate::kProgramLimitExceeded,
                          "too many notifications in the NOTIFY queue; some were dropped"));
  }
  for (int32_t pid : wake) kill(pid, SIGUSR1);  // sets the listener's latch
}

void Session::NotifyAtAbort() {
  pending_listens_.clear();
  pending_notifies_.clear();
}

void Session::NotifyAtRollbackTo(size_t index) {
  std::erase_if(pending_listens_, [&](const PendingListen& l) { return l.level > index; });
  std::erase_if(pending_notifies_, [&](const PendingNotify& p) { return p.level > index; });
}

void Session::UnlistenAll() {
  if (int slot = MySlotIndex(); slot >= 0 && !listen_channels_.empty()) notify::StopListening(slot);
  listen_channels_.clear();
}

void Session::DeliverNotifications() {
  if (listen_channels_.empty() || tx_ != TxState::kIdle || implicit_xact_open_) return;
  const int slot = MySlotIndex();
  if (slot < 0 || !notify::HasUnread(slot)) return;
  for (const notify::Notification& n : notify::ReadUnread(slot)) {
    if (!listen_channels_.count(n.channel)) continue;
    protocol::MessageWriter(&conn_.out(), 'A').Int32(n.pid).CString(n.channel).CString(n.payload);
  }
}

void Session::ReadyForQuery() {
  SyncIdentity();  // a rollback may have undone SET ROLE
  DeliverNotifications();
  protocol::AppendReadyForQuery(&conn_.out(), TxStatusByte());
}

}  // namespace tusk::backend
