// The WAL sender's command loop and its small commands (IDENTIFY_SYSTEM,
// SHOW, TIMELINE_HISTORY, the slot commands). Errors are reported as in a
// backend: an ERROR ends the command (and drops this connection's temporary
// slots, as PostgreSQL does), a FATAL ends the connection.
#include "replication/walsender.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>

#include "access/wal/wal.h"
#include "backend/backend.h"
#include "backend/interrupts.h"
#include "protocol/message.h"
#include "replication/walsender_internal.h"
#include "storage/file/control_file.h"
#include "storage/ipc/latch.h"
#include "storage/ipc/proc_array.h"
#include "storage/lmgr/lwlock.h"
#include "utils/guc.h"
#include "utils/lock_file.h"
#include "utils/log.h"
#include "utils/process_globals.h"
#include "utils/ps_title.h"
#include "utils/timestamp.h"

namespace tusk::replication {

int64_t NowPgMicros() { return NowMicros() - kPgEpochOffsetMicros; }

namespace {

int16_t TypeLength(uint32_t type) {
  switch (type) {
    case 23: case 26: return 4;
    case 20: return 8;
    default: return -1;
  }
}

}  // namespace

void WalSender::SendRowDescription(const std::vector<Column>& columns) {
  protocol::MessageWriter w(&conn_.out(), 'T');
  w.Int16(static_cast<int16_t>(columns.size()));
  for (const Column& c : columns) {
    w.CString(c.name).Int32(0).Int16(0).Int32(static_cast<int32_t>(c.type)).Int16(TypeLength(c.type)).Int32(-1).Int16(0);
  }
}

void WalSender::SendDataRow(const std::vector<std::optional<std::string>>& values) {
  protocol::AppendDataRow(&conn_.out(), values);
}

void WalSender::SendCommandComplete(const std::string& tag) {
  protocol::MessageWriter(&conn_.out(), 'C').CString(tag);
}

void WalSender::SendNotice(const ErrorData& notice) {
  LogEntry(notice);
  if (notice.level >= static_cast<ErrLevel>(guc::V().client_min_messages) || notice.level == ErrLevel::kInfo)
    protocol::AppendErrorMessage(&conn_.out(), notice, true);
}

void WalSender::CheckInterrupts() {
  if (!latch::PostmasterIsAlive())
    throw MakeFatal(sqlstate::kAdminShutdown, "terminating connection due to unexpected postmaster exit");
  if (backend::TakeReloadRequest()) ReloadConfigInChild();
  backend::CheckForInterrupts();
}

void WalSender::SetActivity(const std::string& activity) { SetPsActivity(activity); }

bool WalSender::SmartShutdownDone() {
  if (shutdown_done_) return true;
  const int64_t now = NowMicros();
  if (now - shutdown_checked_us_ < 500000) return false;
  shutdown_checked_us_ = now;
  // The postmaster marks its lock file "stopping" at any shutdown request; a
  // fast one also sends us SIGTERM, a smart one waits for the sessions, and
  // then for us.
  std::string error;
  std::optional<LockFileContents> lock = ReadLockFile(Globals().data_dir, &error);
  if (!lock || lock->status != "stopping") return false;
  for (const ProcSnapshot& p : proc_array::SnapshotAll())
    if (p.type == BackendType::kClientBackend || p.type == BackendType::kAutovacuumWorker ||
        p.type == BackendType::kParallelWorker)
      return false;
  shutdown_done_ = true;
  return true;
}

bool WalSender::WaitForCommand() {
  while (!conn_.HasBufferedInput()) {
    const int rc = latch::WaitLatch(conn_.fd(), latch::kSocketReadable, 1000);
    if (rc & latch::kLatchSet) latch::ResetLatch();
    if (rc & latch::kPostmasterDeath)
      throw MakeFatal(sqlstate::kAdminShutdown, "terminating connection due to unexpected postmaster exit");
    CheckInterrupts();
    if (rc & latch::kSocketReadable) break;
    if (SmartShutdownDone()) return false;
  }
  return true;
}

void WalSender::ReadyForQuery() { protocol::AppendReadyForQuery(&conn_.out(), 'I'); }

void WalSender::SetIdle() {
  info_.state = SenderState::kStartup;
  info_.keep = 0;
  Publish();
  if (ProcSlot* slot = proc_array::MySlot()) {
    proc_array::SlotWriter w(slot);
    slot->state = SessionState::kIdle;
    slot->state_change_us = NowMicros();
  }
  SetActivity("idle");
}

void WalSender::ReportError(const ErrorData& data) {
  LogEntry(data);
  protocol::AppendErrorMessage(&conn_.out(), data, false);
}

void WalSender::Startup() {
  for (const auto& [name, value] : params_.startup_settings) {
    try {
      guc::SetConfigOption(name, value, params_.superuser, false, guc::Source::kClient);
    } catch (PgError& e) {
      e.data().level = ErrLevel::kFatal;
      throw;
    }
  }
  guc::SetInternalOption("session_authorization", params_.user);
  guc::SetInternalOption("is_superuser", params_.superuser ? "on" : "off");
  backend::AppendStartupReport(&conn_.out(), params_.cancel_key);
}

int WalSender::Run() {
  backend::SetQuitMessageSink([this](const ErrorData& d) {
    protocol::AppendErrorMessage(&conn_.out(), d, true);
    conn_.FlushBestEffort();
  });
  conn_.SetWakeHook([this](int rc) {
    if (rc & latch::kPostmasterDeath)
      throw MakeFatal(sqlstate::kAdminShutdown, "terminating connection due to unexpected postmaster exit");
    CheckInterrupts();
  });
  RegisterSender();
  int exit_code = 0;
  try {
    Startup();
    SetIdle();
    ReadyForQuery();
    for (;;) {
      conn_.Flush();
      if (conn_.broken()) break;
      if (!WaitForCommand()) break;  // a smart shutdown waits for us
      char type;
      std::string body;
      if (!conn_.ReadMessage(&type, &body)) break;  // the client left
      if (type == 'X') break;
      if (type != 'Q') {
        if (type == 'd' || type == 'c' || type == 'f') continue;  // stray COPY data, as PostgreSQL ignores it
        if (type == 'P' || type == 'B' || type == 'E' || type == 'D' || type == 'S' || type == 'C' || type == 'H')
          throw MakeFatal(sqlstate::kProtocolViolation, "extended query protocol not supported in a replication connection");
        throw MakeFatal(sqlstate::kProtocolViolation,
                        "invalid frontend message type " + std::to_string(static_cast<unsigned char>(type)));
      }
      protocol::MessageReader r(body);
      std::string query(r.CString());
      r.ExpectEnd();
      try {
        Execute(query);
      } catch (const PgError& e) {
        if (e.data().level >= ErrLevel::kFatal) throw;
        backend::StatementFinished();
        ReleaseAllLWLocks();
        ReportError(e.data());
        CleanupSlotsOfThisProcess();
      }
      SetIdle();
      ReadyForQuery();
    }
  } catch (const EndOfSession&) {
    exit_code = 0;
  } catch (const PgError& e) {
    ErrorData d = e.data();
    d.level = ErrLevel::kFatal;
    if (d.sqlstate != sqlstate::kProtocolViolation || !conn_.broken()) LogEntry(d);
    if (!conn_.broken()) {
      protocol::AppendErrorMessage(&conn_.out(), d, false);
      conn_.FlushBestEffort();
    }
    exit_code = 1;
  }
  ReleaseAllLWLocks();
  UnregisterSender();
  proc_array::ReleaseMySlot();
  return exit_code;
}

void WalSender::Execute(const std::string& query) {
  if (guc::V().log_replication_commands) LogLine("received replication command: " + query);
  std::optional<Command> cmd;
  {
    // Tokens are read before anything else, so a syntax error reports as one.
    cmd = ParseCommand(query);
  }
  if (!cmd) {
    if (query.find_first_not_of(" \t\r\n;") == std::string::npos) {
      protocol::MessageWriter(&conn_.out(), 'I');  // EmptyQueryResponse
      return;
    }
    throw MakeError(sqlstate::kFeatureNotSupported, "cannot execute SQL commands in WAL sender for physical replication");
  }
  if (ProcSlot* slot = proc_array::MySlot()) {
    proc_array::SlotWriter w(slot);
    slot->state = SessionState::kRunning;
    slot->query_start_us = NowMicros();
    slot->state_change_us = slot->query_start_us;
    proc_array::CopyString(slot->query, sizeof slot->query, query);
  }
  backend::StatementStarted(0);
  switch (cmd->kind) {
    case CommandKind::kIdentifySystem: IdentifySystem(); break;
    case CommandKind::kShow: Show(cmd->name); break;
    case CommandKind::kTimelineHistory: TimelineHistory(cmd->timeline); break;
    case CommandKind::kCreateSlot: CreateSlot(*cmd); break;
    case CommandKind::kDropSlot: DropSlot(*cmd); break;
    case CommandKind::kReadSlot: ReadSlot(*cmd); break;
    case CommandKind::kBaseBackup: BaseBackup(*cmd); break;
    case CommandKind::kStartReplication: StartReplication(*cmd); break;
  }
  backend::StatementFinished();
}

void WalSender::IdentifySystem() {
  SetActivity("IDENTIFY_SYSTEM");
  ControlData control;
  std::string error;
  if (!ReadControlFile(Globals().data_dir, &control, &error)) throw MakeError(sqlstate::kIoError, error);
  SendRowDescription({{"systemid", 25}, {"timeline", 23}, {"xlogpos", 25}, {"dbname", 25}});
  SendDataRow({std::to_string(control.system_identifier), std::to_string(wal::kTimeline),
               wal::LsnToString(wal::FlushedPosition()), std::nullopt});
  SendCommandComplete("IDENTIFY_SYSTEM");
}

void WalSender::Show(const std::string& name) {
  SetActivity("SHOW");
  std::optional<std::string> value = guc::ShowConfigOption(name, true);
  if (!value && name == "data_directory_mode") {
    // Not a setting of Tusk's own: the mode of the directory itself, as PostgreSQL reports it.
    struct stat st;
    if (::stat(Globals().data_dir.c_str(), &st) == 0) {
      char buf[16];
      std::snprintf(buf, sizeof buf, "%04o", static_cast<unsigned>(st.st_mode & 0777));
      value = buf;
    }
  }
  if (!value) value = guc::ShowConfigOption(name, false);  // throws PostgreSQL's 42704
  std::string column = name;
  SendRowDescription({{column.c_str(), 25}});
  SendDataRow({*value});
  SendCommandComplete("SHOW");
}

void WalSender::TimelineHistory(uint32_t timeline) {
  SetActivity("TIMELINE_HISTORY");
  char name[32];
  std::snprintf(name, sizeof name, "%08X.history", timeline);
  const std::string rel = std::string("pg_wal/") + name;
  FILE* f = std::fopen((Globals().data_dir + "/" + rel).c_str(), "rb");
  if (f == nullptr) {
    const int e = errno;
    throw MakeError(e == ENOENT ? sqlstate::kUndefinedFile : sqlstate::kIoError,
                    "could not open file \"" + rel + "\": " + std::strerror(e));
  }
  std::string content;
  char buf[8192];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) content.append(buf, n);
  std::fclose(f);
  SendRowDescription({{"filename", 25}, {"content", 17}});
  SendDataRow({std::string(name), content});
  SendCommandComplete("TIMELINE_HISTORY");
}

