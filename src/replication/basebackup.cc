// BASE_BACKUP: an online backup (backend/online_backup.h) streamed as one tar
// archive, base.tar, over PostgreSQL 15's COPY sub-protocol: result sets with
// the start position and the tablespaces, one CopyOut carrying 'n' (new
// archive), 'd' (data), 'p' (progress) and 'm' (manifest) messages, then a
// result set with the end position. Not yet: tablespaces other than the data
// directory's, server-side compression, targets other than the client.
#include <dirent.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <map>
#include <thread>

#include "access/wal/wal.h"
#include "backend/interrupts.h"
#include "backend/online_backup.h"
#include "protocol/message.h"
#include "replication/manifest.h"
#include "replication/tar.h"
#include "replication/walsender_internal.h"
#include "utils/crc32c.h"
#include "utils/guc.h"
#include "utils/process_globals.h"
#include "utils/timestamp.h"

namespace tusk::replication {
namespace {

constexpr size_t kChunk = 32 * 1024;  // CopyData payload, as PostgreSQL's

struct BackupOptions {
  std::string label = "base backup";
  bool progress = false;
  bool fast = false;
  bool wal = false;
  bool wait = true;
  bool tablespace_map = false;
  bool manifest = false;
  bool force_encode = false;
  bool checksums = true;
  int64_t max_rate = 0;  // kB/s, 0: unlimited
};

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

bool BoolValue(const GenericOption& o) {
  if (!o.value) return true;
  const std::string v = Lower(*o.value);
  if (v == "true" || v == "on" || v == "yes" || v == "1" || v == "t" || v == "y") return true;
  if (v == "false" || v == "off" || v == "no" || v == "0" || v == "f" || v == "n") return false;
  throw MakeError(sqlstate::kSyntaxError, o.name + " requires a Boolean value");
}

const std::string& Value(const GenericOption& o) {
  if (!o.value) throw MakeError(sqlstate::kSyntaxError, o.name + " requires a parameter");
  return *o.value;
}

// PostgreSQL 15's option names, defaults and messages.
BackupOptions ParseOptions(const std::vector<GenericOption>& options) {
  BackupOptions out;
  std::map<std::string, bool> seen;
  for (const GenericOption& o : options) {
    if (seen[o.name]) throw MakeError(sqlstate::kSyntaxError, "duplicate option \"" + o.name + "\"");
    seen[o.name] = true;
    if (o.name == "label") {
      out.label = Value(o);
    } else if (o.name == "progress") {
      out.progress = BoolValue(o);
    } else if (o.name == "checkpoint") {
      const std::string v = Lower(Value(o));
      if (v == "fast") out.fast = true;
      else if (v == "spread") out.fast = false;
      else throw MakeError(sqlstate::kSyntaxError, "unrecognized checkpoint type: \"" + *o.value + "\"");
    } else if (o.name == "wal") {
      out.wal = BoolValue(o);
    } else if (o.name == "wait") {
      out.wait = BoolValue(o);
    } else if (o.name == "max_rate") {
      const std::string& v = Value(o);
      char* end = nullptr;
      errno = 0;
      const long long rate = std::strtoll(v.c_str(), &end, 10);
      if (end == v.c_str() || *end != '\0' || errno != 0)
        throw MakeError(sqlstate::kSyntaxError, o.name + " requires an integer value");
      if (rate < 32 || rate > 1048576)
        throw MakeError(sqlstate::kNumericValueOutOfRange,
                        std::to_string(rate) + " is outside the valid range for parameter \"MAX_RATE\" (32 .. 1048576)");
      out.max_rate = rate;
    } else if (o.name == "tablespace_map") {
      out.tablespace_map = BoolValue(o);
    } else if (o.name == "verify_checksums") {
      (void)BoolValue(o);  // Tusk pages carry no data checksums: nothing to verify
    } else if (o.name == "manifest") {
      const std::string v = Lower(Value(o));
      if (v == "force-encode") {
        out.manifest = out.force_encode = true;
      } else {
        try {
          out.manifest = BoolValue(o);
        } catch (const PgError&) {
          throw MakeError(sqlstate::kSyntaxError, "unrecognized manifest option: \"" + *o.value + "\"");
        }
      }
    } else if (o.name == "manifest_checksums") {
      const std::string v = Lower(Value(o));
      if (v == "none") {
        out.checksums = false;
      } else if (v == "crc32c") {
        out.checksums = true;
      } else if (v == "sha224" || v == "sha256" || v == "sha384" || v == "sha512") {
        throw MakeError(sqlstate::kFeatureNotSupported,
                        "checksum algorithm \"" + *o.value + "\" is not supported for backup manifests yet");
      } else {
        throw MakeError(sqlstate::kSyntaxError, "unrecognized checksum algorithm: \"" + *o.value + "\"");
      }
    } else if (o.name == "target") {
      const std::string v = Lower(Value(o));
      if (v == "server" || v == "blackhole")
        throw MakeError(sqlstate::kFeatureNotSupported, "backup target \"" + v + "\" is not supported");
      if (v != "client") throw MakeError(sqlstate::kFeatureNotSupported, "unrecognized target: \"" + *o.value + "\"");
    } else if (o.name == "target_detail") {
      throw MakeError(sqlstate::kSyntaxError, "target \"client\" does not accept a target detail");
    } else if (o.name == "compression" || o.name == "compression_detail") {
      if (o.name == "compression" && Lower(Value(o)) == "none") continue;
      throw MakeError(sqlstate::kFeatureNotSupported, "compression of base backups is not supported");
    } else {
      throw MakeError(sqlstate::kSyntaxError, "unrecognized base backup option: \"" + o.name + "\"");
    }
  }
  return out;
}

// What is left out, as PostgreSQL 15 leaves it out, plus Tusk's own files.
bool ExcludedFile(const std::string& rel, const std::string& name) {
  static const char* const kTopLevel[] = {
      "postmaster.pid",  "postmaster.opts", "current_logfiles", "backup_label",   "backup_label.old",
      "tablespace_map",  "backup_manifest", "postgresql.auto.conf.tmp",
      "suspend.signal",  "resume.signal",   "suspend.failed"};
  if (name.rfind("pgsql_tmp", 0) == 0 || name.rfind("pg_internal.init", 0) == 0) return true;
  for (const char* f : kTopLevel)
    if (rel == f) return true;
  return false;
}

// Directories sent empty.
bool ContentsExcluded(const std::string& rel) {
  static const char* const kDirs[] = {"pg_stat_tmp", "pg_replslot", "pg_dynshmem", "pg_notify",
                                      "pg_serial",   "pg_snapshots", "pg_subtrans", "pg_wal"};
  for (const char* d : kDirs)
    if (rel == d) return true;
  return false;
}

struct Item {
  std::string rel;
  struct stat st;
};

// The data directory's members in send order (pg_control last, left out here).
void Collect(const std::string& root, const std::string& rel, std::vector<Item>* out) {
  const std::string dir = rel.empty() ? root : root + "/" + rel;
  DIR* d = ::opendir(dir.c_str());
  if (d == nullptr) {
    if (errno == ENOENT && !rel.empty()) return;  // removed meanwhile
    throw MakeError(sqlstate::kIoError, "could not open directory \"" + dir + "\": " + std::strerror(errno));
  }
  std::vector<std::string> names;
  while (dirent* e = ::readdir(d)) {
    const std::string name = e->d_name;
    if (name != "." && name != "..") names.push_back(name);
  }
  ::closedir(d);
  std::sort(names.begin(), names.end());
  for (const std::string& name : names) {
    const std::string r = rel.empty() ? name : rel + "/" + name;
    if (ExcludedFile(r, name) || r == "global/pg_control") continue;
    Item it;
    it.rel = r;
    if (::lstat((root + "/" + r).c_str(), &it.st) != 0) continue;  // removed meanwhile
    if (S_ISDIR(it.st.st_mode)) {
      out->push_back(it);
      if (r == "pg_wal") {
        Item status = it;
        status.rel = "pg_wal/archive_status";
        out->push_back(status);
      } else if (!ContentsExcluded(r)) {
        Collect(root, r, out);
      }
    } else if (S_ISREG(it.st.st_mode) || S_ISLNK(it.st.st_mode)) {
      out->push_back(it);
    }
  }
}

std::string UserName(uid_t uid) {
  static std::map<uid_t, std::string> cache;
  auto it = cache.find(uid);
  if (it != cache.end()) return it->second;
  passwd* pw = ::getpwuid(uid);
  return cache[uid] = pw ? pw->pw_name : "";
}

std::string GroupName(gid_t gid) {
  static std::map<gid_t, std::string> cache;
  auto it = cache.find(gid);
  if (it != cache.end()) return it->second;
  group* gr = ::getgrgid(gid);
  return cache[gid] = gr ? gr->gr_name : "";
}

// The archive's bytes as CopyData 'd' messages, with progress reports and
// MAX_RATE throttling.
class ArchiveOut {
 public:
  ArchiveOut(WalSender& ws, int64_t max_rate) : ws_(ws), max_rate_(max_rate) {
    start_us_ = last_progress_us_ = NowMicros();
  }

