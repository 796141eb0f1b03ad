// The role file DATADIR/global/tusk_roles: a versioned text file, one escaped
// role per line, sealed with a CRC-32C trailer (docs/formats/roles.md).
// Writers lock tusk_roles.lock, re-read, and replace the file atomically.

#include "catalog/role_store.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>

#include "protocol/auth/md5.h"
#include "protocol/auth/scram.h"
#include "utils/crc32c.h"
#include "utils/error.h"

namespace tusk::catalog {
namespace {

constexpr char kHeader[] = "tusk_roles 1\n";
constexpr char kTrailerTag[] = "crc32c ";
constexpr uint32_t kFirstNormalOid = 16384;  // PostgreSQL's FirstNormalObjectId
constexpr const char* kIoErrorState = sqlstate::kIoError;

std::string GlobalDir(const std::string& datadir) { return datadir + "/global"; }
std::string RolePath(const std::string& datadir) { return GlobalDir(datadir) + "/tusk_roles"; }

std::string ErrnoText(const std::string& what, const std::string& path, int err) {
  return "could not " + what + " file \"" + path + "\": " + strerror(err);
}

// Backslash escapes keep each role on one line and fields free of tabs, so
// any byte string (names may hold spaces, quotes, even newlines) round-trips.
std::string Escape(const std::string& in) {
  std::string out;
  for (unsigned char c : in) {
    switch (c) {
      case '\\': out += "\\\\"; break;
      case '\t': out += "\\t"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      default:
        if (c < 0x20 || c == 0x7f) {
          char buf[5];
          snprintf(buf, sizeof buf, "\\x%02x", c);
          out += buf;
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  return out;
}

bool Unescape(std::string_view in, std::string* out) {
  out->clear();
  for (size_t i = 0; i < in.size(); ++i) {
    char c = in[i];
    if (c != '\\') {
      if (c == '\t' || c == '\n') return false;
      *out += c;
      continue;
    }
    if (++i >= in.size()) return false;
    switch (in[i]) {
      case '\\': *out += '\\'; break;
      case 't': *out += '\t'; break;
      case 'n': *out += '\n'; break;
      case 'r': *out += '\r'; break;
      case 'x': {
        if (i + 2 >= in.size()) return false;
        unsigned v = 0;
        for (int k = 1; k <= 2; ++k) {
          char h = in[i + k];
          v <<= 4;
          if (h >= '0' && h <= '9') v |= h - '0';
          else if (h >= 'a' && h <= 'f') v |= h - 'a' + 10;
          else return false;
        }
        *out += static_cast<char>(v);
        i += 2;
        break;
      }
      default: return false;
    }
  }
  return true;
}

constexpr int kFlagCount = 7;

std::string FlagString(const RoleRecord& r) {
  const bool flags[kFlagCount] = {r.superuser, r.inherit, r.createrole, r.createdb,
                                  r.can_login, r.replication, r.bypassrls};
  std::string out;
  for (bool f : flags) out += f ? 't' : 'f';
  return out;
}

bool ParseFlags(std::string_view s, RoleRecord* r) {
  if (s.size() != kFlagCount) return false;
  bool* flags[kFlagCount] = {&r->superuser, &r->inherit, &r->createrole, &r->createdb,
                             &r->can_login, &r->replication, &r->bypassrls};
  for (int i = 0; i < kFlagCount; ++i) {
    if (s[i] != 't' && s[i] != 'f') return false;
    *flags[i] = s[i] == 't';
  }
  return true;
}

// Parses a decimal integer spanning all of s (optionally negative).
bool ParseInt(std::string_view s, long long min, long long max, long long* out) {
  if (s.empty() || s.size() > 12) return false;
  size_t i = 0;
  bool neg = false;
  if (s[0] == '-') { neg = true; i = 1; }
  if (i >= s.size()) return false;
  long long v = 0;
  for (; i < s.size(); ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    v = v * 10 + (s[i] - '0');
  }
  if (neg) v = -v;
  if (v < min || v > max) return false;
  *out = v;
  return true;
}

std::string Serialize(const std::vector<RoleRecord>& roles) {
  std::string body = kHeader;
  for (const RoleRecord& r : roles) {
    body += "role\t" + std::to_string(r.oid) + "\t" + FlagString(r) + "\t" +
            std::to_string(r.conn_limit) + "\t" + Escape(r.name) + "\t" + Escape(r.password) +
            "\n";
  }
  char trailer[32];
  snprintf(trailer, sizeof trailer, "%s%08x\n", kTrailerTag, Crc32c(0, body.data(), body.size()));
  return body + trailer;
}

bool ParseRoleFile(const std::string& path, const std::string& text, std::vector<RoleRecord>* out,
                   std::string* error) {
  const std::string corrupt = "role file \"" + path + "\" is corrupt";
  // The trailer is the last line; everything before it is covered by the CRC.
  if (text.empty() || text.back() != '\n') { *error = corrupt; return false; }
  size_t trailer_start = text.rfind('\n', text.size() - 2);
  trailer_start = trailer_start == std::string::npos ? 0 : trailer_start + 1;
  std::string_view trailer(text.data() + trailer_start, text.size() - trailer_start - 1);
  std::string_view tag = kTrailerTag;
  if (trailer.size() != tag.size() + 8 || trailer.substr(0, tag.size()) != tag) {
    *error = corrupt;
    return false;
  }
  uint32_t stored = 0;
  for (char h : trailer.substr(tag.size())) {
    int d;
    if (h >= '0' && h <= '9') d = h - '0';
    else if (h >= 'a' && h <= 'f') d = h - 'a' + 10;
    else { *error = corrupt; return false; }
    stored = (stored << 4) | static_cast<uint32_t>(d);
  }
  if (Crc32c(0, text.data(), trailer_start) != stored) {
    *error = corrupt + ": checksum mismatch";
    return false;
  }
  std::string_view body(text.data(), trailer_start);
  std::string_view header = kHeader;
  if (body.substr(0, header.size()) != header) {
    *error = corrupt + ": unknown header or version";
    return false;
  }
  body.remove_prefix(header.size());

  std::vector<RoleRecord> roles;
  while (!body.empty()) {
    size_t nl = body.find('\n');
    std::string_view line = body.substr(0, nl);
    body.remove_prefix(nl + 1);
    std::vector<std::string_view> fields;
    size_t pos = 0;
    for (;;) {
      size_t tab = line.find('\t', pos);
      fields.push_back(line.substr(pos, tab == std::string_view::npos ? std::string_view::npos
                                                                      : tab - pos));
      if (tab == std::string_view::npos) break;
      pos = tab + 1;
    }
    RoleRecord r;
    long long oid = 0, limit = 0;
    if (fields.size() != 6 || fields[0] != "role" ||
        !ParseInt(fields[1], 1, UINT32_MAX, &oid) || !ParseFlags(fields[2], &r) ||
        !ParseInt(fields[3], -1, INT32_MAX, &limit) || !Unescape(fields[4], &r.name) ||
        !Unescape(fields[5], &r.password) || r.name.empty()) {
      *error = corrupt + ": bad role line";
      return false;
    }
    r.oid = static_cast<uint32_t>(oid);
    r.conn_limit = static_cast<int>(limit);
    roles.push_back(std::move(r));
  }
  *out = std::move(roles);
  return true;
}

bool ReadWholeFile(const std::string& path, std::string* text, std::string* error) {
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    *error = ErrnoText("open", path, errno);
    return false;
  }
  text->clear();
  char buf[8192];
  for (;;) {
    ssize_t n = read(fd, buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      *error = ErrnoText("read", path, errno);
      close(fd);
      return false;
    }
    if (n == 0) break;
    text->append(buf, static_cast<size_t>(n));
  }
  close(fd);
  return true;
}

bool WriteAll(int fd, const std::string& data) {
  size_t done = 0;
  while (done < data.size()) {
    ssize_t n = write(fd, data.data() + done, data.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    done += static_cast<size_t>(n);
  }
  return true;
}

// Writes the new set to tusk_roles.tmp, makes it durable, then renames it over
// the old file and fsyncs the directory so the rename itself survives a crash.
bool WriteRoleFile(const std::string& datadir, const std::vector<RoleRecord>& roles,
                   std::string* error) {
  const std::string path = RolePath(datadir);
  const std::string tmp = path + ".tmp";
  int fd = open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) {
    *error = ErrnoText("create", tmp, errno);
    return false;
  }
  if (!WriteAll(fd, Serialize(roles))) {
    *error = ErrnoText("write", tmp, errno);
    close(fd);
    unlink(tmp.c_str());
    return false;
  }
  if (fsync(fd) != 0) {
    *error = ErrnoText("fsync", tmp, errno);
    close(fd);
    unlink(tmp.c_str());
    return false;
  }
  close(fd);
  if (rename(tmp.c_str(), path.c_str()) != 0) {
    *error = "could not rename file \"" + tmp + "\" to \"" + path + "\": " + strerror(errno);
    unlink(tmp.c_str());
    return false;
  }
  int dfd = open(GlobalDir(datadir).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd < 0 || fsync(dfd) != 0) {
    *error = ErrnoText("fsync", GlobalDir(datadir), errno);
    if (dfd >= 0) close(dfd);
    return false;
  }
  close(dfd);
  return true;
}

// Holds the exclusive writer lock for its lifetime. The lock lives on a
// separate file because the role file itself is replaced by rename, and a
// lock on a replaced inode would not exclude the next writer.
class WriterLock {
 public:
  explicit WriterLock(const std::string& datadir) {
    std::string path = RolePath(datadir) + ".lock";
    fd_ = open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd_ < 0) throw PgError(kIoErrorState, ErrnoText("open", path, errno));
    while (flock(fd_, LOCK_EX) != 0) {
      if (errno == EINTR) continue;
      int err = errno;
      close(fd_);
      throw PgError(kIoErrorState, "could not lock file \"" + path + "\": " + strerror(err));
    }
  }
  ~WriterLock() { close(fd_); }  // closing drops the flock
  WriterLock(const WriterLock&) = delete;
  WriterLock& operator=(const WriterLock&) = delete;

 private:
  int fd_ = -1;
};

// Loads for a writer (under the lock); damage or I/O trouble becomes a PgError.
std::vector<RoleRecord> LoadOrThrow(const std::string& datadir) {
  std::vector<RoleRecord> roles;
  std::string error;
  if (!LoadRoles(datadir, &roles, &error)) {
    bool corrupt = error.find("is corrupt") != std::string::npos;
    throw PgError(corrupt ? sqlstate::kDataCorrupted : kIoErrorState, error);
  }
  return roles;
}

void StoreOrThrow(const std::string& datadir, const std::vector<RoleRecord>& roles) {
  std::string error;
  if (!WriteRoleFile(datadir, roles, &error)) throw PgError(kIoErrorState, error);
}

void CheckReservedName(const std::string& name) {
  if (name.compare(0, 3, "pg_") == 0) {
    throw MakeError(sqlstate::kReservedName, "role name \"" + name + "\" is reserved",
                    "Role names starting with \"pg_\" are reserved.");
  }
  if (name == "public" || name == "none") {
    throw MakeError(sqlstate::kReservedName, "role name \"" + name + "\" is reserved");
  }
}

// Turns the PASSWORD clause into what is stored: verifiers pass through,
// plain text is hashed per password_encryption, NULL and '' clear it.
std::string MakeStoredPassword(const std::optional<std::string>& given, const std::string& name,
                               const std::string& password_encryption) {
  if (!given.has_value() || given->empty()) return "";
  const std::string& pw = *given;
  if (auth::IsScramVerifier(pw) || auth::IsMd5Verifier(pw)) return pw;
  if (password_encryption == "scram-sha-256" || password_encryption.empty()) {
    return auth::BuildScramVerifier(pw);
  }
  if (password_encryption == "md5") return auth::BuildMd5Verifier(pw, name);
  throw MakeError(sqlstate::kInvalidParameterValue,
                  "invalid value for parameter \"password_encryption\": \"" +
                      password_encryption + "\"");
}

void ApplyOptions(const RoleOptions& o, const std::string& password_encryption, RoleRecord* r) {
  if (o.superuser) r->superuser = *o.superuser;
  if (o.inherit) r->inherit = *o.inherit;
  if (o.createrole) r->createrole = *o.createrole;
  if (o.createdb) r->createdb = *o.createdb;
  if (o.can_login) r->can_login = *o.can_login;
  if (o.replication) r->replication = *o.replication;
  if (o.bypassrls) r->bypassrls = *o.bypassrls;
  if (o.conn_limit) r->conn_limit = *o.conn_limit;
  if (o.password) r->password = MakeStoredPassword(*o.password, r->name, password_encryption);
}

std::string DoesNotExist(const std::string& name) { return "role \"" + name + "\" does not exist"; }

}  // namespace

bool BootstrapRoles(const std::string& datadir, const std::string& superuser,
                    const std::string& password_verifier, std::string* error) {
  if (mkdir(GlobalDir(datadir).c_str(), 0700) != 0 && errno != EEXIST) {
    *error = "could not create directory \"" + GlobalDir(datadir) + "\": " + strerror(errno);
    return false;
  }
  RoleRecord r;
  r.name = superuser;
  r.oid = kBootstrapSuperuserOid;
  r.superuser = r.inherit = r.createrole = r.createdb = r.can_login = r.replication =
      r.bypassrls = true;
  r.password = password_verifier;
  try {
    WriterLock lock(datadir);
    return WriteRoleFile(datadir, {r}, error);
  } catch (const PgError& e) {
    *error = e.data().message;
    return false;
  }
}

bool LoadRoles(const std::string& datadir, std::vector<RoleRecord>* out, std::string* error) {
  const std::string path = RolePath(datadir);
  std::string text;
  if (!ReadWholeFile(path, &text, error)) return false;
  return ParseRoleFile(path, text, out, error);
}

std::optional<RoleRecord> FindRole(const std::string& datadir, const std::string& name) {
  // Readers take no lock: rename makes every version they can open complete.
  for (RoleRecord& r : LoadOrThrow(datadir)) {
    if (r.name == name) return std::move(r);
  }
  return std::nullopt;
}

void CreateRole(const std::string& datadir, const std::string& name, const RoleOptions& options,
                const std::string& password_encryption) {
  CheckReservedName(name);
  if (name.empty()) {
    throw MakeError(sqlstate::kInvalidParameterValue, "role name must not be empty");
  }
  WriterLock lock(datadir);
  std::vector<RoleRecord> roles = LoadOrThrow(datadir);
  uint32_t max_oid = kFirstNormalOid - 1;
  for (const RoleRecord& r : roles) {
    if (r.name == name) {
      throw MakeError(sqlstate::kDuplicateObject, "role \"" + name + "\" already exists");
    }
    max_oid = std::max(max_oid, r.oid);
  }
  RoleRecord r;  // defaults are CREATE ROLE's: NOLOGIN, INHERIT, no limit
  r.name = name;
  r.oid = max_oid + 1;
  ApplyOptions(options, password_encryption, &r);
  roles.push_back(std::move(r));
  StoreOrThrow(datadir, roles);
}

void AlterRole(const std::string& datadir, const std::string& name, const RoleOptions& options,
               const std::string& password_encryption) {
  WriterLock lock(datadir);
  std::vector<RoleRecord> roles = LoadOrThrow(datadir);
  auto it = std::find_if(roles.begin(), roles.end(),
                         [&](const RoleRecord& r) { return r.name == name; });
  if (it == roles.end()) throw MakeError(sqlstate::kUndefinedObject, DoesNotExist(name));
  ApplyOptions(options, password_encryption, &*it);
  StoreOrThrow(datadir, roles);
}

bool DropRole(const std::string& datadir, const std::string& name, bool missing_ok,
              const std::string& current_user) {
  WriterLock lock(datadir);
  std::vector<RoleRecord> roles = LoadOrThrow(datadir);
  auto it = std::find_if(roles.begin(), roles.end(),
                         [&](const RoleRecord& r) { return r.name == name; });
  if (it == roles.end()) {
    if (missing_ok) return false;
    throw MakeError(sqlstate::kUndefinedObject, DoesNotExist(name));
  }
  // Same order of checks as PostgreSQL: the current user first.
  if (name == current_user) {
    throw MakeError(sqlstate::kObjectInUse, "current user cannot be dropped");
  }
  if (it->oid == kBootstrapSuperuserOid) {
    throw MakeError(sqlstate::kObjectInUse,
                    "cannot drop role " + name + " because it is required by the database system");
  }
  roles.erase(it);
  StoreOrThrow(datadir, roles);
  return true;
}

}  // namespace tusk::catalog
