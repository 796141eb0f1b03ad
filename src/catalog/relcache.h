// The per-process relation cache: relation OID -> descriptor (heap handle and
// columns), read from pg_class/pg_attribute on first use and dropped by
// Invalidate, which the shared invalidation queue will drive.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "access/heap/heapam.h"
#include "access/transam/snapshot.h"
#include "access/transam/visibility.h"

namespace tusk::catalog {

struct ColumnDesc {
  std::string name;
  int16_t attnum = 0;
  uint32_t type_oid = 0;
  int32_t typmod = -1;
  bool not_null = false;
};

struct RelationDescriptor {
  uint32_t oid = 0;
  std::string name;
  uint32_t namespace_oid = 0;
  char relkind = 'r';
  heap::Relation rel;               // storage handle: locator, tuple layout, name
  std::vector<ColumnDesc> columns;  // attnum order
};

// The descriptor of `relid`, loading it with the given snapshot on a miss;
// nullptr if no such relation is visible. Entries are shared so an
// invalidation never frees one a caller still holds.
std::shared_ptr<RelationDescriptor> OpenRelation(uint32_t relid, const transam::Snapshot& snapshot,
                                                 const transam::CurrentXact& me = {});
void RelationCacheInvalidate(uint32_t relid);
void RelationCacheInvalidateAll();
size_t RelationCacheSize();  // tests

}  // namespace tusk::catalog
