// CRC-32C (Castagnoli), used by the control file and WAL records.
#pragma once

#include <cstddef>
#include <cstdint>

namespace tusk {

// Extends `crc` (start with 0) over `len` bytes.
uint32_t Crc32c(uint32_t crc, const void* data, size_t len);

}  // namespace tusk
