// Process identity and the settings derived from the configuration.
#include "utils/process_globals.h"

#include <chrono>

#include "utils/guc.h"
#include "utils/log.h"
#include "utils/ps_title.h"

namespace tusk {

ProcessGlobals& Globals() {
  static ProcessGlobals g;
  return g;
}

void ApplyProcessSettings() {
  const guc::Vars& v = guc::V();
  LogSettings& ls = GetLogSettings();
  ls.line_prefix = v.log_line_prefix;
  ls.min_level = static_cast<ErrLevel>(v.log_min_messages);
  SetPsTitleSettings(v.cluster_name, v.update_process_title);
  Globals().conf_load_time_us = std::chrono::duration_cast<std::chrono::microseconds>(
                                    std::chrono::system_clock::now().time_since_epoch())
                                    .count();
}

void ReloadConfigInChild() {
  std::vector<ErrorData> messages;
  guc::ProcessConfigFile(Globals().data_dir, true, ErrLevel::kDebug, &messages);
  ApplyProcessSettings();
}

}  // namespace tusk
