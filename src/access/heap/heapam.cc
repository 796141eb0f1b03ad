// Writing the heap: choosing a page (FSM, extension), insert, multi-insert,
// delete, update and row locks, each WAL-logged under the page's exclusive
// content lock. Waiting for other transactions follows PostgreSQL's protocol.
#include "access/heap/heapam.h"

#include <unistd.h>

#include <algorithm>
#include <map>
#include <tuple>

#include "access/heap/heap_internal.h"
#include "access/transam/subtrans.h"
#include "access/transam/transam.h"
#include "storage/ipc/sinval.h"
#include "storage/lmgr/lock.h"
#include "utils/error.h"

namespace tusk::heap {

namespace im = transam::infomask;
namespace im2 = transam::infomask2;
using buffer::Buffer;
using internal::XmaxChange;

namespace {

// Last block this process inserted into, per relation: the next insert tries
// it first, so a session fills one page instead of asking the FSM each time.
// The block this process last inserted into, per relation file, and the
// truncation count it was valid at (sinval.h): trusted without asking the
// file's size until some relation is truncated.
// A new buffer pool (another cluster set up in this process, as the unit
// tests do) forgets them all.
struct Target {
  uint32_t block = smgr::kInvalidBlock;
  uint64_t truncations = 0;
  uint64_t epoch = 0;
};
std::map<std::tuple<uint32_t, uint32_t, uint32_t>, Target> g_target;

Target& TargetOf(const Relation& rel) {
  Target& t = g_target[{rel.loc.spc_oid, rel.loc.db_oid, rel.loc.rel_number}];
  if (t.epoch != buffer::PoolEpoch()) t = Target{smgr::kInvalidBlock, 0, buffer::PoolEpoch()};
  return t;
}

size_t ReserveFor(const Relation& rel) {
  int ff = std::clamp(rel.fillfactor, 10, 100);
  return page::kPageSize * static_cast<size_t>(100 - ff) / 100;
}

void Release(Buffer buf) {
  buffer::UnlockBuffer(buf);
  buffer::ReleaseBuffer(buf);
}

void CheckSize(size_t size) {
  if (size > kMaxTupleSize) {
    char msg[128];
    std::snprintf(msg, sizeof msg, "row is too big: size %zu, maximum size %zu", size, kMaxTupleSize);
    throw PgError(sqlstate::kProgramLimitExceeded, msg);
  }
  if (size < kMinTupleHeader) throw PgError(sqlstate::kInternalError, "heap tuple shorter than its header");
}

// A copy of the caller's tuple with the inserting transaction's fields.
std::string PrepareTuple(std::string_view tuple, const XactContext& xact, uint16_t extra_infomask) {
  CheckSize(tuple.size());
  std::string t(tuple);
  SetTupXmin(t.data(), xact.StampXid());
  SetTupXmax(t.data(), 0);
  SetTupCid(t.data(), xact.cid);
  SetTupInfomask(t.data(), static_cast<uint16_t>((TupInfomask(t.data()) & (im::kHasNull | im::kHasVarWidth |
                                                                            im::kHasExternal)) |
                                                 im::kXmaxInvalid | extra_infomask));
  SetTupInfomask2(t.data(), TupNatts(t.data()));
  return t;
}

// Pinned, exclusively locked page (not `exclude`) with room for `len` bytes
// plus the fillfactor reserve (an empty page takes any tuple that fits).
// `skip_fsm` (a bulk load into storage new in this subtransaction, so the
// map knows of no free space): a full target is not recorded, and a new
// page is added without searching the map, as PostgreSQL's
// HEAP_INSERT_SKIP_FSM.
Buffer GetPageForTuple(Relation& rel, size_t len, uint32_t exclude, bool skip_fsm = false) {
  const size_t need = page::MaxAlign(len), reserve = ReserveFor(rel);
  Target& cached = TargetOf(rel);
  const uint64_t truncations = sinval::TruncationCount();
  uint32_t target = cached.truncations == truncations ? cached.block : smgr::kInvalidBlock;
  uint32_t search_from = target == smgr::kInvalidBlock ? 0 : target;
  for (;;) {
    if (target == exclude) target = smgr::kInvalidBlock;
    if (target == smgr::kInvalidBlock && !skip_fsm) {
      const uint32_t nblocks = buffer::RelationNumBlocks(rel.loc, smgr::Fork::kMain);
      if (search_from >= nblocks) search_from = 0;
      target = internal::FsmSearch(rel.loc, need + reserve, search_from, nblocks);
      if (target == exclude && target != smgr::kInvalidBlock) {
        target = internal::FsmSearch(rel.loc, need + reserve, target + 1, nblocks);
        if (target == exclude) target = smgr::kInvalidBlock;
      }
    }
    Buffer buf;
    if (target == smgr::kInvalidBlock) {
      // The extension lock inside ReadBuffer makes this block ours alone.
      buf = buffer::ReadBuffer(rel.loc, smgr::Fork::kMain, buffer::kNewBlock);
      target = buffer::TagOf(buf).block;
    } else {
      buf = buffer::ReadBuffer(rel.loc, smgr::Fork::kMain, target);
    }
    buffer::LockBuffer(buf, LWLockMode::kExclusive);
    char* p = buffer::BufferPage(buf);
    if (page::PageIsNew(p)) page::InitPage(p, 0);
    const size_t free = page::FreeSpace(p);
    bool empty = true;
    for (page::OffsetNumber o = 1; o <= page::ItemCount(p) && empty; ++o)
      empty = !page::GetItemId(p, o)->IsUsed();
    if (free >= need + reserve || (empty && free >= need)) {
      cached = {target, truncations, buffer::PoolEpoch()};
      return buf;
    }
    Release(buf);
    if (!skip_fsm) internal::FsmRecord(rel.loc, target, free > reserve ? free - reserve : 0);
    search_from = target + 1;
    target = smgr::kInvalidBlock;
  }
}

// Whether redo may rebuild the page from empty: our tuple is its only one.
bool OnlyTuple(const char* p, page::OffsetNumber off) { return off == 1 && page::ItemCount(p) == 1; }

wal::Lsn LogXmaxChange(const Relation& rel, Buffer buf, const XmaxChange& c, uint8_t op, uint64_t xid) {
  std::string main = internal::EncodeXmaxChange(c);
  wal::RecordBuilder b;
  b.RegisterBlock(0, internal::ToWal(rel.loc), 0, buffer::TagOf(buf).block, buffer::BufferPage(buf),
                  wal::kRegStandard);
  b.AddData(main.data(), main.size());
  return b.Insert(wal::kRmgrHeap, op, xid);
}

void NotePruneXid(char* p, uint64_t xid) {
  if (page::GetPruneXid(p) == 0 || page::GetPruneXid(p) > xid) page::SetPruneXid(p, xid);
}

// Waits until `xid` (and, for a subtransaction, its top-level transaction)
// has ended, by queueing on its transaction lock as PostgreSQL does.
void WaitForXact(uint64_t xid) {
  for (;;) {
    lmgr::LockTag tag = lmgr::LockTag::Transaction(xid);
    lmgr::Acquire(tag, lmgr::LockMode::kShare, false);
    lmgr::Release(tag, lmgr::LockMode::kShare);
    if (!transam::IsInProgress(xid)) return;
    uint64_t top = transam::subtrans::GetTopmost(xid);
    if (top != transam::kInvalidXid && top != xid) {
      tag = lmgr::LockTag::Transaction(top);
      lmgr::Acquire(tag, lmgr::LockMode::kShare, false);
      lmgr::Release(tag, lmgr::LockMode::kShare);
    }
    // A transaction whose lock is not (yet) taken by its owner: poll.
    if (transam::IsInProgress(xid)) usleep(1000);
  }
}

// The tuple lock queues waiters for one row in arrival order; held only
// from the first wait until the row's xmax is ours.
struct TupleLockGuard {
  lmgr::LockTag tag;
  bool held = false;
  ~TupleLockGuard() {
    if (held) lmgr::Release(tag, lmgr::LockMode::kExclusive);
  }
};

struct LockedTuple {
  Buffer buf = buffer::kInvalidBuffer;
  char* page = nullptr;
  char* tup = nullptr;
};

// Locks the tuple's page exclusively and decides with SatisfiesUpdate whether
// we may change it, waiting for other writers per `policy`. On kOk the page
// stays locked in *out; otherwise nothing is held.
TmStatus AcquireForChange(Relation& rel, ItemPointer tid, const XactContext& xact, LockWaitPolicy policy,
                          TupleLockGuard* guard, LockedTuple* out, TmFailure* failure) {
  const transam::CurrentXact me = xact.Me();
  for (;;) {
    if (!buffer::BlockExists(rel.loc, smgr::Fork::kMain, tid.block)) return TmStatus::kInvisible;
    Buffer buf = buffer::ReadBuffer(rel.loc, smgr::Fork::kMain, tid.block);
    buffer::LockBuffer(buf, LWLockMode::kExclusive);
    char* p = buffer::BufferPage(buf);
    if (page::PageIsNew(p) || tid.offset < 1 || tid.offset > page::ItemCount(p) ||
        page::GetItemId(p, tid.offset)->flags() != page::LpFlags::kNormal) {
      Release(buf);
      return TmStatus::kInvisible;
    }
    char* tup = page::GetItem(p, tid.offset);
    transam::TupleXactFields f = ReadXactFields(tup);
    const uint16_t before = f.infomask;
    transam::UpdateResult r = transam::SatisfiesUpdate(f, me);
    if (f.infomask != before) {
      SetTupInfomask(tup, f.infomask);
      buffer::MarkBufferDirty(buf);
    }
    if (failure) *failure = TmFailure{TupCtid(tup), r.xmax, transam::Cmax(f)};
    switch (r.result) {
      case transam::TmResult::kOk:
        *out = {buf, p, tup};
        return TmStatus::kOk;
      case transam::TmResult::kInvisible:
        Release(buf);
        return TmStatus::kInvisible;
      case transam::TmResult::kSelfModified:
        Release(buf);
        return TmStatus::kSelfModified;
      case transam::TmResult::kUpdated: {
        ItemPointer next = TupCtid(tup);
        Release(buf);
        return next == tid ? TmStatus::kDeleted : TmStatus::kUpdated;
      }
      case transam::TmResult::kBeingModified:
        if (me.IsMine(r.xmax)) {  // our own row lock: the caller upgrades or replaces it
          *out = {buf, p, tup};
          return TmStatus::kOk;
        }
        Release(buf);
        if (policy == LockWaitPolicy::kNoWait)
          throw PgError(sqlstate::kLockNotAvailable, "could not obtain lock on row in relation \"" + rel.name + "\"");
        if (policy == LockWaitPolicy::kSkipLocked) return TmStatus::kWouldBlock;
        if (!guard->held) {
          guard->tag = lmgr::LockTag::Tuple(rel.db_oid, rel.rel_oid, tid.block, tid.offset);
          lmgr::Acquire(guard->tag, lmgr::LockMode::kExclusive, false);
          guard->held = true;
        }
        WaitForXact(r.xmax);
        continue;  // re-check: the row may have changed meanwhile
    }
  }
}

// The xmax side of a delete or update by `xact`: a combo cid when we also
// inserted the row, so both our cmin and cmax stay known.
void StampXmax(char* tup, const XactContext& xact, ItemPointer ctid) {
  transam::TupleXactFields f = ReadXactFields(tup);
  uint16_t mask = static_cast<uint16_t>(f.infomask & ~internal::kXmaxBits);
  uint32_t cid = xact.cid;
  if (xact.Me().IsMine(f.xmin)) {
    cid = transam::ComboCid(transam::Cmin(f), xact.cid);
    mask |= im::kComboCid;
  }
  SetTupXmax(tup, xact.StampXid());
  SetTupCid(tup, cid);
  SetTupInfomask(tup, mask);
  SetTupInfomask2(tup, static_cast<uint16_t>((TupInfomask2(tup) | im2::kKeysUpdated) & ~im2::kHotUpdated));
  SetTupCtid(tup, ctid);
}

// Whether an update leaves every indexed attribute byte-for-byte as it was
// (PostgreSQL's rule for HOT: no index would need a new entry).
bool SameAttrs(const Relation& rel, std::string_view old_tup, std::string_view new_tup,
               const std::vector<uint16_t>& attrs) {
  if (attrs.empty()) return true;
  thread_local std::vector<std::optional<std::string_view>> a, b;
  thread_local std::vector<bool> ea, eb;
  const size_t limit = *std::max_element(attrs.begin(), attrs.end()) + 1u;
  DeformTuple(rel.attrs, old_tup, &a, &ea, limit);
  DeformTuple(rel.attrs, new_tup, &b, &eb, limit);
  for (uint16_t i : attrs) {
    if (i >= a.size() || i >= b.size() || a[i] != b[i]) return false;
    if ((i < ea.size() && ea[i]) != (i < eb.size() && eb[i])) return false;
  }
  return true;
}

int LockStrength(uint16_t infomask, uint16_t infomask2) {
  if ((infomask & im::kXmaxShrLock) == im::kXmaxShrLock) return 1;
  if (infomask & im::kXmaxExclLock) return (infomask2 & im2::kKeysUpdated) ? 3 : 2;
  if (infomask & im::kXmaxKeyShrLock) return 0;
  return -1;
}

uint16_t LockBits(RowLockMode mode) {
  switch (mode) {
    case RowLockMode::kKeyShare: return im::kXmaxKeyShrLock;
    case RowLockMode::kShare: return im::kXmaxShrLock;
    default: return im::kXmaxExclLock;
  }
}

// Sets a lock-only xmax of ours on a locked tuple and logs it.
void SetRowLock(Relation& rel, const LockedTuple& lt, ItemPointer tid, RowLockMode mode, const XactContext& xact) {
  const uint16_t keep = static_cast<uint16_t>(internal::kXmaxBits & ~im::kComboCid);
  SetTupXmax(lt.tup, xact.StampXid());
  SetTupInfomask(lt.tup, static_cast<uint16_t>((TupInfomask(lt.tup) & ~keep) | im::kXmaxLockOnly | LockBits(mode)));
  uint16_t m2 = TupInfomask2(lt.tup) & ~im2::kKeysUpdated;
  if (mode == RowLockMode::kUpdate) m2 |= im2::kKeysUpdated;
  SetTupInfomask2(lt.tup, m2);
  wal::Lsn lsn = LogXmaxChange(rel, lt.buf, internal::CaptureXmaxChange(lt.tup, tid.offset), internal::kHeapLock,
                               xact.StampXid());
  page::SetLsn(lt.page, lsn);
  buffer::MarkBufferDirty(lt.buf);
}

}  // namespace

void CheckTupleSize(size_t size) { CheckSize(size); }

ItemPointer Insert(Relation& rel, std::string_view tuple, XactContext& xact) {
  std::string t = PrepareTuple(tuple, xact, 0);
  for (;;) {
    Buffer buf = GetPageForTuple(rel, t.size(), smgr::kInvalidBlock);
    char* p = buffer::BufferPage(buf);
    const uint32_t block = buffer::TagOf(buf).block;
    page::OffsetNumber off = page::AddItem(p, t.data(), t.size(), page::kInvalidOffset, page::kIsHeap);
    if (off == page::kInvalidOffset) {  // out of line pointers
      Release(buf);
      internal::FsmRecord(rel.loc, block, 0);
      TargetOf(rel).block = smgr::kInvalidBlock;
      continue;
    }
    char* item = page::GetItem(p, off);
    SetTupCtid(item, {block, off});
    const bool init = OnlyTuple(p, off);
    wal::RecordBuilder b;
    b.RegisterBlock(0, internal::ToWal(rel.loc), 0, block, p, wal::kRegStandard | (init ? wal::kRegWillInit : 0));
    b.AddBlockData(0, item, t.size());
    b.AddData(&off, sizeof off);
    wal::Lsn lsn = b.Insert(wal::kRmgrHeap, internal::kHeapInsert | (init ? internal::kHeapInitPage : 0),
                            xact.StampXid());
    page::SetLsn(p, lsn);
    buffer::MarkBufferDirty(buf);
    Release(buf);
    return {block, off};
  }
}

void MultiInsert(Relation& rel, std::vector<std::string>& tuples, XactContext& xact, std::vector<ItemPointer>* tids,
                 bool frozen) {
  const uint64_t xmin = xact.StampXid();
  const uint32_t cid = xact.cid;
  for (std::string& t : tuples) {
    CheckSize(t.size());
    char* h = t.data();
    SetTupXmin(h, xmin);
    SetTupXmax(h, 0);
    SetTupCid(h, cid);
    SetTupInfomask(h, static_cast<uint16_t>((TupInfomask(h) & (im::kHasNull | im::kHasVarWidth | im::kHasExternal)) |
                                            im::kXmaxInvalid | (frozen ? im::kXminFrozen : 0)));
    SetTupInfomask2(h, TupNatts(h));
  }
  const size_t reserve = ReserveFor(rel);
  std::string main, data;
  size_t i = 0;
  while (i < tuples.size()) {
    Buffer buf = GetPageForTuple(rel, tuples[i].size(), smgr::kInvalidBlock, frozen);
    char* p = buffer::BufferPage(buf);
    const uint32_t block = buffer::TagOf(buf).block;
    // Main data: n, xmin, cid, then each tuple's offset; block data: per
    // tuple its length from infomask2 on and those bytes (the header before
    // infomask2 is the same for all of them: redo rebuilds it).
    main.assign(internal::kMultiInsertHeader, '\0');
    data.clear();
    uint16_t n = 0;
    bool consecutive = true;  // offsets 1, 2, ..., n
    // The first tuple always fits (GetPageForTuple checked); later ones only
    // while the fillfactor reserve stays free.
    while (i < tuples.size() && (n == 0 || page::FreeSpace(p) >= page::MaxAlign(tuples[i].size()) + reserve)) {
      const std::string& t = tuples[i];
      page::OffsetNumber off = page::AddItem(p, t.data(), t.size(), page::kInvalidOffset, page::kIsHeap);
      if (off == page::kInvalidOffset) break;
      SetTupCtid(page::GetItem(p, off), {block, off});
      const uint16_t len = static_cast<uint16_t>(t.size() - kTupOffInfomask2);
      main.append(reinterpret_cast<const char*>(&off), 2);
      data.append(reinterpret_cast<const char*>(&len), 2).append(t.data() + kTupOffInfomask2, len);
      consecutive = consecutive && off == n + 1;
      if (tids) tids->push_back({block, off});
      ++n;
      ++i;
    }
    if (n == 0) {
      Release(buf);
      if (!frozen) internal::FsmRecord(rel.loc, block, 0);
      TargetOf(rel).block = smgr::kInvalidBlock;
      continue;
    }
    // Rebuilt from empty when the page holds just these tuples: then the
    // offsets are 1..n and need no logging.
    const bool init = consecutive && page::ItemCount(p) == n;
    if (init) main.resize(internal::kMultiInsertHeader);
    Store(main.data(), n);
    Store(main.data() + 2, xmin);
    Store(main.data() + 10, cid);
    wal::RecordBuilder b;
    b.RegisterBlock(0, internal::ToWal(rel.loc), 0, block, p, wal::kRegStandard | (init ? wal::kRegWillInit : 0));
    b.AddBlockData(0, data.data(), data.size());
    b.AddData(main.data(), main.size());
    wal::Lsn lsn = b.Insert(wal::kRmgrHeap2, internal::kHeap2MultiInsert | (init ? internal::kHeapInitPage : 0),
                            xact.StampXid());
    page::SetLsn(p, lsn);
    buffer::MarkBufferDirty(buf);
    Release(buf);
  }
}

std::vector<ItemPointer> MultiInsert(Relation& rel, const std::vector<std::string>& tuples, XactContext& xact) {
  std::vector<std::string> copy(tuples);
  std::vector<ItemPointer> tids;
  tids.reserve(copy.size());
  MultiInsert(rel, copy, xact, &tids);
  return tids;
}

TmStatus Delete(Relation& rel, ItemPointer tid, XactContext& xact, bool wait, TmFailure* failure) {
  TupleLockGuard guard;
  LockedTuple lt;
  TmStatus s = AcquireForChange(rel, tid, xact, wait ? LockWaitPolicy::kBlock : LockWaitPolicy::kSkipLocked, &guard,
                                &lt, failure);
  if (s != TmStatus::kOk) return s;
  StampXmax(lt.tup, xact, tid);
  NotePruneXid(lt.page, xact.StampXid());
  wal::Lsn lsn = LogXmaxChange(rel, lt.buf, internal::CaptureXmaxChange(lt.tup, tid.offset), internal::kHeapDelete,
                               xact.StampXid());
  page::SetLsn(lt.page, lsn);
  buffer::MarkBufferDirty(lt.buf);
  Release(lt.buf);
  return TmStatus::kOk;
}

TmStatus Update(Relation& rel, ItemPointer tid, std::string_view new_tuple, XactContext& xact, bool wait,
                ItemPointer* new_tid, TmFailure* failure, const std::vector<uint16_t>* indexed_attrs, bool* hot) {
  if (hot) *hot = false;
  std::string t = PrepareTuple(new_tuple, xact, im::kUpdated);
  TupleLockGuard guard;
  LockedTuple lt;
  TmStatus s = AcquireForChange(rel, tid, xact, wait ? LockWaitPolicy::kBlock : LockWaitPolicy::kSkipLocked, &guard,
                                &lt, failure);
  if (s != TmStatus::kOk) return s;
  const size_t need = page::MaxAlign(t.size());
  Buffer nbuf = lt.buf;
  page::OffsetNumber noff = page::kInvalidOffset;
  if (page::FreeSpace(lt.page) >= need)
    noff = page::AddItem(lt.page, t.data(), t.size(), page::kInvalidOffset, page::kIsHeap);
  if (noff == page::kInvalidOffset) {
    // Another page. While the old page is unlocked our row lock keeps other
    // writers off the old version; pages are then locked in block order.
    SetRowLock(rel, lt, tid, RowLockMode::kUpdate, xact);
    buffer::UnlockBuffer(lt.buf);
    for (;;) {
      nbuf = GetPageForTuple(rel, t.size(), tid.block);
      const uint32_t nblock = buffer::TagOf(nbuf).block;
      if (nblock > tid.block) {
        buffer::UnlockBuffer(nbuf);
        buffer::LockBuffer(lt.buf, LWLockMode::kExclusive);
        buffer::LockBuffer(nbuf, LWLockMode::kExclusive);
      } else {
        buffer::LockBuffer(lt.buf, LWLockMode::kExclusive);
      }
      char* np = buffer::BufferPage(nbuf);
      if (page::PageIsNew(np)) page::InitPage(np, 0);
      if (page::FreeSpace(np) >= need)
        noff = page::AddItem(np, t.data(), t.size(), page::kInvalidOffset, page::kIsHeap);
      if (noff != page::kInvalidOffset) break;
      buffer::UnlockBuffer(lt.buf);
      Release(nbuf);
      internal::FsmRecord(rel.loc, nblock, 0);
      TargetOf(rel).block = smgr::kInvalidBlock;
    }
    lt.tup = page::GetItem(lt.page, tid.offset);
  }
  char* np = buffer::BufferPage(nbuf);
  const ItemPointer ntid{buffer::TagOf(nbuf).block, noff};
  char* nitem = page::GetItem(np, noff);
  SetTupCtid(nitem, ntid);
  StampXmax(lt.tup, xact, ntid);
  NotePruneXid(lt.page, xact.StampXid());
  if (nbuf == lt.buf && indexed_attrs &&
      SameAttrs(rel, std::string_view(lt.tup, page::GetItemId(lt.page, tid.offset)->len()), t, *indexed_attrs)) {
    SetTupInfomask2(lt.tup, static_cast<uint16_t>(TupInfomask2(lt.tup) | im2::kHotUpdated));
    SetTupInfomask2(nitem, static_cast<uint16_t>(TupInfomask2(nitem) | im2::kHeapOnly));
    if (hot) *hot = true;
  }

  // The new tuple's first 26 bytes are not logged: redo rebuilds xmin (the
  // old version's new xmax), xmax (0) and ctid (its own tid); only its cid
  // joins the main data. Saves 22 bytes per UPDATE record.
  std::string main = internal::EncodeXmaxChange(internal::CaptureXmaxChange(lt.tup, tid.offset));
  main.append(reinterpret_cast<const char*>(&noff), 2);
  const uint32_t ncid = TupCid(nitem);
  main.append(reinterpret_cast<const char*>(&ncid), 4);
  wal::RecordBuilder b;
  b.RegisterBlock(0, internal::ToWal(rel.loc), 0, tid.block, lt.page, wal::kRegStandard);
  const bool two = nbuf != lt.buf;
  const bool init = two && OnlyTuple(np, noff);
  if (two) b.RegisterBlock(1, internal::ToWal(rel.loc), 0, ntid.block, np, wal::kRegStandard | (init ? wal::kRegWillInit : 0));
  b.AddBlockData(two ? 1 : 0, nitem + kTupOffInfomask2, t.size() - kTupOffInfomask2);
  b.AddData(main.data(), main.size());
  wal::Lsn lsn = b.Insert(wal::kRmgrHeap, internal::kHeapUpdate | (init ? internal::kHeapInitPage : 0),
                          xact.StampXid());
  page::SetLsn(lt.page, lsn);
  buffer::MarkBufferDirty(lt.buf);
  if (two) {
    page::SetLsn(np, lsn);
    buffer::MarkBufferDirty(nbuf);
    Release(nbuf);
  }
  Release(lt.buf);
  if (new_tid) *new_tid = ntid;
  return TmStatus::kOk;
}

TmStatus LockTuple(Relation& rel, ItemPointer tid, RowLockMode mode, XactContext& xact, LockWaitPolicy policy,
                   TmFailure* failure) {
  TupleLockGuard guard;
  LockedTuple lt;
  TmStatus s = AcquireForChange(rel, tid, xact, policy, &guard, &lt, failure);
  if (s != TmStatus::kOk) return s;
  const uint16_t mask = TupInfomask(lt.tup);
  const bool own_lock = xact.Me().IsMine(TupXmax(lt.tup)) && (mask & im::kXmaxLockOnly) && !(mask & im::kXmaxInvalid);
  if (own_lock && LockStrength(mask, TupInfomask2(lt.tup)) >= static_cast<int>(mode)) {
    Release(lt.buf);  // already held at least as strongly
    return TmStatus::kOk;
  }
  SetRowLock(rel, lt, tid, mode, xact);
  Release(lt.buf);
  return TmStatus::kOk;
}

}  // namespace tusk::heap
