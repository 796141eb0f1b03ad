// Stored forms of SQL values (see storage_codec.h).
#include "sql/types/storage_codec.h"

#include <cstring>

#include "sql/functions/registry.h"
#include "sql/types/type_io.h"
#include "sql/types/type_oids.h"

namespace tusk::sql {
namespace {

constexpr uint32_t kCharOid = 18;  // "char": one byte
constexpr uint32_t kTimeOid = 1083;
constexpr size_t kNameLen = 64;

template <typename T>
void Put(std::string& out, T v) {
  char buf[sizeof(T)];
  std::memcpy(buf, &v, sizeof v);
  out.append(buf, sizeof v);
}
template <typename T>
T Get(std::string_view b) {
  T v{};
  if (b.size() >= sizeof v) {
    std::memcpy(&v, b.data(), sizeof v);  // fixed size: one load
  } else {
    std::memcpy(&v, b.data(), b.size());
  }
  return v;
}

// Types without a byte-level order: decode both and compare the values.
// Out of line so the fast cases do not pay for two Datums on the stack.
[[gnu::noinline]] int CompareDecoded(uint32_t t, std::string_view a, std::string_view b) {
  Datum x, y;
  DecodeStored(t, a, x);
  DecodeStored(t, b, y);
  return CompareDatum(t, x, y);
}

// Stored as the value's own bytes (bytea: its raw bytes, so TOAST and the
// B-tree see exactly the data).
bool IsTextLike(uint32_t t) {
  return t == oid::kBytea || t == oid::kText || t == oid::kVarchar || t == oid::kBpchar || t == oid::kUnknown ||
         t == oid::kInet || t == oid::kUuid;
}

}  // namespace

int16_t StorageLength(uint32_t t) {
  switch (t) {
    case oid::kBool: case kCharOid: return 1;
    case oid::kInt2: return 2;
    case oid::kInt4: case oid::kOid: case oid::kFloat4: case oid::kDate: case oid::kRegproc: case oid::kRegclass: case oid::kRegtype: case oid::kRegprocedure: case oid::kRegnamespace:
    case oid::kRegrole:
      return 4;
    case oid::kInt8: case oid::kFloat8: case oid::kTimestamp: case oid::kTimestamptz: case kTimeOid: case oid::kPgLsn:
    case oid::kXid8: case oid::kTid:
      return 8;
    case oid::kInterval: case oid::kUuid: return 16;
    case oid::kName: return kNameLen;
    default: return -1;
  }
}

void EncodeStored(uint32_t t, const Datum& d, std::string& out) {
  switch (t) {
    case oid::kBool: out.push_back(d.b ? 1 : 0); return;
    case kCharOid: out.push_back(d.s.empty() ? '\0' : d.s[0]); return;
    case oid::kInt2: Put(out, static_cast<int16_t>(d.i)); return;
    case oid::kInt4: case oid::kDate: Put(out, static_cast<int32_t>(d.i)); return;
    case oid::kOid: case oid::kRegproc: case oid::kRegclass: case oid::kRegtype: case oid::kRegprocedure: case oid::kRegnamespace:
    case oid::kRegrole: Put(out, static_cast<uint32_t>(d.i)); return;
    case oid::kFloat4: Put(out, static_cast<float>(d.f)); return;
    case oid::kFloat8: Put(out, d.f); return;
    case oid::kInt8: case oid::kTimestamp: case oid::kTimestamptz: case kTimeOid: case oid::kPgLsn: case oid::kXid8:
    case oid::kTid:
      Put(out, d.i);
      return;
    case oid::kInterval:
      Put(out, d.i);
      Put(out, d.days);
      Put(out, d.months);
      return;
    case oid::kName: {
      size_t n = std::min(d.s.size(), kNameLen - 1);
      out.append(d.s.data(), n);
      out.append(kNameLen - n, '\0');
      return;
    }
    default:
      // Arrays always take their binary form, whose elements fall back to
      // their text bytes when the element type has no binary form (inet[]).
      if (IsTextLike(t) || (!HasBinaryIo(t) && !IsArrayType(t))) {
        out += d.s;
      } else {
        BinaryOut(t, d, out);
      }
  }
}

void DecodeStored(uint32_t t, std::string_view b, Datum& d) {
  d.null = false;
  switch (t) {
    case oid::kBool: d.b = !b.empty() && b[0] != 0; return;
    case kCharOid: d.s.assign(b.empty() || b[0] == '\0' ? std::string_view() : b.substr(0, 1)); return;
    case oid::kInt2: d.i = Get<int16_t>(b); return;
    case oid::kInt4: case oid::kDate: d.i = Get<int32_t>(b); return;
    case oid::kOid: case oid::kRegproc: case oid::kRegclass: case oid::kRegtype: case oid::kRegprocedure: case oid::kRegnamespace:
    case oid::kRegrole: d.i = Get<uint32_t>(b); return;
    case oid::kFloat4: d.f = Get<float>(b); return;
    case oid::kFloat8: d.f = Get<double>(b); return;
    case oid::kInt8: case oid::kTimestamp: case oid::kTimestamptz: case kTimeOid: case oid::kPgLsn: case oid::kXid8:
    case oid::kTid:
      d.i = Get<int64_t>(b);
      return;
    case oid::kInterval:
      d.i = Get<int64_t>(b);
      d.days = Get<int32_t>(b.substr(8));
      d.months = Get<int32_t>(b.substr(12));
      return;
    case oid::kName: {
      size_t n = b.find('\0');
      d.s.assign(b.substr(0, n == std::string_view::npos ? b.size() : n));
      return;
    }
    case oid::kNumeric: d.n.AssignBinary(b); return;
    default:
      if (IsTextLike(t) || (!HasBinaryIo(t) && !IsArrayType(t))) {
        d.s.assign(b);
      } else {
        d = BinaryIn(t, b);
      }
  }
}

int CompareStored(uint32_t t, std::string_view a, std::string_view b) {
  auto cmp = [](auto x, auto y) { return x < y ? -1 : x > y ? 1 : 0; };
  switch (t) {
    case oid::kInt2: return cmp(Get<int16_t>(a), Get<int16_t>(b));
    case oid::kInt4: case oid::kDate: return cmp(Get<int32_t>(a), Get<int32_t>(b));
    case oid::kOid: return cmp(Get<uint32_t>(a), Get<uint32_t>(b));
    case oid::kPgLsn: case oid::kXid8: case oid::kTid: return cmp(Get<uint64_t>(a), Get<uint64_t>(b));
    case oid::kInt8: case oid::kTimestamp: case oid::kTimestamptz: case kTimeOid:
      return cmp(Get<int64_t>(a), Get<int64_t>(b));
    // bytea orders like memcmp with the shorter prefix first, which is
    // exactly string_view's (unsigned char) comparison.
    case oid::kText: case oid::kVarchar: case oid::kBytea: case oid::kUuid: {
      int c = a.compare(b);
      return c < 0 ? -1 : c > 0;
    }
    default: return CompareDecoded(t, a, b);
  }
}

bool StoredSortImage(uint32_t t, std::string_view v, uint64_t* out) {
  constexpr uint64_t kSign = 1ull << 63;
  switch (t) {
    case oid::kInt2:
      if (v.size() != 2) return false;
      *out = static_cast<uint64_t>(static_cast<int64_t>(Get<int16_t>(v))) ^ kSign;
      return true;
    case oid::kInt4: case oid::kDate:
      if (v.size() != 4) return false;
      *out = static_cast<uint64_t>(static_cast<int64_t>(Get<int32_t>(v))) ^ kSign;
      return true;
    case oid::kOid:
      if (v.size() != 4) return false;
      *out = Get<uint32_t>(v);
      return true;
    case oid::kPgLsn: case oid::kXid8: case oid::kTid:
      if (v.size() != 8) return false;
      *out = Get<uint64_t>(v);
      return true;
    case oid::kInt8: case oid::kTimestamp: case oid::kTimestamptz: case kTimeOid:
      if (v.size() != 8) return false;
      *out = static_cast<uint64_t>(Get<int64_t>(v)) ^ kSign;
      return true;
    default: return false;
  }
}

}  // namespace tusk::sql
