// Bulk operations: the sorted bottom-up build, vacuum's bulk delete, and
// the structural checker the tests (and, later, amcheck) rely on.
// Each changed page is WAL-logged before its buffer lock is released.
#include <algorithm>
#include <map>

#include "access/btree/bt_internal.h"
#include "access/wal/wal.h"
#include "access/wal/wal_redo.h"
#include "utils/error.h"

namespace tusk::btree {
namespace {

size_t Cost(size_t len) { return page::MaxAlign(len) + page::kItemIdSize; }

// Writes a finished page image to block `expect` (the next new block: Build
// starts from the metapage alone) and logs it.
void EmitPage(const IndexRel& rel, const char* image, uint32_t expect) {
  Buffer b = ReadBlock(rel, buffer::kNewBlock);
  if (BlockOf(b) != expect) {
    buffer::ReleaseBuffer(b);
    throw MakeError(sqlstate::kInternalError, "btree build: relation grew under the build");
  }
  buffer::LockBuffer(b, LWLockMode::kExclusive);
  char* p = buffer::BufferPage(b);
  std::memcpy(p, image, page::kPageSize);
  buffer::MarkBufferDirty(b);
  wal::RecordBuilder wb;
  wb.RegisterBlock(0, WalLoc(rel), 0, expect, p, wal::kRegForceImage | wal::kRegStandard);
  page::SetLsn(p, wb.Insert(wal::kRmgrBtree, kWalNewPage, 0));
  UnlockRelease(b);
}


// Tuples of one level back to back: tuple i is [off[i], off[i + 1]).
struct Level {
  std::string bytes;
  std::vector<size_t> off{0};
  size_t size() const { return off.size() - 1; }
  const char* data(size_t i) const { return bytes.data() + off[i]; }
  size_t len(size_t i) const { return off[i + 1] - off[i]; }
  void Add(const std::string& t) {
    bytes += t;
    off.push_back(bytes.size());
  }
};

}  // namespace

uint64_t Build(IndexRel& rel, const BuildScan& scan, const DuplicateFn& duplicate) {
  // Every entry becomes its leaf tuple at once, back to back in `leaves`;
  // the sort orders positions. When the first key column's type has a sort
  // image (integers, dates, timestamps), positions compare by (NULL class,
  // image) and only ties by the full comparison of the tuples.
  struct Item {
    uint64_t image;  // the value's image, inverted for DESC
    uint32_t idx;    // tuple number in `leaves`
    uint8_t cls;     // 0: NULL sorting first, 1: a value, 2: NULL sorting last
  };
  Level leaves;
  std::vector<Item> order;
  bool images = rel.nkeys > 0 && rel.cmp != nullptr;
  const bool nf = !rel.nulls_first.empty() && rel.nulls_first[0];
  const bool desc = !rel.descending.empty() && rel.descending[0];
  scan([&](const KeyValues& k, ItemPointer t) {
    AppendTuple(&leaves.bytes, k, t, 0, 0, &rel);
    Item it{0, static_cast<uint32_t>(order.size()), 1};
    leaves.off.push_back(leaves.bytes.size());
    if (images) {
      if (k.empty() || !k[0]) {
        it.cls = nf ? 0 : 2;
      } else {
        images = rel.cmp->SortImage(0, *k[0], &it.image);
        if (desc) it.image = ~it.image;
      }
    }
    order.push_back(it);
  });
  std::vector<KeyView> ka, kb;
  auto compare_keys = [&](uint32_t a, uint32_t b) {
    DecodeKeys(leaves.data(a), &ka);
    DecodeKeys(leaves.data(b), &kb);
    for (int i = 0; i < rel.nkeys; ++i) {
      int c = CompareColumn(rel, i, ka[i], kb[i]);
      if (c != 0) return c;
    }
    return 0;
  };
  auto less = [&](uint32_t a, uint32_t b) {
    int c = compare_keys(a, b);
    if (c != 0) return c < 0;
    const ItemPointer x = TidOf(leaves.data(a)), y = TidOf(leaves.data(b));
    return x.block != y.block ? x.block < y.block : x.offset < y.offset;
  };
  if (images) {
    std::sort(order.begin(), order.end(), [&](const Item& a, const Item& b) {
      if (a.cls != b.cls) return a.cls < b.cls;
      if (a.image != b.image) return a.image < b.image;
      return less(a.idx, b.idx);
    });
  } else {
    std::sort(order.begin(), order.end(), [&](const Item& a, const Item& b) { return less(a.idx, b.idx); });
  }
  if (duplicate) {
    for (size_t i = 1; i < order.size(); ++i) {
      const uint32_t cur = order[i].idx, prev = order[i - 1].idx;
      // Different images are different values.
      if (images && (order[i].image != order[i - 1].image || order[i].cls != order[i - 1].cls)) continue;
      if (FlagsOf(leaves.data(cur)) & kTupHasNulls) continue;
      if (compare_keys(prev, cur) == 0) duplicate(KeysOf(leaves.data(cur)));
    }
  }
  if (buffer::RelationNumBlocks(rel.loc, smgr::Fork::kMain) == 0) CreateEmpty(rel);
  if (buffer::RelationNumBlocks(rel.loc, smgr::Fork::kMain) != 1)
    throw MakeError(sqlstate::kInternalError, "btree build needs an empty index");
  const uint64_t count = order.size();
  if (order.empty()) return 0;

  // The leaf level in key order: tuple i of `items` is leaves' order[i].
  std::vector<uint32_t> perm(order.size());
  for (size_t i = 0; i < order.size(); ++i) perm[i] = order[i].idx;
  std::vector<Item>().swap(order);
  Level items = std::move(leaves);
  const size_t capacity = page::kPageSize - page::kHeaderSize - sizeof(Opaque);
  uint32_t level = 0, next_block = 1, root = kNone;
  auto at = [&](size_t i) { return perm.empty() ? i : perm[i]; };
  for (;;) {
    // Leaves are filled to 90%, upper pages to 70% (PostgreSQL's defaults),
    // always leaving room for the high key (the next page's first item).
    size_t target = capacity * (level == 0 ? 90 : 70) / 100;
    std::vector<std::pair<size_t, size_t>> groups;  // [begin, end) of items
    size_t begin = 0, bytes = 0;
    const size_t n = items.size();
    for (size_t i = 0; i < n; ++i) {
      size_t reserve = i + 1 < n ? Cost(items.len(at(i + 1))) : 0;
      const size_t cost = Cost(items.len(at(i)));
      if (i > begin && (bytes + cost > target || bytes + cost + reserve > capacity)) {
        groups.push_back({begin, i});
        begin = i;
        bytes = 0;
      }
      bytes += cost;
    }
    groups.push_back({begin, n});
    uint32_t base = next_block;
    Level parents;
    std::vector<char> img(page::kPageSize);
    for (size_t g = 0; g < groups.size(); ++g) {
      uint32_t blk = base + static_cast<uint32_t>(g);
      uint16_t flags = static_cast<uint16_t>((level == 0 ? kLeaf : 0) | (groups.size() == 1 ? kRoot : 0));
      InitBtPage(img.data(), level, flags);
      Op(img.data())->left = g == 0 ? kNone : blk - 1;
      Op(img.data())->right = g + 1 == groups.size() ? kNone : blk + 1;
      if (g + 1 < groups.size()) {
        std::string high = WithDownlink(items.data(at(groups[g + 1].first)), 0, false);
        page::AddItem(img.data(), high.data(), high.size(), page::kInvalidOffset, 0);
      }
      for (size_t i = groups[g].first; i < groups[g].second; ++i) {
        OffsetNumber added;
        if (level > 0 && i == groups[g].first) {
          std::string t = WithDownlink(items.data(at(i)), DownlinkOf(items.data(at(i))), true);
          added = page::AddItem(img.data(), t.data(), t.size(), page::kInvalidOffset, 0);
        } else {
          added = page::AddItem(img.data(), items.data(at(i)), items.len(at(i)), page::kInvalidOffset, 0);
        }
        if (added == page::kInvalidOffset) throw MakeError(sqlstate::kInternalError, "btree build: page overflow");
      }
      EmitPage(rel, img.data(), blk);
      parents.Add(WithDownlink(items.data(at(groups[g].first)), blk, false));
    }
    next_block = base + static_cast<uint32_t>(groups.size());
    if (groups.size() == 1) {
      root = base;
      break;
    }
    items = std::move(parents);
    std::vector<uint32_t>().swap(perm);  // upper levels are built in order
    ++level;
  }
  Buffer meta = ReadBlock(rel, kMetaBlock);
  buffer::LockBuffer(meta, LWLockMode::kExclusive);
  char* mp = buffer::BufferPage(meta);
  uint64_t lsn = page::GetLsn(mp);
  InitMetaPage(mp, root, level);
  page::SetLsn(mp, lsn);
  buffer::MarkBufferDirty(meta);
  wal::RecordBuilder wb;
  wb.RegisterBlock(0, WalLoc(rel), 0, kMetaBlock, mp, wal::kRegForceImage | wal::kRegStandard);
  page::SetLsn(mp, wb.Insert(wal::kRmgrBtree, kWalNewPage, 0));
  UnlockRelease(meta);
  return count;
}

void DeleteItemsLogged(const IndexRel& rel, Buffer buf, const std::vector<OffsetNumber>& descending) {
  char* p = buffer::BufferPage(buf);
  for (OffsetNumber o : descending) page::IndexTupleDelete(p, o);
  buffer::MarkBufferDirty(buf);
  wal::RecordBuilder wb;
  wb.RegisterBlock(0, WalLoc(rel), 0, buffer::TagOf(buf).block, p, wal::kRegStandard);
  wb.AddBlockData(0, descending.data(), descending.size() * sizeof(OffsetNumber));
  page::SetLsn(p, wb.Insert(wal::kRmgrBtree, kWalVacuum, 0));
}

uint64_t BulkDelete(IndexRel& rel, const std::function<bool(ItemPointer)>& is_dead) {
  uint64_t removed = 0;
  uint32_t blk = LeftmostAtLevel(rel, 0);
  // Leaves in key order: a concurrent split only moves tuples to the right,
  // onto pages not visited yet, so none is missed (no cycle ids needed).
  while (blk != kNone) {
    Buffer b = ReadBlock(rel, blk);
    buffer::LockBufferForCleanup(b);
    char* p = buffer::BufferPage(b);
    std::vector<OffsetNumber> dead;
    for (OffsetNumber o = page::ItemCount(p); o >= FirstData(p); --o)
      if (is_dead(TidOf(page::GetItem(p, o)))) dead.push_back(o);
    if (!dead.empty()) {
      DeleteItemsLogged(rel, b, dead);
      removed += dead.size();
    }
    blk = Op(p)->right;
    UnlockRelease(b);
  }
  return removed;
}

uint64_t BulkDeleteTids(IndexRel& rel, std::vector<ItemPointer> dead) {
  if (dead.empty()) return 0;
  auto less = [](ItemPointer a, ItemPointer b) { return a.block != b.block ? a.block < b.block : a.offset < b.offset; };
  std::sort(dead.begin(), dead.end(), less);
  return BulkDelete(rel, [&](ItemPointer p) { return std::binary_search(dead.begin(), dead.end(), p, less); });
}

std::string CheckTree(IndexRel& rel, uint64_t* leaf_tuples) {
  std::string err;
  auto fail = [&](uint32_t blk, const std::string& what) {
    if (err.size() < 2000) err += "block " + std::to_string(blk) + ": " + what + "\n";
  };
  uint64_t count = 0;
  uint32_t root_level = 0;
  uint32_t root = GetRoot(rel, &root_level, false);
  if (leaf_tuples) *leaf_tuples = 0;
  if (root == kNone) return err;
  auto key_of = [](const char* t) {
    SearchKey s;
    DecodeKeys(t, &s.vals);
    s.has_tid = true;
    s.tid = TidOf(t);
    return s;
  };
  // Expected high key of each child, from its parent: empty = rightmost.
  std::map<uint32_t, std::string> expect, next_expect;
  for (int level = static_cast<int>(root_level); level >= 0; --level) {
    uint32_t blk = LeftmostAtLevel(rel, static_cast<uint32_t>(level)), prev = kNone;
    std::string prev_high;
    next_expect.clear();
    std::vector<char> pg(page::kPageSize);
    while (blk != kNone) {
      Buffer b = ReadBlock(rel, blk);
      buffer::LockBuffer(b, LWLockMode::kShared);
      std::memcpy(pg.data(), buffer::BufferPage(b), page::kPageSize);
      UnlockRelease(b);
      const char* p = pg.data();
      const Opaque* op = Op(p);
      if (op->level != static_cast<uint32_t>(level)) fail(blk, "level " + std::to_string(op->level));
      if (op->left != prev) fail(blk, "left-link " + std::to_string(op->left) + " expected " + std::to_string(prev));
      if (bool(op->flags & kLeaf) != (level == 0)) fail(blk, "leaf flag wrong");
      if (op->flags & kIncompleteSplit) fail(blk, "incomplete split");
      if (bool(op->flags & kRoot) != (blk == root)) fail(blk, "root flag wrong");
      OffsetNumber first = FirstData(p), n = page::ItemCount(p);
      for (OffsetNumber o = first; o < n; ++o)
        if (Compare(rel, key_of(page::GetItem(p, o + 1)), page::GetItem(p, o)) <= 0)
          fail(blk, "items " + std::to_string(o) + " and " + std::to_string(o + 1) + " out of order");
      if (!IsRightmost(p))
        for (OffsetNumber o = first; o <= n; ++o)
          if (Compare(rel, key_of(page::GetItem(p, kHighKey)), page::GetItem(p, o)) <= 0)
            fail(blk, "item " + std::to_string(o) + " not below the high key");
      if (!prev_high.empty() && n >= first && !(FlagsOf(page::GetItem(p, first)) & kTupMinusInf) &&
          Compare(rel, key_of(page::GetItem(p, first)), prev_high.data()) < 0)
        fail(blk, "first item below the left sibling's high key");
      if (level != static_cast<int>(root_level)) {
        auto it = expect.find(blk);
        if (it == expect.end()) {
          fail(blk, "no downlink in the parent level");
        } else {
          bool ok = it->second.empty() ? IsRightmost(p)
                                       : (!IsRightmost(p) &&
                                          Compare(rel, key_of(it->second.data()), page::GetItem(p, kHighKey)) == 0);
          if (!ok) fail(blk, "high key differs from the parent's next separator");
        }
      }
      if (level > 0) {
        for (OffsetNumber o = first; o <= n; ++o) {
          uint32_t child = DownlinkOf(page::GetItem(p, o));
          std::string bound = o < n ? ItemCopy(p, o + 1) : (IsRightmost(p) ? std::string() : ItemCopy(p, kHighKey));
          if (!next_expect.emplace(child, bound).second) fail(blk, "two downlinks to " + std::to_string(child));
        }
      } else {
        count += n >= first ? n - first + 1 : 0;
      }
      prev_high = IsRightmost(p) ? std::string() : ItemCopy(p, kHighKey);
      prev = blk;
      blk = op->right;
    }
    expect.swap(next_expect);
  }
  if (leaf_tuples) *leaf_tuples = count;
  return err;
}

}  // namespace tusk::btree
