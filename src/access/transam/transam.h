// The transaction manager's entry points: 64-bit transaction IDs and OIDs, and
// the shared-memory set-up of everything in access/transam (commit log,
// subtransactions, xid counters, snapshot caches). See README.md here.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace tusk::guc {
struct Vars;
}

namespace tusk::transam {

// Seam 7 of docs/design/storage.md: xids are 64 bits and never wrap.
inline constexpr uint64_t kInvalidXid = 0;
inline constexpr uint64_t kBootstrapXid = 1;
inline constexpr uint64_t kFrozenXid = 2;
inline constexpr uint64_t kFirstNormalXid = 3;

inline bool IsNormalXid(uint64_t xid) { return xid >= kFirstNormalXid; }

// PostgreSQL's FirstNormalObjectId: OIDs below it belong to initdb.
inline constexpr uint32_t kFirstNormalOid = 16384;

// Buffer counts of the two logs (PostgreSQL 15 uses up to 128 for clog, 32 for subtrans).
inline constexpr int kClogBuffers = 128;
inline constexpr int kSubtransBuffers = 32;

struct Sizing {
  std::string data_directory;  // pg_xact and pg_subtrans live under it
  int max_connections = 100;
  int autovacuum_max_workers = 3;
  int max_wal_senders = 10;
  int max_worker_processes = 8;
};
Sizing SizingFrom(const guc::Vars& vars);

size_t ShmemSize(const guc::Vars& vars);
void ShmemInit(const guc::Vars& vars);
// The same, from explicit sizes (tests). proc_array must be initialised first.
size_t ShmemSize(const Sizing& sizing);
void ShmemInit(const Sizing& sizing);

// Start-up, after SetNextXid() from the checkpoint: pg_subtrans is not kept
// across restarts, so its old segments are dropped and the current page zeroed.
void StartUpSubtrans();

// Assigns the next xid. Extends pg_xact and pg_subtrans to cover it, and,
// before the counter moves past it, publishes it as running: a top-level xid in
// the caller's proc slot, a subtransaction's in the caller's subxid cache (and
// its parent in pg_subtrans when `parent` is given). So any snapshot whose xmax
// is beyond the xid sees it running.
uint64_t AssignXid(bool is_subxact, uint64_t parent = kInvalidXid);
uint64_t ReadNextXid();
// Start-up (from the checkpoint) and redo: never moves the counter backwards.
void SetNextXid(uint64_t next_xid);
// Redo saw `xid` in WAL: make sure it is below the next xid.
void AdvanceNextXidPast(uint64_t xid);

// OIDs: from 16384 upwards; after 2^32 - 1 the counter wraps to 16384.
uint32_t GetNewOid();
uint32_t ReadNextOid();
void SetNextOid(uint32_t next_oid);

}  // namespace tusk::transam
