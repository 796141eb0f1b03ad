// Catalog invalidation, coarse: one shared counter that every committed or
// aborted catalog change advances. A backend compares it with the value its
// caches were built at before each statement and drops them all when it
// moved. (PostgreSQL's per-object message queue is the refinement: this
// never misses a change, it only rebuilds more than needed.)
#pragma once

#include <cstddef>
#include <cstdint>

namespace tusk::sinval {

size_t ShmemSize();
void ShmemInit();

uint64_t CatalogVersion();
// After a transaction that wrote catalog rows ends (either way).
void CatalogChanged();

// Relation files shrink only by vacuum's truncation, which advances this
// counter: a process may trust a block number it remembered (an insert
// target) without asking the file's size while the counter stands still.
uint64_t TruncationCount();
void RelationTruncated();

}  // namespace tusk::sinval
