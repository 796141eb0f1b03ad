// Reading and writing global/pg_control with a CRC, in place and fsynced.
#include "storage/file/control_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <cstring>
#include <ctime>

#include "utils/crc32c.h"

namespace tusk {

static_assert(sizeof(ControlData) <= kControlFileSize);

const char* DbStateName(DbState state) {
  switch (state) {
    case DbState::kStartup: return "starting up";
    case DbState::kShutdowned: return "shut down";
    case DbState::kShutdownedInRecovery: return "shut down in recovery";
    case DbState::kShutdowning: return "shutting down";
    case DbState::kInCrashRecovery: return "in crash recovery";
    case DbState::kInArchiveRecovery: return "in archive recovery";
    case DbState::kInProduction: return "in production";
  }
  return "unrecognized status code";
}

static uint32_t ComputeCrc(const ControlData& d) {
  return Crc32c(0, &d, offsetof(ControlData, crc));
}

bool ReadControlFile(const std::string& datadir, ControlData* out, std::string* error) {
  std::string path = datadir + "/" + kControlFilePath;
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    *error = "could not open file \"" + path + "\": " + strerror(errno);
    return false;
  }
  char buf[kControlFileSize];
  ssize_t n = pread(fd, buf, sizeof buf, 0);
  int saved = errno;
  close(fd);
  if (n < 0) {
    *error = "could not read file \"" + path + "\": " + strerror(saved);
    return false;
  }
  if (static_cast<size_t>(n) != sizeof buf) {
    *error = "could not read file \"" + path + "\": read " + std::to_string(n) + " of " +
             std::to_string(sizeof buf);
    return false;
  }
  memcpy(out, buf, sizeof *out);
  if (out->magic != ControlData{}.magic || out->crc != ComputeCrc(*out)) {
    *error = "incorrect checksum in control file";
    return false;
  }
  if (out->version != ControlData{}.version) {
    *error = "database files are incompatible with server: the cluster was initialized with format version " +
             std::to_string(out->version) + ", but the server was compiled with format version " +
             std::to_string(ControlData{}.version) + " (it looks like you need to initdb)";
    return false;
  }
  return true;
}

bool WriteControlFile(const std::string& datadir, ControlData* data, std::string* error) {
  data->time = static_cast<int64_t>(::time(nullptr));
  data->crc = ComputeCrc(*data);
  char buf[kControlFileSize] = {};
  memcpy(buf, data, sizeof *data);
  std::string path = datadir + "/" + kControlFilePath;
  int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) {
    *error = "could not open file \"" + path + "\": " + strerror(errno);
    return false;
  }
  ssize_t n = pwrite(fd, buf, sizeof buf, 0);
  if (n != static_cast<ssize_t>(sizeof buf)) {
    *error = "could not write to file \"" + path + "\": " + (n < 0 ? strerror(errno) : "short write");
    close(fd);
    return false;
  }
  if (fsync(fd) != 0) {
    *error = "could not fsync file \"" + path + "\": " + strerror(errno);
    close(fd);
    return false;
  }
  close(fd);
  return true;
}

}  // namespace tusk
