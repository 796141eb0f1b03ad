// Reading the heap: Fetch of one tid and the sequential scan. Visibility is
// decided under a shared content lock; hint bits found on the way are stored
// then, and the buffer marked dirty only if an exclusive lock is free now.
#include "access/heap/heapam.h"

#include <array>

#include "access/heap/heap_internal.h"
#include "utils/error.h"
#include "storage/ipc/suspend.h"

namespace tusk::heap {

namespace {

using buffer::Buffer;

// Hint bits were written under a shared lock (transam invariant 6 makes that
// safe); getting them to disk needs a dirty mark, which needs the exclusive
// lock. If someone holds the page, the hints wait for the next visitor.
void DirtyForHints(Buffer buf) {
  // While a suspend freezes the directory the hints stay in memory only.
  if (suspend::WritesFrozen()) return;
  if (buffer::ConditionalLockBuffer(buf)) {
    buffer::MarkBufferDirty(buf);
    buffer::UnlockBuffer(buf);
  }
}

// Checks one line pointer; stores hints; true if visible.
bool CheckTuple(char* p, page::OffsetNumber off, const transam::Snapshot& snap, const transam::CurrentXact& me,
                bool* hinted) {
  if (page::GetItemId(p, off)->flags() != page::LpFlags::kNormal) return false;
  char* tup = page::GetItem(p, off);
  transam::TupleXactFields f = ReadXactFields(tup);
  const uint16_t before = f.infomask;
  bool vis = transam::SatisfiesMvcc(f, snap, me);
  if (f.infomask != before) {
    SetTupInfomask(tup, f.infomask);
    *hinted = true;
  }
  return vis;
}

}  // namespace

bool Fetch(Relation& rel, ItemPointer tid, const transam::Snapshot& snapshot, const transam::CurrentXact& me,
           std::string* out, uint64_t* oldest_xmin, bool* dead_to_all, ItemPointer* at) {
  if (dead_to_all) *dead_to_all = false;
  if (!buffer::BlockExists(rel.loc, smgr::Fork::kMain, tid.block)) return false;
  Buffer buf = buffer::ReadBuffer(rel.loc, smgr::Fork::kMain, tid.block);
  internal::MaybePrune(rel, buf);
  buffer::LockBuffer(buf, LWLockMode::kShared);
  char* p = buffer::BufferPage(buf);
  bool vis = false, hinted = false;
  // Invisible: "dead to all" is decided once unlocked, from the fields of
  // the chain's versions (a long chain is simply not judged).
  constexpr size_t kJudged = 8;
  std::array<transam::TupleXactFields, kJudged> fields;
  size_t nfields = 0;
  bool judgeable = dead_to_all != nullptr, root_dead = false;
  if (!page::PageIsNew(p) && tid.offset >= 1 && tid.offset <= page::ItemCount(p)) {
    root_dead = page::GetItemId(p, tid.offset)->flags() == page::LpFlags::kDead;
    size_t hops = 0;  // a damaged page's cycle must not hang us
    for (page::OffsetNumber o = internal::ChainStart(p, tid.offset);
         o != page::kInvalidOffset && hops++ <= page::kMaxHeapTuplesPerPage; o = internal::HotNext(p, tid.block, o)) {
      if (CheckTuple(p, o, snapshot, me, &hinted)) {
        vis = true;
        if (out) out->assign(page::GetItem(p, o), page::GetItemId(p, o)->len());
        if (at) *at = {tid.block, o};
        break;
      }
      if (nfields == kJudged) {
        judgeable = false;
      } else {
        fields[nfields++] = ReadXactFields(page::GetItem(p, o));
      }
    }
  } else {
    judgeable = false;
  }
  buffer::UnlockBuffer(buf);
  if (hinted) DirtyForHints(buf);
  buffer::ReleaseBuffer(buf);
  if (!vis && judgeable) {
    if (root_dead) {
      *dead_to_all = true;  // pruned; its index entries await vacuum
    } else if (nfields > 0) {
      if (*oldest_xmin == 0) *oldest_xmin = transam::GetOldestXmin();
      bool all = true;
      for (size_t i = 0; i < nfields && all; ++i)
        all = transam::SatisfiesVacuum(fields[i], *oldest_xmin) == transam::VacuumResult::kDead;
      *dead_to_all = all;
    }
  }
  return vis;
}

bool FetchAnyVersion(Relation& rel, ItemPointer tid, std::string* out) {
  if (!buffer::BlockExists(rel.loc, smgr::Fork::kMain, tid.block)) return false;
  Buffer buf = buffer::ReadBuffer(rel.loc, smgr::Fork::kMain, tid.block);
  buffer::LockBuffer(buf, LWLockMode::kShared);
  char* p = buffer::BufferPage(buf);
  bool found = !page::PageIsNew(p) && tid.offset >= 1 && tid.offset <= page::ItemCount(p) &&
               page::GetItemId(p, tid.offset)->flags() == page::LpFlags::kNormal;
  if (found) out->assign(page::GetItem(p, tid.offset), page::GetItemId(p, tid.offset)->len());
  buffer::UnlockBuffer(buf);
  buffer::ReleaseBuffer(buf);
  return found;
}

HeapScan::HeapScan(Relation& rel, const transam::Snapshot& snapshot, const transam::CurrentXact& me)
    : rel_(rel), snapshot_(snapshot), me_(me), nblocks_(buffer::RelationNumBlocks(rel.loc, smgr::Fork::kMain)) {}

HeapScan::HeapScan(Relation& rel, const transam::Snapshot& snapshot, const transam::CurrentXact& me,
                   std::function<bool(uint32_t*)> next_block)
    : rel_(rel), snapshot_(snapshot), me_(me), nblocks_(0), next_block_(std::move(next_block)) {}

HeapScan::~HeapScan() {
  if (buf_ != buffer::kInvalidBuffer) buffer::ReleaseBuffer(buf_);
}

bool HeapScan::LoadPage(uint32_t block) {
  if (buf_ != buffer::kInvalidBuffer) buffer::ReleaseBuffer(buf_);
  buf_ = buffer::kInvalidBuffer;
  visible_.clear();
  next_ = 0;
  buf_ = buffer::ReadBuffer(rel_.loc, smgr::Fork::kMain, block);
  internal::MaybePrune(rel_, buf_);
  buffer::LockBuffer(buf_, LWLockMode::kShared);
  char* p = buffer::BufferPage(buf_);
  bool hinted = false;
  if (!page::PageIsNew(p)) {
    const page::OffsetNumber n = page::ItemCount(p);
    for (page::OffsetNumber o = page::kFirstOffset; o <= n; ++o)
      if (CheckTuple(p, o, snapshot_, me_, &hinted)) visible_.push_back(o);
  }
  buffer::UnlockBuffer(buf_);
  if (hinted) DirtyForHints(buf_);
  return !visible_.empty();
}

bool HeapScan::Next(ItemPointer* tid, std::string_view* tuple) {
  while (next_ >= visible_.size()) {
    uint32_t block = block_;
    if (next_block_ ? !next_block_(&block) : block_ >= nblocks_) {
      if (buf_ != buffer::kInvalidBuffer) buffer::ReleaseBuffer(buf_);
      buf_ = buffer::kInvalidBuffer;
      visible_.clear();
      next_ = 0;
      return false;
    }
    block_ = block + 1;
    LoadPage(block);
  }
  const page::OffsetNumber off = visible_[next_++];
  // The pin keeps the bytes in place: moving items needs a cleanup lock.
  const char* p = buffer::BufferPage(buf_);
  if (tid) *tid = {block_ - 1, off};
  if (tuple) *tuple = std::string_view(page::GetItem(p, off), page::GetItemId(p, off)->len());
  return true;
}

}  // namespace tusk::heap

