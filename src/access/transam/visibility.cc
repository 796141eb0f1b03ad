// The visibility checks. Each reads the hint bits first (cheap), then asks
// "is it mine?", "is it running?" and only then the clog, and records what the
// clog said as hint bits so the next reader can skip it (README invariant 6).
#include "access/transam/visibility.h"

#include <algorithm>
#include <utility>

#include "access/transam/clog.h"
#include "access/transam/transam.h"

namespace tusk::transam {

namespace {

namespace im = infomask;

// Combo cids of the current transaction, indexed by combo id.
std::vector<std::pair<uint32_t, uint32_t>> g_combos;

bool XminKnownCommitted(const TupleXactFields& t) { return (t.infomask & im::kXminCommitted) != 0; }
bool XminKnownInvalid(const TupleXactFields& t) { return (t.infomask & im::kXminFrozen) == im::kXminInvalid; }
bool XminFrozen(const TupleXactFields& t) {
  return (t.infomask & im::kXminFrozen) == im::kXminFrozen || !IsNormalXid(t.xmin);
}
bool XmaxLockOnly(const TupleXactFields& t) { return (t.infomask & im::kXmaxLockOnly) != 0; }
void Hint(TupleXactFields& t, uint16_t bits) { t.infomask |= bits; }

// Resolves an xmin not yet hinted and not ours: true if committed (hinted),
// false if aborted or crashed (hinted invalid). Only for xids known finished.
bool ResolveFinishedXmin(TupleXactFields& t) {
  if (DidCommit(t.xmin)) {
    Hint(t, im::kXminCommitted);
    return true;
  }
  Hint(t, im::kXminInvalid);
  return false;
}

}  // namespace

bool CurrentXact::IsMine(uint64_t xid) const {
  if (xid == kInvalidXid) return false;
  return xid == top_xid || std::find(subxids.begin(), subxids.end(), xid) != subxids.end();
}

uint32_t ComboCid(uint32_t cmin, uint32_t cmax) {
  for (size_t i = 0; i < g_combos.size(); ++i)
    if (g_combos[i] == std::make_pair(cmin, cmax)) return static_cast<uint32_t>(i);
  g_combos.emplace_back(cmin, cmax);
  return static_cast<uint32_t>(g_combos.size() - 1);
}
uint32_t Cmin(const TupleXactFields& t) {
  return (t.infomask & im::kComboCid) && t.cid < g_combos.size() ? g_combos[t.cid].first : t.cid;
}
uint32_t Cmax(const TupleXactFields& t) {
  return (t.infomask & im::kComboCid) && t.cid < g_combos.size() ? g_combos[t.cid].second : t.cid;
}
void ResetComboCids() { g_combos.clear(); }

bool SatisfiesMvcc(TupleXactFields& t, const Snapshot& snap, const CurrentXact& me) {
  if (!XminKnownCommitted(t) && !XminFrozen(t)) {
    if (XminKnownInvalid(t)) return false;
    if (me.IsMine(t.xmin)) {
      if (Cmin(t) >= snap.curcid) return false;  // inserted by this or a later command
      if (t.infomask & im::kXmaxInvalid) return true;
      if (XmaxLockOnly(t)) return true;
      if (!me.IsMine(t.xmax)) {  // deleted by a subtransaction of ours that rolled back
        Hint(t, im::kXmaxInvalid);
        return true;
      }
      return Cmax(t) >= snap.curcid;  // deleted by a later command: still visible
    }
    if (XidInSnapshot(t.xmin, snap)) return false;
    if (!ResolveFinishedXmin(t)) return false;
  } else if (!XminFrozen(t) && XidInSnapshot(t.xmin, snap)) {
    return false;  // committed, but after our snapshot
  }
  // The inserter's work is visible; now the deleter's.
  if (t.infomask & im::kXmaxInvalid) return true;
  if (XmaxLockOnly(t)) return true;
  if (t.infomask & im::kXmaxCommitted) return XidInSnapshot(t.xmax, snap);
  if (me.IsMine(t.xmax)) return Cmax(t) >= snap.curcid;
  if (XidInSnapshot(t.xmax, snap)) return true;
  if (!DidCommit(t.xmax)) {
    Hint(t, im::kXmaxInvalid);  // aborted, or crashed: never took effect
    return true;
  }
  Hint(t, im::kXmaxCommitted);
  return false;
}

DirtyResult SatisfiesDirty(TupleXactFields& t, const CurrentXact& me) {
  DirtyResult r;
  if (!XminKnownCommitted(t) && !XminFrozen(t)) {
    if (XminKnownInvalid(t)) return r;
    if (me.IsMine(t.xmin)) {
      if ((t.infomask & im::kXmaxInvalid) || XmaxLockOnly(t)) {
        r.visible = true;
      } else if (!me.IsMine(t.xmax)) {
        Hint(t, im::kXmaxInvalid);
        r.visible = true;
      }
      return r;  // otherwise deleted by ourselves
    }
    if (IsInProgress(t.xmin)) {
      r.visible = true;
      r.wait_xmin = t.xmin;
      return r;
    }
    if (!ResolveFinishedXmin(t)) return r;
  }
  r.visible = true;
  if (t.infomask & im::kXmaxInvalid) return r;
  if (XmaxLockOnly(t)) return r;  // a row lock never hides a row
  if (t.infomask & im::kXmaxCommitted) {
    r.visible = false;
    return r;
  }
  if (me.IsMine(t.xmax)) {
    r.visible = false;
    return r;
  }
  if (IsInProgress(t.xmax)) {
    r.wait_xmax = t.xmax;
    return r;
  }
  if (DidCommit(t.xmax)) {
    Hint(t, im::kXmaxCommitted);
    r.visible = false;
    return r;
  }
  Hint(t, im::kXmaxInvalid);
  return r;
}

UpdateResult SatisfiesUpdate(TupleXactFields& t, const CurrentXact& me) {
  const uint32_t curcid = me.curcid;
  if (!XminKnownCommitted(t) && !XminFrozen(t)) {
    if (XminKnownInvalid(t)) return {TmResult::kInvisible, 0};
    if (me.IsMine(t.xmin)) {
      if (Cmin(t) >= curcid) return {TmResult::kInvisible, 0};
      if (t.infomask & im::kXmaxInvalid) return {TmResult::kOk, 0};
      if (!me.IsMine(t.xmax)) {
        Hint(t, im::kXmaxInvalid);
        return {TmResult::kOk, 0};
      }
      // Our own row lock: the caller compares lock strengths.
      if (XmaxLockOnly(t)) return {TmResult::kBeingModified, t.xmax};
      if (Cmax(t) >= curcid) return {TmResult::kSelfModified, t.xmax};
      return {TmResult::kInvisible, 0};
    }
    if (IsInProgress(t.xmin)) return {TmResult::kInvisible, 0};
    if (!ResolveFinishedXmin(t)) return {TmResult::kInvisible, 0};
  }
  if (t.infomask & im::kXmaxInvalid) return {TmResult::kOk, 0};
  if (t.infomask & im::kXmaxCommitted) {
    if (XmaxLockOnly(t)) return {TmResult::kOk, 0};
    return {TmResult::kUpdated, t.xmax};
  }
  if (me.IsMine(t.xmax)) {
    if (XmaxLockOnly(t)) return {TmResult::kBeingModified, t.xmax};
    if (Cmax(t) >= curcid) return {TmResult::kSelfModified, t.xmax};
    return {TmResult::kInvisible, 0};
  }
  if (IsInProgress(t.xmax)) return {TmResult::kBeingModified, t.xmax};
  if (!DidCommit(t.xmax) || XmaxLockOnly(t)) {
    // An aborted deleter, or a locker that has finished: the lock is gone.
    Hint(t, im::kXmaxInvalid);
    return {TmResult::kOk, 0};
  }
  Hint(t, im::kXmaxCommitted);
  return {TmResult::kUpdated, t.xmax};
}

VacuumResult SatisfiesVacuum(TupleXactFields& t, uint64_t oldest_xmin) {
  if (!XminKnownCommitted(t) && !XminFrozen(t)) {
    if (XminKnownInvalid(t)) return VacuumResult::kDead;
    if (IsInProgress(t.xmin)) {
      // Inserted and deleted by the same running transaction: nobody else
      // ever saw it, but it is not dead until that transaction ends.
      if (!(t.infomask & im::kXmaxInvalid) && !XmaxLockOnly(t) && t.xmax == t.xmin)
        return VacuumResult::kDeleteInProgress;
      return VacuumResult::kInsertInProgress;
    }
    if (!ResolveFinishedXmin(t)) return VacuumResult::kDead;
  }
  if (t.infomask & im::kXmaxInvalid) return VacuumResult::kLive;
  if (XmaxLockOnly(t)) {
    if (!(t.infomask & im::kXmaxCommitted) && !IsInProgress(t.xmax)) Hint(t, im::kXmaxInvalid);
    return VacuumResult::kLive;
  }
  if (!(t.infomask & im::kXmaxCommitted)) {
    if (IsInProgress(t.xmax)) return VacuumResult::kDeleteInProgress;
    if (!DidCommit(t.xmax)) {
      Hint(t, im::kXmaxInvalid);
      return VacuumResult::kLive;
    }
    Hint(t, im::kXmaxCommitted);
  }
  // Deleted by a committed transaction: dead once nobody can still see it.
  if (t.xmax >= oldest_xmin) return VacuumResult::kRecentlyDead;
  return VacuumResult::kDead;
}

}  // namespace tusk::transam
