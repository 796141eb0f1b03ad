// Forming and deforming heap tuples. Alignment is relative to the tuple's
// start, which the page keeps 8-byte aligned, so the caller's aligned types
// stay aligned in the buffer.
#include "access/heap/heap_tuple.h"

#include <algorithm>
#include <cstring>

#include "utils/error.h"

namespace tusk::heap {

namespace im = transam::infomask;

namespace {

constexpr uint32_t kExternalTag = 2;  // low bits of a 4-byte varlena header

size_t AlignUp(size_t off, uint8_t align) {
  size_t a = align == 0 ? 1 : align;
  return (off + a - 1) / a * a;
}

[[noreturn]] void Corrupt(const char* what) {
  throw PgError(sqlstate::kDataCorrupted, std::string("corrupt heap tuple: ") + what);
}

}  // namespace

transam::TupleXactFields ReadXactFields(const char* t) {
  return {TupXmin(t), TupXmax(t), TupCid(t), TupInfomask(t)};
}

void WriteXactFields(char* t, const transam::TupleXactFields& f) {
  SetTupXmin(t, f.xmin);
  SetTupXmax(t, f.xmax);
  SetTupCid(t, f.cid);
  SetTupInfomask(t, f.infomask);
}

std::string FormTuple(const std::vector<AttrDesc>& attrs,
                      const std::vector<std::optional<std::string_view>>& values,
                      const std::vector<bool>* external) {
  const size_t natts = values.size();
  if (natts > kMaxAttributes || natts > attrs.size())
    throw PgError(sqlstate::kTooManyColumns,
                  "tables can have at most " + std::to_string(kMaxAttributes) + " columns");
  bool has_null = false, has_var = false, has_ext = false;
  for (size_t i = 0; i < natts; ++i) {
    if (!values[i]) has_null = true;
    else if (attrs[i].len < 0) has_var = true;
  }
  auto is_external = [&](size_t i) { return external && i < external->size() && (*external)[i]; };
  // The bitmap is only present when some value is NULL (as PostgreSQL's).
  const size_t hoff = has_null ? page::MaxAlign(kTupOffBits + (natts + 7) / 8) : kMinTupleHeader;
  // Two passes over the values: the exact size, then the bytes written in
  // place into one zeroed allocation (padding and bitmap start as zeros).
  // Every COPY row is formed here, so no per-value append or resize.
  size_t size = hoff;
  for (size_t i = 0; i < natts; ++i) {
    if (!values[i]) continue;
    const AttrDesc& a = attrs[i];
    const size_t n = values[i]->size();
    if (a.len > 0) {
      if (n != static_cast<size_t>(a.len))
        throw PgError(sqlstate::kInvalidBinaryRepresentation,
                      "fixed-width value of " + std::to_string(n) + " bytes for a column of " +
                          std::to_string(a.len));
      size = AlignUp(size, a.align) + n;
    } else if (is_external(i) || n > kMaxShortPayload) {
      size = AlignUp(size, a.align) + 4 + n;  // 4-byte header at the column's alignment
    } else {
      size += 1 + n;  // 1-byte header, never aligned
    }
  }
  std::string out(size, '\0');
  char* const t = out.data();
  size_t off = hoff;
  for (size_t i = 0; i < natts; ++i) {
    if (!values[i]) continue;
    if (has_null) t[kTupOffBits + i / 8] |= static_cast<char>(1 << (i % 8));
    const AttrDesc& a = attrs[i];
    const std::string_view v = *values[i];
    if (a.len > 0) {
      off = AlignUp(off, a.align);
    } else if (is_external(i)) {
      // 4-byte header with low bits 10: an out-of-line pointer.
      off = AlignUp(off, a.align);
      const uint32_t word = static_cast<uint32_t>(((v.size() + 4) << 2) | kExternalTag);
      std::memcpy(t + off, &word, 4);
      off += 4;
      has_ext = true;
    } else if (v.size() <= kMaxShortPayload) {
      // 1-byte header, odd: (total length << 1) | 1.
      t[off++] = static_cast<char>(((v.size() + 1) << 1) | 1);
    } else {
      // 4-byte header: total length << 2 (low bits 00).
      off = AlignUp(off, a.align);
      const uint32_t word = static_cast<uint32_t>((v.size() + 4) << 2);
      std::memcpy(t + off, &word, 4);
      off += 4;
    }
    std::memcpy(t + off, v.data(), v.size());
    off += v.size();
  }
  uint16_t mask = static_cast<uint16_t>((has_null ? im::kHasNull : 0) | (has_var ? im::kHasVarWidth : 0) |
                                        (has_ext ? im::kHasExternal : 0));
  SetTupInfomask(out.data(), mask);
  SetTupInfomask2(out.data(), static_cast<uint16_t>(natts));
  out[kTupOffHoff] = static_cast<char>(hoff);
  return out;
}

void DeformTuple(const std::vector<AttrDesc>& attrs, std::string_view tuple,
                 std::vector<std::optional<std::string_view>>* out, std::vector<bool>* external, size_t limit) {
  out->assign(attrs.size(), std::nullopt);
  if (external) external->assign(attrs.size(), false);
  if (tuple.size() < kMinTupleHeader) Corrupt("shorter than its header");
  const char* t = tuple.data();
  const size_t hoff = TupHoff(t);
  const bool has_null = TupInfomask(t) & im::kHasNull;
  const size_t natts = std::min<size_t>({TupNatts(t), attrs.size(), limit});
  if (hoff < kMinTupleHeader || hoff > tuple.size() ||
      (has_null && kTupOffBits + (TupNatts(t) + 7) / 8 > hoff))
    Corrupt("bad header length");
  size_t off = hoff;
  for (size_t i = 0; i < natts; ++i) {
    if (has_null && !(t[kTupOffBits + i / 8] & (1 << (i % 8)))) continue;
    const AttrDesc& a = attrs[i];
    if (a.len > 0) {
      off = AlignUp(off, a.align);
      if (off + a.len > tuple.size()) Corrupt("attribute past the end");
      (*out)[i] = tuple.substr(off, a.len);
      off += a.len;
      continue;
    }
    // Padding bytes are zero and a short header is odd, so an odd byte here
    // can only be a short header; anything else means "align, then 4 bytes".
    if (off < tuple.size() && (static_cast<uint8_t>(t[off]) & 1)) {
      size_t total = static_cast<uint8_t>(t[off]) >> 1;
      if (total < 1 || off + total > tuple.size()) Corrupt("bad short length");
      (*out)[i] = tuple.substr(off + 1, total - 1);
      off += total;
      continue;
    }
    off = AlignUp(off, a.align);
    if (off + 4 > tuple.size()) Corrupt("varlena header past the end");
    const uint32_t word = Load<uint32_t>(t + off);
    size_t total = word >> 2;
    if (total < 4 || off + total > tuple.size()) Corrupt("bad varlena length");
    if ((word & 3) == kExternalTag) {
      if (!external) throw PgError(sqlstate::kInternalError, "unexpected out-of-line value in a heap tuple");
      (*external)[i] = true;
    } else if ((word & 3) != 0) {
      Corrupt("bad varlena header");
    }
    (*out)[i] = tuple.substr(off + 4, total - 4);
    off += total;
  }
}

}  // namespace tusk::heap
