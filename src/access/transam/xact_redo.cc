// kRmgrXact records: encoding and decoding of commit/abort bodies, and their
// redo, which re-sets the clog and keeps the next-xid counter past every xid
// the WAL mentions, so no xid is handed out twice after a crash.
#include <algorithm>
#include <cstring>

#include "access/transam/clog.h"
#include "access/transam/transam.h"
#include "access/transam/xact.h"
#include "access/transam/xact_record.h"
#include "access/wal/wal_redo.h"
#include "utils/error.h"

namespace tusk::xact {

namespace internal {

namespace {
void PutLe(std::string* out, uint64_t v, int bytes) {
  for (int i = 0; i < bytes; ++i) out->push_back(static_cast<char>((v >> (8 * i)) & 0xFF));
}
uint64_t GetLe(const char* p, int bytes) {
  uint64_t v = 0;
  for (int i = 0; i < bytes; ++i) v |= static_cast<uint64_t>(static_cast<uint8_t>(p[i])) << (8 * i);
  return v;
}
}  // namespace

std::string EncodeXactRecord(const XactRecord& rec) {
  std::string out;
  out.reserve(kXactRecordFixed + 8 * rec.xids.size());
  PutLe(&out, static_cast<uint64_t>(rec.time_us), 8);
  PutLe(&out, rec.xids.size(), 4);
  PutLe(&out, 0, 4);
  for (uint64_t x : rec.xids) PutLe(&out, x, 8);
  return out;
}

bool DecodeXactRecord(std::string_view data, XactRecord* rec) {
  if (data.size() < kXactRecordFixed) return false;
  uint64_t n = GetLe(data.data() + 8, 4);
  if (data.size() != kXactRecordFixed + 8 * n) return false;
  rec->time_us = static_cast<int64_t>(GetLe(data.data(), 8));
  rec->xids.resize(n);
  for (uint64_t i = 0; i < n; ++i) rec->xids[i] = GetLe(data.data() + kXactRecordFixed + 8 * i, 8);
  return true;
}

}  // namespace internal

namespace {

void XactRedo(const wal::DecodedRecord& record) {
  internal::XactRecord rec;
  if (!internal::DecodeXactRecord(record.main_data, &rec) || rec.xids.empty())
    throw PgError(sqlstate::kDataCorrupted,
                  "invalid transaction record at " + wal::LsnToString(record.lsn), ErrLevel::kPanic);
  uint64_t max_xid = std::max(record.xid, *std::max_element(rec.xids.begin(), rec.xids.end()));
  // First: the counter passes the xids, which also creates their clog pages.
  transam::AdvanceNextXidPast(max_xid);
  std::vector<uint64_t> rest(rec.xids.begin() + 1, rec.xids.end());
  switch (record.info & 0xF0) {
    case kXactCommit:
      transam::clog::SetStatus(rec.xids[0], rest, transam::XidStatus::kCommitted);
      break;
    case kXactAbort:
      transam::clog::SetStatus(rec.xids[0], rest, transam::XidStatus::kAborted);
      break;
    default:
      throw PgError(sqlstate::kDataCorrupted,
                    "unknown transaction record type " + std::to_string(record.info) + " at " +
                        wal::LsnToString(record.lsn),
                    ErrLevel::kPanic);
  }
}

}  // namespace

void RegisterXactRmgr() { wal::RegisterRmgr(wal::kRmgrXact, "Transaction", &XactRedo); }

}  // namespace tusk::xact
