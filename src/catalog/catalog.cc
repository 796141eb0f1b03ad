// Catalog lookups by sequential heap scan and CREATE TABLE's catalog rows.
// Scans are O(catalog size) per lookup; the B-tree catalog indexes
// (pg_class_oid_index and friends, docs/design/catalog.md) replace them next.
#include "catalog/catalog.h"

#include <algorithm>
#include <set>

#include "access/transam/transam.h"
#include "access/transam/xact.h"
#include "access/wal/wal_redo.h"
#include "catalog/relcache.h"
#include "catalog/temp_namespace.h"
#include "storage/buffer/buffer.h"
#include "storage/file/smgr.h"
#include "utils/error.h"

namespace tusk::catalog {

namespace {

uint32_t g_database = kTemplate1DbOid;
uint32_t g_user = kBootstrapSuperuserId;
std::string g_user_name;

// Relations created by the running top-level transaction, for AtEndOfTransaction.
struct Created {
  uint64_t xid;
  uint32_t oid;
  smgr::RelFileLocator loc;
};
std::vector<Created> g_created;

template <class Row>
std::optional<Row> First(std::vector<Row> rows) {
  if (rows.empty()) return std::nullopt;
  return std::move(rows.front());
}

}  // namespace

void SetCurrentDatabase(uint32_t db_oid) { g_database = db_oid; }
uint32_t CurrentDatabase() { return g_database; }
void SetCurrentUser(uint32_t role_oid, const std::string& name) {
  g_user = role_oid;
  g_user_name = name;
}
uint32_t CurrentUser() { return g_user; }
const std::string& CurrentUserName() { return g_user_name; }

heap::Relation CatalogRelation(uint32_t catalog_oid, uint32_t db_oid) {
  const CatalogDef& def = CatalogById(catalog_oid);
  heap::Relation rel;
  const uint32_t db = def.shared ? 0 : db_oid;
  rel.loc = {def.shared ? smgr::kGlobalTablespace : smgr::kDefaultTablespace, db, catalog_oid};
  rel.rel_oid = catalog_oid;
  rel.db_oid = db;
  rel.attrs = def.attrs;
  rel.name = def.name;
  return rel;
}

heap::XactContext CurrentXactContext() {
  heap::XactContext x;
  x.stamp_xid = xact::GetXid(true);
  x.xid = xact::GetTopXid();
  transam::CurrentXact me = xact::CurrentXactForVisibility();
  x.subxids = me.subxids;
  x.cid = me.curcid;
  x.snapshot = xact::GetTransactionSnapshot();
  if (x.stamp_xid == x.xid) x.stamp_xid = 0;
  return x;
}

namespace {

// The first column of a catalog tuple when it is a non-null 4-byte value
// (each catalog's OID or owning relation): key lookups compare it before
// decoding, as a backend's first queries scan pg_class and pg_attribute whole.
std::optional<uint32_t> PeekFirstColumn(std::string_view tuple) {
  const char* t = tuple.data();
  if (tuple.size() < heap::kMinTupleHeader || heap::TupNatts(t) < 1) return std::nullopt;
  const bool has_null = heap::TupInfomask(t) & transam::infomask::kHasNull;
  if (has_null && !(t[heap::kTupOffBits] & 1)) return std::nullopt;
  const size_t hoff = heap::TupHoff(t);
  if (hoff + sizeof(uint32_t) > tuple.size()) return std::nullopt;
  return heap::Load<uint32_t>(t + hoff);
}

// The visible rows whose first column is `key`.
template <class Row>
std::vector<Row> ScanCatalogByFirstColumn(const transam::Snapshot& snapshot, const transam::CurrentXact& me,
                                          uint32_t key) {
  heap::Relation rel = CatalogRelation(Row::kRelationId, CurrentDatabase());
  std::vector<Row> out;
  heap::HeapScan scan(rel, snapshot, me);
  heap::ItemPointer tid;
  std::string_view tuple;
  while (scan.Next(&tid, &tuple)) {
    std::optional<uint32_t> first = PeekFirstColumn(tuple);
    if (first && *first != key) continue;
    Row row = Row::Decode(tuple);
    out.push_back(std::move(row));
  }
  return out;
}

}  // namespace

template <class Row>
std::vector<Row> ScanCatalog(const transam::Snapshot& snapshot, const transam::CurrentXact& me,
                             const std::function<bool(const Row&)>& keep, uint32_t db_oid) {
  heap::Relation rel = CatalogRelation(Row::kRelationId, db_oid);
  std::vector<Row> out;
  heap::HeapScan scan(rel, snapshot, me);
  heap::ItemPointer tid;
  std::string_view tuple;
  while (scan.Next(&tid, &tuple)) {
    Row row = Row::Decode(tuple);
    if (!keep || keep(row)) out.push_back(std::move(row));
  }
  return out;
}

template <class Row>
heap::ItemPointer InsertCatalogRow(const Row& row, heap::XactContext& xact, uint32_t db_oid) {
  heap::Relation rel = CatalogRelation(Row::kRelationId, db_oid);
  return heap::Insert(rel, row.Encode(), xact);
}

// Every row type gets both templates, so callers need not see their bodies.
#define TUSK_CATALOG_INSTANTIATE(Row)                                                                       \
  template std::vector<Row> ScanCatalog<Row>(const transam::Snapshot&, const transam::CurrentXact&,       \
                                             const std::function<bool(const Row&)>&, uint32_t);            \
  template heap::ItemPointer InsertCatalogRow<Row>(const Row&, heap::XactContext&, uint32_t);
TUSK_CATALOG_INSTANTIATE(ClassRow)
TUSK_CATALOG_INSTANTIATE(AttributeRow)
TUSK_CATALOG_INSTANTIATE(TypeRow)
TUSK_CATALOG_INSTANTIATE(NamespaceRow)
TUSK_CATALOG_INSTANTIATE(DatabaseRow)
TUSK_CATALOG_INSTANTIATE(AuthIdRow)
TUSK_CATALOG_INSTANTIATE(IndexRow)
TUSK_CATALOG_INSTANTIATE(ConstraintRow)
TUSK_CATALOG_INSTANTIATE(InheritsRow)
TUSK_CATALOG_INSTANTIATE(PartitionedTableRow)
TUSK_CATALOG_INSTANTIATE(AttrDefRow)
TUSK_CATALOG_INSTANTIATE(RewriteRow)
TUSK_CATALOG_INSTANTIATE(SequenceRow)
TUSK_CATALOG_INSTANTIATE(DependRow)
TUSK_CATALOG_INSTANTIATE(ProcRow)
TUSK_CATALOG_INSTANTIATE(DbRoleSettingRow)
#undef TUSK_CATALOG_INSTANTIATE

std::optional<ClassRow> LookupRelation(uint32_t namespace_oid, const std::string& name,
                                       const transam::Snapshot& snapshot, const transam::CurrentXact& me) {
  return First(ScanCatalog<ClassRow>(snapshot, me, [&](const ClassRow& r) {
    return r.relnamespace == namespace_oid && r.relname == name;
  }));
}

std::optional<ClassRow> LookupRelationByOid(uint32_t relid, const transam::Snapshot& snapshot,
                                            const transam::CurrentXact& me) {
  std::vector<ClassRow> rows = ScanCatalogByFirstColumn<ClassRow>(snapshot, me, relid);
  std::erase_if(rows, [&](const ClassRow& r) { return r.oid != relid; });
  return First(std::move(rows));
}

std::vector<AttributeRow> RelationPhysicalAttributes(uint32_t relid, const transam::Snapshot& snapshot,
                                                     const transam::CurrentXact& me) {
  std::vector<AttributeRow> rows = ScanCatalogByFirstColumn<AttributeRow>(snapshot, me, relid);
  std::erase_if(rows, [&](const AttributeRow& r) { return r.attrelid != relid || r.attnum <= 0; });
  std::sort(rows.begin(), rows.end(), [](const AttributeRow& a, const AttributeRow& b) { return a.attnum < b.attnum; });
  return rows;
}

std::vector<AttributeRow> RelationAttributes(uint32_t relid, const transam::Snapshot& snapshot,
                                             const transam::CurrentXact& me) {
  std::vector<AttributeRow> rows = RelationPhysicalAttributes(relid, snapshot, me);
  std::erase_if(rows, [](const AttributeRow& r) { return r.attisdropped; });
  return rows;
}

std::optional<NamespaceRow> LookupNamespace(const std::string& name, const transam::Snapshot& snapshot,
                                            const transam::CurrentXact& me) {
  return First(ScanCatalog<NamespaceRow>(snapshot, me, [&](const NamespaceRow& r) { return r.nspname == name; }));
}

std::optional<TypeRow> LookupType(uint32_t type_oid, const transam::Snapshot& snapshot,
                                  const transam::CurrentXact& me) {
  return First(ScanCatalog<TypeRow>(snapshot, me, [&](const TypeRow& r) { return r.oid == type_oid; }));
}

std::optional<DatabaseRow> LookupDatabase(const std::string& name, const transam::Snapshot& snapshot,
                                          const transam::CurrentXact& me) {
  return First(ScanCatalog<DatabaseRow>(snapshot, me, [&](const DatabaseRow& r) { return r.datname == name; }));
}

std::optional<AuthIdRow> LookupRole(const std::string& name, const transam::Snapshot& snapshot,
                                    const transam::CurrentXact& me) {
  return First(ScanCatalog<AuthIdRow>(snapshot, me, [&](const AuthIdRow& r) { return r.rolname == name; }));
}

std::optional<AuthIdRow> LookupRoleByOid(uint32_t oid, const transam::Snapshot& snapshot,
                                         const transam::CurrentXact& me) {
  return First(ScanCatalog<AuthIdRow>(snapshot, me, [&](const AuthIdRow& r) { return r.oid == oid; }));
}

std::optional<DatabaseRow> LookupDatabaseByOid(uint32_t oid, const transam::Snapshot& snapshot,
                                               const transam::CurrentXact& me) {
  return First(ScanCatalog<DatabaseRow>(snapshot, me, [&](const DatabaseRow& r) { return r.oid == oid; }));
}

template <class Row>
std::vector<CatalogTuple<Row>> ScanCatalogTuples(const transam::Snapshot& snapshot, const transam::CurrentXact& me,
                                                 const std::function<bool(const Row&)>& keep, uint32_t db_oid) {
  heap::Relation rel = CatalogRelation(Row::kRelationId, db_oid);
  std::vector<CatalogTuple<Row>> out;
  heap::HeapScan scan(rel, snapshot, me);
  heap::ItemPointer tid;
  std::string_view tuple;
  while (scan.Next(&tid, &tuple)) {
    Row row = Row::Decode(tuple);
    if (!keep || keep(row)) out.push_back({std::move(row), tid});
  }
  return out;
}

template <class Row>
heap::ItemPointer UpdateCatalogRow(heap::ItemPointer tid, const Row& row, heap::XactContext& xact, uint32_t db_oid) {
  heap::Relation rel = CatalogRelation(Row::kRelationId, db_oid);
  heap::ItemPointer new_tid;
  if (heap::Update(rel, tid, row.Encode(), xact, true, &new_tid) != heap::TmStatus::kOk)
    throw PgError(sqlstate::kInternalError, "tuple concurrently updated");
  return new_tid;
}

template <class Row>
void DeleteCatalogRow(heap::ItemPointer tid, heap::XactContext& xact, uint32_t db_oid) {
  heap::Relation rel = CatalogRelation(Row::kRelationId, db_oid);
  if (heap::Delete(rel, tid, xact, true) != heap::TmStatus::kOk)
    throw PgError(sqlstate::kInternalError, "tuple concurrently deleted");
}

#define TUSK_CATALOG_INSTANTIATE_WRITES(Row)                                                              \
  template std::vector<CatalogTuple<Row>> ScanCatalogTuples<Row>(                                          \
      const transam::Snapshot&, const transam::CurrentXact&, const std::function<bool(const Row&)>&, uint32_t); \
  template heap::ItemPointer UpdateCatalogRow<Row>(heap::ItemPointer, const Row&, heap::XactContext&, uint32_t); \
  template void DeleteCatalogRow<Row>(heap::ItemPointer, heap::XactContext&, uint32_t);
TUSK_CATALOG_INSTANTIATE_WRITES(AuthIdRow)
TUSK_CATALOG_INSTANTIATE_WRITES(DatabaseRow)
TUSK_CATALOG_INSTANTIATE_WRITES(DbRoleSettingRow)
TUSK_CATALOG_INSTANTIATE_WRITES(NamespaceRow)
#undef TUSK_CATALOG_INSTANTIATE_WRITES

heap::XactContext CatalogXactContext() {
  heap::XactContext x = CurrentXactContext();
  x.snapshot = transam::GetSnapshot();
  x.snapshot.curcid = x.cid;
  return x;
}

uint32_t NewObjectOid(const std::function<bool(uint32_t)>& in_use) {
  for (;;) {
    uint32_t oid = wal::NewLoggedOid();
    if (!in_use || !in_use(oid)) return oid;
  }
}

namespace {

// An OID no pg_class or pg_type row uses. The snapshot cannot see rows of
// transactions still running, but the counter is shared and only ever moves
// forward (across crashes too: it is WAL-logged), so a clash needs the
// counter to wrap past 2^32 (PostgreSQL checks the OID index with a dirty
// snapshot; that arrives with the indexes). After a wrap a file may still
// carry the OID, hence the file check (PostgreSQL does the same).
uint32_t NewOid(const std::set<uint32_t>& used, uint32_t db) {
  return NewObjectOid([&](uint32_t oid) {
    return used.contains(oid) || smgr::Exists({smgr::kDefaultTablespace, db, oid}, smgr::Fork::kMain);
  });
}

}  // namespace

uint32_t CreateTable(uint32_t namespace_oid, const std::string& name, const std::vector<ColumnSpec>& columns,
                     heap::XactContext& xact, char relkind) {
  const transam::CurrentXact me = xact.Me();
  if (LookupRelation(namespace_oid, name, xact.snapshot, me))
    throw PgError("42P07", "relation \"" + name + "\" already exists");
  if (columns.size() > 1600) throw PgError("54011", "tables can have at most 1600 columns");
  std::set<std::string> names;
  for (const ColumnSpec& c : columns)
    if (!names.insert(c.name).second) throw PgError("42701", "column \"" + c.name + "\" specified more than once");

  std::set<uint32_t> used;
  for (const ClassRow& r : ScanCatalog<ClassRow>(xact.snapshot, me)) used.insert(r.oid);
  std::vector<TypeRow> types = ScanCatalog<TypeRow>(xact.snapshot, me);
  for (const TypeRow& t : types) used.insert(t.oid);
  const uint32_t db = CurrentDatabase();
  const uint32_t relid = NewOid(used, db);
  used.insert(relid);
  const uint32_t rowtype = NewOid(used, db);

  std::vector<AttributeRow> attrs;
  for (size_t i = 0; i < columns.size(); ++i) {
    const ColumnSpec& c = columns[i];
    auto t = std::find_if(types.begin(), types.end(), [&](const TypeRow& r) { return r.oid == c.type_oid; });
    if (t == types.end()) throw PgError(sqlstate::kUndefinedObject, "type with OID " + std::to_string(c.type_oid) + " does not exist");
    if (t->typtype == 'p' && t->oid != kRecordOid)
      throw PgError(sqlstate::kDatatypeMismatch, "column \"" + c.name + "\" has pseudo-type " + t->typname);
    attrs.push_back(AttributeFor(relid, c.name, static_cast<int16_t>(i + 1), *t, c.typmod, c.not_null));
    attrs.back().attidentity = c.identity;
    attrs.back().attndims = c.ndims;
  }

  const smgr::RelFileLocator loc{smgr::kDefaultTablespace, db, relid};
  // Remember the file before creating it, so an abort after a partial
  // failure still removes it.
  g_created.push_back({xact.xid, relid, loc});
  heap::CreateStorage(loc);

  ClassRow cls;
  cls.oid = relid;
  cls.relname = name;
  cls.relnamespace = namespace_oid;
  cls.relpersistence = namespace_oid != 0 && namespace_oid == MyTempNamespace() ? 't' : 'p';
  cls.reltype = rowtype;
  cls.relowner = CurrentUser();
  cls.relfilenode = relid;
  cls.relnatts = static_cast<int16_t>(columns.size());
  cls.relkind = relkind;
  if (relkind == 'S') cls.relam = 0;  // sequences have no table access method
  InsertCatalogRow(cls, xact);

  InsertCatalogRow(CompositeRowType(rowtype, relid, name, namespace_oid), xact);

  for (const AttributeRow& a : attrs) InsertCatalogRow(a, xact);
  return relid;
}

void AtEndOfTransaction(bool committed) {
  std::vector<Created> created;
  created.swap(g_created);
  if (committed) return;
  for (const Created& c : created) {
    // Pages of the dead relation must not be written back after the unlink.
    for (smgr::Fork f : {smgr::Fork::kMain, smgr::Fork::kFsm}) buffer::DropRelationBuffers(c.loc, f, 0);
    smgr::Unlink(c.loc);
    RelationCacheInvalidate(c.oid);
  }
}

}  // namespace tusk::catalog
