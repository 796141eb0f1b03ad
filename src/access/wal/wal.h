// WAL insertion, group-commit flushing, segment management and start-up:
// the writer side of the log. All state lives in shared memory (ShmemInit)
// so every forked process inserts into the same stream. Rules: README.md.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "access/wal/wal_format.h"
#include "utils/guc_vars.h"

namespace tusk::wal {

// Seam 1: sized and carved out of the region by the postmaster.
size_t ShmemSize(const guc::Vars& vars);
// Uses vars.data_directory for pg_wal (override with SetDataDirectory).
void ShmemInit(const guc::Vars& vars);
void SetDataDirectory(const std::string& datadir);
// WAL buffer pages: wal_buffers, or with -1 1/32 of shared_buffers within [8, one segment].
int NumBufferPages(const guc::Vars& vars);

// Sets the insert position after recovery (or at first start): the next record
// goes at `end_of_valid_wal`, with prev-link `prev_record`. Loads the partial
// page holding the end so its earlier records survive, and treats everything
// before it as written and flushed. Anything after it (a torn tail) is overwritten.
void StartupWal(Lsn end_of_valid_wal, Lsn prev_record, uint64_t system_identifier);

// initdb: creates DATADIR/pg_wal/000000010000000000000001 holding one shutdown
// checkpoint record whose redo points to itself; returns that record's LSN.
Lsn BootstrapWal(const std::string& datadir, uint64_t system_identifier,
                 uint64_t next_xid = 3, uint32_t next_oid = 16384);

// Flags for RecordBuilder::RegisterBlock.
enum RegisterFlags : uint8_t {
  kRegForceImage = 0x01,  // image even if the page was already logged since the redo point
  kRegWillInit = 0x02,    // redo rebuilds the page from scratch: never an image
  kRegStandard = 0x04,    // page has pd_lower/pd_upper: the hole between them is not logged
  kRegNoImage = 0x08,     // the caller logs enough to redo without an image
};

// Assembles one record in process-local memory, then inserts it. Registered
// page pointers and data must stay valid until Insert() returns.
class RecordBuilder {
 public:
  RecordBuilder() = default;
  void RegisterBlock(uint8_t id, RelFileLocator rel, uint8_t fork, uint32_t block,
                     const char* page, uint8_t flags);
  void AddBlockData(uint8_t id, const void* data, size_t len);
  void AddData(const void* data, size_t len);
  // Inserts and returns the end LSN (where the next record may begin), the value
  // to stamp into each modified page (PageSetLsn). Resets the builder.
  Lsn Insert(uint8_t rmgr, uint8_t info, uint64_t xid);
  // Start LSN of the record the last Insert() wrote.
  Lsn last_start() const { return last_start_; }
  // Whether block `id` of the last Insert() carried a full-page image.
  bool ImageTaken(uint8_t id) const;

 private:
  struct Block {
    bool used = false;
    RelFileLocator rel;
    uint8_t fork = 0;
    uint32_t block = 0;
    const char* page = nullptr;
    uint8_t flags = 0;
    std::string data;
    bool image_taken = false;
  };
  // Serialises everything after the 24-byte header, deciding images against `redo`.
  void Assemble(Lsn redo, bool fpw, std::string* out);
  void Reset();

  Block blocks_[kMaxBlockId + 1];
  uint8_t nblocks_ = 0;  // blocks_[nblocks_..] are unused
  std::string main_data_;
  Lsn last_start_ = kInvalidLsn;
};

// Writes and syncs everything inserted so far if `upto` is not yet flushed.
// Concurrent callers wait for the one flushing and re-check (group commit).
// A write or sync failure is a PANIC (PgError).
void Flush(Lsn upto);
// WAL writer: writes and syncs whatever has been inserted.
void BackgroundFlush();
// The WAL writer registers itself (pid) and unregisters (0), to be woken
// when WAL grows fast enough to need segments between its rounds.
void SetWalWriterPid(int pid);
// End of the last inserted record (the next one starts here or after a page header).
Lsn InsertPosition();
// True once StartupWal has run (the startup process finished reading the WAL).
bool IsStarted();
Lsn FlushedPosition();

// The checkpoint's redo point, against which page LSNs decide full-page images.
Lsn GetRedoPointer();
void SetRedoPointer(Lsn redo);
// Atomically sets the redo pointer to the current insert position and
// returns it: what a checkpoint does as it begins.
Lsn AdvanceRedoPointer();

struct SegmentCounts {
  int added = 0;     // created since the last call (pre-allocation)
  int removed = 0;
  int recycled = 0;  // renamed to a future segment name
};
// Deals with segments wholly before `redo`, the last wal_keep_size worth
// before the insert position and the oldest WAL a replication slot or WAL
// sender needs (replication::OldestRequiredLsn): keeps up to min_wal_size
// worth (never above max_wal_size) as recycled future segments, unlinks the
// rest, and makes sure the next segment exists.
SegmentCounts RemoveOldSegments(Lsn redo);

// ---- Segment switches and archive status (wal_archive.cc) ----
// PostgreSQL's XLOG SWITCH, for pg_switch_wal() and archive_timeout: inserts
// a switch record, so the rest of the current segment is skipped and the next
// record starts the next segment, and flushes through the segment's end
// (completing it: its .ready file appears when archiving). Returns the end of
// the switch record; if the insert position already is a segment boundary
// nothing is inserted and that position is returned.
Lsn SwitchSegment();
// Start of the last record other than a switch (kInvalidLsn if none since start-up).
Lsn LastImportantRecord();
// Time (epoch seconds) and end of the last completed segment (StartupWal counts as one).
void LastSegmentSwitch(int64_t* time, Lsn* lsn);
// archive_mode is on or always.
bool ArchivingActive();
// DATADIR/pg_wal/archive_status/NAME + suffix (".ready", ".done").
std::string ArchiveStatusPath(const std::string& datadir, const std::string& name, const char* suffix);
// Creates the segment's .ready file and wakes the archiver.
void ArchiveNotify(uint64_t segno);
// Whether a finished segment may be removed or recycled: always when not
// archiving; when archiving only once it has a .done file. A segment with
// neither file gets its .ready file now (a crash came between its completion
// and the notification) and is kept.
bool ArchiveCheckDone(uint64_t segno);
// Removes the segment's status files (after the segment was removed or recycled).
void ArchiveCleanup(uint64_t segno);

// Counters for tests and monitoring (shared across processes).
struct Stats {
  uint64_t syncs = 0;          // fsync/fdatasync calls on WAL files
  uint64_t flush_requests = 0; // Flush() calls that found work to wait for
  uint64_t writes = 0;         // write calls
};
Stats GetStats();

}  // namespace tusk::wal