namespace tusk::heap {

transam::DirtyResult FetchDirty(Relation& rel, ItemPointer tid, const transam::CurrentXact& me, ItemPointer* at) {
  transam::DirtyResult r;
  if (at) *at = tid;
  if (!buffer::BlockExists(rel.loc, smgr::Fork::kMain, tid.block)) return r;
  Buffer buf = buffer::ReadBuffer(rel.loc, smgr::Fork::kMain, tid.block);
  buffer::LockBuffer(buf, LWLockMode::kShared);
  char* p = buffer::BufferPage(buf);
  if (!page::PageIsNew(p)) {
    size_t hops = 0;
    for (page::OffsetNumber o = internal::ChainStart(p, tid.offset);
         o != page::kInvalidOffset && hops++ <= page::kMaxHeapTuplesPerPage; o = internal::HotNext(p, tid.block, o)) {
      transam::TupleXactFields f = ReadXactFields(page::GetItem(p, o));
      r = transam::SatisfiesDirty(f, me);
      if (r.visible || r.wait_xmin || r.wait_xmax) {
        if (at) *at = {tid.block, o};
        break;
      }
    }
  }
  buffer::UnlockBuffer(buf);
  buffer::ReleaseBuffer(buf);
  return r;
}

bool FetchLatest(Relation& rel, ItemPointer tid, const transam::CurrentXact& me, ItemPointer* at, std::string* out) {
  for (int hops = 0; hops < 1000000; ++hops) {
    if (!buffer::BlockExists(rel.loc, smgr::Fork::kMain, tid.block)) return false;
    Buffer buf = buffer::ReadBuffer(rel.loc, smgr::Fork::kMain, tid.block);
    buffer::LockBuffer(buf, LWLockMode::kShared);
    char* p = buffer::BufferPage(buf);
    bool found = false, visible = false;
    if (!page::PageIsNew(p) && tid.offset >= 1 && tid.offset <= page::ItemCount(p) &&
        page::GetItemId(p, tid.offset)->flags() == page::LpFlags::kRedirect)
      tid.offset = page::GetItemId(p, tid.offset)->off();  // pruned: the chain goes on there
    ItemPointer next = tid;
    if (!page::PageIsNew(p) && tid.offset >= 1 && tid.offset <= page::ItemCount(p) &&
        page::GetItemId(p, tid.offset)->flags() == page::LpFlags::kNormal) {
      found = true;
      char* t = page::GetItem(p, tid.offset);
      transam::TupleXactFields f = ReadXactFields(t);
      visible = transam::SatisfiesDirty(f, me).visible;
      next = TupCtid(t);
      if (visible) out->assign(t, page::GetItemId(p, tid.offset)->len());
    }
    buffer::UnlockBuffer(buf);
    buffer::ReleaseBuffer(buf);
    if (!found) return false;
    if (visible) {
      *at = tid;
      return true;
    }
    if (next.block == tid.block && next.offset == tid.offset) return false;  // deleted
    tid = next;
  }
  return false;
}

}  // namespace tusk::heap
