// Settings stored per database and role (pg_db_role_setting): the checks an
// entry passes before ALTER DATABASE/ROLE ... SET stores it, and applying the
// stored entries when a session starts.
#include "utils/guc_tables.h"

namespace tusk::guc {
namespace {

PgError SettingError(ErrorData err) {
  err.level = ErrLevel::kError;
  return PgError(err);
}

}  // namespace

std::string CheckStoredSetting(const std::string& name, const std::optional<std::string>& value,
                               bool caller_is_superuser) {
  Param* p = FindOrAddPlaceholder(name);
  if (p->def->flags & kCustom) {
    // Nothing is known of the value, nor whether the extension will make it
    // superuser-only once loaded, so only superusers may store one.
    if (caller_is_superuser) return ParamName(*p);
    throw PgError(sqlstate::kInsufficientPrivilege, "permission denied to set parameter \"" + name + "\"");
  }
  // SET's own checks at the caller's level, without changing anything.
  ErrorData err;
  const Context ctx = caller_is_superuser ? Context::kSuperuser : Context::kUser;
  if (SetOption(*p, value ? &*value : nullptr, ctx, Source::kSession, Action::kSet, false, &err) == 0)
    throw SettingError(err);
  return ParamName(*p);
}

bool MayRemoveStoredSetting(const std::string& name, bool caller_is_superuser) {
  Param* p = FindParam(name);
  if (!p && name.find('.') != std::string::npos) p = AddPlaceholder(name);
  if (!p) return false;
  if (p->def->flags & kCustom) return caller_is_superuser;
  const Context c = p->def->context;
  return c == Context::kUser || (c == Context::kSuperuser && caller_is_superuser);
}

std::string CurrentValueToStore(const std::string& name, bool caller_is_superuser) {
  Param* p = FindParam(name);
  if (!p) throw PgError(sqlstate::kUndefinedObject, "unrecognized configuration parameter \"" + name + "\"");
  if ((p->def->flags & kSuperuserOnly) && !caller_is_superuser)
    throw PgError(sqlstate::kInsufficientPrivilege,
                  "must be superuser or have privileges of pg_read_all_settings to examine \"" + name + "\"");
  return FormatValue(*p->def, p->cur.value, true);
}

std::vector<ErrorData> ApplyStoredSettings(const std::vector<std::string>& entries, Source source) {
  std::vector<ErrorData> warnings;
  auto warn = [&](ErrorData e) {
    e.level = ErrLevel::kWarning;
    warnings.push_back(std::move(e));
  };
  for (const std::string& entry : entries) {
    const size_t eq = entry.find('=');
    std::string name = entry.substr(0, eq);
    // As PostgreSQL's ParseLongOption, which also serves -c on the command line.
    for (char& c : name)
      if (c == '-') c = '_';
    if (eq == std::string::npos) {
      warn(MakeNotice(ErrLevel::kWarning, sqlstate::kSyntaxError,
                      "could not parse setting for parameter \"" + name + "\""));
      continue;
    }
    const std::string value = entry.substr(eq + 1);
    try {
      Param* p = FindOrAddPlaceholder(name);
      ErrorData err;
      if (SetOption(*p, &value, Context::kSuperuser, source, Action::kSet, true, &err) == 0) warn(err);
    } catch (const PgError& e) {
      warn(e.data());
    }
  }
  return warnings;
}

}  // namespace tusk::guc
