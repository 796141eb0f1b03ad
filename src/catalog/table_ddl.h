// Table and index DDL on the stored catalogs, beyond CreateTable
// (catalog.h): reading a table's whole description, indexes and constraints
// as catalog rows, DROP, TRUNCATE (a new relfilenode), and the files to
// unlink when the transaction ends. All rows are written in the caller's
// transaction, so an abort takes them back.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "access/heap/heapam.h"
#include "catalog/schema.h"

namespace tusk::catalog {

inline constexpr uint32_t kBtreeAmOid = 403;

struct IndexInfo {
  ClassRow cls;
  IndexRow index;
  std::vector<int16_t> attnums;  // key columns
  std::vector<int16_t> options;  // per key column: pg_index.indoption bits (1 DESC, 2 NULLS FIRST)
};

struct TableInfo {
  ClassRow cls;
  std::optional<ClassRow> toast, toast_index;  // pg_class.reltoastrelid and its index
  std::vector<AttributeRow> attrs;         // user columns, attnum order
  std::vector<AttributeRow> physical;      // every attnum >= 1, dropped ones too
  std::map<int16_t, std::string> defaults; // attnum -> DEFAULT expression text
  std::vector<IndexInfo> indexes;
  std::vector<ConstraintRow> constraints;
};

// The namespaces of search_path that exist, in order, with pg_catalog first
// unless listed (implicit_catalog), as PostgreSQL searches them.
std::vector<uint32_t> SearchPath(const transam::Snapshot& snapshot, const transam::CurrentXact& me,
                                 bool implicit_catalog = true);
// Search path resolution: an explicit schema, else search_path's namespaces.
std::optional<ClassRow> ResolveRelation(const std::string& schema, const std::string& name,
                                        const transam::Snapshot& snapshot, const transam::CurrentXact& me);
std::optional<TableInfo> LoadTable(uint32_t relid, const transam::Snapshot& snapshot, const transam::CurrentXact& me);
// Namespace OID for CREATE: the explicit schema, else the first of
// search_path that exists; 3F000 if there is none.
uint32_t CreationNamespace(const std::string& schema, const transam::Snapshot& snapshot,
                           const transam::CurrentXact& me);

// A fresh OID for a relation file in the current database.
uint32_t NewRelationOid();

// pg_class (relkind 'i') and pg_index rows of a new B-tree index whose file
// the caller creates; marks the table relhasindex. Returns the index OID.
uint32_t CreateIndexRows(const ClassRow& table, const std::string& name, const std::vector<int16_t>& attnums,
                         const std::vector<int16_t>& options, bool unique, bool primary, heap::XactContext& xact);
// pg_class.reloptions, e.g. "{fillfactor=80}".
void SetRelOptions(uint32_t relid, const std::string& options, heap::XactContext& xact);
void AddConstraint(ConstraintRow row, heap::XactContext& xact);
void DropConstraint(uint32_t relid, const std::string& name, heap::XactContext& xact);
// Replaces the column's default (none when expr_sql is empty); the old
// default's pg_depend rows go with it. Returns the new pg_attrdef OID (0: none).
uint32_t AddDefault(uint32_t relid, int16_t attnum, const std::string& expr_sql, heap::XactContext& xact);

// ---- sequences and their dependencies ----
// CREATE SEQUENCE's rows: pg_class (relkind 'S'), its row type, the
// attributes last_value, log_cnt and is_called, the (empty) file, and the
// pg_sequence row `params` (seqrelid is filled in). The caller writes the
// page (access/sequence). Returns the sequence's OID.
uint32_t CreateSequenceRows(uint32_t namespace_oid, const std::string& name, SequenceRow params,
                            heap::XactContext& xact);
std::optional<SequenceRow> LookupSequence(uint32_t relid, const transam::Snapshot& snapshot,
                                          const transam::CurrentXact& me);
void UpdateSequenceRow(const SequenceRow& row, heap::XactContext& xact);
void AddDependency(const DependRow& row, heap::XactContext& xact);
void DeleteDependencies(const std::function<bool(const DependRow&)>& match, heap::XactContext& xact);
std::vector<DependRow> FindDependencies(const std::function<bool(const DependRow&)>& match,
                                        const transam::Snapshot& snapshot, const transam::CurrentXact& me);
// The sequences owned by a table's column (pg_depend 'a' or 'i' on the
// column; attnum 0 = any column), in OID order.
std::vector<uint32_t> OwnedSequences(uint32_t relid, int16_t attnum, const transam::Snapshot& snapshot,
                                     const transam::CurrentXact& me);

// Changes one pg_class / pg_attribute row in place (an MVCC update); 42703
// style errors are the caller's. False if the row is not there.
bool UpdateClassRow(uint32_t relid, const std::function<void(ClassRow&)>& change, heap::XactContext& xact);
bool UpdateAttributeRow(uint32_t relid, int16_t attnum, const std::function<void(AttributeRow&)>& change,
                        heap::XactContext& xact);
// ALTER TABLE ADD COLUMN: the new attribute (attnum = highest + 1). Returns its attnum.
int16_t AddColumn(uint32_t relid, const std::string& name, uint32_t type_oid, int32_t typmod, bool not_null,
                  heap::XactContext& xact);

// CREATE VIEW: pg_class (relkind 'v', no file), its row type, pg_attribute
// and the pg_rewrite "_RETURN" rule holding the query text.
uint32_t CreateViewRows(uint32_t namespace_oid, const std::string& name,
                        const std::vector<std::pair<std::string, std::pair<uint32_t, int32_t>>>& columns,
                        const std::string& query_sql, heap::XactContext& xact);

// PostgreSQL's needs_toast_table: some column is variable-width without a
// bound (or the bounded widths add up to more than a toasted row may keep).
bool NeedsToastTable(const std::vector<AttributeRow>& attrs);
// pg_toast.pg_toast_<table oid> (relkind 't'), its attributes and its unique
// index pg_toast_<table oid>_index on (chunk_id, chunk_seq), their files, and
// the table's reltoastrelid. The table's row must be visible to the command.
uint32_t CreateToastTable(const ClassRow& table, heap::XactContext& xact);

// DROP TABLE / DROP INDEX / DROP SEQUENCE: deletes every catalog row of the
// relation (and of a table's indexes, constraints, toast table and owned
// sequences, and pg_depend rows naming it); its files go at commit.
void DropRelation(uint32_t relid, heap::XactContext& xact);
// TRUNCATE: gives the relation a new, empty file (pg_class.relfilenode);
// the old one goes at commit, the new one at abort. Returns the new number.
uint32_t SetNewRelfilenode(uint32_t relid, heap::XactContext& xact);

// End of the top-level transaction: unlinks dropped files (commit) or
// files created by it (abort), beside AtEndOfTransaction.
void AtEndOfTransactionDdl(bool committed);

}  // namespace tusk::catalog
