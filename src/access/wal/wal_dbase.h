// The Database resource manager (kRmgrDatabase): CREATE DATABASE's copy of a
// template's directory and DROP DATABASE's removal of one, as WAL records and
// as the file operations that both the commands and their redo perform.
// PostgreSQL's file-copy strategy: the copy itself is not in the WAL, only
// the fact of it, so the template's pages must be on disk (a checkpoint)
// before the copy, and redo repeats the copy from the template's files.
#pragma once

#include <cstdint>

#include "access/wal/wal_format.h"

namespace tusk::wal {

inline constexpr uint8_t kDbaseCreate = 0x00;  // main data: src db (4), dst db (4)
inline constexpr uint8_t kDbaseDrop = 0x10;    // main data: db (4)

// Copies every file of base/SRC into a new base/DST, fsyncing each file, the
// new directory and base/. Throws PgError (58P02 if base/DST exists, else an
// I/O error) and leaves a partial copy behind for the caller to remove.
void CopyDatabaseDirectory(uint32_t src_db, uint32_t dst_db);
// Forgets the database's cached pages and pending fsyncs, unlinks its files
// and the directory base/DB, and fsyncs base/. Nothing may use the database.
// A missing directory is not an error. Throws PgError on I/O errors.
void RemoveDatabaseDirectory(uint32_t db);

// Insert the records (not flushed); return the end LSN. `xid` is the
// transaction they belong to, 0 for none.
Lsn LogDatabaseCreate(uint32_t src_db, uint32_t dst_db, uint64_t xid);
Lsn LogDatabaseDrop(uint32_t db, uint64_t xid);

// Registers kRmgrDatabase ("Database"). RunRedo does it for itself.
// Redo of a create writes out every dirty buffer (so the template's files hold
// the replayed state), removes whatever base/DST holds and copies again; if
// the template is gone by then (dropped later in the WAL) the copy made
// before the record was written, which is durable, stays. Redo of a drop
// removes the directory.
void RegisterDatabaseRmgr();

}  // namespace tusk::wal
