// Anonymous record values (type record, PostgreSQL's RECORD with a
// "blessed" typmod). The analyzer knows each record-valued expression's
// fields; like PostgreSQL it names them by the expression's typmod, an index
// into a process-wide registry of field lists (RecordTypmod). A value carries
// its field list too, so record_out/record_send need no typmod.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "sql/types/datum.h"

namespace tusk::sql {

struct IoContext;

struct RecordDesc {
  std::vector<std::string> names;
  std::vector<uint32_t> types;
  std::vector<int32_t> typmods;  // a field's typmod (a nested record's is its own RecordTypmod)

  bool operator==(const RecordDesc&) const = default;
};

struct RecordValue {
  std::shared_ptr<const RecordDesc> desc;
  std::vector<Datum> fields;  // NULL fields are null Datums
};

// The typmod naming this field list (equal lists share one); always >= 0.
int32_t RecordTypmod(const RecordDesc& desc);
// The field list of a record typmod; nullptr for -1 (fields not known).
std::shared_ptr<const RecordDesc> RecordDescOf(int32_t typmod);

// A non-null record Datum of the registered field list `typmod`.
Datum MakeRecord(int32_t typmod, std::vector<Datum> fields);

// record_out: "(f1,f2)", a NULL field as nothing, a field quoted when it is
// empty or holds a comma, parenthesis, quote, backslash or white space;
// quotes and backslashes are doubled inside quotes.
void RecordTextOut(const RecordValue& r, const IoContext& io, std::string& out);
// record_send: the field count, then per field its type oid, its length
// (-1 for NULL) and its binary form.
void RecordBinaryOut(const RecordValue& r, std::string& out);
// Field-wise comparison (btrecordcmp's order: NULLs last, then more fields last).
int CompareRecords(const RecordValue& a, const RecordValue& b);

}  // namespace tusk::sql
