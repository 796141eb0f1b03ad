// Relation cache: built from the catalog rows the caller's snapshot sees.
// Nothing here is shared memory: every process keeps its own map, kept
// coherent by invalidation rather than by locking.
#include "catalog/relcache.h"

#include <unordered_map>

#include "catalog/catalog.h"
#include "storage/file/smgr.h"

namespace tusk::catalog {

namespace {

std::unordered_map<uint32_t, std::shared_ptr<RelationDescriptor>>& Cache() {
  static std::unordered_map<uint32_t, std::shared_ptr<RelationDescriptor>> cache;
  return cache;
}

std::shared_ptr<RelationDescriptor> Load(uint32_t relid, const transam::Snapshot& snapshot,
                                         const transam::CurrentXact& me) {
  std::optional<ClassRow> cls = LookupRelationByOid(relid, snapshot, me);
  if (!cls) return nullptr;
  auto d = std::make_shared<RelationDescriptor>();
  d->oid = cls->oid;
  d->name = cls->relname;
  d->namespace_oid = cls->relnamespace;
  d->relkind = cls->relkind;
  const uint32_t db = cls->relisshared ? 0 : CurrentDatabase();
  const uint32_t spc = cls->relisshared ? smgr::kGlobalTablespace
                       : cls->reltablespace != 0 ? cls->reltablespace : smgr::kDefaultTablespace;
  d->rel.loc = {spc, db, cls->relfilenode};
  d->rel.rel_oid = cls->oid;
  d->rel.db_oid = db;
  d->rel.name = cls->relname;
  for (const AttributeRow& a : RelationAttributes(relid, snapshot, me)) {
    d->columns.push_back({a.attname, a.attnum, a.atttypid, a.atttypmod, a.attnotnull});
    d->rel.attrs.push_back(AttrDescFor(a.attlen, a.attalign, a.attbyval));
  }
  return d;
}

}  // namespace

std::shared_ptr<RelationDescriptor> OpenRelation(uint32_t relid, const transam::Snapshot& snapshot,
                                                 const transam::CurrentXact& me) {
  auto& cache = Cache();
  auto it = cache.find(relid);
  if (it != cache.end()) return it->second;
  std::shared_ptr<RelationDescriptor> d = Load(relid, snapshot, me);
  // A miss is not remembered: the relation may become visible to a later snapshot.
  if (d) cache.emplace(relid, d);
  return d;
}

void RelationCacheInvalidate(uint32_t relid) { Cache().erase(relid); }
void RelationCacheInvalidateAll() { Cache().clear(); }
size_t RelationCacheSize() { return Cache().size(); }

}  // namespace tusk::catalog
