// The session's schema for temporary relations, PostgreSQL's pg_temp_N
// (and pg_toast_temp_N for their toast tables), N being this backend's
// process-array slot + 1, so unique among live backends. It is created as a
// pg_namespace row the first time the session needs it and never dropped;
// a later backend with the same N empties it first. Which relations are
// temporary, and what happens to them at commit or at session end, is the
// backend's business (backend/session_temp.cc).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "access/heap/heapam.h"
#include "catalog/schema.h"

namespace tusk::catalog {

// This backend's pg_temp_N / pg_toast_temp_N, 0 until the session has
// created (or emptied) it in a transaction that is still running or has
// committed; a transaction or savepoint that made it and rolled back takes
// it away again.
uint32_t MyTempNamespace();
uint32_t MyTempToastNamespace();

// pg_temp_N / pg_toast_temp_N: names PostgreSQL keeps for temporary schemas.
bool IsTempNamespaceName(const std::string& name);
// A temporary relation of another session (or left behind by a crash).
bool IsOtherTempRelation(const ClassRow& rel);

// MyTempNamespace(), making it first if needed in `xact`: inserts the
// pg_namespace rows, or drops what an earlier backend with the same number
// left in them. The caller's next command sees it.
uint32_t InitTempNamespace(heap::XactContext& xact);

// End of the top-level transaction: a namespace made or emptied by a
// transaction that aborted is forgotten (its rows are gone).
void AtEndOfTransactionTempNamespace(bool committed);

// Drops every relation in the namespace (tables with their indexes and
// toast tables, views) in `xact`, taking an AccessExclusiveLock on each.
void RemoveTempRelations(uint32_t namespace_oid, heap::XactContext& xact);

// Temporary tables nobody will drop: in a pg_temp_N whose backend slot
// is free, so a backend that crashed left them (PostgreSQL's autovacuum
// drops such orphans too). DropOrphanTempTable drops one in the caller's
// transaction, after its lock and a fresh look; false if it is no orphan now.
std::vector<ClassRow> OrphanTempTables(const transam::Snapshot& snapshot, const transam::CurrentXact& me);
bool DropOrphanTempTable(uint32_t relid, heap::XactContext& xact, std::string* schema);

// The namespace a CREATE names its relation in (`schema` as written, empty
// if unqualified), with PostgreSQL's rules for temporary relations: TEMP
// goes to pg_temp (42P16 for an explicit other schema), pg_temp or the own
// pg_temp_N makes a relation temporary, another session's is 42P16.
// *temp tells which it became. Makes the temp namespace if needed.
uint32_t CreationNamespaceFor(const std::string& schema, bool temp, heap::XactContext& xact, bool* made_temp);

}  // namespace tusk::catalog
