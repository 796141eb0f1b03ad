// CREATE/DROP DATABASE on disk and in the WAL (kRmgrDatabase).
#include "access/wal/wal_dbase.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "access/wal/wal.h"
#include "access/wal/wal_redo.h"
#include "storage/buffer/buffer.h"
#include "storage/file/smgr.h"
#include "storage/file/vfs.h"
#include "utils/error.h"
#include "utils/log.h"

namespace tusk::wal {
namespace {

std::string DbDir(uint32_t db) { return "base/" + std::to_string(db); }

[[noreturn]] void IoError(const std::string& what, const std::string& path, int err) {
  throw PgError(sqlstate::kIoError, "could not " + what + " \"" + path + "\": " + std::strerror(err));
}

void CopyFileSynced(const std::string& from, const std::string& to) {
  int in = vfs::Open(from, O_RDONLY);
  if (in < 0) IoError("open file", from, errno);
  int out = vfs::Open(to, O_WRONLY | O_CREAT | O_EXCL, 0600);
  if (out < 0) {
    int err = errno;
    vfs::Close(in);
    IoError("create file", to, err);
  }
  std::vector<char> buf(64 * 1024);
  off_t off = 0;
  int err = 0;
  for (;;) {
    ssize_t n = vfs::PRead(in, buf.data(), buf.size(), off);
    if (n < 0) {
      err = errno;
      break;
    }
    if (n == 0) break;
    if (!vfs::PWriteAll(out, buf.data(), static_cast<size_t>(n), off)) {
      err = errno;
      break;
    }
    off += n;
  }
  if (err == 0 && vfs::Fsync(out) != 0) err = errno;
  vfs::Close(in);
  vfs::Close(out);
  if (err != 0) IoError("copy file", from, err);
}

// "16384", "16384_fsm", "16384.1": the relation number and its fork; false
// for anything else (PG_VERSION).
bool ParseRelationFile(const std::string& name, uint32_t* rel, smgr::Fork* fork) {
  size_t i = 0;
  uint64_t v = 0;
  while (i < name.size() && name[i] >= '0' && name[i] <= '9' && v <= 0xFFFFFFFFull) v = v * 10 + (name[i++] - '0');
  if (i == 0 || v > 0xFFFFFFFFull) return false;
  std::string rest = name.substr(i);
  if (size_t dot = rest.find('.'); dot != std::string::npos) rest.resize(dot);
  static const std::pair<const char*, smgr::Fork> kForks[] = {
      {"", smgr::Fork::kMain}, {"_fsm", smgr::Fork::kFsm}, {"_vm", smgr::Fork::kVm}, {"_init", smgr::Fork::kInit}};
  for (const auto& [suffix, f] : kForks) {
    if (rest == suffix) {
      *rel = static_cast<uint32_t>(v);
      *fork = f;
      return true;
    }
  }
  return false;
}

struct DbaseCreate {
  uint32_t src_db;
  uint32_t dst_db;
};

void DbaseRedo(const DecodedRecord& rec) {
  if (rec.info == kDbaseCreate && rec.main_data.size() == sizeof(DbaseCreate)) {
    DbaseCreate c;
    std::memcpy(&c, rec.main_data.data(), sizeof c);
    // The template's files must show what replay has rebuilt so far.
    buffer::FlushAllDirtyBuffers();
    std::vector<std::string> names;
    if (!vfs::ListDir(smgr::FullPath(DbDir(c.src_db)), &names)) {
      Log(ErrLevel::kLog, "template directory \"" + DbDir(c.src_db) + "\" of database " + std::to_string(c.dst_db) +
                              " is gone; keeping the copy made before the crash");
      return;
    }
    RemoveDatabaseDirectory(c.dst_db);
    CopyDatabaseDirectory(c.src_db, c.dst_db);
    return;
  }
  if (rec.info == kDbaseDrop && rec.main_data.size() == sizeof(uint32_t)) {
    uint32_t db;
    std::memcpy(&db, rec.main_data.data(), sizeof db);
    RemoveDatabaseDirectory(db);
    return;
  }
  throw PgError(sqlstate::kInternalError, "invalid Database record at " + LsnToString(rec.lsn), ErrLevel::kPanic);
}

}  // namespace

void CopyDatabaseDirectory(uint32_t src_db, uint32_t dst_db) {
  const std::string src = smgr::FullPath(DbDir(src_db));
  const std::string dst = smgr::FullPath(DbDir(dst_db));
  std::vector<std::string> names;
  if (!vfs::ListDir(src, &names)) IoError("open directory", src, errno);
  if (vfs::Mkdir(dst, 0700) != 0) {
    if (errno == EEXIST)
      throw PgError("58P02", "directory \"" + DbDir(dst_db) + "\" already exists");
    IoError("create directory", dst, errno);
  }
  for (const std::string& n : names) CopyFileSynced(src + "/" + n, dst + "/" + n);
  if (vfs::FsyncDir(dst) != 0) IoError("fsync directory", dst, errno);
  if (vfs::FsyncDir(smgr::FullPath("base")) != 0) IoError("fsync directory", smgr::FullPath("base"), errno);
}

void RemoveDatabaseDirectory(uint32_t db) {
  const std::string dir = smgr::FullPath(DbDir(db));
  std::vector<std::string> names;
  if (!vfs::ListDir(dir, &names)) {
    if (errno == ENOENT) return;
    IoError("open directory", dir, errno);
  }
  std::set<uint32_t> rels;
  std::set<std::pair<uint32_t, smgr::Fork>> forks;
  for (const std::string& n : names) {
    uint32_t rel;
    smgr::Fork fork;
    if (ParseRelationFile(n, &rel, &fork)) {
      rels.insert(rel);
      forks.insert({rel, fork});
    }
  }
  // Cached pages first: none may be written back into a file being removed.
  for (const auto& [rel, fork] : forks)
    buffer::DropRelationBuffers({smgr::kDefaultTablespace, db, rel}, fork, 0);
  for (uint32_t rel : rels) smgr::Unlink({smgr::kDefaultTablespace, db, rel});
  for (const std::string& n : names) {
    const std::string path = dir + "/" + n;
    if (vfs::Unlink(path) != 0 && errno != ENOENT) IoError("remove file", path, errno);
  }
  if (::rmdir(dir.c_str()) != 0 && errno != ENOENT) IoError("remove directory", dir, errno);
  if (vfs::FsyncDir(smgr::FullPath("base")) != 0) IoError("fsync directory", smgr::FullPath("base"), errno);
}

Lsn LogDatabaseCreate(uint32_t src_db, uint32_t dst_db, uint64_t xid) {
  DbaseCreate c{src_db, dst_db};
  RecordBuilder b;
  b.AddData(&c, sizeof c);
  return b.Insert(kRmgrDatabase, kDbaseCreate, xid);
}

Lsn LogDatabaseDrop(uint32_t db, uint64_t xid) {
  RecordBuilder b;
  b.AddData(&db, sizeof db);
  return b.Insert(kRmgrDatabase, kDbaseDrop, xid);
}

void RegisterDatabaseRmgr() { RegisterRmgr(kRmgrDatabase, "Database", &DbaseRedo); }

}  // namespace tusk::wal