  void Write(const char* p, size_t n) {
    while (n > 0) {
      const size_t take = std::min(n, kChunk - pending_.size());
      pending_.append(p, take);
      p += take;
      n -= take;
      if (pending_.size() == kChunk) Emit();
    }
  }
  void Write(const std::string& s) { Write(s.data(), s.size()); }

  // Sends what is pending and a final progress message.
  void Finish() {
    Emit();
    Progress(true);
  }
  uint64_t total() const { return total_; }

 private:
  void Emit() {
    if (pending_.empty()) return;
    protocol::MessageWriter(&ws_.conn_.out(), 'd').Byte('d').Bytes(pending_);
    total_ += pending_.size();
    pending_.clear();
    ws_.conn_.MaybeFlush();
    if (ws_.conn_.broken())
      throw PgError(sqlstate::kConnectionFailure, "could not send data to client", ErrLevel::kFatal);
    ws_.CheckInterrupts();
    Progress(false);
    Throttle();
  }
  void Progress(bool force) {
    const int64_t now = NowMicros();
    if (!force && now - last_progress_us_ < 1000000) return;
    last_progress_us_ = now;
    std::string bytes(8, '\0');  // Int64 in network order
    for (int i = 0; i < 8; ++i) bytes[i] = static_cast<char>((total_ >> (56 - 8 * i)) & 0xff);
    protocol::MessageWriter(&ws_.conn_.out(), 'd').Byte('p').Bytes(bytes);
  }
  // Sleeps while the archive runs ahead of MAX_RATE kB/s.
  void Throttle() {
    if (max_rate_ <= 0) return;
    for (;;) {
      const int64_t due_us = static_cast<int64_t>(static_cast<double>(total_) * 1e6 / (max_rate_ * 1024.0));
      const int64_t ahead = due_us - (NowMicros() - start_us_);
      if (ahead <= 0) return;
      ws_.conn_.Flush();
      std::this_thread::sleep_for(std::chrono::microseconds(std::min<int64_t>(ahead, 100000)));
      ws_.CheckInterrupts();
    }
  }

