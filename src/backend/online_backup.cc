#include "backend/online_backup.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <ctime>
#include <thread>

#include "access/wal/wal.h"
#include "access/wal/wal_redo.h"
#include "postmaster/checkpoint.h"
#include "storage/file/control_file.h"
#include "storage/ipc/pmsignal.h"
#include "utils/log.h"
#include "utils/process_globals.h"

namespace tusk::backend {
namespace {

constexpr size_t kMaxLabelBytes = 1024;  // PostgreSQL's MAXPGPATH

// "2026-11-22 07:30:00 UTC", as PostgreSQL writes backup times.
std::string FormatBackupTime(int64_t epoch) {
  time_t t = static_cast<time_t>(epoch);
  tm parts{};
  gmtime_r(&t, &parts);
  char buf[64];
  strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S UTC", &parts);
  return buf;
}

std::string Location(wal::Lsn lsn) {
  return wal::LsnToString(lsn) + " (file " + wal::SegmentFileName(wal::SegmentOf(lsn)) + ")";
}

// Writes and fsyncs a small file in one go.
void WriteDurably(const std::string& path, const std::string& text) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0)
    throw PgError(sqlstate::kIoError, "could not create file \"" + path + "\": " + std::strerror(errno));
  bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) && ::fsync(fd) == 0;
  const int saved = errno;
  ::close(fd);
  if (!ok) throw PgError(sqlstate::kIoError, "could not write file \"" + path + "\": " + std::strerror(saved));
}

bool Exists(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0;
}

}  // namespace

OnlineBackup::~OnlineBackup() {
  if (running_) pmsignal::BackupEnded();
}

wal::Lsn OnlineBackup::Start(const std::string& label, bool fast, void (*wait_hook)()) {
  (void)fast;  // checkpoints run at full speed either way
  if (label.size() >= kMaxLabelBytes)
    throw PgError(sqlstate::kInvalidParameterValue,
                  "backup label too long (max " + std::to_string(kMaxLabelBytes) + " bytes)");
  if (running_)
    throw PgError(sqlstate::kObjectNotInPrerequisiteState, "a backup is already in progress in this session");
  // Counted before the checkpoint, as PostgreSQL raises runningBackups first:
  // a smart shutdown arriving meanwhile already sees the backup.
  pmsignal::BackupStarted();
  running_ = true;
  try {
    checkpoint::RequestAndWait(wait_hook);
    ControlData control;
    std::string error;
    if (!ReadControlFile(Globals().data_dir, &control, &error)) throw PgError(sqlstate::kIoError, error);
    start_lsn_ = control.redo_lsn;
    checkpoint_lsn_ = control.checkpoint_lsn;
  } catch (...) {
    running_ = false;
    pmsignal::BackupEnded();
    throw;
  }
  start_time_ = static_cast<int64_t>(std::time(nullptr));
  label_ = label;
  return start_lsn_;
}

BackupStopResult OnlineBackup::Stop(bool wait_for_archive, void (*wait_hook)(),
                                    const std::function<void(const ErrorData&)>& notice) {
  if (!running_) {
    PgError e(sqlstate::kObjectNotInPrerequisiteState, "backup is not in progress");
    e.Hint("Did you call pg_backup_start()?");
    throw e;
  }
  running_ = false;
  pmsignal::BackupEnded();

  BackupStopResult out;
  out.label_file = LabelFile();
  // The WAL the copy needs ends here; completing its segment lets the
  // archiver take it.
  // A backup-end record names the start: recovery from the copy is consistent
  // once it has replayed this far (PostgreSQL's XLOG_BACKUP_END).
  {
    wal::RecordBuilder b;
    b.AddData(&start_lsn_, sizeof start_lsn_);
    out.stop_lsn = b.Insert(wal::kRmgrXlog, wal::kXlogBackupEnd, 0);
  }
  wal::Flush(out.stop_lsn);
  wal::SwitchSegment();
  const int64_t stop_time = static_cast<int64_t>(std::time(nullptr));

  // The backup history file, archived like a segment.
  char suffix[32];
  std::snprintf(suffix, sizeof suffix, ".%08X.backup", static_cast<unsigned>(start_lsn_ % wal::kSegmentSize));
  const std::string history = wal::SegmentFileName(wal::SegmentOf(start_lsn_)) + suffix;
  const std::string datadir = Globals().data_dir;
  std::string text = out.label_file;
  const std::string start_part = "START WAL LOCATION: " + Location(start_lsn_) + "\n";
  text.insert(start_part.size(), "STOP WAL LOCATION: " + Location(out.stop_lsn) + "\n");
  text += "STOP TIME: " + FormatBackupTime(stop_time) + "\nSTOP TIMELINE: 1\n";
  WriteDurably(datadir + "/pg_wal/" + history, text);

  if (!wal::ArchivingActive()) {
    if (wait_for_archive)
      notice(MakeNotice(ErrLevel::kNotice, sqlstate::kSuccessfulCompletion,
                        "WAL archiving is not enabled; you must ensure that all required WAL segments are copied "
                        "through other means to complete the backup"));
    return out;
  }
  WriteDurably(wal::ArchiveStatusPath(datadir, history, ".ready"), "");
  if (!wait_for_archive) return out;
  // Wait for the last segment the backup needs and the history file.
  const std::string last_segment = wal::SegmentFileName(wal::SegmentOf(out.stop_lsn - 1));
  auto start = std::chrono::steady_clock::now();
  int warned_at = 0;
  while (!Exists(wal::ArchiveStatusPath(datadir, last_segment, ".done")) ||
         !Exists(wal::ArchiveStatusPath(datadir, history, ".done"))) {
    wait_hook();
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    int waited = static_cast<int>(
        std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() - start).count());
    if (waited >= warned_at + 60) {
      warned_at = waited;
      ErrorData w = MakeNotice(ErrLevel::kWarning, sqlstate::kWarning,
                               "still waiting for all required WAL segments to be archived (" +
                                   std::to_string(waited) + " seconds elapsed)");
      w.hint = "Check that your archive_command is executing properly.  You can safely cancel this backup, but the "
               "database backup will not be usable without all the WAL segments.";
      notice(w);
    }
  }
  notice(MakeNotice(ErrLevel::kNotice, sqlstate::kSuccessfulCompletion, "all required WAL segments have been archived"));
  return out;
}

std::string OnlineBackup::LabelFile() const {
  return "START WAL LOCATION: " + Location(start_lsn_) + "\n" +
         "CHECKPOINT LOCATION: " + wal::LsnToString(checkpoint_lsn_) + "\n" +
         "BACKUP METHOD: streamed\n"
         "BACKUP FROM: primary\n"
         "START TIME: " + FormatBackupTime(start_time_) + "\n" +
         "LABEL: " + label_ + "\n" +
         "START TIMELINE: 1\n";
}

void OnlineBackup::AbortAtExit() {
  if (!running_) return;
  running_ = false;
  pmsignal::BackupEnded();
  Log(ErrLevel::kWarning, "aborting backup due to backend exiting before pg_backup_stop was called");
}

}  // namespace tusk::backend
