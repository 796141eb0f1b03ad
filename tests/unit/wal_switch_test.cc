// Segment switches (XLOG SWITCH) and archive status files in one process:
// where a switch leaves the insert position, how the reader and redo skip
// the rest of the segment, a switch record that itself crosses into the next
// segment, .ready files for completed segments, recycling that waits for
// .done, and the archive_command placeholders.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include "access/wal/wal.h"
#include "access/wal/wal_reader.h"
#include "access/wal/wal_redo.h"
#include "postmaster/pgarch.h"
#include "storage/ipc/shmem.h"
#include "utils/guc.h"

namespace tusk::wal {
namespace {

constexpr uint64_t kSysid = 7300000000000000002ull;

bool Exists(const std::string& p) { return ::access(p.c_str(), F_OK) == 0; }

class WalSwitchTest : public ::testing::Test {
 protected:
  void SetUp() override {
    guc::InitializeDefaults();
    guc::SetCommandLineOption("wal_buffers", "8");
    guc::SetCommandLineOption("min_wal_size", "32");  // keep two recycled segments at most
    char d[] = "/tmp/tusk-walswitch-XXXXXX";
    ASSERT_NE(mkdtemp(d), nullptr);
    dir_ = d;
    shmem::CreateRegion(ShmemSize(guc::V()) + 4096);
    ShmemInit(guc::V());
    SetDataDirectory(dir_);
    ckpt_ = BootstrapWal(dir_, kSysid);
    Reader r(dir_, ckpt_, kSysid);
    const DecodedRecord* rec = r.Next();
    ASSERT_NE(rec, nullptr) << r.error();
    StartupWal(rec->end_lsn, rec->lsn, kSysid);
  }
  void TearDown() override {
    std::filesystem::remove_all(dir_);
    shmem::DestroyRegion();
    guc::InitializeDefaults();
  }

  Lsn InsertText(const std::string& text, Lsn* start = nullptr) {
    RecordBuilder b;
    b.AddData(text.data(), text.size());
    Lsn end = b.Insert(20, 0x30, 0);
    if (start) *start = b.last_start();
    return end;
  }

  struct Rec {
    Lsn lsn, end, prev;
    uint8_t rmgr, info;
    std::string main;
  };
  std::vector<Rec> ReadAll(Lsn from, std::string* error) {
    std::vector<Rec> out;
    Reader r(dir_, from, kSysid);
    while (const DecodedRecord* d = r.Next()) out.push_back({d->lsn, d->end_lsn, d->prev, d->rmgr, d->info, std::string(d->main_data)});
    *error = r.error();
    return out;
  }

  std::string Status(uint64_t segno, const char* suffix) {
    return ArchiveStatusPath(dir_, SegmentFileName(segno), suffix);
  }

