// Grand Unified Configuration: the server's run-time parameters, with
// PostgreSQL 15's names, types, contexts, sources, units and messages.
// Each process holds its own copy (inherited through fork, re-read on SIGHUP).
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "utils/error.h"
#include "utils/guc_vars.h"

namespace tusk::guc {

// When a parameter may be changed (PostgreSQL's GucContext), least to most
// permissive.
enum class Context { kInternal, kPostmaster, kSighup, kSuperuserBackend, kBackend, kSuperuser, kUser };

// Where the current value came from (PostgreSQL's GucSource), in increasing
// priority: a value from a higher source is never replaced by a lower one.
// kGlobal, kDatabase, kUser and kDatabaseUser are pg_db_role_setting's rows
// for (all, all), (db, all), (all, role) and (db, role).
enum class Source {
  kDefault, kEnvironment, kFile, kCommandLine, kGlobal, kDatabase, kUser, kDatabaseUser, kClient, kOverride,
  kInteractive, kSession
};

// Names as pg_settings prints them ("superuser-backend", "configuration file").
const char* ContextName(Context c);
const char* SourceName(Source s);

// One-time setup in each fresh program run: builds the table with boot
// values (TimeZone and log_timezone come from $TZ when it names a zone).
// Calling it again discards every setting and starts over (used by tests).
void InitializeDefaults();

// Backends ignore config-file changes to backend-context parameters and do
// not log "parameter changed" lines; the postmaster does both. Children of
// the postmaster call this with true right after fork.
void SetUnderPostmaster(bool under_postmaster);

// Reads DATADIR/postgresql.conf (with include, include_if_exists,
// include_dir) and then DATADIR/postgresql.auto.conf and applies them.
// All-or-nothing: on any syntax error, unknown name (dotted custom names
// excepted) or invalid value nothing is applied and false is returned. Each
// problem and each LOG note is appended to *messages. On reload, postmaster
// parameters keep their value (LOG note, pending_restart), changed ones log
// "changed to", and parameters removed from the files revert to default.
bool ProcessConfigFile(const std::string& datadir, bool is_reload, ErrLevel elevel,
                       std::vector<ErrorData>* messages);

// -c name=value (and -p etc.) at postmaster start; beats the files.
// Throws PgError on an unknown name or an invalid value.
void SetCommandLineOption(const std::string& name, const std::string& value);

// SET / set_config() from a session (or, with Source::kClient, an option in
// the startup packet). Throws PgError with PostgreSQL's SQLSTATE and text.
// Returns the new value as SHOW prints it.
std::string SetConfigOption(const std::string& name, const std::string& value,
                            bool caller_is_superuser, bool is_local,
                            Source source = Source::kSession);
// The server's own values for internal parameters (is_superuser,
// session_authorization, in_hot_standby...): any context, source "override".
void SetInternalOption(const std::string& name, const std::string& value);
// RESET name / SET name TO DEFAULT.
void ResetConfigOption(const std::string& name, bool caller_is_superuser);
// RESET ALL.
void ResetAllOptions();

// How SET's comma-separated values are joined for a parameter (PostgreSQL's
// GUC_LIST_INPUT / GUC_LIST_QUOTE); unknown names take one value.
enum class ListKind { kSingle, kList, kQuotedList };
ListKind ParamListKind(const std::string& name);

// ALTER SYSTEM SET name = value (value set) or RESET name / RESET ALL
// (value nullopt): checks name, permission and value as PostgreSQL 15 does
// and rewrites DATADIR/postgresql.auto.conf durably. Nothing is applied
// until the next reload. Throws PgError.
void AlterSystemSetConfigFile(const std::string& datadir, const std::string& name,
                              const std::optional<std::string>& value, bool reset_all,
                              bool caller_is_superuser);

// ---- settings stored per database and role (ALTER DATABASE/ROLE ... SET) ----
// Checks an entry about to be stored (value given) or removed (nullopt) as
// PostgreSQL's validate_option_array_item does: 42704 for an unknown name,
// 42602 for a malformed custom one, custom names (placeholders) for
// superusers only, then the context, permission and value checks of SET at
// the caller's level (55P02 for postmaster and sighup parameters, 42501,
// 22023). Returns the name to store: the parameter's own spelling
// ("DateStyle" for datestyle).
std::string CheckStoredSetting(const std::string& name, const std::optional<std::string>& value,
                               bool caller_is_superuser);
// RESET ALL by a non-superuser keeps the entries it could not remove itself
// (PostgreSQL's GUCArrayReset): unknown and custom names, and parameters
// that are not user-settable by the caller.
bool MayRemoveStoredSetting(const std::string& name, bool caller_is_superuser);
// SET name FROM CURRENT: the current value as SHOW prints it. 42704 for an
// unknown name, 42501 for a superuser-only parameter read by another role.
std::string CurrentValueToStore(const std::string& name, bool caller_is_superuser);
// Connection start (PostgreSQL's ProcessGUCArray at superuser level, the
// rights having been checked when the entries were stored): applies
// "name=value" entries with `source`. An entry that cannot be applied is
// skipped and returned as a WARNING, as PostgreSQL reports it.
std::vector<ErrorData> ApplyStoredSettings(const std::vector<std::string>& entries, Source source);

// SHOW / current_setting(): "128MB", "1min", "on", enum names, ...
// Throws 42704 for an unknown name unless missing_ok (then nullopt).
std::optional<std::string> ShowConfigOption(const std::string& name, bool missing_ok = false);

// Transaction nesting. Level 1 is the top-level transaction; savepoints push
// further levels with PushNestLevel() and pop them with PopNestLevel().
// Counts every change of any parameter's value (SET, RESET, end of a
// transaction restoring one, reload): a plan cached while it had one value
// may depend on the settings and is rebuilt when it moves.
uint64_t AssignCount();
void AtTransactionStart();
void AtTransactionEnd(bool committed);
int PushNestLevel();                       // returns the new level
void PopNestLevel(int level, bool committed);  // commit or roll back levels >= level

// ParameterStatus support: parameters flagged "report" whose shown value
// changed since the last call (or were never reported).
std::vector<std::pair<std::string, std::string>> TakeReportChanges();
// The schema names of a search_path value, in order ("$user" as written).
std::vector<std::string> ParseSearchPath(const std::string& value);
// Every reported parameter with its value, for connection start; marks all
// as reported.
std::vector<std::pair<std::string, std::string>> AllReportedValues();

// One pg_settings row; nullopt is SQL NULL.
struct SettingRow {
  std::string name, setting;
  std::optional<std::string> unit;
  std::string category, short_desc;
  std::optional<std::string> extra_desc;
  std::string context, vartype, source;
  std::optional<std::string> min_val, max_val, enumvals;
  std::optional<std::string> boot_val, reset_val, sourcefile;
  std::optional<int> sourceline;
  bool pending_restart = false;
};
// Rows for SHOW ALL and pg_settings, ordered by name as PostgreSQL orders
// them. Parameters that only superusers may read are left out unless
// include_superuser_only.
std::vector<SettingRow> AllSettings(bool include_superuser_only = true);

// Fast typed access for the server's own code.
const Vars& V();

}  // namespace tusk::guc
