// Temporary tables of the session: what happens to them at commit (ON
// COMMIT DELETE ROWS / DROP), when the session ends (all are dropped), and
// the errors for reaching those of other sessions. The schema they live in
// is catalog/temp_namespace.h.
#pragma once

#include <cstdint>
#include <string>

#include "access/heap/heapam.h"
#include "catalog/schema.h"

namespace tusk::backend {

enum class OnCommit : uint8_t { kPreserveRows, kDeleteRows, kDrop };

// CREATE TEMP TABLE ... ON COMMIT: 42P16 unless `temp`; for DELETE ROWS and
// DROP the table is remembered until it goes.
OnCommit ParseOnCommit(const std::string& clause, bool temp);
void RegisterOnCommit(uint32_t relid, OnCommit action);

// Just before the commit, in the committing transaction: ON COMMIT DROP
// tables are dropped and DELETE ROWS ones emptied as TRUNCATE empties them.
void TempTablesPreCommit();
// After the commit or abort: forgets tables the transaction dropped or
// whose creation it rolled back.
void TempTablesAtEndOfTransaction(bool committed);

// Session end, no transaction open: drops every temporary relation of the
// session, files included, in a transaction of its own. Errors are logged
// (a backend that cannot clean up leaves the work to the next backend of
// its number).
void RemoveTempTablesAtExit();

// DISCARD TEMP / DISCARD ALL: drops them in the session's transaction.
void DropAllTempRelations();

// Whether a view's query reads a temporary relation, directly or through
// another view: PostgreSQL makes such a view temporary.
bool ReadsTempRelation(const std::string& query_sql);

// 0A000 "cannot WHAT temporary tables of other sessions" if `rel` is one.
void CheckNotOtherTemp(const catalog::ClassRow& rel, const char* what);

// TRUNCATE's work on one table (session_ddl.cc): new, empty files for the
// table, its toast table and their indexes, the old ones unlinked at commit.
void TruncateRelationStorage(const catalog::ClassRow& rel, heap::XactContext& x);

}  // namespace tusk::backend
