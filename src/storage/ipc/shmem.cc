// Anonymous shared mapping plus a bump allocator.
#include "storage/ipc/shmem.h"

#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "utils/error.h"

namespace tusk::shmem {
namespace {

char* g_base = nullptr;
size_t g_size = 0;
size_t g_used = 0;
unsigned long g_generation = 0;

constexpr size_t kAlign = 64;

}  // namespace

size_t AlignedSize(size_t size) { return (size + kAlign - 1) & ~(kAlign - 1); }

void CreateRegion(size_t size) {
  DestroyRegion();
  long page = sysconf(_SC_PAGESIZE);
  size = (size + page - 1) / page * page;
  void* p = mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) {
    throw MakeFatal(sqlstate::kOutOfMemory,
                    "could not map anonymous shared memory: " + std::string(strerror(errno)),
                    "Failed system call was mmap(0x0, " + std::to_string(size) + ").");
  }
  g_base = static_cast<char*>(p);
  g_size = size;
  g_used = 0;
  ++g_generation;
}

void DestroyRegion() {
  if (g_base != nullptr) munmap(g_base, g_size);
  g_base = nullptr;
  g_size = g_used = 0;
}

void* Alloc(size_t size) {
  size = AlignedSize(size);
  if (g_base == nullptr || g_used + size > g_size) {
    throw MakeFatal(sqlstate::kOutOfMemory, "out of shared memory");
  }
  void* p = g_base + g_used;
  g_used += size;
  return p;  // mmap'd anonymous memory is already zero
}

unsigned long RegionKey() { return static_cast<unsigned long>(getpid()) * 1000 + g_generation; }

}  // namespace tusk::shmem
