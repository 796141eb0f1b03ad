// Temporary tables of the session (see session_temp.h): ON COMMIT actions,
// the drop at session end, and the 0A000 for other sessions' ones.
#include "backend/session_temp.h"

#include <algorithm>
#include <vector>

#include "access/transam/xact.h"
#include "backend/session.h"
#include "backend/stored_table.h"
#include "catalog/catalog.h"
#include "catalog/table_ddl.h"
#include "catalog/temp_namespace.h"
#include "sql/engine.h"
#include "storage/buffer/buffer.h"
#include "storage/lmgr/lock.h"
#include "utils/error.h"
#include "utils/log.h"

namespace tusk::backend {
namespace {

struct OnCommitItem {
  uint32_t relid;
  OnCommit action;
  bool new_in_xact;  // created by the running transaction: its abort forgets it
};
std::vector<OnCommitItem> g_on_commit;
// Set by TempTablesPreCommit: the items still there after its work, which
// become the list if the commit succeeds.
std::vector<OnCommitItem> g_survivors;
bool g_precommit_ran = false;

heap::XactContext NextCommand() {
  xact::CommandCounterIncrement();
  heap::XactContext x = catalog::CurrentXactContext();
  x.cid = xact::CurrentCommandId();
  return x;
}

}  // namespace

OnCommit ParseOnCommit(const std::string& clause, bool temp) {
  if (clause.empty()) return OnCommit::kPreserveRows;
  if (!temp) throw MakeError("42P16", "ON COMMIT can only be used on temporary tables");
  if (clause == "drop") return OnCommit::kDrop;
  if (clause == "delete rows") return OnCommit::kDeleteRows;
  return OnCommit::kPreserveRows;
}

void RegisterOnCommit(uint32_t relid, OnCommit action) {
  if (action == OnCommit::kPreserveRows) return;
  g_on_commit.push_back({relid, action, true});
}

void TempTablesPreCommit() {
  g_survivors.clear();
  g_precommit_ran = false;
  if (g_on_commit.empty()) return;
  heap::XactContext x = NextCommand();
  for (const OnCommitItem& item : g_on_commit) {
    // Gone already: dropped by this transaction, or made by a savepoint that rolled back.
    auto cls = catalog::LookupRelationByOid(item.relid, x.snapshot, x.Me());
    if (!cls) continue;
    if (item.action == OnCommit::kDrop) {
      lmgr::Acquire(lmgr::LockTag::Relation(catalog::CurrentDatabase(), cls->oid), lmgr::LockMode::kAccessExclusive,
                    false);
      catalog::DropRelation(cls->oid, x);
      StoredTablesCatalogWritten();
      x = NextCommand();
      continue;
    }
    g_survivors.push_back({item.relid, item.action, false});
    // A table without pages holds no rows: nothing to write, so a
    // transaction that did not touch it changes no catalog row.
    const smgr::RelFileLocator loc{smgr::kDefaultTablespace, catalog::CurrentDatabase(), cls->relfilenode};
    if (buffer::RelationNumBlocks(loc, smgr::Fork::kMain) == 0) continue;
    lmgr::Acquire(lmgr::LockTag::Relation(catalog::CurrentDatabase(), cls->oid), lmgr::LockMode::kAccessExclusive,
                  false);
    TruncateRelationStorage(*cls, x);
    StoredTablesCatalogWritten();
    x = NextCommand();
  }
  g_precommit_ran = true;
}

void TempTablesAtEndOfTransaction(bool committed) {
  catalog::AtEndOfTransactionTempNamespace(committed);
  if (committed && g_precommit_ran) {
    g_on_commit.swap(g_survivors);
  } else if (committed) {
    for (OnCommitItem& item : g_on_commit) item.new_in_xact = false;
  } else {
    std::erase_if(g_on_commit, [](const OnCommitItem& i) { return i.new_in_xact; });
  }
  g_survivors.clear();
  g_precommit_ran = false;
}

void DropAllTempRelations() {
  const uint32_t nsp = catalog::MyTempNamespace();
  if (!nsp) return;
  heap::XactContext x = NextCommand();
  catalog::RemoveTempRelations(nsp, x);
  catalog::RemoveTempRelations(catalog::MyTempToastNamespace(), x);
  StoredTablesCatalogWritten();
}

void RemoveTempTablesAtExit() {
  if (!catalog::MyTempNamespace()) return;
  try {
    xact::StartTransaction(xact::Isolation::kReadCommitted, false);
    xact::StartCommand();
    DropAllTempRelations();
    xact::Commit();
    catalog::AtEndOfTransaction(true);
    catalog::AtEndOfTransactionDdl(true);  // the files go now
    StoredTablesAtTransactionEnd();
  } catch (const PgError& e) {
    ErrorData d = e.data();
    d.level = ErrLevel::kWarning;
    d.message = "could not remove temporary tables at session end: " + d.message;
    LogEntry(d);
    if (xact::IsInTransaction()) {
      xact::Abort();
      catalog::AtEndOfTransaction(false);
      catalog::AtEndOfTransactionDdl(false);
      StoredTablesAtTransactionEnd();
    }
  }
  lmgr::ReleaseAll(false);
  g_on_commit.clear();
}

bool ReadsTempRelation(const std::string& query_sql) {
  auto stmts = sql::ParseQuery(query_sql);
  if (stmts.size() != 1 || stmts[0]->kind() != sql::StmtKind::kSelect) return false;
  const transam::Snapshot& snap = xact::GetTransactionSnapshot();
  const transam::CurrentXact me = xact::CurrentXactForVisibility();
  for (const auto& [schema, name] : sql::ReferencedRelations(stmts[0]->select())) {
    auto cls = catalog::ResolveRelation(schema, name, snap, me);
    if (cls && cls->relpersistence == 't') return true;  // a temporary view is 't' too
  }
  return false;
}

uint32_t Session::MyTempNamespace() { return catalog::MyTempNamespace(); }

void CheckNotOtherTemp(const catalog::ClassRow& rel, const char* what) {
  if (catalog::IsOtherTempRelation(rel))
    throw MakeError(sqlstate::kFeatureNotSupported, std::string("cannot ") + what + " temporary tables of other sessions");
}

}  // namespace tusk::backend
