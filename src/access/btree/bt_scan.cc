// Index scans: one descent to the starting leaf, then leaf to leaf by
// right-links (forward) or left-links (backward), copying a page's matches
// under its lock so concurrent splits cannot make us miss or repeat a tuple.
#include "access/btree/bt_internal.h"
#include "utils/error.h"
#include "storage/ipc/suspend.h"

namespace tusk::btree {

IndexScan::IndexScan(IndexRel& rel, std::vector<ScanKey> keys, ScanDirection dir) : rel_(rel), dir_(dir) {
  int n = static_cast<int>(keys.size());
  if (n > rel.nkeys) throw MakeError(sqlstate::kInternalError, "btree scan with too many keys");
  lo_.resize(n);
  hi_.resize(n);
  eq_.assign(n, false);
  for (int i = 0; i < n; ++i) {
    // Bounds come in the type's order; a DESC column swaps them into index order.
    bool desc = i < static_cast<int>(rel.descending.size()) && rel.descending[i];
    const auto& l = desc ? keys[i].upper : keys[i].lower;
    const auto& h = desc ? keys[i].lower : keys[i].upper;
    if (l) lo_[i] = IdxBound{true, l->value, l->inclusive};
    if (h) hi_[i] = IdxBound{true, h->value, h->inclusive};
    eq_[i] = l && h && l->inclusive && h->inclusive && rel.cmp->Compare(i, l->value, h->value) == 0;
  }
}

int IndexScan::Match(const char* tuple) const {
  std::vector<KeyView> kv;
  DecodeKeys(tuple, &kv);
  bool prefix_eq = true;  // every earlier column is an equality
  bool fwd = dir_ == ScanDirection::kForward;
  for (size_t i = 0; i < lo_.size(); ++i) {
    if (!lo_[i].set && !hi_[i].set) {
      prefix_eq = false;
      continue;
    }
    if (kv[i].null) {
      bool nf = i < rel_.nulls_first.size() && rel_.nulls_first[i];
      // NULLs lie beyond every value in the scan's direction: nothing follows.
      if (prefix_eq && nf != fwd) return -1;
      return 0;
    }
    if (lo_[i].set) {
      int c = CompareColumn(rel_, static_cast<int>(i), kv[i], KeyView{false, lo_[i].value});
      if (c < 0 || (c == 0 && !lo_[i].inclusive)) return (!fwd && prefix_eq) ? -1 : 0;
    }
    if (hi_[i].set) {
      int c = CompareColumn(rel_, static_cast<int>(i), kv[i], KeyView{false, hi_[i].value});
      if (c > 0 || (c == 0 && !hi_[i].inclusive)) return (fwd && prefix_eq) ? -1 : 0;
    }
    if (!eq_[i]) prefix_eq = false;
  }
  return 1;
}

void IndexScan::Position() {
  started_ = true;
  bool fwd = dir_ == ScanDirection::kForward;
  // The start key: equalities, then the first start-side bound, as a prefix.
  KeyValues prefix;
  bool inclusive = true;
  for (size_t i = 0; i < lo_.size(); ++i) {
    const IdxBound& b = fwd ? lo_[i] : hi_[i];
    if (!b.set) break;
    prefix.push_back(b.value);
    if (!eq_[i]) {
      inclusive = b.inclusive;
      break;
    }
  }
  SearchKey sk = MakeSearchKey(prefix, nullptr);
  // Forward: first item >= key (> if exclusive). Backward: last item <= key
  // (< if exclusive), i.e. one before the first item > key (>= key).
  bool nextkey = fwd ? !inclusive : inclusive;
  Buffer b = Descend(rel_, sk, nextkey, false, nullptr);
  if (b == buffer::kInvalidBuffer) {
    done_ = true;
    return;
  }
  OffsetNumber off = BinarySearch(rel_, buffer::BufferPage(b), sk, nextkey);
  ReadLeaf(b, fwd ? off : static_cast<OffsetNumber>(off - 1));
}

void IndexScan::ReadLeaf(int buf, uint16_t start) {
  const char* p = buffer::BufferPage(buf);
  const Opaque* op = Op(p);
  cur_block_ = BlockOf(buf);
  cur_lsn_ = page::GetLsn(p);
  items_.clear();
  keys_out_.clear();
  pos_ = 0;
  bool fwd = dir_ == ScanDirection::kForward;
  OffsetNumber first = FirstData(p), n = page::ItemCount(p);
  bool stop = false;
  if (fwd) {
    for (OffsetNumber o = start; o <= n && !stop; ++o) {
      const char* t = page::GetItem(p, o);
      int m = Match(t);
      if (m < 0) stop = true;
      if (m > 0 && !IsDeadHint(t)) items_.push_back(TidOf(t)), keys_out_.push_back(KeysOf(t));
    }
    next_block_ = op->right;
  } else {
    for (int o = start; o >= first && !stop; --o) {
      const char* t = page::GetItem(p, static_cast<OffsetNumber>(o));
      int m = Match(t);
      if (m < 0) stop = true;
      if (m > 0 && !IsDeadHint(t)) items_.push_back(TidOf(t)), keys_out_.push_back(KeysOf(t));
    }
    next_block_ = op->left;
  }
  if (stop || next_block_ == kNone) done_ = true;
  UnlockRelease(buf);
}

void IndexScan::KillCurrent() {
  if (pos_ == 0 || pos_ > items_.size()) return;
  const ItemPointer tid = items_[pos_ - 1];
  Buffer b = ReadBlock(rel_, cur_block_);
  // A hint: skipped when the page is busy, and never WAL-logged (a torn
  // write mixes two versions that differ only in such bits).
  // A hint: skipped while a suspend freezes the directory.
  if (suspend::WritesFrozen() || !buffer::ConditionalLockBuffer(b)) {
    buffer::ReleaseBuffer(b);
    return;
  }
  char* p = buffer::BufferPage(b);
  // Changed since we read it (an insert, or vacuum freeing the heap slot for
  // a new row with the same TID): the match by TID is no proof, give up.
  if (IsLeaf(p) && page::GetLsn(p) == cur_lsn_) {
    for (OffsetNumber o = FirstData(p); o <= page::ItemCount(p); ++o) {
      char* t = page::GetItem(p, o);
      if (TidOf(t) == tid) {
        SetDeadHint(t);
        buffer::MarkBufferDirty(b);
        break;
      }
    }
  }
  UnlockRelease(b);
}

bool IndexScan::Next(ItemPointer* tid) {
  if (!started_) Position();
  for (;;) {
    if (pos_ < items_.size()) {
      *tid = items_[pos_++];
      return true;
    }
    if (done_) return false;
    if (dir_ == ScanDirection::kForward) {
      Buffer b = ReadBlock(rel_, next_block_);
      buffer::LockBuffer(b, LWLockMode::kShared);
      ReadLeaf(b, FirstData(buffer::BufferPage(b)));
      continue;
    }
    // Backward: the saved left-link may be stale if that page split since;
    // walk right from it until the page whose right-link is where we were.
    uint32_t blk = next_block_;
    for (;;) {
      Buffer b = ReadBlock(rel_, blk);
      buffer::LockBuffer(b, LWLockMode::kShared);
      const char* p = buffer::BufferPage(b);
      uint32_t right = Op(p)->right;
      if (right == cur_block_) {
        ReadLeaf(b, page::ItemCount(p));
        break;
      }
      UnlockRelease(b);
      if (right == kNone)
        throw MakeError(sqlstate::kInternalError, "btree backward scan lost its left sibling");
      blk = right;
    }
  }
}

}  // namespace tusk::btree
