// The buffer mapping table: a chained hash of BufferTag -> buffer id in
// shared memory. Buckets are split among 128 partition LWLocks so lookups of
// different pages rarely contend; entries come from one spinlocked free list.
#include "storage/buffer/buf_internals.h"

namespace tusk::buffer::internal {

uint32_t TagHash(const BufferTag& tag) {
  uint64_t h = 0xCBF29CE484222325ull;
  for (uint64_t v : {uint64_t{tag.loc.spc_oid}, uint64_t{tag.loc.db_oid}, uint64_t{tag.loc.rel_number},
                     uint64_t{static_cast<uint8_t>(tag.fork)}, uint64_t{tag.block}}) {
    h ^= v;
    h *= 0x100000001B3ull;
    h ^= h >> 29;
  }
  h *= 0xBF58476D1CE4E5B9ull;
  return static_cast<uint32_t>(h ^ (h >> 32));
}

void TableInit(int nentries) {
  for (uint32_t b = 0; b < g_pool->nbuckets; ++b) g_pool->buckets[b] = -1;
  for (int i = 0; i < nentries; ++i) g_pool->entries[i].next = i + 1 < nentries ? i + 1 : -1;
  g_pool->free_head = 0;
}

int TableLookup(const BufferTag& tag, uint32_t hash) {
  for (int32_t e = g_pool->buckets[hash & (g_pool->nbuckets - 1)]; e >= 0; e = g_pool->entries[e].next)
    if (g_pool->entries[e].tag == tag) return g_pool->entries[e].buf_id;
  return -1;
}

int TableInsert(const BufferTag& tag, uint32_t hash, int buf_id) {
  int32_t& head = g_pool->buckets[hash & (g_pool->nbuckets - 1)];
  for (int32_t e = head; e >= 0; e = g_pool->entries[e].next)
    if (g_pool->entries[e].tag == tag) return g_pool->entries[e].buf_id;
  // There are nbuffers + kNumPartitions entries: each buffer has at most one
  // mapping, plus one in-flight new mapping per partition lock holder.
  g_pool->freelist_lock.Lock();
  int32_t e = g_pool->free_head;
  g_pool->free_head = g_pool->entries[e].next;
  g_pool->freelist_lock.Unlock();
  g_pool->entries[e].tag = tag;
  g_pool->entries[e].buf_id = buf_id;
  g_pool->entries[e].next = head;
  head = e;
  return -1;
}

void TableDelete(const BufferTag& tag, uint32_t hash) {
  int32_t* link = &g_pool->buckets[hash & (g_pool->nbuckets - 1)];
  while (*link >= 0) {
    HashEntry& entry = g_pool->entries[*link];
    if (entry.tag == tag) {
      int32_t e = *link;
      *link = entry.next;
      g_pool->freelist_lock.Lock();
      entry.next = g_pool->free_head;
      g_pool->free_head = e;
      g_pool->freelist_lock.Unlock();
      return;
    }
    link = &entry.next;
  }
}

}  // namespace tusk::buffer::internal
