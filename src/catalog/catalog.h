// Reading and writing the stored catalogs: lookups by name or OID under the
// caller's MVCC snapshot, and CREATE TABLE's catalog rows inside the caller's
// transaction. Lookups scan the heap; the catalog indexes come next.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "access/heap/heapam.h"
#include "catalog/schema.h"

namespace tusk::catalog {

// The database whose local catalogs (pg_class, pg_attribute, ...) this
// process reads: the backend sets it once connected; bootstrap uses template1.
void SetCurrentDatabase(uint32_t db_oid);
uint32_t CurrentDatabase();
// The role new relations belong to (PostgreSQL's GetUserId()): the
// session's user; the bootstrap superuser outside sessions.
void SetCurrentUser(uint32_t role_oid, const std::string& name);
uint32_t CurrentUser();
const std::string& CurrentUserName();  // search_path's "$user"; empty outside sessions

// The heap a catalog lives in: global/OID for shared ones, base/DB/OID otherwise.
heap::Relation CatalogRelation(uint32_t catalog_oid, uint32_t db_oid = CurrentDatabase());

// The xact layer's current transaction as the heap wants it (assigns an xid):
// for callers that drive transactions with xact::StartTransaction.
heap::XactContext CurrentXactContext();

// Every visible row of a catalog that `keep` accepts (all when it is empty).
// `me` lets a transaction see its own uncommitted catalog changes.
template <class Row>
std::vector<Row> ScanCatalog(const transam::Snapshot& snapshot, const transam::CurrentXact& me,
                             const std::function<bool(const Row&)>& keep = {},
                             uint32_t db_oid = CurrentDatabase());
// Inserts one catalog row in the caller's transaction.
template <class Row>
heap::ItemPointer InsertCatalogRow(const Row& row, heap::XactContext& xact, uint32_t db_oid = CurrentDatabase());

// ---- lookups (heap scans under the caller's snapshot) ----
std::optional<ClassRow> LookupRelation(uint32_t namespace_oid, const std::string& name,
                                       const transam::Snapshot& snapshot, const transam::CurrentXact& me = {});
std::optional<ClassRow> LookupRelationByOid(uint32_t relid, const transam::Snapshot& snapshot,
                                            const transam::CurrentXact& me = {});
// User columns (attnum > 0), dropped ones included, in attnum order.
std::vector<AttributeRow> RelationPhysicalAttributes(uint32_t relid, const transam::Snapshot& snapshot,
                                                     const transam::CurrentXact& me = {});
// User columns (attnum > 0, not dropped) in attnum order.
std::vector<AttributeRow> RelationAttributes(uint32_t relid, const transam::Snapshot& snapshot,
                                             const transam::CurrentXact& me = {});
std::optional<NamespaceRow> LookupNamespace(const std::string& name, const transam::Snapshot& snapshot,
                                            const transam::CurrentXact& me = {});
std::optional<TypeRow> LookupType(uint32_t type_oid, const transam::Snapshot& snapshot,
                                  const transam::CurrentXact& me = {});
// Shared catalogs: the same answer from every database.
std::optional<DatabaseRow> LookupDatabase(const std::string& name, const transam::Snapshot& snapshot,
                                          const transam::CurrentXact& me = {});
std::optional<AuthIdRow> LookupRole(const std::string& name, const transam::Snapshot& snapshot,
                                    const transam::CurrentXact& me = {});
std::optional<AuthIdRow> LookupRoleByOid(uint32_t oid, const transam::Snapshot& snapshot,
                                         const transam::CurrentXact& me = {});
std::optional<DatabaseRow> LookupDatabaseByOid(uint32_t oid, const transam::Snapshot& snapshot,
                                               const transam::CurrentXact& me = {});

// ---- changing rows of the shared catalogs (pg_authid, pg_database, pg_db_role_setting) ----
// A row and where it is stored, for updating or deleting it.
template <class Row>
struct CatalogTuple {
  Row row;
  heap::ItemPointer tid;
};
// Every visible row that `keep` accepts, with its location. The shared catalogs' rows only.
template <class Row>
std::vector<CatalogTuple<Row>> ScanCatalogTuples(const transam::Snapshot& snapshot, const transam::CurrentXact& me,
                                                 const std::function<bool(const Row&)>& keep = {},
                                                 uint32_t db_oid = CurrentDatabase());
// Replace / delete the row at `tid` in the caller's transaction (PostgreSQL's
// CatalogTupleUpdate/Delete). XX000 `tuple concurrently updated` if another
// transaction changed it first. The shared catalogs' rows only.
template <class Row>
heap::ItemPointer UpdateCatalogRow(heap::ItemPointer tid, const Row& row, heap::XactContext& xact,
                                   uint32_t db_oid = CurrentDatabase());
template <class Row>
void DeleteCatalogRow(heap::ItemPointer tid, heap::XactContext& xact, uint32_t db_oid = CurrentDatabase());

// CurrentXactContext() with a fresh snapshot instead of the transaction's:
// what DDL on shared objects reads under (PostgreSQL's catalog snapshot), so
// a REPEATABLE READ transaction still sees the roles and databases committed
// since it began, and a writer that waited on a lock sees what its
// predecessor committed.
heap::XactContext CatalogXactContext();

// A new OID from the WAL-logged counter (wal::NewLoggedOid) for which
// `in_use` is false: the caller checks its catalog (and files) for a clash,
// as PostgreSQL's GetNewOidWithIndex checks the OID index.
uint32_t NewObjectOid(const std::function<bool(uint32_t)>& in_use);

// ---- DDL ----
struct ColumnSpec {
  std::string name;
  uint32_t type_oid = 0;
  int32_t typmod = -1;
  bool not_null = false;
  char identity = '\0';  // pg_attribute.attidentity: 'a' ALWAYS, 'd' BY DEFAULT
  int32_t ndims = 0;  // pg_attribute.attndims: the []s written, informational only
};

// CREATE TABLE: a new OID, the heap's file, its pg_class, pg_type (row type)
// and pg_attribute rows, all in `xact` so an abort takes them back. Throws
// 42P07 if the name is taken in the namespace, 42704 for an unknown type,
// 42701 for a repeated column name. The rows carry xact.cid: as for any
// command, the caller advances the command counter before reading them back.
// Returns the relation's OID.
// `relkind` 'S' makes a sequence's relation (no access method).
uint32_t CreateTable(uint32_t namespace_oid, const std::string& name, const std::vector<ColumnSpec>& columns,
                     heap::XactContext& xact, char relkind = 'r');

// End of the top-level transaction, after commit or abort: on abort, unlinks
// the files of relations this transaction created and forgets their relation
// cache entries (the catalog rows vanish by MVCC on their own). Until xact
// calls it, an aborted CREATE TABLE leaves only an empty, unreferenced file.
void AtEndOfTransaction(bool committed);

}  // namespace tusk::catalog
