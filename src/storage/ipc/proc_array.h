// The process array: one slot in shared memory per server process (backends,
// auxiliary processes, autovacuum workers, WAL senders). It feeds
// pg_stat_activity, connection limits, and (later) snapshots.
//
// Rules:
//  1. A slot is claimed by its own process with a CAS of pid 0 -> getpid(),
//     and released by that process (pid -> 0) when it exits normally. A process
//     that dies abnormally takes the whole region with it (crash restart).
//  2. Only the owning process writes the activity fields, between two
//     increments of `changecount` (odd while writing). Readers copy the slot and
//     retry until they see the same even changecount before and after.
//  3. Backends claim from [0, max_connections); other kinds from the ranges
//     after it, sized in ShmemSize().
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tusk {

enum class BackendType : int32_t {
  kNone = 0,
  kClientBackend,
  kAutovacuumLauncher,
  kAutovacuumWorker,
  kBackgroundWriter,
  kCheckpointer,
  kWalWriter,
  kStartup,
  kArchiver,
  kStatsCollector,
  kLogger,
  kWalSender,
  kWalReceiver,
  kParallelWorker,
};

// pg_stat_activity.backend_type text ("client backend", "checkpointer", ...).
const char* BackendTypeName(BackendType type);

enum class SessionState : int32_t { kUndefined = 0, kIdle, kRunning, kIdleInTransaction, kIdleInTransactionAborted, kFastpath, kDisabled };
const char* SessionStateName(SessionState state);  // "idle", "active", ...; nullptr for undefined

inline constexpr size_t kQueryTextSize = 1024;  // track_activity_query_size
inline constexpr size_t kNameSize = 64;

struct ProcSlot {
  std::atomic<int32_t> pid;       // 0 = free (rule 1)
  std::atomic<uint32_t> changecount;  // rule 2
  BackendType type;
  SessionState state;
  bool is_superuser;
  uint32_t database_oid;
  uint32_t role_oid;
  int32_t client_port;            // -1: Unix socket; 0: none
  int32_t leader_pid;             // parallel worker: its leader's pid; else 0
  int64_t backend_start_us;       // microseconds since the Unix epoch; 0 = NULL
  int64_t xact_start_us;
  int64_t query_start_us;
  int64_t state_change_us;
  char database[kNameSize];
  char user[kNameSize];
  char application_name[kNameSize];
  char client_addr[48];           // numeric address; empty for Unix socket
  char query[kQueryTextSize];
  // Transaction state for snapshots (storage issue): written by the owner,
  // read by snapshot takers under the transaction manager's lock.
  std::atomic<uint64_t> xid;   // top-level transaction ID; 0 = none assigned
  std::atomic<uint64_t> xmin;  // oldest xid the owner's snapshot may still see as running; 0 = none
  std::atomic<int32_t> writing;  // suspend::WriteScope nesting: a write without an xid is under way
};

// A consistent copy of a slot for readers.
struct ProcSnapshot {
  int32_t pid;
  BackendType type;
  SessionState state;
  bool is_superuser;
  uint32_t database_oid, role_oid;
  int32_t client_port;
  int32_t leader_pid;
  int64_t backend_start_us, xact_start_us, query_start_us, state_change_us;
  uint64_t xid, xmin;
  std::string database, user, application_name, client_addr, query;
};

namespace proc_array {

struct Sizing {
  int max_connections;
  int autovacuum_max_workers;
  int max_wal_senders;
  int max_worker_processes = 0;  // parallel workers
};

// Slots reserved for auxiliary processes (checkpointer, writers, launcher, startup, ...).
inline constexpr int kAuxSlots = 16;
// How many slots a region sized for `sizing` has (known before shared memory exists).
inline int TotalSlotsFor(const Sizing& s) {
  return s.max_connections + s.autovacuum_max_workers + kAuxSlots + s.max_wal_senders + s.max_worker_processes;
}

size_t ShmemSize(const Sizing& sizing);
void ShmemInit(const Sizing& sizing);

// Claims a slot of the kind's range for the calling process; nullptr if none is free.
ProcSlot* ClaimSlot(BackendType type);
// This process's slot (nullptr before ClaimSlot or after Release).
ProcSlot* MySlot();
void ReleaseMySlot();

// Number of free client-backend slots (for superuser_reserved_connections).
int FreeBackendSlots();
// Whether at most n client-backend slots are occupied (stops counting past n).
bool AtMostBackends(int n);

// Writer side of rule 2, for the owning process.
class SlotWriter {
 public:
  explicit SlotWriter(ProcSlot* slot);
  ~SlotWriter();
  SlotWriter(const SlotWriter&) = delete;
  SlotWriter& operator=(const SlotWriter&) = delete;
 private:
  ProcSlot* slot_;
};

void CopyString(char* dst, size_t dst_size, std::string_view src);

// Consistent copies of every occupied slot.
std::vector<ProcSnapshot> SnapshotAll();
std::optional<ProcSnapshot> FindByPid(int32_t pid);

// Index of a slot (0-based) and the slot at an index, for subsystems that keep
// per-process arrays parallel to this one (lock manager, snapshots).
int SlotIndex(const ProcSlot* slot);
ProcSlot* SlotAt(int index);
int TotalSlots();

// Count of live client backends connected to `database` / as `role` (connection limits).
int CountBackendsForDatabase(uint32_t database_oid);
int CountBackendsForRole(uint32_t role_oid);
// Processes in `database_oid` that keep it from being dropped, renamed or
// copied (PostgreSQL's CountOtherDBBackends): client backends and autovacuum
// workers, the caller included. The workers' pids are appended to
// *autovacuum_pids, for the caller to ask them to leave.
int CountDatabaseUsers(uint32_t database_oid, std::vector<int32_t>* autovacuum_pids);

}  // namespace proc_array
}  // namespace tusk
