// Moving values out of line and back (see toast.h and README.md).
#include "access/toast/toast.h"

#include <cstring>

#include "access/wal/wal_redo.h"
#include "utils/error.h"

namespace tusk::toast {
namespace {

constexpr uint32_t kFirstNormalOid = 16384;
// Values this small stay in the row: moving them saves next to nothing.
constexpr size_t kMinMovedSize = 32;

std::string Bytes4(uint32_t v) {
  std::string s(4, '\0');
  std::memcpy(s.data(), &v, 4);
  return s;
}

uint32_t Load4(std::string_view b) {
  uint32_t v = 0;
  std::memcpy(&v, b.data(), std::min<size_t>(4, b.size()));
  return v;
}

// chunk_id as oid (unsigned), chunk_seq as int4 (signed).
class ChunkKeyComparator : public btree::KeyComparator {
 public:
  int Compare(int key_no, std::string_view a, std::string_view b) const override {
    if (key_no == 0) {
      uint32_t x = Load4(a), y = Load4(b);
      return x < y ? -1 : x > y;
    }
    int32_t x = static_cast<int32_t>(Load4(a)), y = static_cast<int32_t>(Load4(b));
    return x < y ? -1 : x > y;
  }
};
const ChunkKeyComparator kChunkKeys;

std::string TableName(const ToastRel& t) { return t.heap.name; }

// Every chunk TID of one value, in chunk_seq order.
std::vector<ItemPointer> ChunkTids(ToastRel& toast, uint32_t value_id) {
  btree::IndexScan scan(toast.index, {btree::ScanKey::Eq(Bytes4(value_id))});
  std::vector<ItemPointer> tids;
  ItemPointer p;
  while (scan.Next(&p)) tids.push_back(p);
  return tids;
}

// A chunk_id no chunk in the toast table carries yet. The logged counter
// does not repeat until it wraps; after that the index says what is taken.
uint32_t NewValueId(ToastRel& toast) {
  for (;;) {
    uint32_t id = wal::NewLoggedOid();
    if (id < kFirstNormalOid) continue;
    btree::IndexScan scan(toast.index, {btree::ScanKey::Eq(Bytes4(id))});
    ItemPointer p;
    if (!scan.Next(&p)) return id;
  }
}

ExternalPointer StoreValue(ToastRel& toast, std::string_view value, heap::XactContext& xact) {
  ExternalPointer ptr;
  ptr.raw_size = ptr.ext_size = static_cast<uint32_t>(value.size());
  ptr.value_id = NewValueId(toast);
  ptr.toast_relid = toast.heap.rel_oid;
  const std::string id = Bytes4(ptr.value_id);
  std::vector<std::string> tuples;
  std::vector<std::string> seqs;
  for (size_t off = 0, seq = 0; off < value.size(); off += kMaxChunkSize, ++seq) {
    seqs.push_back(Bytes4(static_cast<uint32_t>(seq)));
    tuples.push_back(heap::FormTuple(ChunkAttrs(), {id, seqs.back(), value.substr(off, kMaxChunkSize)}));
  }
  std::vector<ItemPointer> tids = heap::MultiInsert(toast.heap, tuples, xact);
  for (size_t i = 0; i < tids.size(); ++i) btree::Insert(toast.index, {id, seqs[i]}, tids[i]);
  return ptr;
}

}  // namespace

std::string ExternalPointer::Encode() const {
  return Bytes4(raw_size) + Bytes4(ext_size) + Bytes4(value_id) + Bytes4(toast_relid);
}

ExternalPointer ExternalPointer::Decode(std::string_view b) {
  if (b.size() != kPointerSize)
    throw PgError(sqlstate::kDataCorrupted, "invalid out-of-line pointer of " + std::to_string(b.size()) + " bytes");
  ExternalPointer p;
  p.raw_size = Load4(b);
  p.ext_size = Load4(b.substr(4));
  p.value_id = Load4(b.substr(8));
  p.toast_relid = Load4(b.substr(12));
  return p;
}

const std::vector<heap::AttrDesc>& ChunkAttrs() {
  static const std::vector<heap::AttrDesc> attrs = {{4, 4, true}, {4, 4, true}, {-1, 4, false}};
  return attrs;
}

ToastRel OpenToastRel(uint32_t db, uint32_t table_oid, uint32_t toast_oid, uint32_t toast_node, uint32_t index_oid,
                      uint32_t index_node) {
  ToastRel t;
  t.heap.loc = {smgr::kDefaultTablespace, db, toast_node};
  t.heap.rel_oid = toast_oid;
  t.heap.db_oid = db;
  t.heap.attrs = ChunkAttrs();
  t.heap.name = "pg_toast_" + std::to_string(table_oid);
  t.index.loc = {smgr::kDefaultTablespace, db, index_node};
  t.index.index_oid = index_oid;
  t.index.name = t.heap.name + "_index";
  t.index.db_oid = db;
  t.index.unique = true;
  t.index.nkeys = 2;
  t.index.cmp = &kChunkKeys;
  return t;
}

void CreateStorage(ToastRel& toast) {
  heap::CreateStorage(toast.heap.loc);
  heap::CreateStorage(toast.index.loc);
  btree::CreateEmpty(toast.index);
}

std::string FormToastedTuple(const std::vector<heap::AttrDesc>& attrs,
                             const std::vector<std::optional<std::string_view>>& values, ToastRel* toast,
                             heap::XactContext& xact) {
  std::string tuple = heap::FormTuple(attrs, values);
  if (tuple.size() <= kTupleThreshold || !toast) return tuple;
  std::vector<std::optional<std::string_view>> vals = values;
  std::vector<bool> external(vals.size(), false);
  std::vector<std::string> pointers;
  pointers.reserve(vals.size());  // vals points into it: no reallocation
  while (tuple.size() > kTupleThreshold) {
    size_t widest = vals.size(), width = kMinMovedSize;
    for (size_t i = 0; i < vals.size(); ++i) {
      if (vals[i] && attrs[i].len < 0 && !external[i] && vals[i]->size() > width) {
        widest = i;
        width = vals[i]->size();
      }
    }
    if (widest == vals.size()) break;
    pointers.push_back(StoreValue(*toast, *vals[widest], xact).Encode());
    vals[widest] = pointers.back();
    external[widest] = true;
    tuple = heap::FormTuple(attrs, vals, &external);
  }
  return tuple;
}

void FetchValue(ToastRel& toast, std::string_view pointer, std::string* out) {
  const ExternalPointer ptr = ExternalPointer::Decode(pointer);
  const std::string where = " for toast value " + std::to_string(ptr.value_id) + " in " + TableName(toast);
  out->clear();
  out->reserve(ptr.ext_size);
  std::string tuple;
  std::vector<std::optional<std::string_view>> cols;
  int32_t expected = 0;
  for (ItemPointer tid : ChunkTids(toast, ptr.value_id)) {
    if (!heap::FetchAnyVersion(toast.heap, tid, &tuple)) continue;
    heap::DeformTuple(ChunkAttrs(), tuple, &cols);
    if (!cols[0] || !cols[1] || !cols[2] || Load4(*cols[0]) != ptr.value_id) continue;
    const int32_t seq = static_cast<int32_t>(Load4(*cols[1]));
    if (seq != expected)
      throw PgError(sqlstate::kDataCorrupted, "unexpected chunk number " + std::to_string(seq) + " (expected " +
                                                  std::to_string(expected) + ")" + where);
    out->append(*cols[2]);
    ++expected;
  }
  if (out->size() != ptr.ext_size) {
    if (out->size() < ptr.ext_size)
      throw PgError(sqlstate::kDataCorrupted, "missing chunk number " + std::to_string(expected) + where);
    throw PgError(sqlstate::kDataCorrupted, "toast value " + std::to_string(ptr.value_id) + " in " +
                                                TableName(toast) + " has " + std::to_string(out->size()) +
                                                " bytes, expected " + std::to_string(ptr.ext_size));
  }
}

void DeleteValues(ToastRel& toast, const std::vector<heap::AttrDesc>& attrs, std::string_view tuple,
                  heap::XactContext& xact) {
  if (!heap::TupHasExternal(tuple.data())) return;
  std::vector<std::optional<std::string_view>> vals;
  std::vector<bool> external;
  heap::DeformTuple(attrs, tuple, &vals, &external);
  for (size_t i = 0; i < vals.size(); ++i) {
    if (!external[i]) continue;
    const ExternalPointer ptr = ExternalPointer::Decode(*vals[i]);
    // Nobody else changes chunks (their row is ours now), so this cannot wait.
    for (ItemPointer tid : ChunkTids(toast, ptr.value_id)) heap::Delete(toast.heap, tid, xact, true);
  }
}

heap::VacuumStats Vacuum(ToastRel& toast, uint64_t oldest_xmin) {
  return heap::Vacuum(toast.heap, oldest_xmin,
                      [&](const std::vector<ItemPointer>& dead) { btree::BulkDeleteTids(toast.index, dead); });
}

}  // namespace tusk::toast
