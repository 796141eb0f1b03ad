// Process titles as `ps` and /proc/PID/cmdline show them ("tusk: checkpointer
// process"), written over the original argv area like PostgreSQL's ps_status.
#pragma once

#include <string>
#include <string_view>

namespace tusk {

// Call first thing in main(): moves environ out of the way so the argv+environ
// area can hold titles longer than the original command line.
void SavePsArgs(int argc, char** argv);

// Sets the whole title (kept for children's PS titles; the postmaster never calls it).
void SetPsTitle(std::string_view title);

// "tusk: " + (cluster_name ? cluster_name + ": " : "") + what; remembered so
// SetPsActivity can append a state.
void InitPsDisplay(std::string_view what);

// Replaces the part after the InitPsDisplay prefix, e.g. "idle" or "SELECT";
// does nothing when update_process_title is off.
void SetPsActivity(std::string_view activity);

// Cached settings: cluster_name (sanitised to ASCII 0x20..0x7E) and update_process_title.
void SetPsTitleSettings(std::string_view cluster_name, bool update_process_title);

}  // namespace tusk
