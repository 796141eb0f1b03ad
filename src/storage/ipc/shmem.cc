// Anonymous shared mapping plus a bump allocator.
#include "storage/ipc/shmem.h"

#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/shm.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <sstream>
#include <string>

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

namespace {
int g_interlock_id = -1;
}  // namespace

void CreateInterlock() {
  if (g_interlock_id >= 0) return;  // kept across crash reinitialisation
  int id = shmget(IPC_PRIVATE, sizeof(int), IPC_CREAT | 0600);
  if (id < 0) {
    throw MakeFatal(sqlstate::kOutOfMemory, "could not create shared memory segment: " + std::string(strerror(errno)),
                    "Failed system call was shmget(key=0, size=" + std::to_string(sizeof(int)) + ", 03600).");
  }
  void* p = shmat(id, nullptr, 0);
  // Marked for removal at once: it lives exactly as long as someone is attached.
  shmctl(id, IPC_RMID, nullptr);
  if (p == reinterpret_cast<void*>(-1)) {
    throw MakeFatal(sqlstate::kOutOfMemory, "could not attach shared memory segment: " + std::string(strerror(errno)));
  }
  g_interlock_id = id;
}

std::string LockFileShmemLine() {
  char buf[64];
  snprintf(buf, sizeof buf, "%9lu %9d", RegionKey(), g_interlock_id);
  return buf;
}

void CheckOldInterlock(const std::string& lock_line, long old_postmaster_pid, const std::string& datadir) {
  std::istringstream in(lock_line);
  unsigned long key = 0;
  long id = -1;
  if (!(in >> key >> id) || id < 0) return;
  struct shmid_ds ds;
  if (shmctl(static_cast<int>(id), IPC_STAT, &ds) != 0) return;  // gone
  if (ds.shm_cpid != old_postmaster_pid || ds.shm_nattch == 0) return;  // someone else's, or unused
  throw MakeFatal(sqlstate::kLockFileExists,
                  "pre-existing shared memory block (key " + std::to_string(key) + ", ID " + std::to_string(id) +
                      ") is still in use",
                  "",
                  "Terminate any old server processes associated with data directory \"" + datadir + "\".");
}

unsigned long RegionKey() { return static_cast<unsigned long>(getpid()) * 1000 + g_generation; }

}  // namespace tusk::shmem
