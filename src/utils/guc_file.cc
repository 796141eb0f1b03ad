// Applying postgresql.conf and postgresql.auto.conf: validation of the whole
// file set before anything changes, reload rules for postmaster parameters,
// and reverting parameters whose lines were removed.
#include <strings.h>

#include "utils/conf_file.h"
#include "utils/guc_tables.h"

namespace tusk::guc {
namespace {

void Note(std::vector<ErrorData>* messages, ErrLevel level, const char* state, std::string text) {
  ErrorData e;
  e.level = level;
  e.sqlstate = state;
  e.message = std::move(text);
  messages->push_back(std::move(e));
}

void Rejected(std::vector<ErrorData>* messages, ErrLevel elevel, const std::string& file) {
  Note(messages, elevel, sqlstate::kConfigFileError,
       "configuration file \"" + file + "\" contains errors; no changes were applied");
}

// Sets a location parameter (data_directory, hba_file, ...) the way the
// postmaster does at startup: beyond the reach of the files.
void SetOverride(const char* name, const std::string& value) {
  Param* p = FindParam(name);
  ErrorData err;
  if (p) SetOption(*p, &value, Context::kPostmaster, Source::kOverride, Action::kSet, true, &err);
}

}  // namespace

bool ProcessConfigFile(const std::string& datadir, bool is_reload, ErrLevel elevel,
                       std::vector<ErrorData>* messages) {
  const Context ctx = is_reload ? Context::kSighup : Context::kPostmaster;
  const std::string conf = datadir + "/postgresql.conf";
  const std::string auto_conf = datadir + "/postgresql.auto.conf";

  // 1. Read everything; any syntax or include error rejects the lot.
  std::vector<ConfigItem> items;
  if (!ParseConfigFile(conf, "", true, 0, elevel, &items, messages) ||
      !ParseConfigFile(auto_conf, "", false, 0, elevel, &items, messages)) {
    Rejected(messages, elevel, conf);
    return false;
  }

  // 2. Names: the last line for a name wins; unknown plain names are errors,
  // unknown dotted names become placeholders when applied.
  for (Param* p : AllParams()) p->in_file = false;
  std::string error_file;
  for (size_t i = 0; i < items.size(); ++i) {
    ConfigItem& item = items[i];
    for (size_t j = 0; j < i; ++j)
      if (!items[j].ignore && strcasecmp(items[j].name.c_str(), item.name.c_str()) == 0)
        items[j].ignore = true;
    if (Param* p = FindParam(item.name)) {
      p->in_file = true;
    } else if (!ValidCustomName(item.name)) {
      Note(messages, elevel, sqlstate::kUndefinedObject,
           "unrecognized configuration parameter \"" + item.name + "\" in file \"" + item.filename +
               "\" line " + std::to_string(item.sourceline));
      if (error_file.empty()) error_file = item.filename;
    }
  }

  // 3. Values: check every one before changing anything (PostgreSQL would
  // apply the valid ones; we keep the whole file set atomic).
  for (const ConfigItem& item : items) {
    if (item.ignore) continue;
    Param* p = FindParam(item.name);
    if (!p) continue;
    ErrorData err;
    Value parsed;
    bool bad = false;
    if (p->def->context == Context::kInternal) {
      err.sqlstate = sqlstate::kCantChangeRuntimeParam;
      err.message = "parameter \"" + std::string(p->def->name) + "\" cannot be changed";
      bad = true;
    } else if (!ParseValue(*p->def, item.value, p->cur.value, &parsed, &err)) {
      bad = true;
    }
    if (bad) {
      err.level = elevel;
      messages->push_back(std::move(err));
      if (error_file.empty()) error_file = item.filename;
    }
  }
  if (!error_file.empty()) {
    Rejected(messages, elevel, error_file);
    return false;
  }

  if (!is_reload) {
    SetOverride("data_directory", datadir);
    SetOverride("config_file", conf);
  }

  // 4. Parameters that came from a file but no longer appear revert to
  // their defaults, except those that need a restart.
  // The file named in "unaffected changes were applied": the first one with
  // a line that could not take effect.
  std::string partial_file;
  for (Param* p : AllParams()) {
    if (p->reset.source != Source::kFile || p->in_file) continue;
    if (p->def->context <= Context::kPostmaster) {
      p->pending_restart = true;
      Note(messages, ErrLevel::kLog, sqlstate::kCantChangeRuntimeParam,
           "parameter \"" + ParamName(*p) + "\" cannot be changed without restarting the server");
      if (partial_file.empty()) partial_file = conf;
      continue;
    }
    p->reset.source = Source::kDefault;
    if (p->cur.source == Source::kFile) p->cur.source = Source::kDefault;
    for (StackEntry& s : p->stack)
      if (s.prior.source == Source::kFile) s.prior.source = Source::kDefault;
    ErrorData err;
    if (SetOption(*p, nullptr, ctx, Source::kDefault, Action::kSet, true, &err) > 0 && is_reload)
      Note(messages, ErrLevel::kLog, sqlstate::kSuccessfulCompletion,
           "parameter \"" + ParamName(*p) + "\" removed from configuration file, reset to default");
    p->cur.sourcefile.clear();
    p->cur.sourceline = 0;
  }

  // 5. Apply the surviving lines in order.
  for (const ConfigItem& item : items) {
    if (item.ignore) continue;
    Param* p = FindParam(item.name);
    if (!p) p = AddPlaceholder(item.name);
    if (!p) continue;
    const std::string before = FormatValue(*p->def, p->cur.value, true);
    ErrorData err;
    const int r = SetOption(*p, &item.value, ctx, Source::kFile, Action::kSet, true, &err,
                            item.filename, item.sourceline);
    if (r > 0) {
      if (is_reload && !UnderPostmaster() && FormatValue(*p->def, p->cur.value, true) != before)
        Note(messages, ErrLevel::kLog, sqlstate::kSuccessfulCompletion,
             "parameter \"" + item.name + "\" changed to \"" + item.value + "\"");
    } else if (r == 0) {
      // Only a postmaster parameter on reload gets here (values were checked).
      err.level = ErrLevel::kLog;
      messages->push_back(std::move(err));
      if (partial_file.empty()) partial_file = item.filename;
    }
  }

  if (!is_reload) {
    // Files the postmaster needs but the configuration did not name.
    for (const char* name : {"hba_file", "ident_file"}) {
      Param* p = FindParam(name);
      if (p && p->cur.source == Source::kDefault)
        SetOverride(name, datadir + (name[0] == 'h' ? "/pg_hba.conf" : "/pg_ident.conf"));
    }
  }
  if (!partial_file.empty())
    Note(messages, ErrLevel::kLog, sqlstate::kConfigFileError,
         "configuration file \"" + partial_file + "\" contains errors; unaffected changes were applied");
  return true;
}

}  // namespace tusk::guc
