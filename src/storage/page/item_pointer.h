// A tuple's address: block number and 1-based line-pointer offset. Heap
// tuples' ctid chains and index entries both use it.
#pragma once

#include <cstdint>

namespace tusk {

struct ItemPointer {
  uint32_t block = 0xFFFFFFFFu;
  uint16_t offset = 0;  // 0: invalid
  bool IsValid() const { return offset != 0; }
  bool operator==(const ItemPointer&) const = default;
};

}  // namespace tusk
