// Heap tuple layout: a 31-byte header (64-bit xmin/xmax, cid, ctid, infomask2,
// infomask, header length), an optional null bitmap, then the attributes.
// Byte-by-byte description: docs/formats/heap_tuple.md.
#pragma once

#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "storage/page/item_pointer.h"
#include "access/transam/visibility.h"
#include "storage/page/page.h"

namespace tusk::heap {

// A tuple's address: block number and 1-based line pointer number.
using ItemPointer = tusk::ItemPointer;

// How the caller's type system stores one column.
struct AttrDesc {
  int16_t len = -1;    // > 0 fixed width; -1 varlena (length header added here)
  uint8_t align = 1;   // 1, 2, 4 or 8
  bool by_val = false; // informational: storage does not depend on it
};

// Header field offsets.
inline constexpr size_t kTupOffXmin = 0;
inline constexpr size_t kTupOffXmax = 8;
inline constexpr size_t kTupOffCid = 16;
inline constexpr size_t kTupOffCtidBlock = 20;
inline constexpr size_t kTupOffCtidOffset = 24;
inline constexpr size_t kTupOffInfomask2 = 26;
inline constexpr size_t kTupOffInfomask = 28;
inline constexpr size_t kTupOffHoff = 30;
inline constexpr size_t kTupOffBits = 31;
// Header without a null bitmap, rounded to 8 so attribute data is aligned.
inline constexpr size_t kMinTupleHeader = 32;
// Largest tuple one empty page can hold (one line pointer deducted).
inline constexpr size_t kMaxTupleSize =
    page::kPageSize - page::MaxAlign(page::kHeaderSize + page::kItemIdSize);
// Short varlena: a 1-byte header for payloads up to this many bytes.
inline constexpr size_t kMaxShortPayload = 126;
inline constexpr uint16_t kMaxAttributes = transam::infomask2::kNattsMask;

// Unaligned little-endian field access (the host is little-endian).
template <typename T>
inline T Load(const char* p) {
  T v;
  std::memcpy(&v, p, sizeof v);
  return v;
}
template <typename T>
inline void Store(char* p, T v) {
  std::memcpy(p, &v, sizeof v);
}

inline uint64_t TupXmin(const char* t) { return Load<uint64_t>(t + kTupOffXmin); }
inline uint64_t TupXmax(const char* t) { return Load<uint64_t>(t + kTupOffXmax); }
inline uint32_t TupCid(const char* t) { return Load<uint32_t>(t + kTupOffCid); }
inline uint16_t TupInfomask(const char* t) { return Load<uint16_t>(t + kTupOffInfomask); }
inline uint16_t TupInfomask2(const char* t) { return Load<uint16_t>(t + kTupOffInfomask2); }
inline uint8_t TupHoff(const char* t) { return static_cast<uint8_t>(t[kTupOffHoff]); }
inline uint16_t TupNatts(const char* t) { return TupInfomask2(t) & transam::infomask2::kNattsMask; }
inline ItemPointer TupCtid(const char* t) {
  return {Load<uint32_t>(t + kTupOffCtidBlock), Load<uint16_t>(t + kTupOffCtidOffset)};
}
inline void SetTupXmin(char* t, uint64_t v) { Store(t + kTupOffXmin, v); }
inline void SetTupXmax(char* t, uint64_t v) { Store(t + kTupOffXmax, v); }
inline void SetTupCid(char* t, uint32_t v) { Store(t + kTupOffCid, v); }
inline void SetTupInfomask(char* t, uint16_t v) { Store(t + kTupOffInfomask, v); }
inline void SetTupInfomask2(char* t, uint16_t v) { Store(t + kTupOffInfomask2, v); }
inline void SetTupCtid(char* t, ItemPointer p) {
  Store(t + kTupOffCtidBlock, p.block);
  Store(t + kTupOffCtidOffset, p.offset);
}

// The fields visibility works on, and writing them (hints included) back.
transam::TupleXactFields ReadXactFields(const char* t);
void WriteXactFields(char* t, const transam::TupleXactFields& f);

// Builds a tuple (header with zero xact fields, natts, HASNULL/HASVARWIDTH).
// Fixed-width values must be exactly `len` bytes. Throws 54011 past
// kMaxAttributes columns and 22P03 for a fixed value of the wrong width.
// `external[i]` marks varlena value i as an out-of-line pointer (TOAST,
// access/toast): it gets the external header form and the tuple HASEXTERNAL.
std::string FormTuple(const std::vector<AttrDesc>& attrs,
                      const std::vector<std::optional<std::string_view>>& values,
                      const std::vector<bool>* external = nullptr);

// Splits a tuple into values pointing into `tuple` (varlena payloads without
// their length header). Attributes past the tuple's natts come back NULL
// (columns added after the row was written). Throws XX001 on a corrupt tuple.
// With `external`, marks the out-of-line pointers there (all false when the
// tuple has none); without it, a tuple holding one is an error (XX000).
// Only the first `limit` attributes are read (the rest read as NULL).
void DeformTuple(const std::vector<AttrDesc>& attrs, std::string_view tuple,
                 std::vector<std::optional<std::string_view>>* out, std::vector<bool>* external = nullptr,
                 size_t limit = SIZE_MAX);

inline bool TupHasExternal(const char* t) { return TupInfomask(t) & transam::infomask::kHasExternal; }

}  // namespace tusk::heap
