// Storage manager: relation files of 8 kB blocks split into 1 GB segments
// (base/DB/REL[_fsm|_vm|_init][.N]). Writes do not fsync; they queue a sync
// request for the checkpointer (storage/file/sync_queue.h).
#pragma once

#include <cstdint>
#include <string>

namespace tusk::smgr {

// A relation's on-disk identity. spc_oid 1663 is base/DB/REL, 1664 global/REL.
struct RelFileLocator {
  uint32_t spc_oid = 0;
  uint32_t db_oid = 0;
  uint32_t rel_number = 0;
  bool operator==(const RelFileLocator&) const = default;
};

inline constexpr uint32_t kDefaultTablespace = 1663;
inline constexpr uint32_t kGlobalTablespace = 1664;

enum class Fork : uint8_t { kMain, kFsm, kVm, kInit };
inline constexpr int kNumForks = 4;

inline constexpr uint32_t kBlockSize = 8192;
inline constexpr uint32_t kBlocksPerSegment = 131072;  // 1 GB / 8 kB
inline constexpr uint32_t kInvalidBlock = 0xFFFFFFFFu;

// The data directory used for paths: Globals().data_dir unless overridden
// (tests). An empty root restores the default.
void SetDataDirForTesting(const std::string& root);
// Segment size in blocks; tests shrink it to exercise segment boundaries.
void SetSegmentBlocksForTesting(uint32_t blocks);
uint32_t SegmentBlocks();

// Relative path as PostgreSQL prints it: "base/5/16384_fsm", "global/1262".
std::string RelPath(const RelFileLocator& loc, Fork fork);
// Relative path of one segment ("base/5/16384.2" for segno 2).
std::string SegmentPath(const RelFileLocator& loc, Fork fork, uint32_t segno);
// Absolute path of a relative one.
std::string FullPath(const std::string& relative);

// Creates segment 0 (empty). An existing file is an error unless is_redo.
void Create(const RelFileLocator& loc, Fork fork, bool is_redo);
bool Exists(const RelFileLocator& loc, Fork fork);
// Number of blocks (0 if the fork does not exist).
uint32_t NBlocks(const RelFileLocator& loc, Fork fork);
// Reads one block; ERROR if it is past the end or the read fails.
void Read(const RelFileLocator& loc, Fork fork, uint32_t block, char* buf);
// Overwrites one block; ERROR on failure (with a hint for a full disk).
void Write(const RelFileLocator& loc, Fork fork, uint32_t block, const char* buf);
// Adds a block at `block` (normally NBlocks()); same errors as Write.
void Extend(const RelFileLocator& loc, Fork fork, uint32_t block, const char* buf);
// Shrinks the fork to nblocks; later segments become empty files.
void Truncate(const RelFileLocator& loc, Fork fork, uint32_t nblocks);
// Removes every segment of every fork and forgets pending sync requests.
void Unlink(const RelFileLocator& loc);
// fsyncs every segment of the fork now (PANIC on failure).
void ImmediateSync(const RelFileLocator& loc, Fork fork);
// Closes this process's cached descriptors (after another process unlinked files).
void CloseAll();

}  // namespace tusk::smgr
