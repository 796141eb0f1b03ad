// The session's temporary namespace (see temp_namespace.h).
#include "catalog/temp_namespace.h"

#include <algorithm>

#include "access/transam/clog.h"
#include "access/transam/xact.h"
#include "catalog/catalog.h"
#include "catalog/table_ddl.h"
#include "storage/ipc/proc_array.h"
#include "storage/lmgr/lock.h"
#include "utils/error.h"
#include "utils/guc.h"

namespace tusk::catalog {
namespace {

struct TempNamespace {
  uint32_t nsp = 0, toast = 0;
  // The (sub)transaction that made or emptied it, until the top-level
  // transaction commits: if that xid aborts, the rows it wrote are gone, so
  // the namespace must be made again (PostgreSQL's myTempNamespaceSubID).
  uint64_t init_xid = 0;
};
TempNamespace g_temp;

int MyTempNumber() {
  tusk::ProcSlot* slot = proc_array::MySlot();
  if (!slot) throw PgError(sqlstate::kInternalError, "cannot create temporary relations outside a backend");
  return proc_array::SlotIndex(slot) + 1;
}

bool DigitsAfter(const std::string& name, const std::string& prefix) {
  if (name.size() <= prefix.size() || name.compare(0, prefix.size(), prefix) != 0) return false;
  return std::all_of(name.begin() + static_cast<long>(prefix.size()), name.end(),
                     [](char c) { return c >= '0' && c <= '9'; });
}

uint32_t EnsureNamespace(const std::string& name, heap::XactContext& xact, bool* existed) {
  auto ns = LookupNamespace(name, xact.snapshot, xact.Me());
  *existed = ns.has_value();
  if (ns) return ns->oid;
  NamespaceRow row;
  row.oid = NewRelationOid();
  row.nspname = name;
  InsertCatalogRow(row, xact);
  return row.oid;
}

// The next command's view: what the previous ones wrote is visible.
void NextCommand(heap::XactContext& xact) {
  xact::CommandCounterIncrement();
  xact = CurrentXactContext();
  xact.cid = xact::CurrentCommandId();
}

}  // namespace

uint32_t MyTempNamespace() {
  if (g_temp.init_xid != 0 && transam::DidAbort(g_temp.init_xid)) g_temp = {};
  return g_temp.nsp;
}

uint32_t MyTempToastNamespace() {
  MyTempNamespace();
  return g_temp.toast;
}

bool IsTempNamespaceName(const std::string& name) {
  return DigitsAfter(name, "pg_temp_") || DigitsAfter(name, "pg_toast_temp_");
}

bool IsOtherTempRelation(const ClassRow& rel) {
  if (rel.relpersistence != 't') return false;
  const uint32_t mine = MyTempNamespace();
  return mine == 0 || (rel.relnamespace != mine && rel.relnamespace != g_temp.toast);
}

void RemoveTempRelations(uint32_t namespace_oid, heap::XactContext& xact) {
  const transam::CurrentXact me = xact.Me();
  auto rels = ScanCatalog<ClassRow>(xact.snapshot, me, [&](const ClassRow& r) {
    return r.relnamespace == namespace_oid;
  });
  // Views first (they may read the tables), then tables, which take their
  // indexes and toast tables with them; whatever is left after that last.
  auto rank = [](char k) { return k == 'v' ? 0 : k == 'r' ? 1 : 2; };
  std::sort(rels.begin(), rels.end(), [&](const ClassRow& a, const ClassRow& b) {
    return rank(a.relkind) != rank(b.relkind) ? rank(a.relkind) < rank(b.relkind) : a.oid < b.oid;
  });
  for (const ClassRow& r : rels) {
    lmgr::Acquire(lmgr::LockTag::Relation(CurrentDatabase(), r.oid), lmgr::LockMode::kAccessExclusive, false);
    // Autovacuum may have dropped an orphan while we waited for the lock.
    const heap::XactContext fresh = CatalogXactContext();
    if (!LookupRelationByOid(r.oid, fresh.snapshot, fresh.Me())) continue;
    NextCommand(xact);
    DropRelation(r.oid, xact);  // nothing if it went with its table already
  }
  NextCommand(xact);
}

namespace {

// The backend slot of pg_temp_N / pg_toast_temp_N, -1 for other names.
int SlotOfTempNamespace(const std::string& name) {
  for (const char* prefix : {"pg_temp_", "pg_toast_temp_"}) {
    if (DigitsAfter(name, prefix) && name.size() - std::string(prefix).size() < 9)
      return std::stoi(name.substr(std::string(prefix).size())) - 1;
  }
  return -1;
}

bool SlotIsFree(int index) {
  if (index < 0 || index >= proc_array::TotalSlots()) return false;
  return proc_array::SlotAt(index)->pid.load() == 0;
}

}  // namespace

std::vector<ClassRow> OrphanTempTables(const transam::Snapshot& snapshot, const transam::CurrentXact& me) {
  auto namespaces = ScanCatalog<NamespaceRow>(snapshot, me, [](const NamespaceRow& n) {
    return DigitsAfter(n.nspname, "pg_temp_");
  });
  std::vector<ClassRow> out;
  for (const NamespaceRow& n : namespaces) {
    if (!SlotIsFree(SlotOfTempNamespace(n.nspname))) continue;
    for (auto& r : ScanCatalog<ClassRow>(snapshot, me, [&](const ClassRow& c) {
           return c.relnamespace == n.oid && c.relkind == 'r';
         }))
      out.push_back(std::move(r));
  }
  return out;
}

bool DropOrphanTempTable(uint32_t relid, heap::XactContext& xact, std::string* schema) {
  lmgr::Acquire(lmgr::LockTag::Relation(CurrentDatabase(), relid), lmgr::LockMode::kAccessExclusive, false);
  xact = CatalogXactContext();  // what committed before the lock was ours
  xact.cid = xact::CurrentCommandId();
  auto rel = LookupRelationByOid(relid, xact.snapshot, xact.Me());
  if (!rel || rel->relpersistence != 't') return false;
  auto ns = ScanCatalog<NamespaceRow>(xact.snapshot, xact.Me(), [&](const NamespaceRow& n) {
    return n.oid == rel->relnamespace;
  });
  if (ns.empty() || !SlotIsFree(SlotOfTempNamespace(ns[0].nspname))) return false;
  *schema = ns[0].nspname;
  DropRelation(relid, xact);
  return true;
}

uint32_t InitTempNamespace(heap::XactContext& xact) {
  if (const uint32_t nsp = MyTempNamespace()) return nsp;
  const std::string n = std::to_string(MyTempNumber());
  bool existed = false, toast_existed = false;
  const uint32_t nsp = EnsureNamespace("pg_temp_" + n, xact, &existed);
  const uint32_t toast = EnsureNamespace("pg_toast_temp_" + n, xact, &toast_existed);
  NextCommand(xact);
  // A backend that ended without cleaning up (a crash) left these behind;
  // nobody else can reach them by name, and this session must not either.
  if (existed) RemoveTempRelations(nsp, xact);
  if (toast_existed) RemoveTempRelations(toast, xact);
  g_temp.nsp = nsp;
  g_temp.toast = toast;
  g_temp.init_xid = xact::GetXid(true);
  return nsp;
}

void AtEndOfTransactionTempNamespace(bool committed) {
  if (g_temp.init_xid == 0) return;
  if (committed)
    g_temp.init_xid = 0;
  else
    g_temp = {};
}

uint32_t CreationNamespaceFor(const std::string& schema, bool temp, heap::XactContext& xact, bool* made_temp) {
  *made_temp = false;
  uint32_t nsp = 0;
  if (schema == "pg_temp") {
    nsp = 0;  // the own temporary schema, made below
  } else if (!schema.empty()) {
    nsp = CreationNamespace(schema, xact.snapshot, xact.Me());
    if (IsTempNamespaceName(schema)) {
      if (nsp != MyTempNamespace() && nsp != MyTempToastNamespace())
        throw PgError("42P16", "cannot create relations in temporary schemas of other sessions");
    } else if (temp) {
      throw PgError("42P16", "cannot create temporary relation in non-temporary schema");
    } else {
      return nsp;
    }
  } else if (!temp) {
    // Unqualified: search_path's first schema, which may be pg_temp.
    const std::vector<std::string> names = guc::ParseSearchPath(guc::V().search_path);
    for (const std::string& name : names) {
      if (name == "pg_temp") break;
      if (name == "$user") continue;
      if (LookupNamespace(name, xact.snapshot, xact.Me()) && name != "pg_catalog")
        return CreationNamespace("", xact.snapshot, xact.Me());
    }
    if (std::find(names.begin(), names.end(), "pg_temp") == names.end())
      return CreationNamespace("", xact.snapshot, xact.Me());
  }
  *made_temp = true;
  return InitTempNamespace(xact);
}

}  // namespace tusk::catalog
