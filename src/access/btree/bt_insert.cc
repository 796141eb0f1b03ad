// Insertion: Lehman-Yao descent (no parent locks held on the way down),
// unique checks, page splits, finishing incomplete splits and growing the
// root. Locking rules and WAL: src/access/btree/README.md.
#include <numeric>

#include "access/btree/bt_internal.h"
#include "access/wal/wal.h"
#include "access/wal/wal_redo.h"
#include "storage/lmgr/lock.h"
#include "utils/error.h"

namespace tusk::btree {
namespace {

using buffer::LockBuffer;
using buffer::MarkBufferDirty;

char* PageOf(Buffer b) { return buffer::BufferPage(b); }

void FinishSplit(const IndexRel& rel, Buffer lbuf, Stack stack);

bool g_fail_next_split = false;

// Makes the first root: a leaf flagged root, and the metapage pointing at it.
uint32_t CreateRoot(const IndexRel& rel) {
  Buffer meta = ReadBlock(rel, kMetaBlock);
  LockBuffer(meta, LWLockMode::kExclusive);
  Meta* m = MetaOf(PageOf(meta));
  if (m->root != kNone) {  // someone else got there first
    uint32_t root = m->root;
    UnlockRelease(meta);
    return root;
  }
  Buffer rb = ReadBlock(rel, buffer::kNewBlock);
  LockBuffer(rb, LWLockMode::kExclusive);
  uint32_t root = BlockOf(rb);
  InitBtPage(PageOf(rb), 0, kLeaf | kRoot);
  m->root = m->fastroot = root;
  m->level = m->fastlevel = 0;
  MarkBufferDirty(rb);
  MarkBufferDirty(meta);
  wal::RecordBuilder wb;
  wb.RegisterBlock(0, WalLoc(rel), 0, root, PageOf(rb), wal::kRegForceImage | wal::kRegStandard);
  wb.RegisterBlock(1, WalLoc(rel), 0, kMetaBlock, PageOf(meta), wal::kRegForceImage | wal::kRegStandard);
  wal::Lsn lsn = wb.Insert(wal::kRmgrBtree, kWalNewRoot, 0);
  page::SetLsn(PageOf(rb), lsn);
  page::SetLsn(PageOf(meta), lsn);
  UnlockRelease(rb);
  UnlockRelease(meta);
  return root;
}

// Follows right-links while the key belongs further right. For inserters,
// a page left with an incomplete split is finished first; returns
// kInvalidBuffer then, and the caller restarts its descent.
Buffer MoveRight(const IndexRel& rel, Buffer buf, const SearchKey& key, bool nextkey, bool for_insert,
                 LWLockMode* mode, const Stack& stack) {
  for (;;) {
    const char* p = PageOf(buf);
    const Opaque* op = Op(p);
    if (for_insert && (op->flags & kIncompleteSplit)) {
      if (*mode == LWLockMode::kShared) {
        buffer::UnlockBuffer(buf);
        LockBuffer(buf, LWLockMode::kExclusive);
        *mode = LWLockMode::kExclusive;
        continue;  // look again under the stronger lock
      }
      FinishSplit(rel, buf, stack);
      return buffer::kInvalidBuffer;
    }
    if (op->right == kNone) return buf;
    int c = Compare(rel, key, page::GetItem(p, kHighKey));
    if (c < 0 || (c == 0 && !nextkey)) return buf;
    uint32_t next = op->right;
    UnlockRelease(buf);
    buf = ReadBlock(rel, next);
    LockBuffer(buf, *mode);
  }
}

// Re-finds the downlink to `child` in the parent level, starting at the
// stack entry and moving right; returns the parent locked exclusively.
Buffer GetParent(const IndexRel& rel, Stack& stack, uint32_t child_level, uint32_t child, OffsetNumber* off) {
  StackEntry e;
  if (stack.empty()) {
    // We descended when our page was the root; the root has split since.
    e = {LeftmostAtLevel(rel, child_level + 1), page::kInvalidOffset};
  } else {
    e = stack.back();
    stack.pop_back();
  }
  uint32_t blk = e.block;
  for (;;) {
    Buffer b = ReadBlock(rel, blk);
    LockBuffer(b, LWLockMode::kExclusive);
    char* p = PageOf(b);
    const Opaque* op = Op(p);
    if (op->flags & kIncompleteSplit) {
      FinishSplit(rel, b, stack);
      continue;  // same block again, now complete
    }
    OffsetNumber n = page::ItemCount(p), first = FirstData(p);
    OffsetNumber start = (blk == e.block && e.off >= first && e.off <= n) ? e.off : first;
    for (OffsetNumber o = start; o <= n; ++o)
      if (DownlinkOf(page::GetItem(p, o)) == child) return *off = o, b;
    for (OffsetNumber o = first; o < start; ++o)
      if (DownlinkOf(page::GetItem(p, o)) == child) return *off = o, b;
    if (op->right == kNone) {
      UnlockRelease(b);
      throw MakeError(sqlstate::kInternalError, "failed to re-find parent key in index " +
                                                    std::to_string(rel.index_oid) + " for split pages " +
                                                    std::to_string(child));
    }
    blk = op->right;
    UnlockRelease(b);
  }
}

void InsertOnPage(const IndexRel& rel, Buffer buf, OffsetNumber off, const std::string& tup, Stack stack,
                  Buffer child);

// The root split: a new root above the two halves, then the metapage.
void NewRoot(const IndexRel& rel, Buffer lbuf, uint32_t rblock, const std::string& sep) {
  char* lp = PageOf(lbuf);
  uint32_t level = Op(lp)->level + 1;
  Buffer nb = ReadBlock(rel, buffer::kNewBlock);
  LockBuffer(nb, LWLockMode::kExclusive);
  char* np = PageOf(nb);
  InitBtPage(np, level, kRoot);
  std::string first = FormTuple({}, {0, 0}, BlockOf(lbuf), kTupMinusInf);
  std::string second = WithDownlink(sep.data(), rblock, false);
  page::AddItem(np, first.data(), first.size(), page::kInvalidOffset, 0);
  page::AddItem(np, second.data(), second.size(), page::kInvalidOffset, 0);
  Buffer meta = ReadBlock(rel, kMetaBlock);
  LockBuffer(meta, LWLockMode::kExclusive);
  Meta* m = MetaOf(PageOf(meta));
  m->root = m->fastroot = BlockOf(nb);
  m->level = m->fastlevel = level;
  Op(lp)->flags &= static_cast<uint16_t>(~(kIncompleteSplit | kRoot));
  MarkBufferDirty(nb);
  MarkBufferDirty(meta);
  MarkBufferDirty(lbuf);
  wal::RecordBuilder wb;
  wb.RegisterBlock(0, WalLoc(rel), 0, BlockOf(nb), np, wal::kRegForceImage | wal::kRegStandard);
  wb.RegisterBlock(1, WalLoc(rel), 0, kMetaBlock, PageOf(meta), wal::kRegForceImage | wal::kRegStandard);
  wb.RegisterBlock(2, WalLoc(rel), 0, BlockOf(lbuf), lp, wal::kRegStandard);
  wal::Lsn lsn = wb.Insert(wal::kRmgrBtree, kWalNewRoot, 0);
  page::SetLsn(np, lsn);
  page::SetLsn(PageOf(meta), lsn);
  page::SetLsn(lp, lsn);
  UnlockRelease(nb);
  UnlockRelease(meta);
  UnlockRelease(lbuf);
}

// Second half of a split: the downlink to the right half goes into the
// parent (or a new root). `lbuf` is locked, flagged incomplete, and released.
void InsertParent(const IndexRel& rel, Buffer lbuf, uint32_t rblock, const std::string& sep, Stack stack,
                  bool was_root) {
  if (was_root) return NewRoot(rel, lbuf, rblock, sep);
  OffsetNumber off = 0;
  Buffer pbuf = GetParent(rel, stack, Op(PageOf(lbuf))->level, BlockOf(lbuf), &off);
  InsertOnPage(rel, pbuf, static_cast<OffsetNumber>(off + 1), WithDownlink(sep.data(), rblock, false),
               std::move(stack), lbuf);
}

// Completes a split a crash (or an error) left without its downlink.
void FinishSplit(const IndexRel& rel, Buffer lbuf, Stack stack) {
  const char* lp = PageOf(lbuf);
  std::string sep = ItemCopy(lp, kHighKey);
  Buffer meta = ReadBlock(rel, kMetaBlock);
  LockBuffer(meta, LWLockMode::kShared);
  bool was_root = MetaOf(PageOf(meta))->root == BlockOf(lbuf);
  UnlockRelease(meta);
  InsertParent(rel, lbuf, Op(lp)->right, sep, std::move(stack), was_root);
}

void ClearIncomplete(Buffer child) {
  if (child == buffer::kInvalidBuffer) return;
  Op(PageOf(child))->flags &= static_cast<uint16_t>(~kIncompleteSplit);
  MarkBufferDirty(child);
}

// Splits `buf` with `tup` going in at `off`, logs both halves, then inserts
// the downlink one level up.
void Split(const IndexRel& rel, Buffer buf, OffsetNumber off, const std::string& tup, Stack stack,
           Buffer child) {
  char* p = PageOf(buf);
  Opaque old = *Op(p);
  bool leaf = old.flags & kLeaf;
  std::vector<std::string> items;
  for (OffsetNumber o = FirstData(p); o <= page::ItemCount(p); ++o) {
    if (o == off) items.push_back(tup);
    items.push_back(ItemCopy(p, o));
  }
  if (off > page::ItemCount(p)) items.push_back(tup);
  std::string old_high = old.right != kNone ? ItemCopy(p, kHighKey) : std::string();
  // Split point: the byte counts of the halves as close as possible.
  auto cost = [](const std::string& s) { return page::MaxAlign(s.size()) + page::kItemIdSize; };
  size_t total = 0;
  for (const auto& s : items) total += cost(s);
  size_t best = 1, left_bytes = 0, best_diff = SIZE_MAX;
  for (size_t k = 1; k < items.size(); ++k) {
    left_bytes += cost(items[k - 1]);
    size_t lb = left_bytes + cost(items[k]), rb = total - left_bytes + (old_high.empty() ? 0 : cost(old_high));
    size_t diff = lb > rb ? lb - rb : rb - lb;
    if (diff < best_diff) best_diff = diff, best = k;
  }
  // The left half's new high key: the right half's first key, as a pivot.
  std::string high = WithDownlink(items[best].data(), 0, false);
  {
    if (FlagsOf(high.data()) & kTupMinusInf) throw MakeError(sqlstate::kInternalError, "btree split chose a minus-infinity key");
  }
  Buffer rbuf = ReadBlock(rel, buffer::kNewBlock);
  LockBuffer(rbuf, LWLockMode::kExclusive);
  uint32_t rblock = BlockOf(rbuf), lblock = BlockOf(buf);
  char* rp = PageOf(rbuf);
  InitBtPage(rp, old.level, leaf ? kLeaf : 0);
  Op(rp)->left = lblock;
  Op(rp)->right = old.right;
  if (!old_high.empty()) page::AddItem(rp, old_high.data(), old_high.size(), page::kInvalidOffset, 0);
  for (size_t k = best; k < items.size(); ++k) {
    // An internal page's first data item carries no key (minus infinity).
    std::string it = (!leaf && k == best) ? WithDownlink(items[k].data(), DownlinkOf(items[k].data()), true)
                                          : items[k];
    if (page::AddItem(rp, it.data(), it.size(), page::kInvalidOffset, 0) == page::kInvalidOffset)
      throw MakeError(sqlstate::kInternalError, "btree split: right half does not fit");
  }
  std::vector<char> tmp(page::kPageSize);
  InitBtPage(tmp.data(), old.level, static_cast<uint16_t>((old.flags & ~kRoot) | kIncompleteSplit));
  Op(tmp.data())->left = old.left;
  Op(tmp.data())->right = rblock;
  page::AddItem(tmp.data(), high.data(), high.size(), page::kInvalidOffset, 0);
  for (size_t k = 0; k < best; ++k)
    if (page::AddItem(tmp.data(), items[k].data(), items[k].size(), page::kInvalidOffset, 0) == page::kInvalidOffset)
      throw MakeError(sqlstate::kInternalError, "btree split: left half does not fit");
  Buffer sbuf = buffer::kInvalidBuffer;
  if (old.right != kNone) {
    sbuf = ReadBlock(rel, old.right);
    LockBuffer(sbuf, LWLockMode::kExclusive);
  }
  // Nothing may fail from here until the record is in: the pages change now.
  uint64_t keep_lsn = page::GetLsn(p);
  std::memcpy(p, tmp.data(), page::kPageSize);
  page::SetLsn(p, keep_lsn);  // the old LSN decides the full-page-image question
  if (sbuf) Op(PageOf(sbuf))->left = rblock;
  ClearIncomplete(child);
  MarkBufferDirty(buf);
  MarkBufferDirty(rbuf);
  if (sbuf) MarkBufferDirty(sbuf);
  wal::RecordBuilder wb;
  wb.RegisterBlock(0, WalLoc(rel), 0, lblock, p, wal::kRegForceImage | wal::kRegStandard);
  wb.RegisterBlock(1, WalLoc(rel), 0, rblock, rp, wal::kRegForceImage | wal::kRegStandard);
  if (sbuf) {
    wb.RegisterBlock(2, WalLoc(rel), 0, old.right, PageOf(sbuf), wal::kRegStandard);
    wb.AddBlockData(2, &rblock, sizeof rblock);
  }
  if (child) wb.RegisterBlock(3, WalLoc(rel), 0, BlockOf(child), PageOf(child), wal::kRegStandard);
  wb.AddData(&old.level, sizeof old.level);
  wal::Lsn lsn = wb.Insert(wal::kRmgrBtree, kWalSplit, 0);
  page::SetLsn(p, lsn);
  page::SetLsn(rp, lsn);
  if (sbuf) {
    page::SetLsn(PageOf(sbuf), lsn);
    UnlockRelease(sbuf);
  }
  if (child) {
    page::SetLsn(PageOf(child), lsn);
    UnlockRelease(child);
  }
  UnlockRelease(rbuf);
  if (g_fail_next_split) {
    g_fail_next_split = false;  // the left half stays locked: the caller's AtAbort releases it
    throw MakeError(sqlstate::kInternalError, "injected failure between split and parent insert");
  }
  InsertParent(rel, buf, rblock, high, std::move(stack), old.flags & kRoot);
}

// Puts `tup` at `off` of the exclusively locked `buf`, splitting if full.
// `child`, if valid, is the locked left half whose split this downlink
// completes: its flag is cleared in the same record. Releases both.
void InsertOnPage(const IndexRel& rel, Buffer buf, OffsetNumber off, const std::string& tup, Stack stack,
                  Buffer child) {
  char* p = PageOf(buf);
  if (page::AddItem(p, tup.data(), tup.size(), off, 0) == page::kInvalidOffset)
    return Split(rel, buf, off, tup, std::move(stack), child);
  ClearIncomplete(child);
  MarkBufferDirty(buf);
  wal::RecordBuilder wb;
  wb.RegisterBlock(0, WalLoc(rel), 0, BlockOf(buf), p, wal::kRegStandard);
  wb.AddBlockData(0, &off, sizeof off);
  wb.AddBlockData(0, tup.data(), tup.size());
  if (child) wb.RegisterBlock(1, WalLoc(rel), 0, BlockOf(child), PageOf(child), wal::kRegStandard);
  wal::Lsn lsn = wb.Insert(wal::kRmgrBtree, IsLeaf(p) ? kWalInsertLeaf : kWalInsertUpper, 0);
  page::SetLsn(p, lsn);
  if (child) {
    page::SetLsn(PageOf(child), lsn);
    UnlockRelease(child);
  }
  UnlockRelease(buf);
}

enum class UniqueOutcome { kOk, kConflict, kWait };

// Looks for live equal keys from the first page they could be on. `first`
// stays locked; pages to its right are locked shared and released.
UniqueOutcome CheckUnique(const IndexRel& rel, Buffer first, const SearchKey& key, const LivenessFn& live,
                          InsertResult* res, uint64_t* wait_xid) {
  Buffer b = first;
  OffsetNumber o = BinarySearch(rel, PageOf(b), key, false);
  UniqueOutcome out = UniqueOutcome::kOk;
  for (;;) {
    const char* p = PageOf(b);
    bool more = true;
    for (; o <= page::ItemCount(p) && out == UniqueOutcome::kOk; ++o) {
      const char* t = page::GetItem(p, o);
      if (Compare(rel, key, t) != 0) {
        more = false;
        break;
      }
      if (IsDeadHint(t)) continue;
      Liveness l = live ? live(TidOf(t)) : Liveness{TidStatus::kLiveCommitted, 0};
      if (l.status == TidStatus::kLiveCommitted) {
        out = UniqueOutcome::kConflict;
        res->code = InsertResult::kUniqueViolation;
        res->conflicting_key = KeysOf(t);
        res->conflicting_tid = TidOf(t);
      } else if (l.status == TidStatus::kInProgress) {
        out = UniqueOutcome::kWait;
        *wait_xid = l.xid;
      }
    }
    // Equal keys may continue on the right only if the high key is equal too.
    if (out != UniqueOutcome::kOk || !more || IsRightmost(p) || Compare(rel, key, page::GetItem(p, kHighKey)) < 0)
      break;
    uint32_t next = Op(p)->right;
    if (b != first) UnlockRelease(b);
    b = ReadBlock(rel, next);
    LockBuffer(b, LWLockMode::kShared);
    o = FirstData(PageOf(b));
  }
  if (b != first) UnlockRelease(b);
  return out;
}

// Before a split: if the leaf lacks room, entries already known dead go first.
void RemoveDeadHintedIfFull(const IndexRel& rel, Buffer buf, size_t tuple_size) {
  const char* p = PageOf(buf);
  if (page::FreeSpace(p) >= page::MaxAlign(tuple_size) + page::kItemIdSize) return;
  std::vector<OffsetNumber> dead;
  for (OffsetNumber o = page::ItemCount(p); o >= FirstData(p); --o)
    if (IsDeadHint(page::GetItem(p, o))) dead.push_back(o);
  if (!dead.empty()) DeleteItemsLogged(rel, buf, dead);
}

}  // namespace

void FailNextSplitForTesting() { g_fail_next_split = true; }

uint32_t GetRoot(const IndexRel& rel, uint32_t* level, bool create) {
  Buffer meta = ReadBlock(rel, kMetaBlock);
  LockBuffer(meta, LWLockMode::kShared);
  Meta* m = MetaOf(PageOf(meta));
  if (m->magic != kMagic)
    throw MakeError(sqlstate::kDataCorrupted, "index " + std::to_string(rel.index_oid) + " is not a btree");
  uint32_t root = m->fastroot;
  if (level) *level = m->fastlevel;
  UnlockRelease(meta);
  if (root == kNone && create) {
    root = CreateRoot(rel);
    if (level) *level = 0;
  }
  return root;
}

Buffer Descend(const IndexRel& rel, const SearchKey& key, bool nextkey, bool for_insert, Stack* stack) {
restart:
  if (stack) stack->clear();
  uint32_t blk = GetRoot(rel, nullptr, for_insert);
  if (blk == kNone) return buffer::kInvalidBuffer;
  Buffer buf = ReadBlock(rel, blk);
  LWLockMode mode = LWLockMode::kShared;
  LockBuffer(buf, mode);
  Stack dummy;
  for (;;) {
    if (for_insert && IsLeaf(PageOf(buf)) && mode == LWLockMode::kShared) {
      // The root was a leaf: relock for writing; MoveRight re-checks the page.
      buffer::UnlockBuffer(buf);
      mode = LWLockMode::kExclusive;
      LockBuffer(buf, mode);
    }
    buf = MoveRight(rel, buf, key, nextkey, for_insert, &mode, stack ? *stack : dummy);
    if (buf == buffer::kInvalidBuffer) goto restart;
    const char* p = PageOf(buf);
    if (IsLeaf(p)) return buf;
    OffsetNumber j = BinarySearch(rel, p, key, nextkey);
    OffsetNumber down = static_cast<OffsetNumber>(j - 1);
    uint32_t child = DownlinkOf(page::GetItem(p, down));
    bool child_is_leaf = Op(p)->level == 1;
    if (stack) stack->push_back({BlockOf(buf), down});
    UnlockRelease(buf);  // Lehman-Yao: never hold the parent while locking the child
    buf = ReadBlock(rel, child);
    mode = (for_insert && child_is_leaf) ? LWLockMode::kExclusive : LWLockMode::kShared;
    LockBuffer(buf, mode);
  }
}

void CreateEmpty(IndexRel& rel) {
  if (!smgr::Exists(rel.loc, smgr::Fork::kMain)) smgr::Create(rel.loc, smgr::Fork::kMain, false);
  Buffer b = ReadBlock(rel, buffer::kNewBlock);
  if (BlockOf(b) != kMetaBlock) {
    buffer::ReleaseBuffer(b);
    throw MakeError(sqlstate::kInternalError, "btree CreateEmpty on a non-empty relation");
  }
  LockBuffer(b, LWLockMode::kExclusive);
  InitMetaPage(PageOf(b), kNone, 0);
  MarkBufferDirty(b);
  wal::RecordBuilder wb;
  wb.RegisterBlock(0, WalLoc(rel), 0, kMetaBlock, PageOf(b), wal::kRegForceImage | wal::kRegStandard);
  page::SetLsn(PageOf(b), wb.Insert(wal::kRmgrBtree, kWalNewPage, 0));
  UnlockRelease(b);
}

InsertResult Insert(IndexRel& rel, const KeyValues& keys, ItemPointer tid, UniqueCheck check,
                    const LivenessFn& liveness) {
  if (static_cast<int>(keys.size()) != rel.nkeys)
    throw MakeError(sqlstate::kInternalError, "btree insert with the wrong number of keys");
  std::string tup = FormTuple(keys, tid, 0, 0, &rel);
  SearchKey full = MakeSearchKey(keys, &tid);
  bool any_null = false;
  for (const auto& k : keys) any_null |= !k.has_value();
  bool unique = check == UniqueCheck::kYes && !any_null;  // NULLs never conflict
  SearchKey prefix = MakeSearchKey(keys, nullptr);
  for (;;) {
    Stack stack;
    InsertResult res;
    // A unique check starts at the first page equal keys could be on, and
    // holds it exclusively until the insert is done, so two inserters of
    // one key are serialised there.
    Buffer first = Descend(rel, unique ? prefix : full, !unique, true, &stack);
    if (unique) {
      uint64_t xid = 0;
      UniqueOutcome u = CheckUnique(rel, first, prefix, liveness, &res, &xid);
      if (u == UniqueOutcome::kConflict) {
        UnlockRelease(first);
        return res;
      }
      if (u == UniqueOutcome::kWait) {
        UnlockRelease(first);
        lmgr::LockTag tag = lmgr::LockTag::Transaction(xid);
        lmgr::Acquire(tag, lmgr::LockMode::kShare, false);
        lmgr::Release(tag, lmgr::LockMode::kShare);
        continue;
      }
    }
    // With the heap TID as the last key the place is unique: move right to it.
    Buffer cur = first;
    bool restart = false;
    for (;;) {
      const char* p = PageOf(cur);
      if (Op(p)->flags & kIncompleteSplit) {
        if (cur != first) UnlockRelease(first);
        FinishSplit(rel, cur, stack);
        restart = true;
        break;
      }
      if (IsRightmost(p) || Compare(rel, full, page::GetItem(p, kHighKey)) < 0) break;
      Buffer next = ReadBlock(rel, Op(p)->right);
      LockBuffer(next, LWLockMode::kExclusive);
      if (cur != first) UnlockRelease(cur);
      cur = next;
    }
    if (restart) continue;
    RemoveDeadHintedIfFull(rel, cur, tup.size());
    OffsetNumber off = BinarySearch(rel, PageOf(cur), full, true);
    InsertOnPage(rel, cur, off, tup, std::move(stack), buffer::kInvalidBuffer);
    if (cur != first) UnlockRelease(first);
    return res;
  }
}

}  // namespace tusk::btree
