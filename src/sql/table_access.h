// Stored tables as the engine sees them: the columns, indexes and checks of a
// relation and the row operations the executor needs. The backend implements
// it over the catalog, the heap and the B-tree (backend/stored_table.cc), so
// the engine never touches storage directly. Rows are Datums in column order;
// every operation works in the session's current transaction and command.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "sql/types/datum.h"

namespace tusk::sql {

using Row = std::vector<Datum>;

struct TupleId {
  uint32_t block = 0;
  uint16_t offset = 0;
};

inline int64_t PackTupleId(TupleId t) { return (static_cast<int64_t>(t.block) << 16) | t.offset; }
inline TupleId UnpackTupleId(int64_t v) {
  return {static_cast<uint32_t>(v >> 16), static_cast<uint16_t>(v & 0xFFFF)};
}

struct StoredColumn {
  std::string name;
  uint32_t type = 0;
  int32_t typmod = -1;
  bool not_null = false;
  int16_t attnum = 0;
  std::string default_sql;  // DEFAULT expression as SQL text; empty: none
  char identity = '\0';      // identity column: 'a' GENERATED ALWAYS, 'd' BY DEFAULT
};

struct StoredIndex {
  uint32_t oid = 0;
  std::string name;
  bool unique = false;
  bool primary = false;
  std::vector<int> columns;  // positions in StoredTable::columns
  std::vector<bool> descending, nulls_first;  // per column, as created
};

struct StoredCheck {
  std::string name;
  std::string expr_sql;
};

class RowScan {
 public:
  virtual ~RowScan() = default;
  // Overwrites `row` with the next visible row. False at the end.
  virtual bool Next(Row& row, TupleId* tid) = 0;
  // Only the columns marked here are read from now on (null: all); the
  // others may be left null. The vector outlives the scan.
  virtual void SetNeeded(const std::vector<bool>* needed) { (void)needed; }
};

// Index conditions on a prefix of the index's columns: equality on the first
// `eq.size()` columns, then an optional range on the next one.
struct IndexCondition {
  std::vector<Datum> eq;
  bool has_lower = false, lower_inclusive = true;
  bool has_upper = false, upper_inclusive = true;
  Datum lower, upper;
  bool backward = false;
};

enum class ModifyResult {
  kOk,
  kUpdated,       // a concurrent committed update: *newer is the next version
  kDeleted,       // a concurrent committed delete
  kSelfModified,  // already changed by this statement
};

enum class RowLock { kKeyShare, kShare, kNoKeyUpdate, kUpdate };
enum class RowLockWait { kBlock, kNoWait, kSkipLocked };

class StoredTable {
 public:
  virtual ~StoredTable() = default;
  uint32_t oid = 0;
  std::string name;
  std::string schema;
  std::vector<StoredColumn> columns;
  std::vector<StoredIndex> indexes;
  std::vector<StoredCheck> checks;
  bool is_catalog = false;
  bool temp = false;  // a temporary table: writable in read-only transactions, as in PostgreSQL
  char relkind = 'r';  // pg_class.relkind: 'r' table, 'S' sequence (read-only to SQL)
  uint32_t owner = 0;  // pg_class.relowner and relacl, for privilege checks
  std::optional<std::string> acl;

  virtual std::unique_ptr<RowScan> Scan() = 0;
  // Parallel scans: the table's size in blocks now, and a scan of the
  // blocks next_block hands out (false: none left). ScanBlocks takes no
  // lock: the leader's LockForRead covers the workers too, since they end
  // before its query does (a worker queueing for a lock behind a waiting
  // DROP that waits for the leader would never wake).
  virtual uint32_t NumBlocks() { return 0; }
  virtual std::unique_ptr<RowScan> ScanBlocks(std::function<bool(uint32_t*)> next_block) {
    (void)next_block;
    return nullptr;
  }
  virtual std::unique_ptr<RowScan> ScanIndex(const StoredIndex& index, const IndexCondition& cond) = 0;
  // Inserts and maintains the indexes; 23505 on a unique violation. With
  // `arbiters` (ON CONFLICT), first looks for a live row holding the same key
  // in one of those unique indexes (all unique ones when empty): if there is
  // one, stores nothing, sets *conflict and returns false.
  virtual bool Insert(const Row& row, const std::vector<uint32_t>* arbiters, TupleId* conflict) = 0;
  virtual ModifyResult Update(TupleId tid, const Row& row, TupleId* newer) = 0;
  virtual ModifyResult Delete(TupleId tid, TupleId* newer) = 0;
  virtual ModifyResult Lock(TupleId tid, RowLock mode, RowLockWait wait, TupleId* newer) = 0;
  // READ COMMITTED re-check: the newest committed version at or after tid;
  // false if the row was deleted.
  virtual bool FetchLatest(TupleId tid, Row& row, TupleId* at) = 0;
  // Takes the table lock a command needs (AccessShare / RowExclusive ...).
  virtual void LockForRead() = 0;
  virtual void LockForWrite(const char* command) = 0;
  // SELECT FOR UPDATE/SHARE: RowShareLock; refused in read-only transactions.
  virtual void LockForRowMarks(const char* command) = 0;

  // Bulk insertion (COPY FROM), for tables where BuffersInserts() is true:
  // InsertBuffered checks and encodes the row like Insert (its own errors
  // are the row's) but may hold it back; it returns true once the caller
  // should call FlushInserts, which writes the held rows a page at a time
  // and then their index entries in row order. When a held row fails there
  // (23505), *failed is its position among the held rows. Held rows are
  // dropped when FlushInserts returns or throws. At most kMaxHeldRows.
  static constexpr size_t kMaxHeldRows = 1000;
  // COPY FREEZE, whose storage is new in the current subtransaction: the
  // rows FlushInserts writes are frozen. Set only for one COPY's duration.
  bool freeze_inserts = false;
  virtual bool BuffersInserts() const { return false; }
  virtual bool InsertBuffered(const Row& row) {
    TupleId unused;
    Insert(row, nullptr, &unused);
    return false;
  }
  virtual void FlushInserts(size_t* failed) { (void)failed; }
};

}  // namespace tusk::sql
