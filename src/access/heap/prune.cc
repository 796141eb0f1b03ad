// HOT chains and pruning. A heap-only tuple has no index entries: it is
// reached from its chain's root (the version the index entries point at,
// or the redirect line pointer that replaced it) by following t_ctid
// through versions whose HOT_UPDATED bit is set. Pruning removes the dead
// versions of a chain: the heap-only ones become unused at once (nothing
// points at them), the root becomes a redirect to the first surviving
// version, or a dead line pointer (for vacuum to clear with the index
// entries) when none survives.
#include <algorithm>
#include <array>

#include "access/heap/heap_internal.h"
#include "access/heap/heapam.h"
#include "access/transam/snapshot.h"
#include "access/wal/wal.h"
#include "storage/ipc/suspend.h"

namespace tusk::heap {

namespace im = transam::infomask;
namespace im2 = transam::infomask2;
using buffer::Buffer;
using page::OffsetNumber;

namespace internal {

bool IsHotUpdated(const char* t) {
  return (TupInfomask2(t) & im2::kHotUpdated) && !(TupInfomask(t) & im::kXmaxInvalid);
}

bool IsHeapOnly(const char* t) { return TupInfomask2(t) & im2::kHeapOnly; }

OffsetNumber HotNext(const char* p, uint32_t block, OffsetNumber off) {
  const char* t = page::GetItem(p, off);
  if (!IsHotUpdated(t)) return page::kInvalidOffset;
  const ItemPointer next = TupCtid(t);
  if (next.block != block || next.offset < page::kFirstOffset || next.offset > page::ItemCount(p) ||
      next.offset == off)
    return page::kInvalidOffset;
  const page::ItemId* lp = page::GetItemId(p, next.offset);
  if (lp->flags() != page::LpFlags::kNormal) return page::kInvalidOffset;
  const char* n = page::GetItem(p, next.offset);
  // An aborted update's version, whose slot a later update may have reused,
  // is not part of the chain: the link holds only if the next version was
  // written by the transaction that ended this one.
  if (!IsHeapOnly(n) || TupXmin(n) != TupXmax(t)) return page::kInvalidOffset;
  return next.offset;
}

OffsetNumber ChainStart(const char* p, OffsetNumber root) {
  if (root < page::kFirstOffset || root > page::ItemCount(p)) return page::kInvalidOffset;
  const page::ItemId* lp = page::GetItemId(p, root);
  if (lp->flags() == page::LpFlags::kNormal) return IsHeapOnly(page::GetItem(p, root)) ? page::kInvalidOffset : root;
  if (lp->flags() != page::LpFlags::kRedirect) return page::kInvalidOffset;
  const OffsetNumber target = lp->off();
  if (target < page::kFirstOffset || target > page::ItemCount(p) ||
      page::GetItemId(p, target)->flags() != page::LpFlags::kNormal || !IsHeapOnly(page::GetItem(p, target)))
    return page::kInvalidOffset;
  return target;
}

PruneResult PrunePage(const Relation& rel, Buffer buf, uint64_t oldest_xmin) {
  PruneResult r;
  char* p = buffer::BufferPage(buf);
  const uint32_t block = buffer::TagOf(buf).block;
  if (page::PageIsNew(p)) return r;
  const OffsetNumber n = page::ItemCount(p);
  // Verdict per line pointer; hint bits found on the way are kept.
  std::array<transam::VacuumResult, page::kMaxOffsetNumber + 1> state{};
  std::array<bool, page::kMaxOffsetNumber + 1> in_chain{};
  uint64_t next_prune_xid = 0;
  bool hinted = false;
  for (OffsetNumber o = 1; o <= n; ++o) {
    if (page::GetItemId(p, o)->flags() != page::LpFlags::kNormal) continue;
    char* tup = page::GetItem(p, o);
    transam::TupleXactFields f = ReadXactFields(tup);
    const uint16_t before = f.infomask;
    state[o] = transam::SatisfiesVacuum(f, oldest_xmin);
    if (f.infomask != before) {
      SetTupInfomask(tup, f.infomask);
      hinted = true;
    }
    if (state[o] == transam::VacuumResult::kRecentlyDead || state[o] == transam::VacuumResult::kDeleteInProgress) {
      const uint64_t xmax = TupXmax(tup);
      if (next_prune_xid == 0 || xmax < next_prune_xid) next_prune_xid = xmax;
    }
  }
  std::vector<OffsetNumber> redirected, dead, unused;  // redirected: pairs (from, to)
  std::array<OffsetNumber, page::kMaxHeapTuplesPerPage + 1> chain{};
  for (OffsetNumber root = 1; root <= n; ++root) {
    const page::ItemId* lp = page::GetItemId(p, root);
    const bool is_redirect = lp->flags() == page::LpFlags::kRedirect;
    if (!is_redirect && (lp->flags() != page::LpFlags::kNormal || IsHeapOnly(page::GetItem(p, root)))) continue;
    // Collect the chain: dead and recently dead versions, up to and
    // including the first one still (or about to be) live.
    size_t len = 0;
    int latest_dead = -1;
    for (OffsetNumber o = ChainStart(p, root); o != page::kInvalidOffset && len < chain.size();
         o = HotNext(p, block, o)) {
      chain[len++] = o;
      in_chain[o] = true;
      if (state[o] == transam::VacuumResult::kDead) {
        latest_dead = static_cast<int>(len) - 1;
      } else if (state[o] != transam::VacuumResult::kRecentlyDead) {
        break;
      }
    }
    if (is_redirect && len == 0) {  // a redirect whose chain is gone
      dead.push_back(root);
      continue;
    }
    if (latest_dead < 0) continue;
    // Everything up to the latest dead version goes: if a later version is
    // dead, so is every earlier one, whatever its own verdict said.
    for (int i = 0; i <= latest_dead; ++i)
      if (chain[i] != root) unused.push_back(chain[i]);
    if (static_cast<size_t>(latest_dead) + 1 < len) {
      redirected.push_back(root);
      redirected.push_back(chain[latest_dead + 1]);
    } else {
      dead.push_back(root);
    }
    r.removed += static_cast<size_t>(latest_dead) + 1;
  }
  // Heap-only versions no chain reaches (their update was rolled back).
  for (OffsetNumber o = 1; o <= n; ++o) {
    if (in_chain[o] || page::GetItemId(p, o)->flags() != page::LpFlags::kNormal) continue;
    if (IsHeapOnly(page::GetItem(p, o)) && state[o] == transam::VacuumResult::kDead) {
      unused.push_back(o);
      ++r.removed;
    }
  }
  if (!redirected.empty() || !dead.empty() || !unused.empty()) {
    for (size_t i = 0; i < redirected.size(); i += 2) page::SetItemRedirect(p, redirected[i], redirected[i + 1]);
    for (OffsetNumber o : dead) page::SetItemDead(p, o);
    for (OffsetNumber o : unused) page::SetItemUnused(p, o);
    page::RepairFragmentation(p);
    page::SetPruneXid(p, next_prune_xid);
    page::SetLsn(p, LogPrune(rel, buf, redirected, dead, unused));
    buffer::MarkBufferDirty(buf);
  } else if (hinted) {
    buffer::MarkBufferDirty(buf);
  }
  for (OffsetNumber o = 1; o <= n; ++o) {
    const page::LpFlags f = page::GetItemId(p, o)->flags();
    if (f == page::LpFlags::kDead) {
      r.dead_lps.push_back(o);
    } else if (f == page::LpFlags::kNormal) {
      ++r.remaining;
      if (state[o] == transam::VacuumResult::kRecentlyDead) ++r.recently_dead;
    }
  }
  return r;
}

wal::Lsn LogPrune(const Relation& rel, Buffer buf, const std::vector<OffsetNumber>& redirected,
                  const std::vector<OffsetNumber>& dead, const std::vector<OffsetNumber>& unused) {
  std::string main;
  auto put = [&main](size_t v) {
    const uint16_t x = static_cast<uint16_t>(v);
    main.append(reinterpret_cast<const char*>(&x), 2);
  };
  put(redirected.size() / 2);
  put(dead.size());
  put(unused.size());
  for (OffsetNumber o : redirected) put(o);
  for (OffsetNumber o : dead) put(o);
  for (OffsetNumber o : unused) put(o);
  wal::RecordBuilder b;
  b.RegisterBlock(0, ToWal(rel.loc), 0, buffer::TagOf(buf).block, buffer::BufferPage(buf), wal::kRegStandard);
  b.AddData(main.data(), main.size());
  return b.Insert(wal::kRmgrHeap2, kHeap2PruneHot, 0);
}

void MaybePrune(const Relation& rel, Buffer buf) {
  // Unlocked reads of two header fields: a stale answer only means pruning
  // a little later or trying in vain; PrunePage decides under the lock.
  const char* p = buffer::BufferPage(buf);
  const uint64_t prune_xid = page::GetPruneXid(p);
  if (prune_xid == 0 || page::PageIsNew(p)) return;
  // Pruning writes WAL and pages: not while suspending, and never in recovery (a standby).
  if (suspend::WritesFrozen() || !wal::IsStarted()) return;
  const int ff = std::clamp(rel.fillfactor, 10, 100);
  const size_t min_free = std::max<size_t>(page::kPageSize * static_cast<size_t>(100 - ff) / 100, page::kPageSize / 10);
  if (page::FreeSpace(p) >= min_free) return;
  const uint64_t oldest_xmin = transam::GetOldestXmin();
  if (prune_xid >= oldest_xmin) return;
  if (!buffer::ConditionalLockBufferForCleanup(buf)) return;
  PrunePage(rel, buf, oldest_xmin);
  buffer::UnlockBuffer(buf);
}

}  // namespace internal

void RootOffsets(const Relation& rel, uint32_t block, std::vector<OffsetNumber>* roots) {
  roots->clear();
  Buffer buf = buffer::ReadBuffer(rel.loc, smgr::Fork::kMain, block);
  buffer::LockBuffer(buf, LWLockMode::kShared);
  const char* p = buffer::BufferPage(buf);
  if (!page::PageIsNew(p)) {
    const OffsetNumber n = page::ItemCount(p);
    roots->assign(n + 1, page::kInvalidOffset);
    for (OffsetNumber root = 1; root <= n; ++root) {
      size_t hops = 0;
      for (OffsetNumber o = internal::ChainStart(p, root); o != page::kInvalidOffset && hops++ <= n;
           o = internal::HotNext(p, block, o))
        (*roots)[o] = root;
    }
  }
  buffer::UnlockBuffer(buf);
  buffer::ReleaseBuffer(buf);
}

}  // namespace tusk::heap
