// Lazy vacuum in two passes, as PostgreSQL's: prune dead tuples to dead line
// pointers (cleanup lock), let the caller remove index entries, then mark the
// line pointers unused; finally refresh the FSM and cut empty trailing pages.
#include <cstring>

#include "access/heap/heap_internal.h"
#include "access/heap/heapam.h"
#include "storage/lmgr/lock.h"
#include "utils/error.h"
#include "storage/ipc/suspend.h"

namespace tusk::heap {

namespace {

using buffer::Buffer;
using page::OffsetNumber;

wal::Lsn LogOffsets(const Relation& rel, Buffer buf, uint8_t rmgr_info, const std::string& main) {
  wal::RecordBuilder b;
  b.RegisterBlock(0, internal::ToWal(rel.loc), 0, buffer::TagOf(buf).block, buffer::BufferPage(buf),
                  wal::kRegStandard);
  b.AddData(main.data(), main.size());
  return b.Insert(wal::kRmgrHeap2, rmgr_info, 0);
}

void Put16(std::string* s, uint16_t v) { s->append(reinterpret_cast<const char*>(&v), 2); }

bool PageEmpty(const char* p) {
  if (page::PageIsNew(p)) return true;
  for (OffsetNumber o = 1; o <= page::ItemCount(p); ++o)
    if (page::GetItemId(p, o)->IsUsed()) return false;
  return true;
}

// First block of the run of empty pages at the end of the relation.
uint32_t EmptyTailStart(const Relation& rel, uint32_t nblocks) {
  uint32_t b = nblocks;
  while (b > 0) {
    Buffer buf = buffer::ReadBuffer(rel.loc, smgr::Fork::kMain, b - 1);
    buffer::LockBuffer(buf, LWLockMode::kShared);
    bool empty = PageEmpty(buffer::BufferPage(buf));
    buffer::UnlockBuffer(buf);
    buffer::ReleaseBuffer(buf);
    if (!empty) break;
    --b;
  }
  return b;
}

}  // namespace

VacuumStats Vacuum(Relation& rel, uint64_t oldest_xmin,
                   const std::function<void(const std::vector<ItemPointer>&)>& delete_index_entries) {
  VacuumStats st;
  suspend::WriteScope writing;  // waits while a suspend has frozen writes
  buffer::RingScope ring;  // read through a small ring, not the whole pool
  const uint32_t nblocks = buffer::RelationNumBlocks(rel.loc, smgr::Fork::kMain);
  std::vector<ItemPointer> dead_tids;
  std::vector<std::pair<uint32_t, std::vector<OffsetNumber>>> dead_by_page;

  // Pass 1: prune. The cleanup lock means no other process holds a pointer
  // into the page, so items may move when the page is defragmented.
  for (uint32_t blk = 0; blk < nblocks; ++blk) {
    Buffer buf = buffer::ReadBuffer(rel.loc, smgr::Fork::kMain, blk);
    if (!buffer::ConditionalLockBufferForCleanup(buf)) {
      // Someone holds a pin (an idle cursor may keep one for as long as it
      // likes): as PostgreSQL's lazy vacuum does, leave the page for the
      // next vacuum rather than wait. Its live tuples still count.
      buffer::LockBuffer(buf, LWLockMode::kShared);
      const char* sp = buffer::BufferPage(buf);
      st.pages_scanned++;
      for (OffsetNumber o = 1; !page::PageIsNew(sp) && o <= page::ItemCount(sp); ++o)
        if (page::GetItemId(sp, o)->flags() == page::LpFlags::kNormal) st.tuples_remaining++;
      buffer::UnlockBuffer(buf);
      buffer::ReleaseBuffer(buf);
      continue;
    }
    char* p = buffer::BufferPage(buf);
    st.pages_scanned++;
    if (page::PageIsNew(p)) {
      buffer::UnlockBuffer(buf);
      buffer::ReleaseBuffer(buf);
      internal::FsmRecord(rel.loc, blk, page::kPageSize - page::kHeaderSize - page::kItemIdSize);
      continue;
    }
    internal::PruneResult pr = internal::PrunePage(rel, buf, oldest_xmin);
    st.tuples_removed += pr.removed;
    st.tuples_remaining += pr.remaining;
    st.recently_dead += pr.recently_dead;
    std::vector<OffsetNumber> all_dead = std::move(pr.dead_lps);
    const size_t free = page::FreeSpace(p);
    buffer::UnlockBuffer(buf);
    buffer::ReleaseBuffer(buf);
    if (all_dead.empty()) {
      internal::FsmRecord(rel.loc, blk, free);
    } else {
      for (OffsetNumber o : all_dead) dead_tids.push_back({blk, o});
      st.dead_line_pointers += all_dead.size();
      dead_by_page.emplace_back(blk, std::move(all_dead));
    }
  }

  // Indexes first: a dead line pointer may be reused only once nothing points at it.
  if (!dead_tids.empty() && delete_index_entries) delete_index_entries(dead_tids);

  // Pass 2: dead line pointers become unused. Nothing moves, so the
  // exclusive lock suffices.
  for (auto& [blk, offs] : dead_by_page) {
    Buffer buf = buffer::ReadBuffer(rel.loc, smgr::Fork::kMain, blk);
    buffer::LockBuffer(buf, LWLockMode::kExclusive);
    char* p = buffer::BufferPage(buf);
    std::string main;
    Put16(&main, static_cast<uint16_t>(offs.size()));
    for (OffsetNumber o : offs) {
      Put16(&main, o);
      page::SetItemUnused(p, o);
    }
    page::SetLsn(p, LogOffsets(rel, buf, internal::kHeap2Vacuum, main));
    buffer::MarkBufferDirty(buf);
    const size_t free = page::FreeSpace(p);
    buffer::UnlockBuffer(buf);
    buffer::ReleaseBuffer(buf);
    internal::FsmRecord(rel.loc, blk, free);
  }

  // Truncation needs everyone else off the relation; like PostgreSQL we only
  // try, and skip it if the lock is busy.
  st.nblocks_after = nblocks;
  uint32_t tail = EmptyTailStart(rel, nblocks);
  if (tail < nblocks) {
    const lmgr::LockTag tag = lmgr::LockTag::Relation(rel.db_oid, rel.rel_oid);
    if (lmgr::Acquire(tag, lmgr::LockMode::kAccessExclusive, true) == lmgr::LockResult::kOk) {
      const uint32_t now = buffer::RelationNumBlocks(rel.loc, smgr::Fork::kMain);
      tail = EmptyTailStart(rel, now);
      if (tail < now) {
        TruncateStorage(rel.loc, tail);
        st.pages_truncated = now - tail;
        st.nblocks_after = tail;
      }
      lmgr::Release(tag, lmgr::LockMode::kAccessExclusive);
    }
  }
  return st;
}

}  // namespace tusk::heap
