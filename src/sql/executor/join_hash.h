// A hash join's table of inner rows: each key maps to a run of row numbers
// in one flat array, found through an open-addressing slot array. A probe
// reads one or two slots and then one contiguous run, where a node-based
// map chased a pointer per bucket and per key vector (the probe side of a
// 1M-row join spent most of its time in those cache misses).
//
// Use: Add every inner row's key (integers or encoded strings, one kind per
// table), Build once, then Find per outer row. Runs keep the order rows
// were added in.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace tusk::sql {

class JoinHashTable {
 public:
  void Add(int64_t key, uint32_t row);
  void Add(std::string_view key, uint32_t row);
  void Build();
  std::span<const uint32_t> Find(int64_t key) const;
  std::span<const uint32_t> Find(std::string_view key) const;
  void Clear();
  size_t distinct_keys() const { return groups_; }

 private:
  struct Slot {
    uint64_t hash = 0;
    int64_t key = 0;     // the integer key, or the index of the string key in keys_
    uint32_t first = 0;  // start of the key's run in rows_
    uint32_t count = 0;  // 0: empty slot
  };
  static uint64_t Hash(int64_t key);
  static uint64_t Hash(std::string_view key);
  // The slot holding the key, or the empty slot where it would go.
  template <typename Eq>
  size_t Probe(uint64_t hash, Eq same) const;
  std::span<const uint32_t> Run(size_t slot) const;

  bool strings_ = false;
  std::vector<int64_t> pending_keys_;      // per added row: integer key or keys_ index
  std::vector<uint32_t> pending_rows_;
  std::vector<std::string> keys_;          // string keys as added (duplicates kept until Build)
  std::vector<Slot> slots_;                // power-of-two size, at most half full
  std::vector<uint32_t> rows_;             // the runs, back to back
  size_t groups_ = 0;
};

}  // namespace tusk::sql
