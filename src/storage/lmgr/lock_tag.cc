// Lock tags, mode names and the conflict table of the heavyweight lock manager:
// the pure, memory-free part, kept apart so the shared-table code stays short.
#include <string>

#include "storage/lmgr/lock.h"
#include "storage/lmgr/lock_internal.h"

namespace tusk::lmgr {

LockTag LockTag::Relation(uint32_t db, uint32_t rel) { return {db, rel, 0, 0, LockTagType::kRelation}; }
LockTag LockTag::Page(uint32_t db, uint32_t rel, uint32_t block) { return {db, rel, block, 0, LockTagType::kPage}; }
LockTag LockTag::Tuple(uint32_t db, uint32_t rel, uint32_t block, uint16_t offset) {
  return {db, rel, block, offset, LockTagType::kTuple};
}
LockTag LockTag::Transaction(uint64_t xid) {
  return {static_cast<uint32_t>(xid), static_cast<uint32_t>(xid >> 32), 0, 0, LockTagType::kTransaction};
}
LockTag LockTag::VirtualTransaction(uint32_t backend_id, uint32_t local_xid) {
  return {backend_id, local_xid, 0, 0, LockTagType::kVirtualTransaction};
}
LockTag LockTag::Object(uint32_t db, uint32_t class_oid, uint32_t obj_oid, int32_t sub_id) {
  return {db, class_oid, obj_oid, static_cast<uint32_t>(sub_id), LockTagType::kObject};
}
LockTag LockTag::Advisory(uint32_t db, uint32_t key1, uint32_t key2, uint32_t kind) {
  return {db, key1, key2, kind, LockTagType::kAdvisory};
}

uint32_t LockTag::Hash() const {
  // Multiply-xorshift mixing of each field, so neighbouring relation or block
  // numbers land in different partitions.
  uint64_t h = static_cast<uint64_t>(type) * 0x9E3779B97F4A7C15ull;
  for (uint32_t f : {field1, field2, field3, field4}) {
    h ^= f;
    h *= 0xBF58476D1CE4E5B9ull;
    h ^= h >> 31;
  }
  return static_cast<uint32_t>(h ^ (h >> 32));
}

std::string DescribeLockTag(const LockTag& t) {
  auto u = [](uint32_t v) { return std::to_string(v); };
  switch (t.type) {
    case LockTagType::kRelation: return "relation " + u(t.field2) + " of database " + u(t.field1);
    case LockTagType::kPage:
      return "page " + u(t.field3) + " of relation " + u(t.field2) + " of database " + u(t.field1);
    case LockTagType::kTuple:
      return "tuple (" + u(t.field3) + "," + u(t.field4) + ") of relation " + u(t.field2) + " of database " +
             u(t.field1);
    case LockTagType::kTransaction: return "transaction " + std::to_string(t.Xid());
    case LockTagType::kVirtualTransaction: return "virtual transaction " + u(t.field1) + "/" + u(t.field2);
    case LockTagType::kObject:
      return "object " + u(t.field3) + " of class " + u(t.field2) + " of database " + u(t.field1);
    case LockTagType::kAdvisory:
      return "advisory lock [" + u(t.field1) + "," + u(t.field2) + "," + u(t.field3) + "," + u(t.field4) + "]";
  }
  return "unrecognized locktag type";
}

const char* LockTagTypeName(LockTagType type) {
  switch (type) {
    case LockTagType::kRelation: return "relation";
    case LockTagType::kPage: return "page";
    case LockTagType::kTuple: return "tuple";
    case LockTagType::kTransaction: return "transactionid";
    case LockTagType::kVirtualTransaction: return "virtualxid";
    case LockTagType::kObject: return "object";
    case LockTagType::kAdvisory: return "advisory";
  }
  return "";
}

const char* LockModeName(LockMode mode) {
  static const char* const kNames[] = {
      "INVALID", "AccessShareLock", "RowShareLock", "RowExclusiveLock", "ShareUpdateExclusiveLock",
      "ShareLock", "ShareRowExclusiveLock", "ExclusiveLock", "AccessExclusiveLock"};
  int m = static_cast<int>(mode);
  return m >= 0 && m <= kMaxLockMode ? kNames[m] : "INVALID";
}

namespace internal {

LockMask ConflictMask(LockMode m) {
  using M = LockMode;
  // PostgreSQL's table (docs, "Conflicting Lock Modes"), one row per requested mode.
  switch (m) {
    case M::kNoLock: return 0;
    case M::kAccessShare: return Bit(M::kAccessExclusive);
    case M::kRowShare: return Bit(M::kExclusive) | Bit(M::kAccessExclusive);
    case M::kRowExclusive:
      return Bit(M::kShare) | Bit(M::kShareRowExclusive) | Bit(M::kExclusive) | Bit(M::kAccessExclusive);
    case M::kShareUpdateExclusive:
      return Bit(M::kShareUpdateExclusive) | Bit(M::kShare) | Bit(M::kShareRowExclusive) | Bit(M::kExclusive) |
             Bit(M::kAccessExclusive);
    case M::kShare:
      return Bit(M::kRowExclusive) | Bit(M::kShareUpdateExclusive) | Bit(M::kShareRowExclusive) |
             Bit(M::kExclusive) | Bit(M::kAccessExclusive);
    case M::kShareRowExclusive:
      return Bit(M::kRowExclusive) | Bit(M::kShareUpdateExclusive) | Bit(M::kShare) | Bit(M::kShareRowExclusive) |
             Bit(M::kExclusive) | Bit(M::kAccessExclusive);
    case M::kExclusive:
      return Bit(M::kRowShare) | Bit(M::kRowExclusive) | Bit(M::kShareUpdateExclusive) | Bit(M::kShare) |
             Bit(M::kShareRowExclusive) | Bit(M::kExclusive) | Bit(M::kAccessExclusive);
    case M::kAccessExclusive:
      return Bit(M::kAccessShare) | Bit(M::kRowShare) | Bit(M::kRowExclusive) | Bit(M::kShareUpdateExclusive) |
             Bit(M::kShare) | Bit(M::kShareRowExclusive) | Bit(M::kExclusive) | Bit(M::kAccessExclusive);
  }
  return 0;
}

}  // namespace internal

bool ModesConflict(LockMode a, LockMode b) { return (internal::ConflictMask(a) & internal::Bit(b)) != 0; }

}  // namespace tusk::lmgr
