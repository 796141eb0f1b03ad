// The parameter registry of one process: assignment with PostgreSQL's
// context and source-priority rules, the per-parameter stack that undoes SET
// at transaction abort, SHOW, RESET, ParameterStatus reporting and pg_settings.
#include "utils/guc.h"

#include <strings.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <map>

#include "utils/guc_tables.h"
#include "utils/log.h"

namespace tusk::guc {
namespace {

struct CaseLess {
  bool operator()(const std::string& a, const std::string& b) const {
    return strcasecmp(a.c_str(), b.c_str()) < 0;
  }
};

// Per-process state. Lives for the process; fork copies it.
struct Registry {
  std::map<std::string, std::unique_ptr<Param>, CaseLess> params;
  Vars vars;
  int nest_level = 0;
  bool under_postmaster = false;
  // Parameters with a non-empty stack: only these need settling at the end
  // of a (sub)transaction, so a statement does not walk all 300+ of them.
  std::vector<Param*> stacked;
  // A reported parameter was assigned since the last TakeReportChanges.
  bool report_pending = true;
  // The parameters sent as ParameterStatus, in name order. Kept apart so a
  // new backend's first report writes to these few objects only: touching
  // all of them would copy most of the heap pages inherited from the
  // postmaster.
  std::vector<Param*> reported;
  uint64_t assign_count = 0;  // every value change; cached plans compare it
};

Registry& R() {
  static Registry registry;
  return registry;
}

// Writes the value into the parameter and its Vars field; keeps the server
// log's settings in step with the parameters they mirror.
void Assign(Param& p, const Slot& slot) {
  p.cur = slot;
  ++R().assign_count;
  const ParamDef& def = *p.def;
  if (def.flags & kReport) R().report_pending = true;
  Vars& vars = R().vars;
  const Value& v = slot.value;
  std::visit(
      [&](auto field) {
        using F = decltype(field);
        if constexpr (std::is_same_v<F, bool Vars::*>) {
          vars.*field = v.num != 0;
        } else if constexpr (std::is_same_v<F, int Vars::*>) {
          vars.*field = def.type == ParamType::kEnum ? def.options[static_cast<int>(v.num)].value
                                                      : static_cast<int>(v.num);
        } else if constexpr (std::is_same_v<F, double Vars::*>) {
          vars.*field = v.num;
        } else if constexpr (std::is_same_v<F, std::string Vars::*>) {
          vars.*field = def.type == ParamType::kEnum ? def.options[static_cast<int>(v.num)].name : v.str;
        }
      },
      def.field);
  LogSettings& log = GetLogSettings();
  if (std::holds_alternative<std::string Vars::*>(def.field)) {
    auto f = std::get<std::string Vars::*>(def.field);
    if (f == &Vars::log_line_prefix) log.line_prefix = vars.log_line_prefix;
    if (f == &Vars::application_name) log.application_name = vars.application_name;
  }
  if (std::holds_alternative<int Vars::*>(def.field) &&
      std::get<int Vars::*>(def.field) == &Vars::log_min_messages) {
    log.min_level = static_cast<ErrLevel>(vars.log_min_messages);
  }
}

PgError Unrecognized(const std::string& name) {
  return PgError(sqlstate::kUndefinedObject,
                 "unrecognized configuration parameter \"" + name + "\"");
}

// Records the value a nesting level is about to overwrite, merging with what
// the same level already saved (PostgreSQL's push_old_value).
void PushOldValue(Param& p, Action action) {
  const int level = R().nest_level;
  if (level <= 0) return;  // outside any transaction: nothing to undo
  if (!p.stack.empty() && p.stack.back().nest_level >= level) {
    StackEntry& s = p.stack.back();
    switch (s.state) {
      case StackState::kSet:
        if (action == Action::kLocal) {
          s.state = StackState::kSetLocal;
          s.masked = p.cur;
        }
        break;
      case StackState::kLocal:
      case StackState::kSetLocal:
        if (action == Action::kSet) s.state = StackState::kSet;  // SET overrides SET LOCAL
        break;
    }
    return;
  }
  if (p.stack.empty()) R().stacked.push_back(&p);
  p.stack.push_back(StackEntry{level, action == Action::kLocal ? StackState::kLocal : StackState::kSet,
                               p.cur, Slot{}});
}

Context SessionContext(bool superuser, Source source) {
  if (source == Source::kClient) return superuser ? Context::kSuperuserBackend : Context::kBackend;
  return superuser ? Context::kSuperuser : Context::kUser;
}

}  // namespace

const char* ContextName(Context c) {
  switch (c) {
    case Context::kInternal: return "internal";
    case Context::kPostmaster: return "postmaster";
    case Context::kSighup: return "sighup";
    case Context::kSuperuserBackend: return "superuser-backend";
    case Context::kBackend: return "backend";
    case Context::kSuperuser: return "superuser";
    case Context::kUser: return "user";
  }
  return "?";
}

const char* SourceName(Source s) {
  switch (s) {
    case Source::kDefault: return "default";
    case Source::kEnvironment: return "environment variable";
    case Source::kFile: return "configuration file";
    case Source::kCommandLine: return "command line";
    case Source::kGlobal: return "global";
    case Source::kDatabase: return "database";
    case Source::kUser: return "user";
    case Source::kDatabaseUser: return "database user";
    case Source::kClient: return "client";
    case Source::kOverride: return "override";
    case Source::kInteractive: return "interactive";
    case Source::kSession: return "session";
  }
  return "?";
}

std::string ParamName(const Param& p) { return p.def->name; }

void InitializeDefaults() {
  Registry& r = R();
  r.params.clear();
  r.stacked.clear();
  r.reported.clear();
  r.report_pending = true;
  r.vars = Vars{};
  r.nest_level = 0;
  for (const ParamDef& def : BuiltinParams()) {
    auto p = std::make_unique<Param>();
    p->def = &def;
    ErrorData err;
    std::string boot = def.boot ? def.boot : "";
    // The zone comes from the process environment when it names a real zone.
    if (strcasecmp(def.name, "TimeZone") == 0 || strcasecmp(def.name, "log_timezone") == 0) {
      const char* tz = std::getenv("TZ");
      Value probe;
      boot = "UTC";
      if (tz && *tz && ParseValue(def, tz, Value{}, &probe, &err)) boot = tz;
    }
    if (def.type == ParamType::kString && strcasecmp(def.name, "DateStyle") != 0 &&
        strcasecmp(def.name, "TimeZone") != 0 && strcasecmp(def.name, "log_timezone") != 0 &&
        strcasecmp(def.name, "client_encoding") != 0) {
      p->boot.str = boot;  // no validation for boot strings (lc_* may be "")
    } else if (!ParseValue(def, boot, Value{}, &p->boot, &err)) {
      // The table itself is wrong: a programming error.
      std::fprintf(stderr, "bad boot value: %s\n", err.message.c_str());
      std::abort();
    }
    Slot slot;
    slot.value = p->boot;
    p->reset = slot;
    Assign(*p, slot);
    if (def.flags & kReport) r.reported.push_back(p.get());
    r.params.emplace(def.name, std::move(p));
  }
}

void SetUnderPostmaster(bool under_postmaster) { R().under_postmaster = under_postmaster; }
bool UnderPostmaster() { return R().under_postmaster; }
const Vars& V() { return R().vars; }
const Vars& CurrentVars() { return R().vars; }

Param* FindParam(const std::string& name) {
  auto& params = R().params;
  auto it = params.find(name);
  return it == params.end() ? nullptr : it->second.get();
}

std::vector<Param*> AllParams() {
  std::vector<Param*> out;
  for (auto& [name, p] : R().params) out.push_back(p.get());
  return out;
}

bool ValidCustomName(const std::string& name) {
  // Two or more identifiers joined by dots.
  bool saw_dot = false, need_start = true;
  for (char c : name) {
    const unsigned char u = static_cast<unsigned char>(c);
    if (c == '.') {
      if (need_start) return false;
      saw_dot = true;
      need_start = true;
    } else if (std::isalpha(u) || c == '_' || u >= 0x80) {
      need_start = false;
    } else if (std::isdigit(u) || c == '$') {
      if (need_start) return false;
    } else {
      return false;
    }
  }
  return saw_dot && !need_start;
}

Param* AddPlaceholder(const std::string& name) {
  if (!ValidCustomName(name)) return nullptr;
  auto p = std::make_unique<Param>();
  p->owned_name = name;
  p->owned_def = std::make_unique<ParamDef>(ParamDef{
      nullptr, ParamType::kString, Context::kUser, "Customized Options", "", nullptr, nullptr, 0,
      0, nullptr, "", kCustom | kNoShowAll, std::monostate{}});
  p->owned_def->name = p->owned_name.c_str();
  p->def = p->owned_def.get();
  Param* raw = p.get();
  R().params.emplace(name, std::move(p));
  return raw;
}

Param* FindOrAddPlaceholder(const std::string& name) {
  if (Param* p = FindParam(name)) return p;
  // Only a dotted name was meant as a custom one; any other is just unknown.
  if (name.find('.') == std::string::npos) throw Unrecognized(name);
  if (Param* p = AddPlaceholder(name)) return p;
  throw PgError("42602", "invalid configuration parameter name \"" + name + "\"")
      .Detail("Custom parameter names must be two or more simple identifiers separated by dots.");
}

int SetOption(Param& p, const std::string* value, Context ctx, Source src, Action action,
              bool change_val, ErrorData* err, const std::string& sourcefile, int sourceline) {
  const ParamDef& def = *p.def;
  const std::string name = def.name;
  auto fail = [&](const char* state, std::string message) {
    err->sqlstate = state;
    err->message = std::move(message);
    return 0;
  };
  bool prohibit_change = false;
  switch (def.context) {
    case Context::kInternal:
      if (ctx != Context::kInternal)
        return fail(sqlstate::kCantChangeRuntimeParam, "parameter \"" + name + "\" cannot be changed");
      break;
    case Context::kPostmaster:
      if (ctx == Context::kSighup) {
        prohibit_change = true;  // a reload may only confirm the running value
      } else if (ctx != Context::kPostmaster && ctx != Context::kInternal) {
        return fail(sqlstate::kCantChangeRuntimeParam,
                    "parameter \"" + name + "\" cannot be changed without restarting the server");
      }
      break;
    case Context::kSighup:
      if (ctx != Context::kSighup && ctx != Context::kPostmaster && ctx != Context::kInternal)
        return fail(sqlstate::kCantChangeRuntimeParam, "parameter \"" + name + "\" cannot be changed now");
      break;
    case Context::kSuperuserBackend:
      if (ctx == Context::kBackend)
        return fail(sqlstate::kInsufficientPrivilege, "permission denied to set parameter \"" + name + "\"");
      [[fallthrough]];
    case Context::kBackend:
      if (ctx == Context::kSighup) {
        // New connections get the file's value from the postmaster; a running
        // backend keeps the one it started with.
        if (R().under_postmaster) return -1;
      } else if (ctx != Context::kPostmaster && ctx != Context::kInternal &&
                 ctx != Context::kBackend && ctx != Context::kSuperuserBackend &&
                 src != Source::kClient) {
        return fail(sqlstate::kCantChangeRuntimeParam,
                    "parameter \"" + name + "\" cannot be set after connection start");
      }
      break;
    case Context::kSuperuser:
      if (ctx == Context::kUser || ctx == Context::kBackend)
        return fail(sqlstate::kInsufficientPrivilege, "permission denied to set parameter \"" + name + "\"");
      break;
    case Context::kUser:
      break;
  }

  // Values from defaults and startup sources also become what RESET returns
  // to; session-level values are transactional instead.
  const bool make_default = change_val && src <= Source::kOverride && (value || src == Source::kDefault);
  if (p.cur.source > src) {
    if (change_val && !make_default) return -1;  // a higher-priority source already set it
    change_val = false;
  }

  Slot next;
  if (value) {
    if (!ParseValue(def, *value, p.cur.value, &next.value, err)) return 0;
    next.source = src;
    if (src == Source::kFile) {
      next.sourcefile = sourcefile;
      next.sourceline = sourceline;
    }
  } else if (src == Source::kDefault) {
    next.value = p.boot;
    next.source = Source::kDefault;
  } else {
    next = p.reset;
  }

  if (prohibit_change) {
    if (!(next.value == p.cur.value)) {
      p.pending_restart = true;
      err->level = ErrLevel::kLog;
      return fail(sqlstate::kCantChangeRuntimeParam,
                  "parameter \"" + name + "\" cannot be changed without restarting the server");
    }
    p.pending_restart = false;
    if (src == Source::kFile && p.cur.source == Source::kFile) {
      p.cur.sourcefile = sourcefile;
      p.cur.sourceline = sourceline;
    }
    return -1;
  }

  if (change_val) {
    PushOldValue(p, action);
    Assign(p, next);
  }
  if (make_default) {
    if (p.reset.source <= src) p.reset = next;
    for (StackEntry& s : p.stack)
      if (s.prior.source <= src) s.prior = next;
  }
  return change_val ? 1 : -1;
}

void SetCommandLineOption(const std::string& name, const std::string& value) {
  Param* p = FindOrAddPlaceholder(name);
  ErrorData err;
  if (SetOption(*p, &value, Context::kPostmaster, Source::kCommandLine, Action::kSet, true, &err) == 0)
    throw PgError(err);
}

std::string SetConfigOption(const std::string& name, const std::string& value,
                            bool caller_is_superuser, bool is_local, Source source) {
  Param* p = FindOrAddPlaceholder(name);
  ErrorData err;
  if (SetOption(*p, &value, SessionContext(caller_is_superuser, source), source,
                is_local ? Action::kLocal : Action::kSet, true, &err) == 0) {
    err.level = ErrLevel::kError;
    throw PgError(err);
  }
  return FormatValue(*p->def, p->cur.value, true);
}

void SetInternalOption(const std::string& name, const std::string& value) {
  Param* p = FindParam(name);
  if (!p) throw Unrecognized(name);
  ErrorData err;
  if (SetOption(*p, &value, Context::kInternal, Source::kOverride, Action::kSet, true, &err) == 0) {
    err.level = ErrLevel::kError;
    throw PgError(err);
  }
}

void ResetConfigOption(const std::string& name, bool caller_is_superuser) {
  Param* p = FindParam(name);
  if (!p) throw Unrecognized(name);
  ErrorData err;
  if (SetOption(*p, nullptr, SessionContext(caller_is_superuser, Source::kSession),
                Source::kSession, Action::kSet, true, &err) == 0) {
    err.level = ErrLevel::kError;
    throw PgError(err);
  }
}

void ResetAllOptions() {
  for (auto& [name, p] : R().params) {
    const ParamDef& def = *p->def;
    if (def.context != Context::kSuperuser && def.context != Context::kUser) continue;
    if (def.flags & kNoResetAll) continue;
    if (p->cur.source <= Source::kOverride) continue;  // nothing set in the session
    PushOldValue(*p, Action::kSet);
    Assign(*p, p->reset);
  }
}

std::optional<std::string> ShowConfigOption(const std::string& name, bool missing_ok) {
  Param* p = FindParam(name);
  if (!p) {
    if (missing_ok) return std::nullopt;
    throw Unrecognized(name);
  }
  return FormatValue(*p->def, p->cur.value, true);
}

uint64_t AssignCount() { return R().assign_count; }

void AtTransactionStart() { R().nest_level = 1; }

void AtTransactionEnd(bool committed) {
  PopNestLevel(1, committed);
  R().nest_level = 0;
}

int PushNestLevel() { return ++R().nest_level; }

// PostgreSQL's AtEOXact_GUC: settle every stack entry at `level` or deeper.
void PopNestLevel(int level, bool committed) {
  std::vector<Param*>& stacked = R().stacked;
  for (Param* pp : stacked) {
    Param& p = *pp;
    while (!p.stack.empty() && p.stack.back().nest_level >= level) {
      StackEntry s = std::move(p.stack.back());
      p.stack.pop_back();
      StackEntry* prev = p.stack.empty() ? nullptr : &p.stack.back();
      bool restore_prior = false, restore_masked = false;
      if (!committed) {
        restore_prior = true;
      } else if (level == 1) {
        if (s.state == StackState::kLocal) restore_prior = true;
        else if (s.state == StackState::kSetLocal) restore_masked = true;
        // kSet: the new value simply stays
      } else if (!prev || level - 1 > prev->nest_level) {
        s.nest_level = level - 1;  // nothing saved at the parent level: move down
        p.stack.push_back(std::move(s));
        break;
      } else {
        switch (s.state) {
          case StackState::kSet:
            prev->state = StackState::kSet;  // the parent now keeps a SET
            break;
          case StackState::kLocal:
            if (prev->state == StackState::kSet) {
              prev->masked = s.prior;  // the child's local value hides the parent's SET
              prev->state = StackState::kSetLocal;
            }
            break;
          case StackState::kSetLocal:
            prev->masked = s.masked;
            prev->state = StackState::kSetLocal;
            break;
        }
      }
      if (restore_prior) Assign(p, s.prior);
      else if (restore_masked) Assign(p, s.masked);
    }
  }
  std::erase_if(stacked, [](const Param* p) { return p->stack.empty(); });
  R().nest_level = level - 1;
}

std::vector<std::pair<std::string, std::string>> TakeReportChanges() {
  std::vector<std::pair<std::string, std::string>> out;
  if (!R().report_pending) return out;
  R().report_pending = false;
  for (Param* p : R().reported) {
    std::string shown = FormatValue(*p->def, p->cur.value, true);
    if (p->reported && shown == p->last_reported) continue;
    p->reported = true;
    p->last_reported = shown;
    out.emplace_back(p->def->name, std::move(shown));
  }
  return out;
}

std::vector<std::pair<std::string, std::string>> AllReportedValues() {
  for (Param* p : R().reported) p->reported = false;
  R().report_pending = true;
  return TakeReportChanges();
}

std::vector<SettingRow> AllSettings(bool include_superuser_only) {
  std::vector<SettingRow> rows;
  for (auto& [name, pp] : R().params) {
    const Param& p = *pp;
    const ParamDef& def = *p.def;
    if (def.flags & kNoShowAll) continue;
    if ((def.flags & kSuperuserOnly) && !include_superuser_only) continue;
    SettingRow row;
    row.name = def.name;
    row.setting = FormatValue(def, p.cur.value, false);
    if (def.unit) row.unit = def.unit;
    row.category = def.category;
    row.short_desc = def.short_desc;
    if (def.extra_desc) row.extra_desc = def.extra_desc;
    row.context = ContextName(def.context);
    static const char* const kTypes[] = {"bool", "integer", "real", "string", "enum"};
    row.vartype = kTypes[static_cast<int>(def.type)];
    row.source = SourceName(p.cur.source);
    if (def.type == ParamType::kInt || def.type == ParamType::kReal) {
      Value lo{def.min, {}}, hi{def.max, {}};
      row.min_val = FormatRaw(def, lo);
      row.max_val = FormatRaw(def, hi);
    }
    if (def.type == ParamType::kEnum) {
      std::string list = "{";
      for (int i = 0; def.options[i].name; ++i) {
        if (def.options[i].hidden) continue;
        if (list.size() > 1) list += ",";
        list += def.options[i].name;
      }
      row.enumvals = list + "}";
    }
    if (def.boot || def.type != ParamType::kString) row.boot_val = FormatRaw(def, p.boot);
    row.reset_val = FormatRaw(def, p.reset.value);
    if (!p.cur.sourcefile.empty()) {
      row.sourcefile = p.cur.sourcefile;
      row.sourceline = p.cur.sourceline;
    }
    row.pending_restart = p.pending_restart;
    rows.push_back(std::move(row));
  }
  return rows;
}

// Splits a search_path value into schema names: quoted identifiers keep
// their case, unquoted ones are folded to lower case.
std::vector<std::string> ParseSearchPath(const std::string& value) {
  std::vector<std::string> names;
  size_t i = 0;
  while (i < value.size()) {
    while (i < value.size() && std::isspace(static_cast<unsigned char>(value[i]))) ++i;
    if (i >= value.size()) break;
    std::string name;
    if (value[i] == '"') {
      for (++i; i < value.size(); ++i) {
        if (value[i] == '"') {
          if (i + 1 < value.size() && value[i + 1] == '"') {
            name.push_back('"');
            ++i;
          } else {
            ++i;
            break;
          }
        } else {
          name.push_back(value[i]);
        }
      }
    } else {
      for (; i < value.size() && value[i] != ',' && !std::isspace(static_cast<unsigned char>(value[i])); ++i) {
        name.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(value[i]))));
      }
    }
    names.push_back(name);
    while (i < value.size() && value[i] != ',') ++i;
    if (i < value.size()) ++i;
  }
  return names;
}

}  // namespace tusk::guc
