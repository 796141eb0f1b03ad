// Slotted-page operations: initialisation, adding and removing items,
// compaction after pruning, free-space accounting and header verification.
// Pages are plain byte arrays; header fields are read with memcpy.
#include "storage/page/page.h"

#include <algorithm>
#include <cstring>
#include <vector>

#include "utils/crc32c.h"
#include "utils/error.h"

namespace tusk::page {
namespace {

template <typename T>
T Load(const char* page, size_t off) {
  T v;
  std::memcpy(&v, page + off, sizeof v);
  return v;
}

template <typename T>
void Store(char* page, size_t off, T v) {
  std::memcpy(page + off, &v, sizeof v);
}

void SetLower(char* page, uint16_t v) { Store<uint16_t>(page, kOffLower, v); }
void SetUpper(char* page, uint16_t v) { Store<uint16_t>(page, kOffUpper, v); }

// Refuses to work on a page whose pointers could make us write outside it.
void CheckPointers(const char* page) {
  uint16_t lower = GetLower(page), upper = GetUpper(page), special = GetSpecialOffset(page);
  if (lower < kHeaderSize || lower > upper || upper > special || special > kPageSize) {
    throw PgError("XX001", "corrupted page pointers: lower = " + std::to_string(lower) +
                               ", upper = " + std::to_string(upper) + ", special = " + std::to_string(special));
  }
}

}  // namespace

uint64_t GetLsn(const char* page) { return Load<uint64_t>(page, kOffLsn); }
void SetLsn(char* page, uint64_t lsn) { Store(page, kOffLsn, lsn); }
uint16_t GetFlags(const char* page) { return Load<uint16_t>(page, kOffFlags); }
void SetFlags(char* page, uint16_t flags) { Store(page, kOffFlags, flags); }
uint16_t GetLower(const char* page) { return Load<uint16_t>(page, kOffLower); }
uint16_t GetUpper(const char* page) { return Load<uint16_t>(page, kOffUpper); }
uint16_t GetSpecialOffset(const char* page) { return Load<uint16_t>(page, kOffSpecial); }
uint64_t GetPruneXid(const char* page) { return Load<uint64_t>(page, kOffPruneXid); }
void SetPruneXid(char* page, uint64_t xid) { Store(page, kOffPruneXid, xid); }
uint16_t GetChecksum(const char* page) { return Load<uint16_t>(page, kOffChecksum); }
char* SpecialArea(char* page) { return page + GetSpecialOffset(page); }

void InitPage(char* page, size_t special_size) {
  special_size = MaxAlign(special_size);
  std::memset(page, 0, kPageSize);
  SetLower(page, kHeaderSize);
  SetUpper(page, static_cast<uint16_t>(kPageSize - special_size));
  Store<uint16_t>(page, kOffSpecial, static_cast<uint16_t>(kPageSize - special_size));
  // The size is a multiple of 256, so the low byte is free for the version.
  Store<uint16_t>(page, kOffSizeVersion, static_cast<uint16_t>(kPageSize | kLayoutVersion));
}

bool PageIsNew(const char* page) { return GetUpper(page) == 0; }

OffsetNumber ItemCount(const char* page) {
  uint16_t lower = GetLower(page);
  return lower <= kHeaderSize ? 0 : static_cast<OffsetNumber>((lower - kHeaderSize) / kItemIdSize);
}

ItemId* GetItemId(char* page, OffsetNumber off) {
  return reinterpret_cast<ItemId*>(page + kHeaderSize + (off - 1) * kItemIdSize);
}
const ItemId* GetItemId(const char* page, OffsetNumber off) {
  return reinterpret_cast<const ItemId*>(page + kHeaderSize + (off - 1) * kItemIdSize);
}
char* GetItem(char* page, OffsetNumber off) { return page + GetItemId(page, off)->off(); }
const char* GetItem(const char* page, OffsetNumber off) { return page + GetItemId(page, off)->off(); }

OffsetNumber AddItem(char* page, const char* item, size_t size, OffsetNumber offset, int flags) {
  CheckPointers(page);
  const bool overwrite = flags & kOverwrite, is_heap = flags & kIsHeap;
  const OffsetNumber limit = static_cast<OffsetNumber>(ItemCount(page) + 1);
  bool shuffle = false;
  if (offset != kInvalidOffset) {
    if (overwrite) {
      if (offset < limit) {
        const ItemId* lp = GetItemId(page, offset);
        if (lp->IsUsed() || lp->HasStorage()) return kInvalidOffset;  // would clobber a live item
      }
    } else if (offset < limit) {
      shuffle = true;
    }
  } else {
    // Reuse a free line pointer if the page says it has one, else append.
    if (GetFlags(page) & kHasFreeLines) {
      for (OffsetNumber o = kFirstOffset; o < limit; ++o) {
        const ItemId* lp = GetItemId(page, o);
        if (!lp->IsUsed() && !lp->HasStorage()) {
          offset = o;
          break;
        }
      }
      if (offset == kInvalidOffset) SetFlags(page, GetFlags(page) & ~kHasFreeLines);
    }
    if (offset == kInvalidOffset) offset = limit;
  }
  if (offset > limit || offset > kMaxOffsetNumber) return kInvalidOffset;
  if (is_heap && (shuffle || offset > kMaxHeapTuplesPerPage)) return kInvalidOffset;
  if (size > 0x7FFF) return kInvalidOffset;

  size_t lower = GetLower(page);
  if (offset == limit || shuffle) lower += kItemIdSize;
  size_t aligned = MaxAlign(size);
  if (aligned > GetUpper(page)) return kInvalidOffset;
  size_t upper = GetUpper(page) - aligned;
  if (lower > upper) return kInvalidOffset;

  if (shuffle) {
    char* from = reinterpret_cast<char*>(GetItemId(page, offset));
    std::memmove(from + kItemIdSize, from, (limit - offset) * kItemIdSize);
  }
  GetItemId(page, offset)->Set(static_cast<uint16_t>(upper), LpFlags::kNormal, static_cast<uint16_t>(size));
  std::memcpy(page + upper, item, size);
  SetLower(page, static_cast<uint16_t>(lower));
  SetUpper(page, static_cast<uint16_t>(upper));
  return offset;
}

size_t ExactFreeSpace(const char* page) {
  int space = static_cast<int>(GetUpper(page)) - static_cast<int>(GetLower(page));
  return space < 0 ? 0 : static_cast<size_t>(space);
}

size_t FreeSpace(const char* page) {
  size_t space = ExactFreeSpace(page);
  return space < kItemIdSize ? 0 : space - kItemIdSize;
}

void SetItemUnused(char* page, OffsetNumber off) {
  GetItemId(page, off)->Set(0, LpFlags::kUnused, 0);
  SetFlags(page, GetFlags(page) | kHasFreeLines);
}
void SetItemDead(char* page, OffsetNumber off) { GetItemId(page, off)->Set(0, LpFlags::kDead, 0); }
void SetItemRedirect(char* page, OffsetNumber off, OffsetNumber target) {
  GetItemId(page, off)->Set(target, LpFlags::kRedirect, 0);
}

void RepairFragmentation(char* page) {
  CheckPointers(page);
  struct Live {
    OffsetNumber off;
    uint16_t start;
    uint16_t aligned;
  };
  std::vector<Live> live;
  const OffsetNumber n = ItemCount(page);
  const uint16_t special = GetSpecialOffset(page);
  bool has_unused = false;
  for (OffsetNumber o = kFirstOffset; o <= n; ++o) {
    ItemId* lp = GetItemId(page, o);
    if (lp->IsUsed() && lp->HasStorage() && lp->flags() != LpFlags::kRedirect) {
      if (lp->off() < GetUpper(page) || lp->off() + lp->len() > special) {
        throw PgError("XX001", "corrupted line pointer: offset = " + std::to_string(lp->off()) +
                                   ", size = " + std::to_string(lp->len()));
      }
      live.push_back({o, lp->off(), static_cast<uint16_t>(MaxAlign(lp->len()))});
    } else if (!lp->IsUsed()) {
      lp->Set(0, LpFlags::kUnused, 0);
      has_unused = true;
    }
  }
  // Move items from the end of the page downwards, highest first, so each
  // move goes towards the special space and never overwrites an unmoved item.
  std::sort(live.begin(), live.end(), [](const Live& a, const Live& b) { return a.start > b.start; });
  size_t upper = special;
  for (const Live& l : live) {
    upper -= l.aligned;
    if (upper != l.start) std::memmove(page + upper, page + l.start, l.aligned);
    ItemId* lp = GetItemId(page, l.off);
    lp->Set(static_cast<uint16_t>(upper), lp->flags(), lp->len());
  }
  SetUpper(page, static_cast<uint16_t>(upper));
  uint16_t flags = GetFlags(page);
  SetFlags(page, has_unused ? (flags | kHasFreeLines) : (flags & ~kHasFreeLines));
}

void IndexTupleDelete(char* page, OffsetNumber off) {
  CheckPointers(page);
  const OffsetNumber n = ItemCount(page);
  if (off < kFirstOffset || off > n) {
    throw PgError("XX001", "invalid index offnum: " + std::to_string(off));
  }
  ItemId* lp = GetItemId(page, off);
  const size_t offset = lp->off(), size = MaxAlign(lp->len());
  const size_t upper = GetUpper(page);
  if (offset < upper || offset + size > GetSpecialOffset(page)) {
    throw PgError("XX001", "corrupted line pointer: offset = " + std::to_string(offset) +
                               ", size = " + std::to_string(size));
  }
  // Close the gap: data below the deleted item moves up by its size.
  std::memmove(page + upper + size, page + upper, offset - upper);
  char* next = reinterpret_cast<char*>(lp) + kItemIdSize;
  std::memmove(lp, next, (n - off) * kItemIdSize);
  SetLower(page, static_cast<uint16_t>(GetLower(page) - kItemIdSize));
  SetUpper(page, static_cast<uint16_t>(upper + size));
  for (OffsetNumber o = kFirstOffset; o < n; ++o) {
    ItemId* other = GetItemId(page, o);
    if (other->HasStorage() && other->off() <= offset)
      other->Set(static_cast<uint16_t>(other->off() + size), other->flags(), other->len());
  }
}

uint16_t ComputeChecksum(const char* page, uint32_t block) {
  const uint16_t zero = 0;
  uint32_t crc = Crc32c(0, page, kOffChecksum);
  crc = Crc32c(crc, &zero, sizeof zero);
  crc = Crc32c(crc, page + kOffChecksum + 2, kPageSize - kOffChecksum - 2);
  // Mixing in the block number catches a page written to the wrong place.
  crc ^= block * 0x9E3779B1u;
  uint16_t sum = static_cast<uint16_t>((crc ^ (crc >> 16)) & 0xFFFF);
  return sum == 0 ? 1 : sum;
}

void SetChecksum(char* page, uint32_t block) { Store<uint16_t>(page, kOffChecksum, ComputeChecksum(page, block)); }

bool VerifyHeader(const char* page, uint32_t block) {
  if (PageIsNew(page)) {
    for (size_t i = 0; i < kPageSize; ++i)
      if (page[i] != 0) return false;
    return true;
  }
  const uint16_t lower = GetLower(page), upper = GetUpper(page), special = GetSpecialOffset(page);
  if ((GetFlags(page) & ~kValidFlagBits) != 0) return false;
  if (lower < kHeaderSize || lower > upper || upper > special || special > kPageSize) return false;
  if (special != MaxAlign(special)) return false;
  if (Load<uint16_t>(page, kOffSizeVersion) != (kPageSize | kLayoutVersion)) return false;
  uint16_t sum = GetChecksum(page);
  return sum == 0 || sum == ComputeChecksum(page, block);
}

}  // namespace tusk::page
