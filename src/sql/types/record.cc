// Record values: the typmod registry and record_out / record_send.
#include "sql/types/record.h"

#include <cctype>
#include <mutex>

#include "sql/functions/registry.h"
#include "sql/types/type_io.h"
#include "sql/types/type_oids.h"
#include "utils/error.h"

namespace tusk::sql {
namespace {

// Field lists only ever get added: typmods live in prepared plans and cached
// query shapes for the life of the process, and the distinct lists a
// workload uses are few (one per record-producing expression shape).
struct Registry {
  std::mutex mu;
  std::vector<std::shared_ptr<const RecordDesc>> descs;
};

Registry& GetRegistry() {
  static Registry* r = new Registry();  // never destroyed: backends may exit while others run
  return *r;
}

void Put32(std::string& out, uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<char>((v >> shift) & 0xFF));
}

}  // namespace

int32_t RecordTypmod(const RecordDesc& desc) {
  Registry& r = GetRegistry();
  std::lock_guard<std::mutex> lock(r.mu);
  for (size_t i = 0; i < r.descs.size(); ++i) {
    if (*r.descs[i] == desc) return static_cast<int32_t>(i);
  }
  r.descs.push_back(std::make_shared<const RecordDesc>(desc));
  return static_cast<int32_t>(r.descs.size() - 1);
}

std::shared_ptr<const RecordDesc> RecordDescOf(int32_t typmod) {
  if (typmod < 0) return nullptr;
  Registry& r = GetRegistry();
  std::lock_guard<std::mutex> lock(r.mu);
  return static_cast<size_t>(typmod) < r.descs.size() ? r.descs[static_cast<size_t>(typmod)] : nullptr;
}

Datum MakeRecord(int32_t typmod, std::vector<Datum> fields) {
  auto v = std::make_shared<RecordValue>();
  v->desc = RecordDescOf(typmod);
  if (!v->desc) throw PgError(sqlstate::kInternalError, "record type has not been registered");
  v->fields = std::move(fields);
  return Datum::Record(std::move(v));
}

void RecordTextOut(const RecordValue& r, const IoContext& io, std::string& out) {
  out += '(';
  std::string field;
  for (size_t i = 0; i < r.fields.size(); ++i) {
    if (i) out += ',';
    const Datum& d = r.fields[i];
    if (d.null) continue;
    field.clear();
    TextOut(r.desc->types[i], d, io, field);
    bool quote = field.empty();
    for (char c : field) {
      quote |= c == '"' || c == '\\' || c == '(' || c == ')' || c == ',' || std::isspace(static_cast<unsigned char>(c));
    }
    if (quote) out += '"';
    for (char c : field) {
      if (c == '"' || c == '\\') out += c;
      out += c;
    }
    if (quote) out += '"';
  }
  out += ')';
}

void RecordBinaryOut(const RecordValue& r, std::string& out) {
  Put32(out, static_cast<uint32_t>(r.fields.size()));
  std::string item;
  for (size_t i = 0; i < r.fields.size(); ++i) {
    Put32(out, r.desc->types[i]);
    if (r.fields[i].null) {
      Put32(out, 0xFFFFFFFFu);
      continue;
    }
    item.clear();
    BinaryOut(r.desc->types[i], r.fields[i], item);
    Put32(out, static_cast<uint32_t>(item.size()));
    out += item;
  }
}

int CompareRecords(const RecordValue& a, const RecordValue& b) {
  const size_t n = std::min(a.fields.size(), b.fields.size());
  for (size_t i = 0; i < n; ++i) {
    const Datum& x = a.fields[i];
    const Datum& y = b.fields[i];
    if (x.null || y.null) {
      if (x.null != y.null) return x.null ? 1 : -1;
      continue;
    }
    if (a.desc->types[i] != b.desc->types[i]) {
      throw PgError(sqlstate::kDatatypeMismatch, "cannot compare dissimilar column types " +
                                                     TypeSqlName(a.desc->types[i]) + " and " +
                                                     TypeSqlName(b.desc->types[i]) + " at record column " +
                                                     std::to_string(i + 1));
    }
    if (int c = CompareDatum(a.desc->types[i], x, y)) return c;
  }
  return a.fields.size() < b.fields.size() ? -1 : a.fields.size() > b.fields.size();
}

}  // namespace tusk::sql
