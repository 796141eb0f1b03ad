// Table and index DDL on the stored catalogs (see table_ddl.h).
#include "catalog/table_ddl.h"

#include <algorithm>
#include <charconv>

#include "access/toast/toast.h"
#include "access/transam/transam.h"
#include "catalog/catalog.h"
#include "catalog/relcache.h"
#include "catalog/temp_namespace.h"
#include "storage/buffer/buffer.h"
#include "storage/file/smgr.h"
#include "utils/error.h"
#include "utils/guc.h"

namespace tusk::catalog {
namespace {

struct PendingFile {
  smgr::RelFileLocator loc;
  bool at_commit;  // true: dropped (unlink at commit); false: created (unlink at abort)
};
std::vector<PendingFile> g_pending;

template <class Row>
std::vector<std::pair<heap::ItemPointer, Row>> FindRows(const transam::Snapshot& snapshot,
                                                         const transam::CurrentXact& me,
                                                         const std::function<bool(const Row&)>& keep) {
  heap::Relation rel = CatalogRelation(Row::kRelationId);
  std::vector<std::pair<heap::ItemPointer, Row>> out;
  heap::HeapScan scan(rel, snapshot, me);
  heap::ItemPointer tid;
  std::string_view tuple;
  while (scan.Next(&tid, &tuple)) {
    Row row = Row::Decode(tuple);
    if (keep(row)) out.emplace_back(tid, std::move(row));
  }
  return out;
}

template <class Row>
void DeleteRows(heap::XactContext& xact, const std::function<bool(const Row&)>& keep) {
  heap::Relation rel = CatalogRelation(Row::kRelationId);
  for (auto& [tid, row] : FindRows<Row>(xact.snapshot, xact.Me(), keep)) {
    heap::TmStatus st = heap::Delete(rel, tid, xact, true);
    if (st != heap::TmStatus::kOk && st != heap::TmStatus::kSelfModified)
      throw PgError("XX000", "tuple concurrently updated");
  }
}

template <class Row>
void UpdateRow(heap::ItemPointer tid, const Row& row, heap::XactContext& xact) {
  heap::Relation rel = CatalogRelation(Row::kRelationId);
  heap::ItemPointer new_tid;
  heap::TmStatus st = heap::Update(rel, tid, row.Encode(), xact, true, &new_tid);
  if (st != heap::TmStatus::kOk) throw PgError("XX000", "tuple concurrently updated");
}

// "1 -2 3": int2vector's text form as stored in pg_index (a stream and its
// locale cost more than the rest of a table's first lookup).
std::vector<int16_t> ParseInt2Vector(const std::string& s) {
  std::vector<int16_t> out;
  const char* p = s.data();
  const char* end = p + s.size();
  while (p < end) {
    if (*p == ' ') {
      ++p;
      continue;
    }
    int16_t v = 0;
    auto [next, ec] = std::from_chars(p, end, v);
    if (ec != std::errc()) break;
    out.push_back(v);
    p = next;
  }
  return out;
}

smgr::RelFileLocator LocOf(const ClassRow& c) {
  return {smgr::kDefaultTablespace, CurrentDatabase(), c.relfilenode};
}

void ForgetFile(const smgr::RelFileLocator& loc) {
  for (smgr::Fork f : {smgr::Fork::kMain, smgr::Fork::kFsm}) buffer::DropRelationBuffers(loc, f, 0);
  smgr::Unlink(loc);
}

}  // namespace

std::vector<uint32_t> SearchPath(const transam::Snapshot& snapshot, const transam::CurrentXact& me,
                                 bool implicit_catalog) {
  const std::vector<std::string> names = guc::ParseSearchPath(guc::V().search_path);
  std::vector<uint32_t> path;
  // The session's temporary schema comes before everything unless listed
  // as pg_temp; it is searched only once the session has one.
  const uint32_t temp = MyTempNamespace();
  if (implicit_catalog && temp && std::find(names.begin(), names.end(), "pg_temp") == names.end())
    path.push_back(temp);
  if (implicit_catalog && std::find(names.begin(), names.end(), "pg_catalog") == names.end())
    path.push_back(kPgCatalogNamespace);
  for (const std::string& name : names) {
    // "$user" names the schema called after the session's role, if any.
    if (name == "$user") {
      if (CurrentUserName().empty()) continue;
      auto ns = LookupNamespace(CurrentUserName(), snapshot, me);
      if (ns && std::find(path.begin(), path.end(), ns->oid) == path.end()) path.push_back(ns->oid);
      continue;
    }
    uint32_t nsp = name == "pg_catalog" ? kPgCatalogNamespace : name == "public" ? kPublicNamespace : 0;
    if (name == "pg_temp") {
      if (temp) path.push_back(temp);
      continue;
    }
    if (!nsp) {
      if (auto ns = LookupNamespace(name, snapshot, me)) nsp = ns->oid;
    }
    if (nsp && std::find(path.begin(), path.end(), nsp) == path.end()) path.push_back(nsp);
  }
  return path;
}

std::optional<ClassRow> ResolveRelation(const std::string& schema, const std::string& name,
                                        const transam::Snapshot& snapshot, const transam::CurrentXact& me) {
  std::vector<uint32_t> path;
  if (schema == "pg_temp") {
    if (!MyTempNamespace()) return std::nullopt;
    path.push_back(MyTempNamespace());
  } else if (!schema.empty()) {
    auto ns = LookupNamespace(schema, snapshot, me);
    if (!ns) return std::nullopt;
    path.push_back(ns->oid);
  } else {
    path = SearchPath(snapshot, me);
  }
  std::optional<ClassRow> found;
  int best = 1 << 30;
  for (auto& r : ScanCatalog<ClassRow>(snapshot, me, [&](const ClassRow& r) { return r.relname == name; })) {
    auto it = std::find(path.begin(), path.end(), r.relnamespace);
    if (it == path.end()) continue;
    int rank = static_cast<int>(it - path.begin());
    if (rank < best) {
      best = rank;
      found = std::move(r);
    }
  }
  return found;
}

uint32_t CreationNamespace(const std::string& schema, const transam::Snapshot& snapshot,
                           const transam::CurrentXact& me) {
  if (schema.empty()) {
    // The first schema of search_path that exists; pg_catalog only holds
    // the system's own relations, so it is passed over.
    for (uint32_t nsp : SearchPath(snapshot, me, false)) {
      if (nsp != kPgCatalogNamespace) return nsp;
    }
    throw PgError("3F000", "no schema has been selected to create in");
  }
  auto ns = LookupNamespace(schema, snapshot, me);
  if (!ns) throw PgError("3F000", "schema \"" + schema + "\" does not exist");
  return ns->oid;
}

std::optional<TableInfo> LoadTable(uint32_t relid, const transam::Snapshot& snapshot, const transam::CurrentXact& me) {
  auto cls = LookupRelationByOid(relid, snapshot, me);
  if (!cls) return std::nullopt;
  TableInfo t;
  t.cls = std::move(*cls);
  t.physical = RelationPhysicalAttributes(relid, snapshot, me);
  for (const auto& a : t.physical)
    if (!a.attisdropped) t.attrs.push_back(a);
  for (auto& d : ScanCatalog<AttrDefRow>(snapshot, me, [&](const AttrDefRow& r) { return r.adrelid == relid; }))
    t.defaults[d.adnum] = d.adbin;
  // Identity columns take their values from their sequence (pg_depend 'i'),
  // named by OID so no search path is involved; pg_attrdef has no row.
  bool has_identity = false;
  for (const auto& a : t.attrs) has_identity |= a.attidentity != '\0';
  if (has_identity) {
    for (const DependRow& d : ScanCatalog<DependRow>(snapshot, me, [&](const DependRow& d) {
           return d.classid == kRelationRelationId && d.refclassid == kRelationRelationId && d.refobjid == relid &&
                  d.deptype == 'i';
         }))
      t.defaults[static_cast<int16_t>(d.refobjsubid)] = "nextval('" + std::to_string(d.objid) + "'::regclass)";
  }
  for (auto& ix : ScanCatalog<IndexRow>(snapshot, me, [&](const IndexRow& r) { return r.indrelid == relid; })) {
    auto ic = LookupRelationByOid(ix.indexrelid, snapshot, me);
    if (!ic) continue;
    IndexInfo info;
    info.cls = std::move(*ic);
    info.attnums = ParseInt2Vector(ix.indkey);
    info.options = ParseInt2Vector(ix.indoption);
    info.index = std::move(ix);
    t.indexes.push_back(std::move(info));
  }
  std::sort(t.indexes.begin(), t.indexes.end(),
            [](const IndexInfo& a, const IndexInfo& b) { return a.cls.oid < b.cls.oid; });
  t.constraints = ScanCatalog<ConstraintRow>(snapshot, me, [&](const ConstraintRow& r) { return r.conrelid == relid; });
  if (t.cls.reltoastrelid != 0) {
    t.toast = LookupRelationByOid(t.cls.reltoastrelid, snapshot, me);
    for (auto& ix : ScanCatalog<IndexRow>(snapshot, me, [&](const IndexRow& r) { return r.indrelid == t.cls.reltoastrelid; }))
      t.toast_index = LookupRelationByOid(ix.indexrelid, snapshot, me);
    if (!t.toast || !t.toast_index)
      throw PgError(sqlstate::kInternalError, "missing toast table of relation \"" + t.cls.relname + "\"");
  }
  return t;
}

uint32_t NewRelationOid() {
  // The logged counter never repeats after a crash; an existing file (an
  // orphan of a transaction that never ended) is still skipped.
  return NewObjectOid([](uint32_t oid) {
    return oid < 16384 || smgr::Exists({smgr::kDefaultTablespace, CurrentDatabase(), oid}, smgr::Fork::kMain);
  });
}

uint32_t CreateIndexRows(const ClassRow& table, const std::string& name, const std::vector<int16_t>& attnums,
                         const std::vector<int16_t>& options, bool unique, bool primary, heap::XactContext& xact) {
  const transam::CurrentXact me = xact.Me();
  if (LookupRelation(table.relnamespace, name, xact.snapshot, me))
    throw PgError("42P07", "relation \"" + name + "\" already exists");
  const uint32_t oid = NewRelationOid();
  ClassRow c;
  c.oid = oid;
  c.relname = name;
  c.relnamespace = table.relnamespace;
  c.relam = kBtreeAmOid;
  c.relfilenode = oid;
  c.relkind = 'i';
  c.relpersistence = table.relpersistence;
  c.relnatts = static_cast<int16_t>(attnums.size());
  c.relowner = table.relowner;
  InsertCatalogRow(c, xact);
  IndexRow ix;
  ix.indexrelid = oid;
  ix.indrelid = table.oid;
  ix.indnatts = ix.indnkeyatts = static_cast<int16_t>(attnums.size());
  ix.indisunique = unique;
  ix.indisprimary = primary;
  std::string keys, zeros, opts;
  for (size_t i = 0; i < attnums.size(); ++i) {
    keys += (i ? " " : "") + std::to_string(attnums[i]);
    zeros += i ? " 0" : "0";
    opts += (i ? " " : "") + std::to_string(i < options.size() ? options[i] : 0);
  }
  ix.indkey = keys;
  ix.indcollation = zeros;
  ix.indclass = zeros;
  ix.indoption = opts;
  InsertCatalogRow(ix, xact);
  // The index's own pg_attribute rows: its key columns, as \d INDEX lists them.
  auto table_attrs = FindRows<AttributeRow>(xact.snapshot, me, [&](const AttributeRow& r) {
    return r.attrelid == table.oid && r.attnum > 0 && !r.attisdropped;
  });
  for (size_t i = 0; i < attnums.size(); ++i) {
    for (const auto& [tid, a] : table_attrs) {
      if (a.attnum != attnums[i]) continue;
      AttributeRow k = a;
      k.attrelid = oid;
      k.attnum = static_cast<int16_t>(i + 1);
      k.attnotnull = false;
      k.atthasdef = false;
      InsertCatalogRow(k, xact);
    }
  }
  g_pending.push_back({{smgr::kDefaultTablespace, CurrentDatabase(), oid}, false});
  if (!table.relhasindex) {
    auto rows = FindRows<ClassRow>(xact.snapshot, me, [&](const ClassRow& r) { return r.oid == table.oid; });
    if (!rows.empty()) {
      ClassRow updated = rows[0].second;
      updated.relhasindex = true;
      UpdateRow(rows[0].first, updated, xact);
    }
  }
  return oid;
}

void SetRelOptions(uint32_t relid, const std::string& options, heap::XactContext& xact) {
  auto rows = FindRows<ClassRow>(xact.snapshot, xact.Me(), [&](const ClassRow& r) { return r.oid == relid; });
  if (rows.empty()) throw PgError("XX000", "cache lookup failed for relation " + std::to_string(relid));
  ClassRow c = rows[0].second;
  c.reloptions = options;
  UpdateRow(rows[0].first, c, xact);
  RelationCacheInvalidate(relid);
}

bool UpdateClassRow(uint32_t relid, const std::function<void(ClassRow&)>& change, heap::XactContext& xact) {
  auto rows = FindRows<ClassRow>(xact.snapshot, xact.Me(), [&](const ClassRow& r) { return r.oid == relid; });
  if (rows.empty()) return false;
  ClassRow c = rows[0].second;
  change(c);
  UpdateRow(rows[0].first, c, xact);
  RelationCacheInvalidate(relid);
  return true;
}

bool UpdateAttributeRow(uint32_t relid, int16_t attnum, const std::function<void(AttributeRow&)>& change,
                        heap::XactContext& xact) {
  auto rows = FindRows<AttributeRow>(xact.snapshot, xact.Me(), [&](const AttributeRow& r) {
    return r.attrelid == relid && r.attnum == attnum;
  });
  if (rows.empty()) return false;
  AttributeRow a = rows[0].second;
  change(a);
  UpdateRow(rows[0].first, a, xact);
  RelationCacheInvalidate(relid);
  return true;
}

int16_t AddColumn(uint32_t relid, const std::string& name, uint32_t type_oid, int32_t typmod, bool not_null,
                  heap::XactContext& xact) {
  const transam::CurrentXact me = xact.Me();
  auto attrs = RelationPhysicalAttributes(relid, xact.snapshot, me);
  int16_t attnum = 1;
  for (const auto& a : attrs) {
    attnum = std::max<int16_t>(attnum, static_cast<int16_t>(a.attnum + 1));
    if (!a.attisdropped && a.attname == name) {
      auto cls = LookupRelationByOid(relid, xact.snapshot, me);
      throw PgError("42701", "column \"" + name + "\" of relation \"" + (cls ? cls->relname : "") + "\" already exists");
    }
  }
  auto t = LookupType(type_oid, xact.snapshot, me);
  if (!t) throw PgError(sqlstate::kUndefinedObject, "type with OID " + std::to_string(type_oid) + " does not exist");
  InsertCatalogRow(AttributeFor(relid, name, attnum, *t, typmod, not_null), xact);
  UpdateClassRow(relid, [&](ClassRow& c) { c.relnatts = attnum; }, xact);
  return attnum;
}

uint32_t CreateViewRows(uint32_t namespace_oid, const std::string& name,
                        const std::vector<std::pair<std::string, std::pair<uint32_t, int32_t>>>& columns,
                        const std::string& query_sql, heap::XactContext& xact) {
  const transam::CurrentXact me = xact.Me();
  if (LookupRelation(namespace_oid, name, xact.snapshot, me))
    throw PgError("42P07", "relation \"" + name + "\" already exists");
  const uint32_t relid = NewRelationOid();
  const uint32_t rowtype = NewRelationOid();
  ClassRow c;
  c.oid = relid;
  c.relname = name;
  c.relnamespace = namespace_oid;
  c.reltype = rowtype;
  c.relowner = CurrentUser();
  c.relam = 0;
  c.relfilenode = 0;
  c.relkind = 'v';
  c.relpersistence = namespace_oid != 0 && namespace_oid == MyTempNamespace() ? 't' : 'p';
  c.relnatts = static_cast<int16_t>(columns.size());
  c.relhasrules = true;
  InsertCatalogRow(c, xact);
  InsertCatalogRow(CompositeRowType(rowtype, relid, name, namespace_oid), xact);
  int16_t attnum = 0;
  for (const auto& [colname, type] : columns) {
    auto t = LookupType(type.first, xact.snapshot, me);
    if (!t) throw PgError(sqlstate::kUndefinedObject, "type with OID " + std::to_string(type.first) + " does not exist");
    InsertCatalogRow(AttributeFor(relid, colname, ++attnum, *t, type.second, false), xact);
  }
  RewriteRow r;
  r.oid = NewRelationOid();
  r.ev_class = relid;
  r.ev_action = query_sql;
  InsertCatalogRow(r, xact);
  return relid;
}

void AddConstraint(ConstraintRow row, heap::XactContext& xact) {
  if (row.oid == 0) row.oid = NewRelationOid();
  InsertCatalogRow(row, xact);
}

void DropConstraint(uint32_t relid, const std::string& name, heap::XactContext& xact) {
  DeleteRows<ConstraintRow>(xact, [&](const ConstraintRow& r) { return r.conrelid == relid && r.conname == name; });
}

uint32_t AddDefault(uint32_t relid, int16_t attnum, const std::string& expr_sql, heap::XactContext& xact) {
  const transam::CurrentXact me = xact.Me();
  std::vector<uint32_t> old;
  for (auto& [tid, r] : FindRows<AttrDefRow>(xact.snapshot, me, [&](const AttrDefRow& r) {
         return r.adrelid == relid && r.adnum == attnum;
       }))
    old.push_back(r.oid);
  if (!old.empty()) {
    DeleteRows<AttrDefRow>(xact, [&](const AttrDefRow& r) { return r.adrelid == relid && r.adnum == attnum; });
    DeleteRows<DependRow>(xact, [&](const DependRow& d) {
      return d.classid == kAttrDefaultRelationId && std::find(old.begin(), old.end(), d.objid) != old.end();
    });
  }
  uint32_t oid = 0;
  if (!expr_sql.empty()) {
    AttrDefRow d;
    d.oid = oid = NewRelationOid();
    d.adrelid = relid;
    d.adnum = attnum;
    d.adbin = expr_sql;
    InsertCatalogRow(d, xact);
  }
  auto rows = FindRows<AttributeRow>(xact.snapshot, me, [&](const AttributeRow& r) {
    return r.attrelid == relid && r.attnum == attnum;
  });
  for (auto& [tid, a] : rows) {
    a.atthasdef = !expr_sql.empty();
    UpdateRow(tid, a, xact);
  }
  return oid;
}

uint32_t CreateSequenceRows(uint32_t namespace_oid, const std::string& name, SequenceRow params,
                            heap::XactContext& xact) {
  std::vector<ColumnSpec> cols = {{"last_value", kInt8Oid, -1, true},
                                  {"log_cnt", kInt8Oid, -1, true},
                                  {"is_called", kBoolOid, -1, true}};
  const uint32_t relid = CreateTable(namespace_oid, name, cols, xact, 'S');
  params.seqrelid = relid;
  InsertCatalogRow(params, xact);
  return relid;
}

std::optional<SequenceRow> LookupSequence(uint32_t relid, const transam::Snapshot& snapshot,
                                          const transam::CurrentXact& me) {
  auto rows = ScanCatalog<SequenceRow>(snapshot, me, [&](const SequenceRow& r) { return r.seqrelid == relid; });
  if (rows.empty()) return std::nullopt;
  return rows[0];
}

void UpdateSequenceRow(const SequenceRow& row, heap::XactContext& xact) {
  auto rows = FindRows<SequenceRow>(xact.snapshot, xact.Me(), [&](const SequenceRow& r) {
    return r.seqrelid == row.seqrelid;
  });
  if (rows.empty()) throw PgError("XX000", "cache lookup failed for sequence " + std::to_string(row.seqrelid));
  UpdateRow(rows[0].first, row, xact);
}

void AddDependency(const DependRow& row, heap::XactContext& xact) { InsertCatalogRow(row, xact); }

void DeleteDependencies(const std::function<bool(const DependRow&)>& match, heap::XactContext& xact) {
  DeleteRows<DependRow>(xact, match);
}

std::vector<DependRow> FindDependencies(const std::function<bool(const DependRow&)>& match,
                                        const transam::Snapshot& snapshot, const transam::CurrentXact& me) {
  return ScanCatalog<DependRow>(snapshot, me, match);
}

std::vector<uint32_t> OwnedSequences(uint32_t relid, int16_t attnum, const transam::Snapshot& snapshot,
                                     const transam::CurrentXact& me) {
  std::vector<uint32_t> out;
  for (const DependRow& d : ScanCatalog<DependRow>(snapshot, me, [&](const DependRow& d) {
         return d.classid == kRelationRelationId && d.refclassid == kRelationRelationId && d.refobjid == relid &&
                (attnum == 0 || d.refobjsubid == attnum) && (d.deptype == 'a' || d.deptype == 'i');
       })) {
    auto cls = LookupRelationByOid(d.objid, snapshot, me);
    if (cls && cls->relkind == 'S') out.push_back(d.objid);
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

bool NeedsToastTable(const std::vector<AttributeRow>& attrs) {
  constexpr uint32_t kBpcharOid = 1042, kVarcharOid = 1043;
  constexpr int32_t kMaxBytesPerChar = 4;  // UTF8
  size_t width = heap::kMinTupleHeader + (attrs.size() + 7) / 8;
  for (const auto& a : attrs) {
    if (a.attisdropped) continue;
    if (a.attlen > 0) {
      width += static_cast<size_t>(a.attlen) + 7;  // with the worst alignment padding
    } else if ((a.atttypid == kBpcharOid || a.atttypid == kVarcharOid) && a.atttypmod > 4) {
      width += static_cast<size_t>((a.atttypmod - 4) * kMaxBytesPerChar + 4) + 3;
    } else {
      return true;
    }
  }
  return width > toast::kTupleThreshold;
}

uint32_t CreateToastTable(const ClassRow& table, heap::XactContext& xact) {
  const transam::CurrentXact me = xact.Me();
  const uint32_t toast_oid = NewRelationOid();
  ClassRow c;
  c.oid = toast_oid;
  c.relname = "pg_toast_" + std::to_string(table.oid);
  c.relnamespace = table.relpersistence == 't' ? MyTempToastNamespace() : kPgToastNamespace;
  c.relpersistence = table.relpersistence;
  c.relfilenode = toast_oid;
  c.relkind = 't';
  c.relnatts = 3;
  c.relowner = table.relowner;
  c.relhasindex = true;
  InsertCatalogRow(c, xact);
  const std::pair<const char*, uint32_t> columns[] = {{"chunk_id", kOidOid}, {"chunk_seq", kInt4Oid},
                                                      {"chunk_data", kByteaOid}};
  int16_t attnum = 0;
  for (const auto& [name, type_oid] : columns) {
    auto t = LookupType(type_oid, xact.snapshot, me);
    if (!t) throw PgError(sqlstate::kUndefinedObject, "type with OID " + std::to_string(type_oid) + " does not exist");
    AttributeRow a = AttributeFor(toast_oid, name, ++attnum, *t, -1, false);
    a.attstorage = 'p';
    InsertCatalogRow(a, xact);
  }
  const uint32_t index_oid = CreateIndexRows(c, c.relname + "_index", {1, 2}, {}, true, false, xact);
  const uint32_t db = CurrentDatabase();
  g_pending.push_back({{smgr::kDefaultTablespace, db, toast_oid}, false});
  toast::ToastRel rel = toast::OpenToastRel(db, table.oid, toast_oid, toast_oid, index_oid, index_oid);
  toast::CreateStorage(rel);
  if (!UpdateClassRow(table.oid, [&](ClassRow& r) { r.reltoastrelid = toast_oid; }, xact))
    throw PgError(sqlstate::kInternalError, "cache lookup failed for relation " + std::to_string(table.oid));
  return toast_oid;
}

void DropRelation(uint32_t relid, heap::XactContext& xact) {
  const transam::CurrentXact me = xact.Me();
  auto cls = LookupRelationByOid(relid, xact.snapshot, me);
  if (!cls) return;
  if (cls->reltoastrelid != 0) DropRelation(cls->reltoastrelid, xact);
  if (cls->relkind == 'r') {
    // Sequences owned by its columns (serial) go with the table.
    for (uint32_t seq : OwnedSequences(relid, 0, xact.snapshot, me)) DropRelation(seq, xact);
    std::vector<uint32_t> defaults;
    for (auto& [tid, r] : FindRows<AttrDefRow>(xact.snapshot, me, [&](const AttrDefRow& r) { return r.adrelid == relid; }))
      defaults.push_back(r.oid);
    if (!defaults.empty())
      DeleteRows<DependRow>(xact, [&](const DependRow& d) {
        return d.classid == kAttrDefaultRelationId &&
               std::find(defaults.begin(), defaults.end(), d.objid) != defaults.end();
      });
  }
  DeleteRows<DependRow>(xact, [&](const DependRow& d) {
    return (d.classid == kRelationRelationId && d.objid == relid) ||
           (d.refclassid == kRelationRelationId && d.refobjid == relid);
  });
  if (cls->relkind == 'S') {
    DeleteRows<SequenceRow>(xact, [&](const SequenceRow& r) { return r.seqrelid == relid; });
    const uint32_t rowtype = cls->reltype;
    DeleteRows<TypeRow>(xact, [&](const TypeRow& r) { return r.oid == rowtype && rowtype != 0; });
  } else if (cls->relkind == 't') {
    for (auto& ix : ScanCatalog<IndexRow>(xact.snapshot, me, [&](const IndexRow& r) { return r.indrelid == relid; }))
      DropRelation(ix.indexrelid, xact);
  } else if (cls->relkind == 'r') {
    for (auto& ix : ScanCatalog<IndexRow>(xact.snapshot, me, [&](const IndexRow& r) { return r.indrelid == relid; }))
      DropRelation(ix.indexrelid, xact);
    DeleteRows<ConstraintRow>(xact, [&](const ConstraintRow& r) { return r.conrelid == relid; });
    DeleteRows<AttrDefRow>(xact, [&](const AttrDefRow& r) { return r.adrelid == relid; });
    const uint32_t rowtype = cls->reltype;
    DeleteRows<TypeRow>(xact, [&](const TypeRow& r) { return r.oid == rowtype && rowtype != 0; });
  } else if (cls->relkind == 'v') {
    DeleteRows<RewriteRow>(xact, [&](const RewriteRow& r) { return r.ev_class == relid; });
    const uint32_t rowtype = cls->reltype;
    DeleteRows<TypeRow>(xact, [&](const TypeRow& r) { return r.oid == rowtype && rowtype != 0; });
  } else if (cls->relkind == 'i') {
    DeleteRows<IndexRow>(xact, [&](const IndexRow& r) { return r.indexrelid == relid; });
    DeleteRows<ConstraintRow>(xact, [&](const ConstraintRow& r) { return r.conindid == relid; });
  }
  DeleteRows<AttributeRow>(xact, [&](const AttributeRow& r) { return r.attrelid == relid; });
  DeleteRows<ClassRow>(xact, [&](const ClassRow& r) { return r.oid == relid; });
  if (cls->relkind != 'v') g_pending.push_back({LocOf(*cls), true});
  RelationCacheInvalidate(relid);
}

uint32_t SetNewRelfilenode(uint32_t relid, heap::XactContext& xact) {
  auto rows = FindRows<ClassRow>(xact.snapshot, xact.Me(), [&](const ClassRow& r) { return r.oid == relid; });
  if (rows.empty()) throw PgError("XX000", "cache lookup failed for relation " + std::to_string(relid));
  ClassRow c = rows[0].second;
  g_pending.push_back({LocOf(c), true});
  c.relfilenode = NewRelationOid();
  smgr::RelFileLocator loc = LocOf(c);
  g_pending.push_back({loc, false});
  heap::CreateStorage(loc);
  UpdateRow(rows[0].first, c, xact);
  RelationCacheInvalidate(relid);
  return c.relfilenode;
}

void AtEndOfTransactionDdl(bool committed) {
  std::vector<PendingFile> pending;
  pending.swap(g_pending);
  for (const PendingFile& p : pending) {
    if (p.at_commit == committed) ForgetFile(p.loc);
  }
}

}  // namespace tusk::catalog
