// Internal definitions shared by the GUC sources: the static description of
// each parameter (type, context, limits, boot value) and its run-time state.
// Not for use outside src/utils/guc*.cc and their tests.
#pragma once

#include <memory>
#include <string>
#include <variant>
#include <vector>

#include "utils/guc.h"

namespace tusk::guc {

enum class ParamType { kBool, kInt, kReal, kString, kEnum };

// Behaviour flags (a subset of PostgreSQL's GUC_* flags).
enum ParamFlags : unsigned {
  kReport = 1u << 0,          // sent to clients as ParameterStatus
  kNoShowAll = 1u << 1,       // hidden from SHOW ALL / pg_settings
  kNoResetAll = 1u << 2,      // RESET ALL leaves it alone
  kSuperuserOnly = 1u << 3,   // only superusers may read it
  kCustom = 1u << 4,          // a placeholder for a dotted extension name
  kNotInAutoFile = 1u << 5,   // ALTER SYSTEM refuses it (GUC_DISALLOW_IN_[AUTO_]FILE)
  kListInput = 1u << 6,       // SET accepts a list of values (GUC_LIST_INPUT)
  kListQuote = 1u << 7,       // list elements are identifiers, quoted as needed (GUC_LIST_QUOTE)
};

struct EnumOption {
  const char* name;  // nullptr ends the list
  int value;         // what Vars holds for ErrLevel-valued parameters; for a
                     // hidden alias, the index of the option it stands for
  bool hidden;       // accepted alias, not listed in enumvals or hints
};

// Which Vars field mirrors a parameter (monostate: none, e.g. placeholders).
using VarsField = std::variant<std::monostate, bool Vars::*, int Vars::*, double Vars::*,
                               std::string Vars::*>;

struct ParamDef {
  const char* name;  // canonical case
  ParamType type;
  Context context;
  const char* category;
  const char* short_desc;
  const char* extra_desc;  // nullptr: none
  const char* unit;        // base unit: "B", "kB", "8kB", "MB", "ms", "s", "min"; nullptr: none
  double min, max;         // for kInt and kReal
  const EnumOption* options;  // for kEnum
  const char* boot;        // boot value as text in base units; nullptr: SQL NULL (empty)
  unsigned flags;
  VarsField field;
};

// The built-in parameters, sorted case-insensitively by name.
const std::vector<ParamDef>& BuiltinParams();

// A value of any type: bools, ints, reals and enum option indexes live in
// num (doubles hold every int exactly); strings in str.
struct Value {
  double num = 0;
  std::string str;
  bool operator==(const Value&) const = default;
};

struct Slot {
  Value value;
  Source source = Source::kDefault;
  std::string sourcefile;
  int sourceline = 0;
};

// What a nesting level did to a parameter (PostgreSQL's GucStackState).
enum class StackState { kSet, kLocal, kSetLocal };

struct StackEntry {
  int nest_level;
  StackState state;
  Slot prior;   // value before this level first touched the parameter
  Slot masked;  // for kSetLocal: the SET value hidden by a later SET LOCAL
};

struct Param {
  const ParamDef* def;
  std::unique_ptr<ParamDef> owned_def;  // placeholders own their definition
  std::string owned_name;
  Value boot;
  Slot cur;
  Slot reset;  // what RESET returns to
  std::vector<StackEntry> stack;
  bool in_file = false;          // scratch flag during ProcessConfigFile
  bool pending_restart = false;
  bool reported = false;
  std::string last_reported;
};

// --- guc_value.cc: parsing and formatting values ---

// Parses text for def. current supplies the parts a partial value keeps
// (DateStyle). On failure fills *err (sqlstate, message, detail, hint).
bool ParseValue(const ParamDef& def, const std::string& text, const Value& current, Value* out,
                ErrorData* err);
// The value as SHOW prints it (use_units) or as pg_settings.setting holds it.
std::string FormatValue(const ParamDef& def, const Value& v, bool use_units);
// Plain rendering without show hooks, for boot_val / reset_val.
std::string FormatRaw(const ParamDef& def, const Value& v);
// Parses PostgreSQL's boolean spellings (on, off, true, yes, 1, prefixes).
bool ParseBool(const std::string& text, bool* out);

// --- guc.cc: the registry and assignment, used by guc_file.cc ---

Param* FindParam(const std::string& name);
// Creates a placeholder for a dotted custom name; nullptr if the name is not
// a valid custom name.
Param* AddPlaceholder(const std::string& name);
bool ValidCustomName(const std::string& name);
// PostgreSQL's find_option with create_placeholders: the parameter, or a new
// placeholder for a valid dotted name. Throws 42704 for an unknown plain
// name and 42602 for a malformed dotted one.
Param* FindOrAddPlaceholder(const std::string& name);
std::vector<Param*> AllParams();
const Vars& CurrentVars();
bool UnderPostmaster();

// PostgreSQL's set_config_option. value nullptr means "reset": to the boot
// value for Source::kDefault, else to the reset value. Returns 1 when the
// value was (or, with change_val false, would be) applied, -1 when ignored
// without error, 0 on error with *err filled.
enum class Action { kSet, kLocal };
int SetOption(Param& p, const std::string* value, Context ctx, Source src, Action action,
              bool change_val, ErrorData* err, const std::string& sourcefile = {},
              int sourceline = 0);

std::string ParamName(const Param& p);

}  // namespace tusk::guc
