// pg_advisory_* (PostgreSQL's lockfuncs.c): advisory lock tags in the
// heavyweight lock manager, of the session (kept across transactions, gone
// with pg_advisory_unlock*, DISCARD ALL or the session) or of the transaction.
#include "backend/session.h"
#include "catalog/catalog.h"
#include "storage/lmgr/lock.h"
#include "utils/error.h"

namespace tusk::backend {
namespace {

lmgr::LockTag TagOf(const sql::SessionContext::AdvisoryKey& k) {
  return lmgr::LockTag::Advisory(catalog::CurrentDatabase(), k.high, k.low, k.kind);
}

}  // namespace

bool Session::AdvisoryLock(const AdvisoryKey& key, bool shared, bool xact, bool wait) {
  const lmgr::LockTag tag = TagOf(key);
  const lmgr::LockMode mode = shared ? lmgr::LockMode::kShare : lmgr::LockMode::kExclusive;
  const lmgr::LockOwner owner = xact ? lmgr::LockOwner::kTransaction : lmgr::LockOwner::kSession;
  if (lmgr::Acquire(tag, mode, !wait, owner) != lmgr::LockResult::kOk) return false;
  if (!xact) advisory_locks_.emplace_back(tag, mode);
  return true;
}

bool Session::AdvisoryUnlock(const AdvisoryKey& key, bool shared) {
  const lmgr::LockTag tag = TagOf(key);
  const lmgr::LockMode mode = shared ? lmgr::LockMode::kShare : lmgr::LockMode::kExclusive;
  for (auto it = advisory_locks_.begin(); it != advisory_locks_.end(); ++it) {
    if (it->first == tag && it->second == mode) {
      lmgr::Release(tag, mode, lmgr::LockOwner::kSession);
      advisory_locks_.erase(it);
      return true;
    }
  }
  EmitNotice(MakeNotice(ErrLevel::kWarning, sqlstate::kWarning,
                        std::string("you don't own a lock of type ") + lmgr::LockModeName(mode)));
  return false;
}

void Session::AdvisoryUnlockAll() {
  for (const auto& [tag, mode] : advisory_locks_) lmgr::Release(tag, mode, lmgr::LockOwner::kSession);
  advisory_locks_.clear();
}

}  // namespace tusk::backend
