// Overwrites the argv/environ block so /proc/PID/cmdline shows our title.
// Linux shows bytes past the original argv end when the last argv byte is
// changed from NUL, which is how titles longer than the command line appear.
#include "utils/ps_title.h"

#include <sys/prctl.h>

#include <cstdint>
#include <cstdlib>
#include <cstring>

extern char** environ;

namespace tusk {
namespace {

char* g_area = nullptr;  // start of the original argv block
size_t g_area_size = 0;  // contiguous bytes of argv + environ strings
std::string g_prefix;
bool g_update_title = true;
std::string g_cluster_name;
// Bytes of the title area that may be non-NUL (all of it at first), so a
// shorter title clears only what the previous one wrote.
size_t g_dirty = SIZE_MAX;
char g_comm[16] = {};  // the name last given to prctl

}  // namespace

void SavePsArgs(int argc, char** argv) {
  if (argc <= 0 || argv == nullptr || argv[0] == nullptr) return;
  char* start = argv[0];
  char* end = argv[0] + strlen(argv[0]) + 1;
  for (int i = 1; i < argc; ++i) {
    if (argv[i] == end) end = argv[i] + strlen(argv[i]) + 1;
  }
  int env_count = 0;
  for (char** e = environ; *e != nullptr; ++e) {
    if (*e == end) end = *e + strlen(*e) + 1;
    ++env_count;
  }
  // The environment and the arguments move to the heap; the originals
  // become title space.
  char** new_env = static_cast<char**>(malloc(sizeof(char*) * (env_count + 1)));
  for (int i = 0; i < env_count; ++i) new_env[i] = strdup(environ[i]);
  new_env[env_count] = nullptr;
  environ = new_env;
  for (int i = 0; i < argc; ++i) argv[i] = strdup(argv[i]);
  g_area = start;
  g_area_size = static_cast<size_t>(end - start);
}

void SetPsTitle(std::string_view title) {
  if (g_area == nullptr || g_area_size < 2) return;
  size_t n = title.size() < g_area_size - 1 ? title.size() : g_area_size - 1;
  memcpy(g_area, title.data(), n);
  const size_t dirty = g_dirty < g_area_size ? g_dirty : g_area_size;
  if (dirty > n) memset(g_area + n, 0, dirty - n);
  g_dirty = n;
  // prctl's name is what `top` and `ps -o comm` show (15 bytes); it rarely
  // changes, and a backend retitles itself on every statement.
  char comm[16] = {};
  memcpy(comm, title.data(), title.size() < 15 ? title.size() : 15);
  if (memcmp(comm, g_comm, sizeof comm) != 0) {
    memcpy(g_comm, comm, sizeof comm);
    prctl(PR_SET_NAME, comm, 0, 0, 0);
  }
}

void SetPsTitleSettings(std::string_view cluster_name, bool update_process_title) {
  g_cluster_name.clear();
  for (char c : cluster_name) g_cluster_name += (c >= 0x20 && c <= 0x7E) ? c : '?';
  g_update_title = update_process_title;
}

void InitPsDisplay(std::string_view what) {
  g_prefix = "tusk: ";
  if (!g_cluster_name.empty()) g_prefix += g_cluster_name + ": ";
  g_prefix += what;
  SetPsTitle(g_prefix);
}

void SetPsActivity(std::string_view activity) {
  if (!g_update_title) return;
  static std::string t;  // kept: a backend retitles itself on every statement
  t = g_prefix;
  if (!activity.empty()) {
    t += ' ';
    t += activity;
  }
  SetPsTitle(t);
}

}  // namespace tusk
