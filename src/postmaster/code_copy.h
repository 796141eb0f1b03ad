#pragma once

namespace tusk::postmaster {

// Replaces the executable's read-only mappings (code and constants) with
// private anonymous copies in 2 MB pages (the link aligns its segments to
// 2 MB; the copy is padded to whole pages). Called once by the postmaster,
// single-threaded, before its first fork. Why: fork copies no page-table
// entries for file mappings, so every backend faulted its code in again, 16
// pages at a time, and unmapped it all at exit; a huge anonymous page costs
// fork one entry and the child no fault. Shared libraries stay file-backed:
// their copies would be 4 kB pages, and copying thousands of entries at every
// fork cost more than the faults saved (measured with pgbench -C); so
// libstdc++, libgcc and libcrypto are linked into the executable instead
// (CMakeLists.txt), and only libc and libm remain shared. Any
// failure leaves that mapping as it was. TUSK_KEEP_FILE_CODE=1 skips it (perf
// then resolves symbols from the file).
void CopyCodeToAnonymousMemory();

}  // namespace tusk::postmaster
