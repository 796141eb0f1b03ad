// The slotted page: a 28-byte header (LSN first), an array of 4-byte line
// pointers growing up, item data growing down, and an optional special area
// at the end. Byte layout: docs/formats/page.md.
#pragma once

#include <cstddef>
#include <cstdint>

namespace tusk::page {

inline constexpr uint32_t kPageSize = 8192;
inline constexpr uint16_t kLayoutVersion = 5;  // ours: 64-bit prune xid
inline constexpr size_t kHeaderSize = 28;
inline constexpr size_t kItemIdSize = 4;
inline constexpr size_t kMaxAlign = 8;
inline constexpr size_t MaxAlign(size_t n) { return (n + kMaxAlign - 1) & ~(kMaxAlign - 1); }

// Header field offsets (little-endian on disk, as the host writes them).
inline constexpr size_t kOffLsn = 0;
inline constexpr size_t kOffChecksum = 8;
inline constexpr size_t kOffFlags = 10;
inline constexpr size_t kOffLower = 12;
inline constexpr size_t kOffUpper = 14;
inline constexpr size_t kOffSpecial = 16;
inline constexpr size_t kOffSizeVersion = 18;
inline constexpr size_t kOffPruneXid = 20;

// Page flags.
inline constexpr uint16_t kHasFreeLines = 0x0001;  // some line pointer is unused
inline constexpr uint16_t kPageFull = 0x0002;      // an update found no room
inline constexpr uint16_t kAllVisible = 0x0004;    // every tuple visible to all
inline constexpr uint16_t kValidFlagBits = 0x0007;

using OffsetNumber = uint16_t;  // 1-based line pointer number
inline constexpr OffsetNumber kInvalidOffset = 0;
inline constexpr OffsetNumber kFirstOffset = 1;
// Smallest heap tuple (header only) plus its line pointer bounds the count.
inline constexpr size_t kMinHeapTupleSize = 24;
inline constexpr OffsetNumber kMaxHeapTuplesPerPage =
    static_cast<OffsetNumber>((kPageSize - kHeaderSize) / (MaxAlign(kMinHeapTupleSize) + kItemIdSize));
inline constexpr OffsetNumber kMaxOffsetNumber = static_cast<OffsetNumber>(kPageSize / kItemIdSize);

enum class LpFlags : uint8_t { kUnused = 0, kNormal = 1, kRedirect = 2, kDead = 3 };

// A line pointer: bits 0-14 offset of the item, 15-16 flags, 17-31 length.
// A redirect keeps its target offset number in the offset field.
struct ItemId {
  uint32_t word;
  uint16_t off() const { return word & 0x7FFF; }
  LpFlags flags() const { return static_cast<LpFlags>((word >> 15) & 3); }
  uint16_t len() const { return static_cast<uint16_t>(word >> 17); }
  void Set(uint16_t o, LpFlags f, uint16_t l) {
    word = (o & 0x7FFFu) | (static_cast<uint32_t>(f) << 15) | (static_cast<uint32_t>(l & 0x7FFF) << 17);
  }
  bool IsUsed() const { return flags() != LpFlags::kUnused; }
  bool HasStorage() const { return len() != 0; }
};
static_assert(sizeof(ItemId) == kItemIdSize);

// Header accessors (pages need not be aligned for these).
uint64_t GetLsn(const char* page);
void SetLsn(char* page, uint64_t lsn);
uint16_t GetFlags(const char* page);
void SetFlags(char* page, uint16_t flags);
uint16_t GetLower(const char* page);
uint16_t GetUpper(const char* page);
uint16_t GetSpecialOffset(const char* page);
uint64_t GetPruneXid(const char* page);
void SetPruneXid(char* page, uint64_t xid);
uint16_t GetChecksum(const char* page);
char* SpecialArea(char* page);

// Formats an empty page with `special_size` bytes (rounded up to 8) reserved at the end.
void InitPage(char* page, size_t special_size);
// True for an all-zero (never initialised) page: upper is 0.
bool PageIsNew(const char* page);
// Highest line pointer number in use (0 for an empty page).
OffsetNumber ItemCount(const char* page);
ItemId* GetItemId(char* page, OffsetNumber off);
const ItemId* GetItemId(const char* page, OffsetNumber off);
// The item's bytes (valid for line pointers with storage).
char* GetItem(char* page, OffsetNumber off);
const char* GetItem(const char* page, OffsetNumber off);

// AddItem flags.
inline constexpr int kOverwrite = 1;  // offset must name an unused line pointer; reuse it
inline constexpr int kIsHeap = 2;     // heap page: cap on line pointers, never shuffle

// Adds an item. With `offset` == kInvalidOffset the first free line pointer
// (or a new one) is used. Without kOverwrite an offset inside the array
// shifts later line pointers up (index pages). Returns the offset used, or
// kInvalidOffset when the item does not fit or the offset is not allowed.
// Throws PgError (XX001) if the header's pointers are corrupt.
OffsetNumber AddItem(char* page, const char* item, size_t size, OffsetNumber offset, int flags);

// Room for one more item, a new line pointer deducted (PostgreSQL's
// PageGetFreeSpace): upper - lower - 4, or 0.
size_t FreeSpace(const char* page);
// upper - lower, nothing deducted.
size_t ExactFreeSpace(const char* page);

// Line pointer changes used by pruning; they leave item data in place until
// RepairFragmentation.
void SetItemUnused(char* page, OffsetNumber off);
void SetItemDead(char* page, OffsetNumber off);
void SetItemRedirect(char* page, OffsetNumber off, OffsetNumber target);

// Moves every item with storage to the end of the page so free space is one
// hole; line pointer numbers do not change. Sets or clears kHasFreeLines.
void RepairFragmentation(char* page);

// Index pages: removes the item and its line pointer; later line pointers
// move down by one and data is closed up.
void IndexTupleDelete(char* page, OffsetNumber off);

// Checksum over the page (its checksum field counted as zero) and the block
// number, never 0 so that 0 can mean "not computed".
uint16_t ComputeChecksum(const char* page, uint32_t block);
void SetChecksum(char* page, uint32_t block);

// Sanity checks for a page just read: an all-zero page passes; otherwise the
// header's pointers, flags and version must be sane and a non-zero checksum
// must match.
bool VerifyHeader(const char* page, uint32_t block);

}  // namespace tusk::page
