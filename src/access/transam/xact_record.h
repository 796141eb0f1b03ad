// Byte layout of kRmgrXact commit and abort records, shared by the writer
// (xact.cc) and redo (xact_redo.cc). Little-endian, as everything in WAL:
//   int64 time_us | uint32 nxids | uint32 reserved | uint64 xids[nxids]
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace tusk::xact::internal {

// Commit: xids[0] is the top-level xid, the rest its committed subxids.
// Abort: every listed xid is aborted (a whole transaction, or the
// subtransactions a ROLLBACK TO discarded). The record header's xid is the
// top-level xid in both cases.
struct XactRecord {
  int64_t time_us = 0;
  std::vector<uint64_t> xids;
};

inline constexpr size_t kXactRecordFixed = 16;

std::string EncodeXactRecord(const XactRecord& rec);
// False if `data` is too short or its count does not match its length.
bool DecodeXactRecord(std::string_view data, XactRecord* rec);

}  // namespace tusk::xact::internal
