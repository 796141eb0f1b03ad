#include "postmaster/code_copy.h"

#include <sys/mman.h>
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace tusk::postmaster {
namespace {

constexpr uintptr_t kHugePage = uintptr_t{2} << 20;

struct Mapping {
  uintptr_t start = 0;
  uintptr_t end = 0;
  int prot = 0;
  std::string path;
};

std::vector<Mapping> ReadMappings() {
  std::vector<Mapping> out;
  std::ifstream maps("/proc/self/maps");
  std::string line;
  while (std::getline(maps, line)) {
    std::istringstream in(line);
    std::string range, perms, offset, dev;
    unsigned long inode = 0;
    Mapping m;
    if (!(in >> range >> perms >> offset >> dev >> inode) || perms.size() < 4) continue;
    in >> m.path;
    size_t dash = range.find('-');
    m.start = std::stoull(range.substr(0, dash), nullptr, 16);
    m.end = std::stoull(range.substr(dash + 1), nullptr, 16);
    // Only read-only private ones are candidates: writable ones already have
    // anonymous (copied-on-write) pages after relocation.
    bool read_only_private = perms[0] == 'r' && perms[1] == '-' && perms[3] == 'p';
    m.prot = read_only_private ? PROT_READ | (perms[2] == 'x' ? PROT_EXEC : 0) : 0;
    out.push_back(m);
  }
  return out;
}

// Builds the copy at an address congruent to the original modulo 2 MB, so that
// huge pages stay huge when mremap moves them into place. mremap swaps the
// mapping in one step: code running from it (this file) continues in
// identical bytes. `len` may reach past the file's bytes into free address
// space (zeros), so that the last 2 MB page is whole.
void ReplaceWithCopy(const Mapping& m, size_t len) {
  size_t total = len + 2 * kHugePage;
  void* raw = mmap(nullptr, total, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (raw == MAP_FAILED) return;
  uintptr_t base = (reinterpret_cast<uintptr_t>(raw) + kHugePage - 1) & ~(kHugePage - 1);
  auto* copy = reinterpret_cast<char*>(base + (m.start & (kHugePage - 1)));
  madvise(copy, len, MADV_HUGEPAGE);  // a hint: without it, 4 kB pages
  std::memcpy(copy, reinterpret_cast<const void*>(m.start), m.end - m.start);
  if (mprotect(copy, len, m.prot) == 0)
    mremap(copy, len, len, MREMAP_MAYMOVE | MREMAP_FIXED, reinterpret_cast<void*>(m.start));
  munmap(raw, total);  // what is left of it: the moved part is no longer there
}

}  // namespace

void CopyCodeToAnonymousMemory() {
#if defined(__SANITIZE_ADDRESS__)
  return;  // the sanitizer's interceptors and shadow memory expect file-backed code
#else
  if (const char* keep = std::getenv("TUSK_KEEP_FILE_CODE"); keep && *keep && std::strcmp(keep, "0") != 0) return;
  char exe[4096];
  ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
  if (n <= 0) return;
  exe[n] = '\0';
  std::vector<Mapping> maps = ReadMappings();
  for (size_t i = 0; i < maps.size(); ++i) {
    const Mapping& m = maps[i];
    if (m.prot == 0 || m.path != exe) continue;
    uintptr_t end = (m.end + kHugePage - 1) & ~(kHugePage - 1);
    if (i + 1 < maps.size() && maps[i + 1].start < end) end = m.end;
    ReplaceWithCopy(m, end - m.start);
  }
#endif
}

}  // namespace tusk::postmaster
