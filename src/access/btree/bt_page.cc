// B-tree page and tuple primitives: formatting pages and the metapage,
// encoding index tuples, and the key comparisons every search relies on.
// Nothing here takes locks except ReadBlock's pin.
#include <algorithm>

#include "access/btree/bt_internal.h"
#include "utils/error.h"

namespace tusk::btree {

void InitBtPage(char* page, uint32_t level, uint16_t flags) {
  page::InitPage(page, sizeof(Opaque));
  Opaque* op = Op(page);
  op->left = op->right = kNone;
  op->level = level;
  op->flags = flags;
  op->cycle = 0;
}

void InitMetaPage(char* page, uint32_t root, uint32_t level) {
  page::InitPage(page, sizeof(Opaque));
  Opaque* op = Op(page);
  *op = Opaque{kNone, kNone, 0, kMeta, 0};
  Meta* m = MetaOf(page);
  *m = Meta{kMagic, kVersion, root, level, root, level};
  // pd_lower covers the metadata so a "standard" full-page image keeps it.
  uint16_t lower = static_cast<uint16_t>(kMetaOffset + sizeof(Meta));
  std::memcpy(page + page::kOffLower, &lower, sizeof lower);
}

void AppendTuple(std::string* out, const KeyValues& keys, ItemPointer tid, uint32_t downlink, uint16_t flags,
                 const IndexRel* rel) {
  const bool minus_inf = (flags & kTupMinusInf) != 0;
  bool nulls = false;
  size_t body = 0;
  for (const auto& k : keys) {
    if (!k) nulls = true;
    else body += 4 + k->size();
  }
  size_t bitmap = 0, nkeys = keys.size();
  flags = static_cast<uint16_t>(flags & ~(kTupHasNulls | kTupHasDownlink));
  if (minus_inf) {
    nkeys = 0;
    body = 0;
  } else if (nulls) {
    flags |= kTupHasNulls;
    bitmap = (keys.size() + 7) / 8;
  }
  if (downlink != 0) flags |= kTupHasDownlink;
  const size_t total = sizeof(TupleHeader) + (downlink != 0 ? 4 : 0) + bitmap + body;
  if (total > kMaxTupleSize)
    throw MakeError(sqlstate::kProgramLimitExceeded,
                    "index row size " + std::to_string(total) + " exceeds btree version 4 maximum " +
                        std::to_string(kMaxTupleSize) + " for index \"" + (rel ? rel->name : std::string()) + "\"")
        .Hint("Values larger than 1/3 of a buffer page cannot be indexed.\n"
              "Consider a function index of an MD5 hash of the value, or use full text indexing.");
  TupleHeader h{tid.block, tid.offset, static_cast<uint16_t>(flags | nkeys << 8)};
  const size_t start = out->size();
  out->resize(start + total);
  char* p = out->data() + start;
  std::memcpy(p, &h, sizeof h);
  p += sizeof h;
  if (downlink != 0) {
    std::memcpy(p, &downlink, 4);
    p += 4;
  }
  if (bitmap) {
    std::memset(p, 0, bitmap);
    for (size_t i = 0; i < keys.size(); ++i)
      if (!keys[i]) p[i / 8] = static_cast<char>(p[i / 8] | (1 << (i % 8)));
    p += bitmap;
  }
  if (minus_inf) return;
  for (const auto& k : keys) {
    if (!k) continue;
    const uint32_t len = static_cast<uint32_t>(k->size());
    std::memcpy(p, &len, 4);
    std::memcpy(p + 4, k->data(), len);
    p += 4 + len;
  }
}

std::string FormTuple(const KeyValues& keys, ItemPointer tid, uint32_t downlink, uint16_t flags, const IndexRel* rel) {
  std::string out;
  AppendTuple(&out, keys, tid, downlink, flags, rel);
  return out;
}

namespace {

// Where the keys start, and the null bitmap if there is one.
const char* KeysStart(const char* tup, int nkeys, uint16_t flags, const char** bitmap) {
  const char* p = tup + sizeof(TupleHeader) + ((flags & kTupHasDownlink) ? 4 : 0);
  *bitmap = nullptr;
  if (flags & kTupHasNulls) {
    *bitmap = p;
    p += (nkeys + 7) / 8;
  }
  return p;
}

bool IsNullAt(const char* bitmap, int i) { return bitmap && (bitmap[i / 8] & (1 << (i % 8))); }

}  // namespace

void DecodeKeys(const char* tup, std::vector<KeyView>* out) {
  const int nkeys = NKeysOf(tup);
  const char* bitmap;
  const char* p = KeysStart(tup, nkeys, FlagsOf(tup), &bitmap);
  out->assign(nkeys, KeyView{});
  for (int i = 0; i < nkeys; ++i) {
    if (IsNullAt(bitmap, i)) continue;
    uint32_t len;
    std::memcpy(&len, p, 4);
    (*out)[i] = KeyView{false, std::string_view(p + 4, len)};
    p += 4 + len;
  }
}

size_t TupleSize(const char* tup) {
  const int nkeys = NKeysOf(tup);
  const char* bitmap;
  const char* p = KeysStart(tup, nkeys, FlagsOf(tup), &bitmap);
  for (int i = 0; i < nkeys; ++i) {
    if (IsNullAt(bitmap, i)) continue;
    uint32_t len;
    std::memcpy(&len, p, 4);
    p += 4 + len;
  }
  return static_cast<size_t>(p - tup);
}

KeyValues KeysOf(const char* tup) {
  std::vector<KeyView> kv;
  DecodeKeys(tup, &kv);
  KeyValues out;
  for (const auto& k : kv) out.push_back(k.null ? std::nullopt : std::optional<std::string>(std::string(k.v)));
  return out;
}

std::string WithDownlink(const char* tup, uint32_t downlink, bool minus_inf) {
  if (minus_inf) return FormTuple({}, {0, 0}, downlink, kTupMinusInf);
  // Same keys, TID and flags; only the downlink field comes or goes.
  const uint16_t flags = FlagsOf(tup);
  const size_t head = sizeof(TupleHeader) + ((flags & kTupHasDownlink) ? 4 : 0);
  const size_t rest = TupleSize(tup) - head;
  TupleHeader h = Header(tup);
  // A pivot never carries the leaf's dead hint: only leaf entries may be removed for it.
  h.bits = static_cast<uint16_t>((h.bits & ~(kTupHasDownlink | kTupDead)) | (downlink != 0 ? kTupHasDownlink : 0));
  std::string out(sizeof h + (downlink != 0 ? 4 : 0) + rest, '\0');
  std::memcpy(out.data(), &h, sizeof h);
  if (downlink != 0) std::memcpy(out.data() + sizeof h, &downlink, 4);
  std::memcpy(out.data() + out.size() - rest, tup + head, rest);
  return out;
}

SearchKey MakeSearchKey(const KeyValues& keys, const ItemPointer* tid) {
  SearchKey sk;
  for (const auto& k : keys) sk.vals.push_back(k ? KeyView{false, *k} : KeyView{});
  if (tid) {
    sk.has_tid = true;
    sk.tid = *tid;
  }
  return sk;
}

int CompareColumn(const IndexRel& rel, int col, const KeyView& a, const KeyView& b) {
  bool nf = col < static_cast<int>(rel.nulls_first.size()) && rel.nulls_first[col];
  if (a.null || b.null) {
    if (a.null && b.null) return 0;
    // NULLs sit at one end of the column's index order, whatever ASC/DESC.
    return a.null ? (nf ? -1 : 1) : (nf ? 1 : -1);
  }
  int c = rel.cmp->Compare(col, a.v, b.v);
  c = c < 0 ? -1 : (c > 0 ? 1 : 0);
  bool desc = col < static_cast<int>(rel.descending.size()) && rel.descending[col];
  return desc ? -c : c;
}

int Compare(const IndexRel& rel, const SearchKey& key, const char* tup) {
  TupleHeader h = Header(tup);
  if (h.bits & kTupMinusInf) return 1;
  thread_local std::vector<KeyView> kv;  // no allocation per comparison
  DecodeKeys(tup, &kv);
  size_t n = std::min(key.vals.size(), kv.size());
  for (size_t i = 0; i < n; ++i) {
    int c = CompareColumn(rel, static_cast<int>(i), key.vals[i], kv[i]);
    if (c != 0) return c;
  }
  if (!key.has_tid) return 0;
  if (key.tid.block != h.tid_block) return key.tid.block < h.tid_block ? -1 : 1;
  if (key.tid.offset != h.tid_offset) return key.tid.offset < h.tid_offset ? -1 : 1;
  return 0;
}

OffsetNumber BinarySearch(const IndexRel& rel, const char* page, const SearchKey& key, bool nextkey) {
  OffsetNumber lo = FirstData(page), hi = static_cast<OffsetNumber>(page::ItemCount(page) + 1);
  // Invariant: items before lo are "below" the goal, items from hi on are not.
  while (lo < hi) {
    OffsetNumber mid = static_cast<OffsetNumber>(lo + (hi - lo) / 2);
    int c = Compare(rel, key, page::GetItem(page, mid));
    bool below = nextkey ? c >= 0 : c > 0;
    if (below)
      lo = static_cast<OffsetNumber>(mid + 1);
    else
      hi = mid;
  }
  return lo;
}

Buffer ReadBlock(const IndexRel& rel, uint32_t block) {
  return buffer::ReadBuffer(rel.loc, smgr::Fork::kMain, block);
}

uint32_t LeftmostAtLevel(const IndexRel& rel, uint32_t level) {
  uint32_t root_level = 0;
  uint32_t blk = GetRoot(rel, &root_level, false);
  if (blk == kNone) return kNone;
  for (;;) {
    Buffer b = ReadBlock(rel, blk);
    buffer::LockBuffer(b, LWLockMode::kShared);
    const char* p = buffer::BufferPage(b);
    const Opaque* op = Op(p);
    if (op->level <= level) {
      UnlockRelease(b);
      return blk;
    }
    uint32_t child = DownlinkOf(page::GetItem(p, FirstData(p)));
    UnlockRelease(b);
    blk = child;
  }
}

}  // namespace tusk::btree
