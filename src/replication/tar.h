// ustar (POSIX 1003.1-2008) headers for the base backup's archives, laid out
// as PostgreSQL's pg_basebackup reads them: 512-byte header blocks, numbers
// in octal followed by a space, data padded to 512 bytes, and an archive
// ended by two zero blocks.
#pragma once

#include <cstdint>
#include <string>

namespace tusk::replication {

inline constexpr size_t kTarBlock = 512;

enum class TarType : char { kFile = '0', kSymlink = '2', kDirectory = '5' };

struct TarEntry {
  std::string path;  // relative; directories get a trailing '/' added
  TarType type = TarType::kFile;
  uint64_t size = 0;  // files only
  uint32_t mode = 0600;
  int64_t mtime = 0;  // seconds since the epoch
  uint32_t uid = 0, gid = 0;
  std::string owner, group;  // user and group names ("" leaves them empty)
  std::string link_target;   // symlinks
};

// Appends the entry's 512-byte header to *out. False (nothing appended) when
// the path does not fit ustar's 100-byte name plus 155-byte prefix, or the
// size does not fit 11 octal digits.
[[nodiscard]] bool AppendTarHeader(std::string* out, const TarEntry& entry);

// Zero bytes that complete a member of `size` bytes to a whole block.
inline size_t TarPadding(uint64_t size) { return static_cast<size_t>((kTarBlock - size % kTarBlock) % kTarBlock); }

// The two zero blocks that end an archive.
inline std::string TarTrailer() { return std::string(2 * kTarBlock, '\0'); }

}  // namespace tusk::replication