  WalSender& ws_;
  int64_t max_rate_;
  std::string pending_;
  uint64_t total_ = 0;
  int64_t start_us_, last_progress_us_;
};

// One member from memory (backup_label, tablespace_map).
void SendContent(ArchiveOut* out, ManifestBuilder* manifest, const std::string& rel, const std::string& content,
                 int64_t mtime, const struct stat& like) {
  TarEntry e;
  e.path = rel;
  e.size = content.size();
  e.mode = 0600;
  e.mtime = mtime;
  e.uid = like.st_uid;
  e.gid = like.st_gid;
  e.owner = UserName(like.st_uid);
  e.group = GroupName(like.st_gid);
  std::string header;
  if (!AppendTarHeader(&header, e)) throw MakeError(sqlstate::kProgramLimitExceeded, "file name too long for tar format: \"" + rel + "\"");
  out->Write(header);
  out->Write(content);
  out->Write(std::string(TarPadding(content.size()), '\0'));
  if (manifest) manifest->AddFile(rel, content.size(), mtime, Crc32c(0, content.data(), content.size()));
}

// One file from disk: exactly the size stat saw (zeros if it shrank meanwhile).
// False if it disappeared before it could be opened.
bool SendFile(ArchiveOut* out, ManifestBuilder* manifest, const std::string& root, const std::string& rel,
              const struct stat& st) {
  const std::string path = root + "/" + rel;
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return false;
    throw MakeError(sqlstate::kIoError, "could not open file \"" + rel + "\": " + std::strerror(errno));
  }
  TarEntry e;
  e.path = rel;
  e.size = static_cast<uint64_t>(st.st_size);
  e.mode = st.st_mode & 07777;
  e.mtime = st.st_mtime;
  e.uid = st.st_uid;
  e.gid = st.st_gid;
  e.owner = UserName(st.st_uid);
  e.group = GroupName(st.st_gid);
  std::string header;
  if (!AppendTarHeader(&header, e)) {
    ::close(fd);
    throw MakeError(sqlstate::kProgramLimitExceeded, "file name too long for tar format: \"" + rel + "\"");
  }
  out->Write(header);
  uint32_t crc = 0;
  uint64_t done = 0;
  std::string buf(kChunk, '\0');
  while (done < e.size) {
    const size_t want = static_cast<size_t>(std::min<uint64_t>(kChunk, e.size - done));
    ssize_t n = ::pread(fd, buf.data(), want, static_cast<off_t>(done));
    if (n < 0) {
      if (errno == EINTR) continue;
      const int saved = errno;
      ::close(fd);
      throw MakeError(sqlstate::kIoError, "could not read file \"" + rel + "\": " + std::strerror(saved));
    }
    if (n == 0) {  // shrank while we read: pad, as PostgreSQL does
      std::memset(buf.data(), 0, want);
      n = static_cast<ssize_t>(want);
    }
    crc = Crc32c(crc, buf.data(), static_cast<size_t>(n));
    out->Write(buf.data(), static_cast<size_t>(n));
    done += static_cast<uint64_t>(n);
  }
  ::close(fd);
  out->Write(std::string(TarPadding(e.size), '\0'));
  if (manifest) manifest->AddFile(rel, e.size, e.mtime, crc);
  return true;
}

void SendHeaderOnly(ArchiveOut* out, const Item& it) {
  TarEntry e;
  e.path = it.rel;
  e.mode = it.st.st_mode & 07777;
  e.mtime = it.st.st_mtime;
  e.uid = it.st.st_uid;
  e.gid = it.st.st_gid;
  e.owner = UserName(it.st.st_uid);
  e.group = GroupName(it.st.st_gid);
  if (S_ISDIR(it.st.st_mode)) {
    e.type = TarType::kDirectory;
  } else {  // symlink
    e.type = TarType::kSymlink;
    e.mode = 0777;
    char target[4096];
    ssize_t n = ::readlink((Globals().data_dir + "/" + it.rel).c_str(), target, sizeof target - 1);
    if (n < 0) return;  // removed meanwhile
    e.link_target.assign(target, static_cast<size_t>(n));
  }
  std::string header;
  if (!AppendTarHeader(&header, e))
    throw MakeError(sqlstate::kProgramLimitExceeded, "file name too long for tar format: \"" + it.rel + "\"");
  out->Write(header);
}

void WaitHook() { backend::CheckForInterrupts(); }

}  // namespace

