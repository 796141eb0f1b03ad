// Byte encoding of what a parallel query passes between the leader and its
// workers through shared memory: Datums, compiled expressions (constants
// are preloaded registers) and partial aggregate states, plus combining
// those states in the leader.
//
// Every process is forked from the same postmaster binary, so the encoding
// is native-endian and function pointers travel as raw addresses. Nothing
// here is persistent or crosses machines.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include "sql/executor/agg_state.h"
#include "sql/executor/expr_program.h"
#include "sql/types/datum.h"

namespace tusk::sql {

// Appends to a caller's buffer, so one message can hold many values.
class ByteWriter {
 public:
  explicit ByteWriter(std::string& out) : out_(out) {}
  void U8(uint8_t v) { out_.push_back(static_cast<char>(v)); }
  void U32(uint32_t v) { Raw(&v, sizeof v); }
  void I32(int32_t v) { Raw(&v, sizeof v); }
  void U64(uint64_t v) { Raw(&v, sizeof v); }
  void I64(int64_t v) { Raw(&v, sizeof v); }
  void F64(double v) { Raw(&v, sizeof v); }  // the bits: NaN payloads and -0 survive
  void I128(__int128 v) { Raw(&v, sizeof v); }
  void Bytes(std::string_view v);  // length-prefixed

 private:
  void Raw(const void* p, size_t n) { out_.append(static_cast<const char*>(p), n); }
  std::string& out_;
};

// Reads what ByteWriter wrote. Reading past the end throws PgError XX000
// ("parallel worker message is truncated"): a worker that died mid-write
// must fail the query, not crash the leader.
class ByteReader {
 public:
  explicit ByteReader(std::string_view in) : in_(in) {}
  uint8_t U8() { return static_cast<uint8_t>(*Take(1)); }
  uint32_t U32() { return Get<uint32_t>(); }
  int32_t I32() { return Get<int32_t>(); }
  uint64_t U64() { return Get<uint64_t>(); }
  int64_t I64() { return Get<int64_t>(); }
  double F64() { return Get<double>(); }
  __int128 I128() { return Get<__int128>(); }
  std::string_view Bytes();  // a view into the input
  // A count of items that each take at least min_size bytes: one the
  // remaining input cannot hold is a truncated message, not an allocation.
  uint32_t Count(size_t min_size = 1);
  bool AtEnd() const { return pos_ == in_.size(); }

 private:
  const char* Take(size_t n);
  template <typename T>
  T Get() {
    T v;
    std::memcpy(&v, Take(sizeof v), sizeof v);
    return v;
  }
  std::string_view in_;
  size_t pos_ = 0;
};

// Every field of the Datum, whatever its type (the type lives elsewhere).
void WriteDatum(ByteWriter& w, const Datum& d);
Datum ReadDatum(ByteReader& r);

// Steps, registers (constants included), parameter registers, result and
// type. Precondition: p.subplans.empty() (a subquery's plan cannot travel;
// XX000 otherwise).
void WriteProgram(ByteWriter& w, const ExprProgram& p);
ExprProgram ReadProgram(ByteReader& r);

// Partial aggregation: whether workers may each accumulate a part of the
// aggregate's input and the leader combine their states. Only plain calls
// (no DISTINCT, no ORDER BY) of count, sum, avg, min, max, bool_and/or and
// the variance family.
bool AggCanCombine(const AggSpec& a);
// The transition state of a combinable aggregate (XX000 otherwise).
void WriteAggState(ByteWriter& w, const AggSpec& a, const AggState& s);
AggState ReadAggState(ByteReader& r, const AggSpec& a);
// Folds `from` into `into`, as if every input accumulated into `from` had
// been accumulated into `into` after its own: for min/max ties `into` wins,
// so pass the parts in input order to get the serial result exactly.
void CombineAggState(const AggSpec& a, AggState& into, const AggState& from, ExecContext& ctx);

}  // namespace tusk::sql
