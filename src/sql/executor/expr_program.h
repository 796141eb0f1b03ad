// Flat, compiled form of an expression: a vector of steps over a register
// file, evaluated once per row with no AST walking. Constants live in
// preloaded registers; row columns are read in place, never copied.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "sql/types/datum.h"
#include "sql/types/type_io.h"

namespace tusk::sql {

class SessionContext;

struct ExecContext {
  SessionContext* session = nullptr;
  IoContext io;
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
  std::vector<int> args;
  mutable std::vector<const Datum*> arg_ptrs;  // scratch, sized at compile time
};

class ExprProgram {
 public:
  std::vector<Step> steps;
  std::vector<Datum> regs;    // constants preloaded; others scratch
  std::vector<int> param_regs;  // register holding $n+1, or -1
  int result = 0;             // operand of the result
  uint32_t type = 0;

  const Datum& Eval(const Datum* row, ExecContext& ctx);
  // Loads parameter values into their registers before a run.
  void BindParams(const std::vector<Datum>& params);
};

}  // namespace tusk::sql
