// A single SQL value during evaluation. The static type lives in the
// compiled expression, not here, so a Datum is just the payload; fields are
// reused across rows to avoid per-row allocation.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "sql/types/numeric.h"

namespace tusk::sql {

struct ArrayValue;   // sql/types/array.h
struct RecordValue;  // sql/types/record.h

struct Datum {
  bool null = true;
  bool b = false;       // bool
  int64_t i = 0;        // int2/int4/int8/oid, date (days since 2000-01-01),
                        // timestamp[tz] (µs since 2000-01-01), interval µs
  int32_t days = 0;     // interval day part
  int32_t months = 0;   // interval month part
  double f = 0;         // float4/float8
  std::string s;        // text-like types, inet
  Numeric n;            // numeric
  // Arrays (any array type): an immutable, shared value; null for every
  // other type, so copying a non-array Datum costs two null pointer copies.
  std::shared_ptr<const ArrayValue> arr;
  // Records (type record): the same scheme as arr, null for every other type.
  std::shared_ptr<const RecordValue> rec;

  // Copies touch the string and the array only when either side has one:
  // rows are copied column by column, and an int column's Datum should cost
  // a few scalar moves, not two out-of-line string assignments.
  Datum() = default;
  Datum(const Datum& o) : null(o.null), b(o.b), i(o.i), days(o.days), months(o.months), f(o.f), n(o.n) {
    if (!o.s.empty()) s = o.s;
    if (o.arr) arr = o.arr;
    if (o.rec) rec = o.rec;
  }
  Datum(Datum&&) noexcept = default;
  Datum& operator=(const Datum& o) {
    null = o.null;
    b = o.b;
    i = o.i;
    days = o.days;
    months = o.months;
    f = o.f;
    if (!o.s.empty() || !s.empty()) s = o.s;
    n = o.n;
    if (o.arr || arr) arr = o.arr;
    if (o.rec || rec) rec = o.rec;
    return *this;
  }
  Datum& operator=(Datum&&) noexcept = default;

  static Datum Null() { return Datum(); }
  static Datum Bool(bool v) { Datum d; d.null = false; d.b = v; return d; }
  static Datum Int(int64_t v) { Datum d; d.null = false; d.i = v; return d; }
  static Datum Float(double v) { Datum d; d.null = false; d.f = v; return d; }
  static Datum Text(std::string v) { Datum d; d.null = false; d.s = std::move(v); return d; }
  static Datum Num(Numeric v) { Datum d; d.null = false; d.n = std::move(v); return d; }
  static Datum Array(std::shared_ptr<const ArrayValue> v) { Datum d; d.null = false; d.arr = std::move(v); return d; }
  static Datum Record(std::shared_ptr<const RecordValue> v) { Datum d; d.null = false; d.rec = std::move(v); return d; }
};

}  // namespace tusk::sql