void WalSender::BaseBackup(const Command& cmd) {
  const BackupOptions opt = ParseOptions(cmd.options);
  const std::string root = Globals().data_dir;
  SetActivity("sending backup \"" + opt.label + "\"");
  info_.state = SenderState::kBackup;
  // WAL from here on stays until the backup is sent: the checkpoint's redo
  // point is at or after it.
  info_.keep = wal::InsertPosition();
  Publish();

  backend::OnlineBackup backup;
  const wal::Lsn start = backup.Start(opt.label, opt.fast, &WaitHook);
  info_.keep = start;
  Publish();
  const int64_t start_time = NowMicros() / 1000000;

  SendRowDescription({{"recptr", 25}, {"tli", 20}});
  SendDataRow({wal::LsnToString(start), std::to_string(wal::kTimeline)});
  SendCommandComplete("SELECT");

  std::vector<Item> items;
  Collect(root, "", &items);
  std::optional<std::string> size_kb;
  if (opt.progress) {
    uint64_t bytes = 0;
    for (const Item& it : items)
      if (S_ISREG(it.st.st_mode)) bytes += static_cast<uint64_t>(it.st.st_size);
    size_kb = std::to_string(bytes / 1024);
  }
  SendRowDescription({{"spcoid", 26}, {"spclocation", 25}, {"size", 20}});
  SendDataRow({std::nullopt, std::nullopt, size_kb});
  SendCommandComplete("SELECT");

  // CopyOutResponse: overall format text, no columns.
  protocol::MessageWriter(&conn_.out(), 'H').Byte(0).Int16(0);
  protocol::MessageWriter(&conn_.out(), 'd').Byte('n').CString("base.tar").CString("");
  ArchiveOut out(*this, opt.max_rate);
  std::optional<ManifestBuilder> manifest;
  if (opt.manifest) manifest.emplace(opt.force_encode, opt.checksums);
  ManifestBuilder* mf = manifest ? &*manifest : nullptr;

  struct stat root_st;
  if (::stat(root.c_str(), &root_st) != 0)
    throw MakeError(sqlstate::kIoError, "could not stat data directory: " + std::string(std::strerror(errno)));
  SendContent(&out, mf, "backup_label", backup.LabelFile(), start_time, root_st);
  if (opt.tablespace_map) SendContent(&out, mf, "tablespace_map", "", start_time, root_st);
  for (const Item& it : items) {
    if (S_ISREG(it.st.st_mode))
      SendFile(&out, mf, root, it.rel, it.st);
    else
      SendHeaderOnly(&out, it);
  }
  // The control file last, as PostgreSQL sends it.
  struct stat control_st;
  const std::string control_rel = "global/pg_control";
  if (::stat((root + "/" + control_rel).c_str(), &control_st) != 0 ||
      !SendFile(&out, mf, root, control_rel, control_st))
    throw MakeError(sqlstate::kUndefinedFile, "could not stat file \"" + control_rel + "\": " + std::strerror(errno));

  backend::BackupStopResult stop =
      backup.Stop(opt.wait, &WaitHook, [this](const ErrorData& notice) { SendNotice(notice); });

  if (opt.wal) {
    // The segments from the start's to the one holding the last byte before the stop.
    const uint64_t first = wal::SegmentOf(start), last = wal::SegmentOf(stop.stop_lsn - 1);
    for (uint64_t seg = first; seg <= last; ++seg) {
      const std::string rel = "pg_wal/" + wal::SegmentFileName(seg);
      struct stat st;
      if (::stat((root + "/" + rel).c_str(), &st) != 0 || !SendFile(&out, nullptr, root, rel, st))
        throw MakeError(sqlstate::kUndefinedFile,
                        "requested WAL segment " + wal::SegmentFileName(seg) + " has already been removed");
      if (static_cast<uint64_t>(st.st_size) != wal::kSegmentSize)
        throw MakeError(sqlstate::kDataCorrupted, "unexpected WAL file size \"" + wal::SegmentFileName(seg) + "\"");
    }
  }
  out.Write(TarTrailer());
  out.Finish();

  if (manifest) {
    const std::string text = manifest->Finish(wal::kTimeline, start, stop.stop_lsn);
    protocol::MessageWriter(&conn_.out(), 'd').Byte('m');
    for (size_t off = 0; off < text.size(); off += kChunk)
      protocol::MessageWriter(&conn_.out(), 'd').Byte('d').Bytes(std::string_view(text).substr(off, kChunk));
  }
  protocol::MessageWriter(&conn_.out(), 'c');  // CopyDone
  info_.keep = 0;
  Publish();

  SendRowDescription({{"recptr", 25}, {"tli", 20}});
  SendDataRow({wal::LsnToString(stop.stop_lsn), std::to_string(wal::kTimeline)});
  SendCommandComplete("SELECT");
  SendCommandComplete("BASE_BACKUP");
}

}  // namespace tusk::replication
