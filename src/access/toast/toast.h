// Out-of-line storage of large values (TOAST): a row wider than a quarter
// page has its largest varlena values cut into chunks stored in the table's
// toast table; the row keeps a 16-byte pointer. Rules: README.md here.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "access/btree/btree.h"
#include "access/heap/heapam.h"

namespace tusk::toast {

// Rows above this many bytes are toasted until they are at most this wide:
// four rows per page, as PostgreSQL's TOAST_TUPLE_THRESHOLD/TARGET.
inline constexpr size_t kTupleThreshold =
    (page::kPageSize - page::MaxAlign(page::kHeaderSize + 4 * page::kItemIdSize)) / 4 / page::kMaxAlign *
    page::kMaxAlign;
// Chunk payload: four chunk rows (header, chunk_id, chunk_seq, varlena header) per page.
inline constexpr size_t kMaxChunkSize = kTupleThreshold - heap::kMinTupleHeader - 4 - 4 - 4;
inline constexpr size_t kPointerSize = 16;

// What the main row holds in place of a value moved out of line.
struct ExternalPointer {
  uint32_t raw_size = 0;     // bytes of the value
  uint32_t ext_size = 0;     // bytes kept in chunks (the same: values are not compressed)
  uint32_t value_id = 0;     // chunk_id of its chunks
  uint32_t toast_relid = 0;  // the toast table that holds them

  std::string Encode() const;
  static ExternalPointer Decode(std::string_view bytes);  // XX001 unless kPointerSize bytes
};

// One table's toast table pg_toast.pg_toast_<table oid> (chunk_id oid,
// chunk_seq int4, chunk_data bytea) and its unique index on (chunk_id, chunk_seq).
struct ToastRel {
  heap::Relation heap;
  btree::IndexRel index;
};
ToastRel OpenToastRel(uint32_t db, uint32_t table_oid, uint32_t toast_oid, uint32_t toast_node, uint32_t index_oid,
                      uint32_t index_node);
// The toast table's attributes, as pg_attribute describes them.
const std::vector<heap::AttrDesc>& ChunkAttrs();
// Creates both files (WAL-logged) and the index's metapage.
void CreateStorage(ToastRel& toast);

// Forms the heap tuple of `values`; when it is wider than kTupleThreshold and
// `toast` is given, the widest varlena values move out of line (chunks
// written in `xact`) until it fits. The result may still exceed a page: the
// heap's insert refuses it (54000).
std::string FormToastedTuple(const std::vector<heap::AttrDesc>& attrs,
                             const std::vector<std::optional<std::string_view>>& values, ToastRel* toast,
                             heap::XactContext& xact);

// Reassembles the value `pointer` (the payload of an external attribute) refers to.
void FetchValue(ToastRel& toast, std::string_view pointer, std::string* out);

// The row version `tuple` was deleted or updated by `xact`: its out-of-line
// values die with it (their chunks get the same xmax).
void DeleteValues(ToastRel& toast, const std::vector<heap::AttrDesc>& attrs, std::string_view tuple,
                  heap::XactContext& xact);

// Lazy vacuum of the toast heap, removing index entries of dead chunks.
heap::VacuumStats Vacuum(ToastRel& toast, uint64_t oldest_xmin);

}  // namespace tusk::toast
