// fsync of a whole data directory: every regular file, then every directory
// (their entries name the files), then the directory's parent. Used by
// initdb and by the sync step of a suspend (contract 11).
#pragma once

#include <string>

namespace tusk {

// False with *error ("could not fsync file \"PATH\": REASON") at the first
// failure. A file that vanishes during the walk (a temporary file) is skipped;
// a directory refusing fsync (EBADF, EINVAL on some filesystems) is not a failure.
bool FsyncTree(const std::string& dir, std::string* error);

// FsyncTree, logging the failure at LOG; for server processes.
bool SyncDataDirectory(const std::string& dir);

}  // namespace tusk
