// What a leader tells each parallel worker (written into its slot's request
// area): whose worker it is, where to read, as of which snapshot, and the
// engine's encoding of the work itself (sql::RunParallelWorker).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "access/transam/snapshot.h"

namespace tusk::backend {

struct ParallelRequest {
  uint32_t database_oid = 0;
  std::string database, user;
  uint32_t role_oid = 0;
  bool superuser = false;
  uint32_t relid = 0;
  transam::Snapshot snapshot;
  int64_t xact_start_us = 0, stmt_start_us = 0;
  std::string query;  // the leader's, for pg_stat_activity
  std::string work;   // the engine's part
};

std::string EncodeParallelRequest(const ParallelRequest& r);
// Throws PgError XX000 on a damaged request.
ParallelRequest DecodeParallelRequest(std::string_view bytes);

}  // namespace tusk::backend
