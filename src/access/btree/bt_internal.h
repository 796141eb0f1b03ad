// Internals shared by the B-tree files: page special area, metapage, index
// tuple encoding, key comparison, buffer helpers and WAL record codes.
// Byte layout: docs/formats/btree_page.md.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "access/btree/btree.h"
#include "access/wal/wal.h"
#include "storage/buffer/buffer.h"
#include "storage/page/page.h"

namespace tusk::btree {

using buffer::Buffer;
using page::OffsetNumber;

inline constexpr uint32_t kNone = 0;  // no sibling / no root: block 0 is the metapage
inline constexpr uint32_t kMetaBlock = 0;
inline constexpr uint32_t kMagic = 0x053162;  // PostgreSQL's BTREE_MAGIC
inline constexpr uint32_t kVersion = 4;

// Page flags (PostgreSQL's bit values).
inline constexpr uint16_t kLeaf = 0x01;
inline constexpr uint16_t kRoot = 0x02;
inline constexpr uint16_t kDeleted = 0x04;
inline constexpr uint16_t kMeta = 0x08;
inline constexpr uint16_t kHalfDead = 0x10;
inline constexpr uint16_t kIncompleteSplit = 0x80;

// The special area of every B-tree page (16 bytes).
struct Opaque {
  uint32_t left;
  uint32_t right;
  uint32_t level;  // 0 for leaves
  uint16_t flags;
  uint16_t cycle;  // vacuum cycle id: always 0 (vacuum walks logical order)
};
static_assert(sizeof(Opaque) == 16);

// Metapage contents, right after the page header at offset 32.
struct Meta {
  uint32_t magic;
  uint32_t version;
  uint32_t root;
  uint32_t level;
  uint32_t fastroot;
  uint32_t fastlevel;
};
inline constexpr size_t kMetaOffset = 32;

inline Opaque* Op(char* page) { return reinterpret_cast<Opaque*>(page::SpecialArea(page)); }
inline const Opaque* Op(const char* page) { return Op(const_cast<char*>(page)); }
inline Meta* MetaOf(char* page) { return reinterpret_cast<Meta*>(page + kMetaOffset); }
inline bool IsRightmost(const char* page) { return Op(page)->right == kNone; }
inline bool IsLeaf(const char* page) { return Op(page)->flags & kLeaf; }
// Item 1 is the high key on every page but the rightmost of its level.
inline OffsetNumber FirstData(const char* page) { return IsRightmost(page) ? 1 : 2; }
inline constexpr OffsetNumber kHighKey = 1;

// Formats `page` as an empty B-tree page.
void InitBtPage(char* page, uint32_t level, uint16_t flags);
void InitMetaPage(char* page, uint32_t root, uint32_t level);

// ---- Index tuples ----
// An 8-byte header (heap TID, then flags in the low byte and the number of
// key columns in the high byte of one 16-bit word), the downlink when there
// is one (4 bytes, flag kTupHasDownlink: internal pages' items), an optional
// null bitmap, then each non-NULL key as a 4-byte length and its bytes. A
// one-int4 leaf entry is 16 bytes, as in PostgreSQL. A kMinusInf tuple (first
// data item of an internal page) has no keys.
struct TupleHeader {
  uint32_t tid_block;
  uint16_t tid_offset;
  uint16_t bits;  // flags | nkeys << 8
};
static_assert(sizeof(TupleHeader) == 8);
inline constexpr uint16_t kTupMinusInf = 0x1;
inline constexpr uint16_t kTupHasNulls = 0x2;
// Leaf tuple whose heap tuple a scan found dead to every transaction (a
// hint, PostgreSQL's LP_DEAD): scans and unique checks skip it, and an
// insert short of room removes such tuples before it splits the page.
inline constexpr uint16_t kTupDead = 0x4;
inline constexpr uint16_t kTupHasDownlink = 0x8;
// A third of the usable page, like PostgreSQL's limit, so a split always works.
inline constexpr size_t kMaxTupleSize = 2704;

// `rel` (leaf tuples) names the index in the 54000 error of an oversized key.
// A downlink of 0 (block 0 is the metapage, never a child) is left out.
std::string FormTuple(const KeyValues& keys, ItemPointer tid, uint32_t downlink, uint16_t flags,
                      const IndexRel* rel = nullptr);
// The same tuple appended to *out.
void AppendTuple(std::string* out, const KeyValues& keys, ItemPointer tid, uint32_t downlink, uint16_t flags,
                 const IndexRel* rel = nullptr);
inline TupleHeader Header(const char* tup) {
  TupleHeader h;
  std::memcpy(&h, tup, sizeof h);
  return h;
}
inline uint16_t FlagsOf(const char* tup) { return Header(tup).bits & 0xff; }
inline int NKeysOf(const char* tup) { return Header(tup).bits >> 8; }
inline ItemPointer TidOf(const char* tup) {
  TupleHeader h = Header(tup);
  return {h.tid_block, h.tid_offset};
}
inline uint32_t DownlinkOf(const char* tup) {
  if (!(FlagsOf(tup) & kTupHasDownlink)) return 0;
  uint32_t d;
  std::memcpy(&d, tup + sizeof(TupleHeader), sizeof d);
  return d;
}
inline bool IsDeadHint(const char* tup) { return FlagsOf(tup) & kTupDead; }
// Sets the dead hint in place (same size, so no page layout change).
inline void SetDeadHint(char* tup) {
  TupleHeader h = Header(tup);
  h.bits |= kTupDead;
  std::memcpy(tup, &h, sizeof h);
}
// The tuple's length, from its own contents.
size_t TupleSize(const char* tup);
// The index's relation as WAL records name it.
inline wal::RelFileLocator WalLoc(const IndexRel& rel) {
  return wal::RelFileLocator{rel.loc.spc_oid, rel.loc.db_oid, rel.loc.rel_number};
}
// Removes leaf items (offsets in descending order) from the exclusively
// locked page and WAL-logs it as a vacuum record.
void DeleteItemsLogged(const IndexRel& rel, Buffer buf, const std::vector<OffsetNumber>& descending);
// Decodes the key columns (nullopt for NULL). Views point into the tuple.
struct KeyView {
  bool null = true;
  std::string_view v;
};
void DecodeKeys(const char* tup, std::vector<KeyView>* out);
KeyValues KeysOf(const char* tup);
// A copy of `tup` with another downlink (and minus-infinity if asked).
std::string WithDownlink(const char* tup, uint32_t downlink, bool minus_inf);
inline std::string ItemCopy(const char* page, OffsetNumber off) {
  return std::string(page::GetItem(page, off), page::GetItemId(page, off)->len());
}

// ---- Comparison ----
// A search key: the first `vals.size()` columns, then optionally the heap TID.
struct SearchKey {
  std::vector<KeyView> vals;
  bool has_tid = false;
  ItemPointer tid;
};
SearchKey MakeSearchKey(const KeyValues& keys, const ItemPointer* tid);
// One column in index order (DESC and NULLS FIRST applied).
int CompareColumn(const IndexRel& rel, int col, const KeyView& a, const KeyView& b);
// Sign of (key - tuple); a minus-infinity tuple is below every key.
int Compare(const IndexRel& rel, const SearchKey& key, const char* tup);
// First data offset whose tuple is > key (nextkey) or >= key; ItemCount+1 if none.
OffsetNumber BinarySearch(const IndexRel& rel, const char* page, const SearchKey& key, bool nextkey);

// ---- Buffers ----
Buffer ReadBlock(const IndexRel& rel, uint32_t block);
inline void UnlockRelease(Buffer b) {
  buffer::UnlockBuffer(b);
  buffer::ReleaseBuffer(b);
}
inline uint32_t BlockOf(Buffer b) { return buffer::TagOf(b).block; }

// Root block and level from the metapage (root kNone when the tree is empty).
uint32_t GetRoot(const IndexRel& rel, uint32_t* level, bool create);
// Block of the leftmost page at `level` (no lock held on return).
uint32_t LeftmostAtLevel(const IndexRel& rel, uint32_t level);

// ---- Descent and insertion (bt_insert.cc) ----
struct StackEntry {
  uint32_t block;
  OffsetNumber off;
};
using Stack = std::vector<StackEntry>;  // root first; back() is the parent
// Descends to the leaf for `key`, returning it locked (exclusive when
// for_insert). Returns kInvalidBuffer when the tree has no root.
Buffer Descend(const IndexRel& rel, const SearchKey& key, bool nextkey, bool for_insert, Stack* stack);

// Tests: the next split throws after its WAL record, before the downlink
// goes in, leaving an incomplete split as a crash or an error would.
void FailNextSplitForTesting();

// ---- WAL (bt_wal.cc) ----
inline constexpr uint8_t kWalInsertLeaf = 0x00;
inline constexpr uint8_t kWalInsertUpper = 0x10;
inline constexpr uint8_t kWalSplit = 0x20;
inline constexpr uint8_t kWalNewRoot = 0x30;
inline constexpr uint8_t kWalVacuum = 0x40;
inline constexpr uint8_t kWalNewPage = 0x50;  // metapage creation and bulk-load pages: one image

}  // namespace tusk::btree
