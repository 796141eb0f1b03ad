// ustar header layout (offsets): name 0 (100), mode 100 (8), uid 108 (8),
// gid 116 (8), size 124 (12), mtime 136 (12), checksum 148 (8), type 156,
// link name 157 (100), magic "ustar\0" 257, version "00" 263, owner 265
// (32), group 297 (32), device major 329 (8), minor 337 (8), prefix 345 (155).
#include "replication/tar.h"

#include <cstdio>
#include <cstring>

namespace tusk::replication {
namespace {

// `width - 1` octal digits, then a space (what PostgreSQL writes).
bool PutOctal(char* field, size_t width, uint64_t value) {
  const size_t digits = width - 1;
  if (digits < 22 && value >> (3 * digits) != 0) return false;
  for (size_t i = digits; i-- > 0;) {
    field[i] = static_cast<char>('0' + (value & 7));
    value >>= 3;
  }
  field[digits] = ' ';
  return true;
}

void PutString(char* field, size_t width, const std::string& s) {
  std::memcpy(field, s.data(), std::min(width, s.size()));
}

}  // namespace

bool AppendTarHeader(std::string* out, const TarEntry& entry) {
  char h[kTarBlock];
  std::memset(h, 0, sizeof h);
  std::string path = entry.path;
  if (entry.type == TarType::kDirectory && (path.empty() || path.back() != '/')) path += '/';
  // A long path is split at a '/' into prefix (up to 155) and name (up to 100).
  std::string prefix, name = path;
  if (name.size() > 100) {
    size_t cut = path.find('/', path.size() > 101 ? path.size() - 101 : 0);
    while (cut != std::string::npos && path.size() - cut - 1 > 100) cut = path.find('/', cut + 1);
    if (cut == std::string::npos || cut > 155 || cut == 0 || path.size() - cut - 1 == 0) return false;
    prefix = path.substr(0, cut);
    name = path.substr(cut + 1);
  }
  if (entry.link_target.size() > 100) return false;
  PutString(h, 100, name);
  if (!PutOctal(h + 100, 8, entry.mode & 07777) || !PutOctal(h + 108, 8, entry.uid) ||
      !PutOctal(h + 116, 8, entry.gid) ||
      !PutOctal(h + 124, 12, entry.type == TarType::kFile ? entry.size : 0) ||
      !PutOctal(h + 136, 12, entry.mtime < 0 ? 0 : static_cast<uint64_t>(entry.mtime)))
    return false;
  h[156] = static_cast<char>(entry.type);
  PutString(h + 157, 100, entry.link_target);
  std::memcpy(h + 257, "ustar", 6);  // with its NUL
  std::memcpy(h + 263, "00", 2);
  PutString(h + 265, 31, entry.owner);
  PutString(h + 297, 31, entry.group);
  (void)PutOctal(h + 329, 8, 0);
  (void)PutOctal(h + 337, 8, 0);
  PutString(h + 345, 155, prefix);
  // The checksum counts its own field as eight spaces.
  std::memset(h + 148, ' ', 8);
  uint32_t sum = 0;
  for (unsigned char c : h) sum += c;
  (void)PutOctal(h + 148, 8, sum);
  out->append(h, sizeof h);
  return true;
}

}  // namespace tusk::replication