namespace {

void CheckSlotRequirements() {
  if (guc::V().max_replication_slots == 0)
    throw MakeError(sqlstate::kObjectNotInPrerequisiteState,
                    "replication slots can only be used if max_replication_slots > 0");
  if (guc::V().wal_level == "minimal")
    throw MakeError(sqlstate::kObjectNotInPrerequisiteState,
                    "replication slots can only be used if wal_level >= replica");
}

bool OptionBool(const GenericOption& o) {
  if (!o.value) return true;
  std::string v = *o.value;
  for (char& c : v) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (v == "true" || v == "on" || v == "yes" || v == "1" || v == "t" || v == "y") return true;
  if (v == "false" || v == "off" || v == "no" || v == "0" || v == "f" || v == "n") return false;
  throw MakeError(sqlstate::kSyntaxError, o.name + " requires a Boolean value");
}

}  // namespace

void WalSender::CreateSlot(const Command& cmd) {
  SetActivity("CREATE_REPLICATION_SLOT");
  if (cmd.logical)
    throw MakeError(sqlstate::kFeatureNotSupported, "logical decoding requires a database connection");
  bool reserve = false, seen = false;
  for (const GenericOption& o : cmd.options) {
    if (o.name != "reserve_wal") throw MakeError(sqlstate::kInternalError, "unrecognized option: " + o.name);
    if (seen) throw MakeError(sqlstate::kSyntaxError, "conflicting or redundant options");
    seen = true;
    reserve = OptionBool(o);
  }
  CheckSlotName(cmd.name);
  CheckSlotRequirements();
  replication::CreateSlot(cmd.name, cmd.temporary, reserve ? wal::GetRedoPointer() : wal::kInvalidLsn);
  SendRowDescription({{"slot_name", 25}, {"consistent_point", 25}, {"snapshot_name", 25}, {"output_plugin", 25}});
  SendDataRow({cmd.name, std::string("0/0"), std::nullopt, std::nullopt});
  SendCommandComplete("CREATE_REPLICATION_SLOT");
}

void WalSender::DropSlot(const Command& cmd) {
  SetActivity("DROP_REPLICATION_SLOT");
  replication::DropSlot(cmd.name, cmd.wait, [] { backend::CheckForInterrupts(); });
  SendCommandComplete("DROP_REPLICATION_SLOT");
}

void WalSender::ReadSlot(const Command& cmd) {
  SetActivity("READ_REPLICATION_SLOT");
  CheckSlotRequirements();
  std::optional<SlotInfo> slot = FindSlot(cmd.name);
  SendRowDescription({{"slot_type", 25}, {"restart_lsn", 25}, {"restart_tli", 20}});
  if (!slot) {
    SendDataRow({std::nullopt, std::nullopt, std::nullopt});
  } else if (slot->restart_lsn == wal::kInvalidLsn) {
    SendDataRow({std::string("physical"), std::nullopt, std::nullopt});
  } else {
    SendDataRow({std::string("physical"), wal::LsnToString(slot->restart_lsn), std::to_string(wal::kTimeline)});
  }
  SendCommandComplete("READ_REPLICATION_SLOT");
}

int WalSenderMain(protocol::Connection& conn, const WalSenderParams& params) {
  WalSender sender(conn, params);
  return sender.Run();
}

}  // namespace tusk::replication
