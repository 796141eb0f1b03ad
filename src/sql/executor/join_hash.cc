#include "sql/executor/join_hash.h"

#include <bit>
#include <functional>

namespace tusk::sql {

uint64_t JoinHashTable::Hash(int64_t key) {
  // splitmix64's finalizer: consecutive ids spread over every slot bit.
  uint64_t x = static_cast<uint64_t>(key);
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ULL;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

uint64_t JoinHashTable::Hash(std::string_view key) { return std::hash<std::string_view>{}(key); }

void JoinHashTable::Add(int64_t key, uint32_t row) {
  pending_keys_.push_back(key);
  pending_rows_.push_back(row);
}

void JoinHashTable::Add(std::string_view key, uint32_t row) {
  strings_ = true;
  pending_keys_.push_back(static_cast<int64_t>(keys_.size()));
  keys_.emplace_back(key);
  pending_rows_.push_back(row);
}

template <typename Eq>
size_t JoinHashTable::Probe(uint64_t hash, Eq same) const {
  const size_t mask = slots_.size() - 1;
  size_t i = hash & mask;
  while (slots_[i].count != 0 && !(slots_[i].hash == hash && same(slots_[i]))) i = (i + 1) & mask;
  return i;
}

void JoinHashTable::Build() {
  const size_t n = pending_rows_.size();
  slots_.assign(std::bit_ceil(std::max<size_t>(16, 2 * n)), Slot{});
  groups_ = 0;
  std::vector<uint32_t> slot_of(n);
  std::vector<std::string> distinct;
  for (size_t i = 0; i < n; ++i) {
    size_t s;
    if (strings_) {
      std::string& key = keys_[static_cast<size_t>(pending_keys_[i])];
      const uint64_t h = Hash(key);
      s = Probe(h, [&](const Slot& sl) { return distinct[static_cast<size_t>(sl.key)] == key; });
      if (slots_[s].count == 0) {
        slots_[s] = Slot{h, static_cast<int64_t>(distinct.size()), 0, 0};
        distinct.push_back(std::move(key));
        ++groups_;
      }
    } else {
      const int64_t key = pending_keys_[i];
      const uint64_t h = Hash(key);
      s = Probe(h, [&](const Slot& sl) { return sl.key == key; });
      if (slots_[s].count == 0) {
        slots_[s] = Slot{h, key, 0, 0};
        ++groups_;
      }
    }
    ++slots_[s].count;
    slot_of[i] = static_cast<uint32_t>(s);
  }
  keys_ = std::move(distinct);
  // Each key's run starts where the previous key's ends; counts restart at
  // zero and grow back to their totals as the runs are filled in row order.
  uint32_t at = 0;
  for (Slot& sl : slots_) {
    sl.first = at;
    at += sl.count;
    sl.count = 0;
  }
  rows_.resize(n);
  for (size_t i = 0; i < n; ++i) {
    Slot& sl = slots_[slot_of[i]];
    rows_[sl.first + sl.count++] = pending_rows_[i];
  }
  pending_keys_.clear();
  pending_keys_.shrink_to_fit();
  pending_rows_.clear();
  pending_rows_.shrink_to_fit();
}

std::span<const uint32_t> JoinHashTable::Run(size_t slot) const {
  const Slot& sl = slots_[slot];
  return {rows_.data() + sl.first, sl.count};
}

std::span<const uint32_t> JoinHashTable::Find(int64_t key) const {
  if (slots_.empty() || strings_) return {};
  return Run(Probe(Hash(key), [&](const Slot& sl) { return sl.key == key; }));
}

std::span<const uint32_t> JoinHashTable::Find(std::string_view key) const {
  if (slots_.empty() || !strings_) return {};
  return Run(Probe(Hash(key), [&](const Slot& sl) { return keys_[static_cast<size_t>(sl.key)] == key; }));
}

void JoinHashTable::Clear() { *this = JoinHashTable(); }

}  // namespace tusk::sql
