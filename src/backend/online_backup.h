// Non-exclusive online backups (PostgreSQL 15's pg_backup_start and
// pg_backup_stop). A backup belongs to the session that started it; while
// any runs, the shared counter lets a smart shutdown still admit superusers.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "access/wal/wal_format.h"
#include "utils/error.h"

namespace tusk::backend {

struct BackupStopResult {
  wal::Lsn stop_lsn = 0;
  std::string label_file;  // the backup_label contents for the copy
  std::string spcmap_file;  // tablespace_map contents ("" without tablespaces)
};

class OnlineBackup {
 public:
  OnlineBackup() = default;
  ~OnlineBackup();
  OnlineBackup(const OnlineBackup&) = delete;
  OnlineBackup& operator=(const OnlineBackup&) = delete;

  bool running() const { return running_; }
  // Checkpoints (at once when fast; Tusk's checkpoints are never spread) and
  // returns the redo point the backup starts from. Errors as PostgreSQL:
  // 55000 when this session already runs one, 22023 for a label over 1024 bytes.
  wal::Lsn Start(const std::string& label, bool fast, void (*wait_hook)());
  // Ends the backup: switches to a new WAL segment, writes the backup history
  // file (pg_wal/SEGMENT.OFFSET.backup), and with archiving on and
  // wait_for_archive waits until both are archived. Notices go to `notice`.
  BackupStopResult Stop(bool wait_for_archive, void (*wait_hook)(),
                        const std::function<void(const ErrorData&)>& notice);
  // The session ends with a backup running: logs PostgreSQL's WARNING.
  void AbortAtExit();
  // The backup_label text of the running (or just stopped) backup; known
  // from Start on, so BASE_BACKUP can send it first.
  std::string LabelFile() const;

 private:
  bool running_ = false;
  wal::Lsn start_lsn_ = 0;
  wal::Lsn checkpoint_lsn_ = 0;
  int64_t start_time_ = 0;
  std::string label_;
};

}  // namespace tusk::backend
