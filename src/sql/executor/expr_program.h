// Flat, compiled form of an expression: a vector of steps over a register
// file, evaluated once per row with no AST walking. Constants live in
// preloaded registers; row columns are read in place, never copied.
#pragma once

#include <algorithm>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <string>
#include <vector>

#include "sql/types/datum.h"
#include "sql/types/type_io.h"

namespace tusk::sql {

class SessionContext;
struct ExecState;
struct CompiledQuery;

struct ExecContext {
  SessionContext* session = nullptr;
  IoContext io;
  ExecState* state = nullptr;         // the running statement (subplans build nodes from it)
  std::vector<const Datum*> outer;    // rows of enclosing query levels, innermost last
};

struct Step;
// Builtin implementation: reads args (never null for strict functions),
// writes out. Step carries per-call static data (types, typmod).
using FnImpl = void (*)(const Step& st, const Datum* const* args, Datum& out, ExecContext& ctx);

enum class OpCode : uint8_t {
  kCall,            // out = fn(args); strict: null if any arg is null
  kMove,            // out = arg0
  kJump,            // goto target
  kJumpIfNotTrue,   // if arg0 is null or false goto target
  kJumpIfNotNull,   // if arg0 not null: out = arg0, goto target
  kAndStep,         // arg0 false -> out=false, goto target; null -> remember
  kOrStep,          // arg0 true -> out=true, goto target; null -> remember
  kBoolInit,        // out = bool(aux), not null
  kNot,
  kOuter,           // out = column index of the row aux levels up (ctx.outer)
  kSubPlan,         // out = result of subplans[aux]; args: [test value] for ANY/ALL
  kArrayAnyAll,     // out = arg0 op ANY (target = 1) / ALL (target = 0) of the array arg1;
                    // fn, aux, type_a, type_b are the operator's, called per element
};

// A step's operands. Up to kInline are kept in place: programs are copied
// once per execution (each copy gets its parameters), and a vector per
// step made that copy an allocation per step.
class ArgList {
 public:
  static constexpr size_t kInline = 4;
  ArgList() = default;
  ArgList(std::initializer_list<int> v) { Assign(v.begin(), v.size()); }
  ArgList(const std::vector<int>& v) { Assign(v.data(), v.size()); }  // NOLINT: converting on purpose
  ArgList(const ArgList& o) { Assign(o.data(), o.size_); }
  ArgList(ArgList&& o) noexcept : size_(o.size_), heap_(std::move(o.heap_)) {
    std::copy(o.inline_, o.inline_ + kInline, inline_);
    o.size_ = 0;
  }
  ArgList& operator=(const ArgList& o) {
    if (this != &o) Assign(o.data(), o.size_);
    return *this;
  }
  ArgList& operator=(ArgList&& o) noexcept {
    size_ = o.size_;
    heap_ = std::move(o.heap_);
    std::copy(o.inline_, o.inline_ + kInline, inline_);
    o.size_ = 0;
    return *this;
  }
  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  const int* data() const { return heap_ ? heap_.get() : inline_; }
  int operator[](size_t i) const { return data()[i]; }
  const int* begin() const { return data(); }
  const int* end() const { return data() + size_; }

 private:
  void Assign(const int* p, size_t n) {
    if (n > kInline) {
      auto h = std::make_unique<int[]>(n);
      std::copy(p, p + n, h.get());
      heap_ = std::move(h);
    } else {
      std::copy(p, p + n, inline_);
      heap_.reset();
    }
    size_ = n;
  }
  size_t size_ = 0;
  int inline_[kInline] = {};
  std::unique_ptr<int[]> heap_;
};

// Operand encoding: >= 0 register, < 0 column (-1 - index) of the input row.
struct Step {
  OpCode op;
  bool strict = true;
  int out = 0;
  int target = 0;
  int aux = 0;
  FnImpl fn = nullptr;
  uint32_t type_a = 0, type_b = 0;  // e.g. cast source/target
  int32_t typmod = -1;
  ArgList args;
};

struct SubPlan;

class ExprProgram {
 public:
  std::vector<Step> steps;
  std::vector<SubPlan> subplans;
  std::vector<Datum> regs;    // constants preloaded; others scratch
  std::vector<int> param_regs;  // register holding $n+1, or -1
  int result = 0;             // operand of the result
  uint32_t type = 0;

  const Datum& Eval(const Datum* row, ExecContext& ctx);
  // Loads parameter values into their registers before a run.
  void BindParams(const std::vector<Datum>& params);
};

// A subquery inside an expression. Uncorrelated ones run once per program
// copy (that is, per execution) and keep their result.
struct SubPlan {
  uint8_t kind = 0;  // SubLinkKind
  bool correlated = false;
  uint32_t elem_type = 0;  // ARRAY(SELECT ...): element type
  std::shared_ptr<const CompiledQuery> query;
  std::vector<ExprProgram> combine;  // ANY/ALL: over [tests..., subquery row...]
  int width = 1;                      // ANY/ALL: number of test values (columns)
  bool cached = false;
  Datum value;
  std::vector<Datum> rows;
};

// Runs a subplan for the current row (executor/subplan.cc).
// `tests` holds sp.width values for ANY/ALL.
Datum RunSubPlan(SubPlan& sp, const Datum* row, const Datum* tests, ExecContext& ctx);

}  // namespace tusk::sql
