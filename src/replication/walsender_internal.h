// The WAL sender's session object, shared by walsender.cc (command loop and
// the small commands), basebackup.cc and wal_stream.cc.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "protocol/connection.h"
#include "replication/repl_command.h"
#include "replication/repl_shared.h"
#include "replication/walsender.h"

namespace tusk::replication {

// Microseconds since 2000-01-01 (the replication protocol's clock).
int64_t NowPgMicros();
inline constexpr int64_t kPgEpochOffsetMicros = 946684800LL * 1000000;

// Thrown to end the connection quietly (the client left or timed out; the
// reason is already logged).
struct EndOfSession {};

class WalSender {
 public:
  WalSender(protocol::Connection& conn, const WalSenderParams& params) : conn_(conn), params_(params) {}
  int Run();

  // ---- for the command implementations ----
  struct Column {
    const char* name;
    uint32_t type;  // text 25, int4 23, int8 20, oid 26, bytea 17
  };
  void SendRowDescription(const std::vector<Column>& columns);
  void SendDataRow(const std::vector<std::optional<std::string>>& values);
  void SendCommandComplete(const std::string& tag);
  void SendNotice(const ErrorData& notice);
  // Safe point: interrupts, postmaster death, configuration reload.
  void CheckInterrupts();
  // Publishes info_ to shared memory (pg_stat_replication).
  void Publish() { UpdateSender(info_); }
  void SetActivity(const std::string& activity);
  // A smart shutdown is under way and no client session is left: time for
  // this sender to finish (checked at most every half second).
  bool SmartShutdownDone();

  void BaseBackup(const Command& cmd);        // basebackup.cc
  void StartReplication(const Command& cmd);  // wal_stream.cc

  protocol::Connection& conn_;
  const WalSenderParams& params_;
  SenderInfo info_;

 private:
  void Startup();
  void Execute(const std::string& query);
  void IdentifySystem();
  void Show(const std::string& name);
  void TimelineHistory(uint32_t timeline);
  void CreateSlot(const Command& cmd);
  void DropSlot(const Command& cmd);
  void ReadSlot(const Command& cmd);
  void ReportError(const ErrorData& data);
  void ReadyForQuery();
  void SetIdle();
  // Waits for the next command; false when the connection should end.
  bool WaitForCommand();

  int64_t shutdown_checked_us_ = 0;
  bool shutdown_done_ = false;
};

}  // namespace tusk::replication
