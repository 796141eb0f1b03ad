#include "storage/file/sync_dir.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <system_error>
#include <vector>

#include "utils/log.h"

namespace tusk {
namespace {

namespace fs = std::filesystem;

bool FsyncPath(const std::string& path, bool is_dir, std::string* error) {
  int fd = open(path.c_str(), (is_dir ? O_RDONLY | O_DIRECTORY : O_RDONLY) | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return true;
    *error = "could not open \"" + path + "\": " + strerror(errno);
    return false;
  }
  if (fsync(fd) != 0 && !(is_dir && (errno == EBADF || errno == EINVAL))) {
    *error = "could not fsync file \"" + path + "\": " + strerror(errno);
    close(fd);
    return false;
  }
  close(fd);
  return true;
}

}  // namespace

bool FsyncTree(const std::string& dir, std::string* error) {
  std::vector<std::string> dirs{dir};
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(dir, fs::directory_options::skip_permission_denied, ec);
       !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    std::error_code kind_ec;
    if (it->is_directory(kind_ec)) {
      dirs.push_back(it->path().string());
    } else if (it->is_regular_file(kind_ec)) {
      if (!FsyncPath(it->path().string(), false, error)) return false;
    }
  }
  if (ec && ec != std::errc::no_such_file_or_directory) {
    *error = "could not read directory \"" + dir + "\": " + ec.message();
    return false;
  }
  for (auto it = dirs.rbegin(); it != dirs.rend(); ++it)
    if (!FsyncPath(*it, true, error)) return false;
  return FsyncPath(fs::path(dir).parent_path().string(), true, error);
}

bool SyncDataDirectory(const std::string& dir) {
  std::string error;
  if (FsyncTree(dir, &error)) return true;
  Log(ErrLevel::kLog, error);
  return false;
}

}  // namespace tusk
