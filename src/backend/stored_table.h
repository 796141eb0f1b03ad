// The backend's side of sql::StoredTable: a table's description read from
// the catalog, and its rows read and written through the heap and kept in
// its B-tree indexes, in the session's transaction. Descriptions are cached
// per process until the shared catalog version moves (storage/ipc/sinval).
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "access/btree/btree.h"
#include "sql/session_context.h"
#include "sql/table_access.h"

namespace tusk::backend {

// B-tree key order for stored values of the given column types.
class StoredKeyComparator : public btree::KeyComparator {
 public:
  explicit StoredKeyComparator(std::vector<uint32_t> types) : types_(std::move(types)) {}
  int Compare(int key_no, std::string_view a, std::string_view b) const override;
  bool SortImage(int key_no, std::string_view v, uint64_t* out) const override;

 private:
  std::vector<uint32_t> types_;
};

// CREATE INDEX: every row visible now, as the key of the given columns
// (positions in t.columns) and its tid, without decoding the other columns.
void ScanIndexKeys(sql::StoredTable& t, const std::vector<int>& columns,
                   const std::function<void(const btree::KeyValues&, ItemPointer)>& emit);

// nullptr if no such table (or catalog) is visible.
std::shared_ptr<sql::StoredTable> OpenStoredTable(const std::string& schema, const std::string& name);
std::shared_ptr<sql::StoredTable> OpenStoredTableByOid(uint32_t relid);
// A view's parsed query and column names; nullptr if no such view.
std::shared_ptr<const sql::ViewDef> OpenView(const std::string& schema, const std::string& name);

// VACUUM and/or ANALYZE of one table: dead rows and their index entries go
// (vacuum); live rows are counted (analyze). The caller updates pg_class.
struct VacuumResult {
  bool found = false;  // false: no such table (dropped since), nothing done
  uint64_t pages = 0, tuples = 0, removed = 0;
  // VACUUM's details, for autovacuum's log lines.
  uint64_t pages_removed = 0, pages_scanned = 0, recently_dead = 0;
  int index_scans = 0;
};
VacuumResult VacuumStoredTable(uint32_t relid, bool vacuum, bool analyze, bool autovacuum = false);

// Start of each statement: drops cached descriptions if any catalog changed.
void StoredTablesAtStatementStart();
// Only the dropping part, for a check between statements (Bind re-planning
// a prepared statement) that must not start a new statement.
void StoredTablesRefresh();
// This process changed catalog rows in its transaction: its own cache must
// not outlive the change, and others learn of it when the transaction ends.
void StoredTablesCatalogWritten();
// Names the current generation of the cached descriptions: anything built
// from them (a cached plan) is valid while this stays the same. 0 while this
// transaction has written catalog rows: nothing built then may be kept.
uint64_t StoredTablesEpoch();
// Transaction end: publishes catalog changes made by it.
void StoredTablesAtTransactionEnd();

// CREATE TABLE and TRUNCATE give a table a new file in the current
// (sub)transaction; COPY FREEZE is allowed only then (PostgreSQL's rule).
void NoteNewRelfilenode(uint32_t relid);
bool HasNewRelfilenodeInCurrentSubtransaction(uint32_t relid);

}  // namespace tusk::backend