  std::string dir_;
  Lsn ckpt_ = 0;
};

TEST_F(WalSwitchTest, SwitchSkipsRestOfSegmentAndReaderFollows) {
  Lsn a_start;
  InsertText("before", &a_start);
  Lsn before = InsertPosition();
  Lsn sw = SwitchSegment();
  EXPECT_EQ(sw, before + kRecordHeaderSize + 2);  // the switch record's own end
  EXPECT_EQ(InsertPosition(), 2 * kSegmentSize);
  EXPECT_EQ(FlushedPosition(), 2 * kSegmentSize);  // flushed through the segment end
  EXPECT_EQ(LastImportantRecord(), a_start);       // a switch is not important
  int64_t t;
  Lsn switch_lsn;
  LastSegmentSwitch(&t, &switch_lsn);
  EXPECT_EQ(switch_lsn, 2 * kSegmentSize);
  // Nothing written since: a second switch inserts nothing.
  EXPECT_EQ(SwitchSegment(), 2 * kSegmentSize);
  EXPECT_EQ(InsertPosition(), 2 * kSegmentSize);

  Lsn b_start;
  InsertText("after", &b_start);
  Flush(InsertPosition());
  EXPECT_EQ(b_start, 2 * kSegmentSize + kLongHeaderSize);

  std::string error;
  std::vector<Rec> recs = ReadAll(ckpt_, &error);
  ASSERT_EQ(recs.size(), 4u) << error;
  EXPECT_EQ(recs[1].main, "before");
  EXPECT_EQ(recs[2].rmgr, kRmgrXlog);
  EXPECT_EQ(recs[2].info, kXlogSwitch);
  EXPECT_EQ(recs[2].lsn, before);
  EXPECT_EQ(recs[2].end, 2 * kSegmentSize);
  EXPECT_EQ(recs[3].main, "after");
  EXPECT_EQ(recs[3].prev, before);

  // The skipped pages were written with valid headers: the segment is whole.
  int fd = ::open(SegmentPath(dir_, 1).c_str(), O_RDONLY);
  ASSERT_GE(fd, 0);
  PageHeader h;
  ASSERT_EQ(::pread(fd, &h, sizeof h, kSegmentSize - kPageSize), static_cast<ssize_t>(sizeof h));
  ::close(fd);
  EXPECT_EQ(h.magic, kPageMagic);
  EXPECT_EQ(h.pageaddr, 2 * kSegmentSize - kPageSize);
}

TEST_F(WalSwitchTest, RedoAcrossSwitchAndRestartAtBoundary) {
  InsertText("one");
  SwitchSegment();
  RegisterRmgr(20, "test", [](const DecodedRecord&) {});
  RedoResult res;
  testing::internal::CaptureStderr();
  Lsn end = RunRedo(ckpt_, ckpt_, &res);
  testing::internal::GetCapturedStderr();
  EXPECT_EQ(end, 2 * kSegmentSize);  // a crash right after the switch continues in the next segment
  EXPECT_EQ(res.replayed, 2u);
  StartupWal(end, res.last_record, kSysid);
  Lsn s;
  Flush(InsertText("two", &s));
  EXPECT_EQ(s, 2 * kSegmentSize + kLongHeaderSize);
  std::string error;
  std::vector<Rec> recs = ReadAll(ckpt_, &error);
  ASSERT_EQ(recs.size(), 4u) << error;
  EXPECT_EQ(recs[3].main, "two");
  EXPECT_EQ(recs[3].prev, recs[2].lsn);
}

TEST_F(WalSwitchTest, SwitchRecordCrossingIntoNextSegmentSkipsThatOneToo) {
  const Lsn seg_end = 2 * kSegmentSize;
  // Fill segment 1 until exactly 16 bytes are left: too few for the 26-byte switch record.
  std::string big(8000, 'x');
  while (seg_end - InsertPosition() > 96) InsertText(seg_end - InsertPosition() > 9000 ? big : std::string(1, 'y'));
  Lsn left = seg_end - InsertPosition();
  ASSERT_GE(left, 48u);
  InsertText(std::string(left - 16 - (kRecordHeaderSize + 4), 'z'));
  ASSERT_EQ(seg_end - InsertPosition(), 16u);
  Lsn sw_start = InsertPosition();
  SwitchSegment();
  EXPECT_EQ(InsertPosition(), 3 * kSegmentSize);
  Lsn s;
  Flush(InsertText("next", &s));
  Reader r(dir_, sw_start, kSysid);
  const DecodedRecord* d = r.Next();
  ASSERT_NE(d, nullptr) << r.error();
  EXPECT_EQ(d->info, kXlogSwitch);
  EXPECT_EQ(d->end_lsn, 3 * kSegmentSize);
  d = r.Next();
  ASSERT_NE(d, nullptr) << r.error();
  EXPECT_EQ(d->lsn, s);
  EXPECT_EQ(std::string(d->main_data), "next");
}

TEST_F(WalSwitchTest, ReadyFilesAndRecyclingWaitForDone) {
  guc::SetCommandLineOption("archive_mode", "on");
  ASSERT_TRUE(ArchivingActive());
  InsertText("a");
  SwitchSegment();  // completes segment 1
  EXPECT_TRUE(Exists(Status(1, ".ready")));
  InsertText("b");
  SwitchSegment();  // completes segment 2
  EXPECT_TRUE(Exists(Status(2, ".ready")));
  EXPECT_FALSE(Exists(Status(3, ".ready")));

  // Not archived yet: a checkpoint keeps both.
  SegmentCounts c = RemoveOldSegments(InsertPosition());
  EXPECT_EQ(c.removed + c.recycled, 0);
  EXPECT_TRUE(Exists(SegmentPath(dir_, 1)));
  EXPECT_TRUE(Exists(SegmentPath(dir_, 2)));

  // Segment 1 archived: it goes, and so does its status file.
  std::filesystem::rename(Status(1, ".ready"), Status(1, ".done"));
  // Segment 2's .ready lost (a crash before the notification): recreated, segment kept.
  std::filesystem::remove(Status(2, ".ready"));
  c = RemoveOldSegments(InsertPosition());
  EXPECT_EQ(c.removed + c.recycled, 1);
  EXPECT_FALSE(Exists(SegmentPath(dir_, 1)));
  EXPECT_FALSE(Exists(Status(1, ".done")));
  EXPECT_TRUE(Exists(SegmentPath(dir_, 2)));
  EXPECT_TRUE(Exists(Status(2, ".ready")));

  // With archiving off nothing waits.
  guc::SetCommandLineOption("archive_mode", "off");
  c = RemoveOldSegments(InsertPosition());
  EXPECT_EQ(c.removed + c.recycled, 1);
  EXPECT_FALSE(Exists(SegmentPath(dir_, 2)));
  EXPECT_FALSE(Exists(Status(2, ".ready")));
}

TEST_F(WalSwitchTest, NoStatusFilesWithoutArchiving) {
  InsertText("a");
  SwitchSegment();
  EXPECT_FALSE(Exists(Status(1, ".ready")));
}

// Switches racing with inserts in other processes: every record is read back
// once and in order across the skipped tails, and each completed segment has
// its .ready file.
TEST_F(WalSwitchTest, SwitchesRacingWithInsertsInOtherProcesses) {
  guc::SetCommandLineOption("fsync", "off");
  guc::SetCommandLineOption("archive_mode", "on");
  constexpr int kInserters = 3, kPerProc = 300, kSwitches = 5;
  std::vector<pid_t> pids;
  for (int p = 0; p <= kInserters; ++p) {
    pid_t pid = fork();
    if (pid == 0) {
      int rc = 0;
      try {
        if (p == kInserters) {
          for (int i = 0; i < kSwitches; ++i) {
            usleep(2000);
            SwitchSegment();
          }
        } else {
          for (int i = 0; i < kPerProc; ++i) {
            std::string data = std::to_string(p) + ":" + std::to_string(i) + std::string((i * 53 + p) % 2000, 'q');
            RecordBuilder b;
            b.AddData(data.data(), data.size());
            Lsn end = b.Insert(20, 0x30, 0);
            if (i % 20 == 0) Flush(end);
          }
        }
      } catch (...) {
        rc = 2;
      }
      _exit(rc);
    }
    pids.push_back(pid);
  }
  for (pid_t pid : pids) {
    int status = 0;
    waitpid(pid, &status, 0);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
  }
  Flush(InsertPosition());
  Reader r(dir_, ckpt_, kSysid);
  int next[kInserters] = {0, 0, 0};
  int records = 0, switches = 0;
  Lsn prev = kInvalidLsn;
  while (const DecodedRecord* d = r.Next()) {
    if (prev != kInvalidLsn) {
      EXPECT_EQ(d->prev, prev);
    }
    prev = d->lsn;
    if (d->rmgr == kRmgrXlog) {
      switches += d->info == kXlogSwitch;
      continue;
    }
    std::string text(d->main_data);
    int p = std::stoi(text.substr(0, text.find(':')));
    int i = std::stoi(text.substr(text.find(':') + 1));
    ASSERT_TRUE(p >= 0 && p < kInserters);
    EXPECT_EQ(i, next[p]) << "process " << p;
    next[p] = i + 1;
    ++records;
  }
  EXPECT_EQ(records, kInserters * kPerProc) << r.error();
  EXPECT_GE(switches, 1);
  EXPECT_EQ(r.last_end(), InsertPosition());
  for (uint64_t seg = 1; seg < SegmentOf(FlushedPosition()); ++seg) EXPECT_TRUE(Exists(Status(seg, ".ready"))) << seg;
  EXPECT_FALSE(Exists(Status(SegmentOf(FlushedPosition()), ".ready")));
}

TEST(ArchiveCommand, Placeholders) {
  using pgarch::BuildCommand;
  EXPECT_EQ(BuildCommand("cp %p /arch/%f", "pg_wal/000000010000000000000001", "000000010000000000000001"),
            "cp pg_wal/000000010000000000000001 /arch/000000010000000000000001");
  EXPECT_EQ(BuildCommand("echo %%p %% 100%", "P", "F"), "echo %p % 100%");
  EXPECT_EQ(BuildCommand("x%yz %f%", "P", "F"), "x%yz F%");
  EXPECT_EQ(BuildCommand("%%%f", "P", "F"), "%F");
  EXPECT_EQ(BuildCommand("", "P", "F"), "");
}

}  // namespace
}  // namespace tusk::wal
