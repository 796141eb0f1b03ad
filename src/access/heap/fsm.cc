// The free-space map: one byte per heap block in the FSM fork. It is a hint
// (never WAL-logged, as PostgreSQL's leaves are not trusted either): inserters
// re-check the page itself and correct the map when it was wrong.
#include <algorithm>
#include <cstring>
#include <map>
#include <tuple>

#include "access/heap/heap_internal.h"
#include "utils/error.h"

namespace tusk::heap::internal {

namespace {

using buffer::Buffer;
constexpr size_t kCategoryBytes = 32;

uint8_t* Slots(char* page) { return reinterpret_cast<uint8_t*>(page::SpecialArea(page)); }

// An FSM page keeps, in its header's prune-xid field (unused on FSM pages),
// an upper bound of its slots: a search skips a page whose bound is below
// what it wants, instead of reading thousands of full slots (a bulk load's
// every new page would otherwise scan the whole map once).
uint8_t Bound(const char* page) { return static_cast<uint8_t>(std::min<uint64_t>(page::GetPruneXid(page), 255)); }

uint8_t MaxSlot(const uint8_t* s) {
  uint8_t m = 0;
  for (size_t i = 0; i < kFsmSlotsPerPage; ++i) m = std::max(m, s[i]);
  return m;
}

// How many FSM blocks this process has seen each fork to have (it never
// shrinks: truncation zeroes slots, a drop retires the relfilenode for
// good), so reading a known block asks the file system nothing.
struct KnownSize {
  uint64_t epoch = 0;
  uint32_t blocks = 0;
};
std::map<std::tuple<uint32_t, uint32_t, uint32_t>, KnownSize> g_known;

KnownSize& KnownOf(const smgr::RelFileLocator& loc) {
  KnownSize& k = g_known[{loc.spc_oid, loc.db_oid, loc.rel_number}];
  if (k.epoch != buffer::PoolEpoch()) k = KnownSize{buffer::PoolEpoch(), 0};
  return k;
}

// Pins FSM block `fblock`, extending the fork when `extend`; kInvalidBuffer if
// it does not exist. A page that fails verification (a torn write: the map is
// not protected by WAL) is replaced by an empty one.
Buffer ReadFsmPage(const smgr::RelFileLocator& loc, uint32_t fblock, bool extend) {
  KnownSize& known = KnownOf(loc);
  if (fblock >= known.blocks) {
    if (!smgr::Exists(loc, smgr::Fork::kFsm)) {
      if (!extend) return buffer::kInvalidBuffer;
      try {
        smgr::Create(loc, smgr::Fork::kFsm, false);
      } catch (const PgError&) {
        // Another process created it first.
      }
    }
    for (;;) {
      const uint32_t n = buffer::RelationNumBlocks(loc, smgr::Fork::kFsm);
      known.blocks = std::max(known.blocks, n);
      if (n > fblock) break;
      if (!extend) return buffer::kInvalidBuffer;
      buffer::ReleaseBuffer(buffer::ReadBuffer(loc, smgr::Fork::kFsm, buffer::kNewBlock));
    }
  }
  try {
    return buffer::ReadBuffer(loc, smgr::Fork::kFsm, fblock);
  } catch (const PgError&) {
    char zero[page::kPageSize] = {};
    smgr::Write(loc, smgr::Fork::kFsm, fblock, zero);
    return buffer::ReadBuffer(loc, smgr::Fork::kFsm, fblock);
  }
}

}  // namespace

void FsmRecord(const smgr::RelFileLocator& loc, uint32_t block, size_t free_bytes) {
  const uint32_t fblock = static_cast<uint32_t>(block / kFsmSlotsPerPage);
  const uint8_t cat = static_cast<uint8_t>(std::min<size_t>(free_bytes / kCategoryBytes, 255));
  Buffer b = ReadFsmPage(loc, fblock, cat != 0);
  if (b == buffer::kInvalidBuffer) return;
  buffer::LockBuffer(b, LWLockMode::kExclusive);
  char* p = buffer::BufferPage(b);
  if (page::PageIsNew(p)) page::InitPage(p, kFsmSlotsPerPage);
  uint8_t& slot = Slots(p)[block % kFsmSlotsPerPage];
  if (slot != cat) {
    slot = cat;
    if (cat > Bound(p)) page::SetPruneXid(p, cat);
    buffer::MarkBufferDirty(b);
  }
  buffer::UnlockBuffer(b);
  buffer::ReleaseBuffer(b);
}

size_t FsmGet(const smgr::RelFileLocator& loc, uint32_t block) {
  Buffer b = ReadFsmPage(loc, static_cast<uint32_t>(block / kFsmSlotsPerPage), false);
  if (b == buffer::kInvalidBuffer) return 0;
  buffer::LockBuffer(b, LWLockMode::kShared);
  const char* p = buffer::BufferPage(b);
  size_t v = page::PageIsNew(p) ? 0 : Slots(const_cast<char*>(p))[block % kFsmSlotsPerPage] * kCategoryBytes;
  buffer::UnlockBuffer(b);
  buffer::ReleaseBuffer(b);
  return v;
}

namespace {

// First block in [from, to) (all on one FSM page) whose slot is >= want.
// Mostly every slot is full (a bulk load), so 64 slots are tested at a time
// by a loop without early exit, which the compiler vectorizes.
uint32_t FirstWithRoom(const uint8_t* s, uint32_t from, uint32_t to, uint8_t want) {
  constexpr uint32_t kChunk = 64;
  uint32_t x = from;
  while (x < to) {
    const uint32_t n = std::min(kChunk, to - x);
    const uint8_t* c = s + x % kFsmSlotsPerPage;
    bool any = false;
    if (n == kChunk) {
      for (uint32_t k = 0; k < kChunk; ++k) any |= c[k] >= want;
    } else {
      any = true;
    }
    if (any) {
      for (uint32_t k = 0; k < n; ++k)
        if (c[k] >= want) return x + k;
    }
    x += n;
  }
  return smgr::kInvalidBlock;
}

}  // namespace

uint32_t FsmSearch(const smgr::RelFileLocator& loc, size_t needed, uint32_t start, uint32_t nblocks) {
  if (nblocks == 0) return smgr::kInvalidBlock;
  const uint8_t want = static_cast<uint8_t>(std::min<size_t>((needed + kCategoryBytes - 1) / kCategoryBytes, 255));
  if (start >= nblocks) start = 0;
  // Two passes: [start, nblocks) then [0, start), one FSM page at a time.
  for (int pass = 0; pass < 2; ++pass) {
    uint32_t from = pass == 0 ? start : 0, to = pass == 0 ? nblocks : start;
    uint32_t blk = from;
    while (blk < to) {
      const uint32_t fblock = static_cast<uint32_t>(blk / kFsmSlotsPerPage);
      const uint32_t page_end = std::min<uint32_t>(to, static_cast<uint32_t>((fblock + 1) * kFsmSlotsPerPage));
      Buffer b = ReadFsmPage(loc, fblock, false);
      if (b == buffer::kInvalidBuffer) return smgr::kInvalidBlock;
      buffer::LockBuffer(b, LWLockMode::kShared);
      char* p = buffer::BufferPage(b);
      uint32_t found = smgr::kInvalidBlock;
      if (!page::PageIsNew(p) && Bound(p) >= want) {
        found = FirstWithRoom(Slots(p), blk, page_end, want);
        // Nothing here: tighten the bound. Under the shared lock no slot
        // changes, so every reader computes the same value (a hint, like
        // the slots themselves).
        if (found == smgr::kInvalidBlock) {
          const uint8_t m = MaxSlot(Slots(p));
          if (m < Bound(p)) page::SetPruneXid(p, m);
        }
      }
      buffer::UnlockBuffer(b);
      buffer::ReleaseBuffer(b);
      if (found != smgr::kInvalidBlock) return found;
      blk = page_end;
    }
  }
  return smgr::kInvalidBlock;
}

void FsmTruncate(const smgr::RelFileLocator& loc, uint32_t nblocks) {
  if (!smgr::Exists(loc, smgr::Fork::kFsm)) return;
  const uint32_t fpages = buffer::RelationNumBlocks(loc, smgr::Fork::kFsm);
  for (uint32_t f = static_cast<uint32_t>(nblocks / kFsmSlotsPerPage); f < fpages; ++f) {
    Buffer b = ReadFsmPage(loc, f, false);
    if (b == buffer::kInvalidBuffer) return;
    buffer::LockBuffer(b, LWLockMode::kExclusive);
    char* p = buffer::BufferPage(b);
    if (!page::PageIsNew(p)) {
      size_t first = f * kFsmSlotsPerPage < nblocks ? nblocks % kFsmSlotsPerPage : 0;
      std::memset(Slots(p) + first, 0, kFsmSlotsPerPage - first);
      buffer::MarkBufferDirty(b);
    }
    buffer::UnlockBuffer(b);
    buffer::ReleaseBuffer(b);
  }
}

}  // namespace tusk::heap::internal
