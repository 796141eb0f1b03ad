// WAL records in one process: names and LSN text, round trips (small, across
// pages and segments, with full-page images), torn tails and corrupt pages
// with PostgreSQL's reasons, checkpoint records, and redo dispatch.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include "access/wal/wal.h"
#include "access/wal/wal_reader.h"
#include "access/wal/wal_redo.h"
#include "storage/file/vfs.h"
#include "storage/ipc/shmem.h"
#include "utils/guc.h"

namespace tusk::wal {
namespace {

constexpr uint64_t kSysid = 7300000000000000001ull;

struct Rec {
  Lsn lsn, end, prev;
  uint64_t xid;
  uint8_t rmgr, info;
  std::string main;
  std::vector<BlockRef> blocks;
  std::vector<std::string> block_data;
};

class WalRecordTest : public ::testing::Test {
 protected:
  void SetUp() override {
    guc::InitializeDefaults();
    guc::SetCommandLineOption("wal_buffers", "8");
    char d[] = "/tmp/tusk-wal-XXXXXX";
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
    vfs::ClearFaults();
    std::filesystem::remove_all(dir_);
    shmem::DestroyRegion();
  }

  std::vector<Rec> ReadAll(Lsn from, std::string* error) {
    std::vector<Rec> out;
    Reader r(dir_, from, kSysid);
    while (const DecodedRecord* d = r.Next()) {
      Rec rec{d->lsn, d->end_lsn, d->prev, d->xid, d->rmgr, d->info, std::string(d->main_data), d->blocks, {}};
      for (const BlockRef& b : d->blocks) rec.block_data.emplace_back(b.data);
      out.push_back(std::move(rec));
    }
    *error = r.error();
    return out;
  }

  // Overwrites bytes of the segment file at an LSN, as a crash or bad disk would.
  void Clobber(Lsn at, const void* bytes, size_t n) {
    int fd = ::open(SegmentPath(dir_, SegmentOf(at)).c_str(), O_RDWR);
    ASSERT_GE(fd, 0);
    ASSERT_EQ(::pwrite(fd, bytes, n, static_cast<off_t>(at % kSegmentSize)), static_cast<ssize_t>(n));
    ::close(fd);
  }

  Lsn InsertText(const std::string& text, uint64_t xid = 0, uint8_t rmgr = 20, Lsn* start = nullptr) {
    RecordBuilder b;
    b.AddData(text.data(), text.size());
    Lsn end = b.Insert(rmgr, 0x30, xid);
    if (start) *start = b.last_start();
    return end;
  }

  std::string dir_;
  Lsn ckpt_ = 0;
};

std::string Pattern(size_t n, int seed) {
  std::string s(n, '\0');
  for (size_t i = 0; i < n; ++i) s[i] = static_cast<char>((i * 131 + seed * 7 + i / 977) & 0xFF);
  return s;
}

TEST(WalFormat, LsnTextAndSegmentNames) {
  EXPECT_EQ(LsnToString(0x153F948), "0/153F948");
  EXPECT_EQ(LsnToString((uint64_t{0x1A} << 32) | 0x28), "1A/28");
  EXPECT_EQ(SegmentFileName(1), "000000010000000000000001");
  EXPECT_EQ(SegmentFileName(256), "000000010000000100000000");
  EXPECT_EQ(SegmentPath("/d", 3), "/d/pg_wal/000000010000000000000003");
  uint64_t segno = 0;
  EXPECT_TRUE(ParseSegmentFileName("0000000100000002000000FF", &segno));
  EXPECT_EQ(segno, 2 * 256 + 255u);
  EXPECT_FALSE(ParseSegmentFileName("00000001000000000000001", &segno));
  EXPECT_FALSE(ParseSegmentFileName("xlogtemp.123456789012345", &segno));
}

TEST_F(WalRecordTest, BootstrapCheckpointReadsBack) {
  EXPECT_EQ(ckpt_, 0x1000028u);  // first segment, after the 40-byte long header
  CheckpointInfo info;
  std::string error;
  ASSERT_TRUE(ReadCheckpointRecord(ckpt_, &info, &error)) << error;
  EXPECT_EQ(info.redo, ckpt_);
  EXPECT_TRUE(info.shutdown);
  EXPECT_EQ(info.next_xid, 3u);
  EXPECT_EQ(info.next_oid, 16384u);

  CheckpointInfo online{0, 1234, 20000, 1700000000, false};
  online.redo = AdvanceRedoPointer();
  Lsn at = WriteCheckpointRecord(online);
  EXPECT_GE(FlushedPosition(), at);
  CheckpointInfo back;
  ASSERT_TRUE(ReadCheckpointRecord(at, &back, &error)) << error;
  EXPECT_EQ(back.redo, online.redo);
  EXPECT_EQ(back.next_xid, 1234u);
  EXPECT_EQ(back.next_oid, 20000u);
  EXPECT_EQ(back.time, 1700000000);
  EXPECT_FALSE(back.shutdown);

  Lsn other;
  Flush(InsertText("not a checkpoint", 0, 20, &other));
  EXPECT_FALSE(ReadCheckpointRecord(other, &back, &error));
  EXPECT_EQ(error, "invalid resource manager ID in checkpoint record");
  EXPECT_FALSE(ReadCheckpointRecord(InsertPosition(), &back, &error));
  EXPECT_EQ(error, "invalid record length at " + LsnToString(InsertPosition()) + ": wanted 24, got 0");
}

TEST_F(WalRecordTest, RoundTripSmallSpanningPagesAndSegments) {
  std::vector<std::string> texts = {"x", Pattern(100, 1), Pattern(20000, 2), "",
                                    Pattern(17 * 1024 * 1024, 3), Pattern(300, 4)};
  std::vector<Lsn> starts, ends;
  for (size_t i = 0; i < texts.size(); ++i) {
    Lsn s;
    ends.push_back(InsertText(texts[i], 100 + i, 20, &s));
    starts.push_back(s);
    EXPECT_EQ(ends.back() % 8, 0u);
  }
  EXPECT_EQ(InsertPosition(), ends.back());
  Flush(ends.back());
  EXPECT_EQ(FlushedPosition(), ends.back());
  EXPECT_GE(SegmentOf(ends.back()), 2u);  // crossed into another segment

  std::string error;
  std::vector<Rec> recs = ReadAll(ckpt_, &error);
  ASSERT_EQ(recs.size(), texts.size() + 1) << error;
  EXPECT_EQ(error, "invalid record length at " + LsnToString(ends.back()) + ": wanted 24, got 0");
  for (size_t i = 0; i < texts.size(); ++i) {
    const Rec& r = recs[i + 1];
    EXPECT_EQ(r.lsn, starts[i]);
    EXPECT_EQ(r.end, ends[i]);
    EXPECT_EQ(r.prev, recs[i].lsn);
    EXPECT_EQ(r.xid, 100 + i);
    EXPECT_EQ(r.rmgr, 20);
    EXPECT_EQ(r.info, 0x30);
    EXPECT_TRUE(r.main == texts[i]) << "record " << i;
  }
}

TEST_F(WalRecordTest, FullPageImagesWithHoleAndDecisions) {
  RelFileLocator rel{1663, 5, 16384};
  std::vector<char> page(kBlockSize);
  for (size_t i = 0; i < page.size(); ++i) page[i] = static_cast<char>(i * 7 + 1);
  PageSetLsn(page.data(), 0);  // never logged: older than the redo pointer
  uint16_t lower = 100, upper = 8000;
  std::memcpy(page.data() + 12, &lower, 2);
  std::memcpy(page.data() + 14, &upper, 2);
  std::string expected(page.data(), page.size());
  std::memset(expected.data() + lower, 0, upper - lower);  // the hole comes back as zeros

  std::vector<char> fresh(kBlockSize, 'f');  // logged after the redo point: no image
  PageSetLsn(fresh.data(), GetRedoPointer() + 8);
  std::vector<char> nonstd(page);  // same bytes, but not a standard page: no hole skipped

  RecordBuilder b;
  b.RegisterBlock(0, rel, 0, 7, page.data(), kRegStandard);
  b.RegisterBlock(1, rel, 0, 8, fresh.data(), kRegStandard);
  b.RegisterBlock(2, RelFileLocator{1663, 5, 99}, 1, 9, nonstd.data(), 0);
  b.RegisterBlock(3, rel, 2, 10, nullptr, kRegWillInit);
  b.RegisterBlock(4, rel, 0, 11, fresh.data(), kRegForceImage);
  b.AddBlockData(1, "one", 3);
  b.AddBlockData(3, "three", 5);
  b.AddData("main", 4);
  Lsn end = b.Insert(30, 0x10, 42);
  Lsn start = b.last_start();
  EXPECT_TRUE(b.ImageTaken(0));
  EXPECT_FALSE(b.ImageTaken(1));
  EXPECT_TRUE(b.ImageTaken(2));
  EXPECT_FALSE(b.ImageTaken(3));
  EXPECT_TRUE(b.ImageTaken(4));
  // Stamping the page makes the next change image-free until the redo pointer moves.
  PageSetLsn(page.data(), end);
  RecordBuilder b2;
  b2.RegisterBlock(0, rel, 0, 7, page.data(), kRegStandard);
  Lsn end2 = b2.Insert(30, 0x20, 42);
  EXPECT_FALSE(b2.ImageTaken(0));
  AdvanceRedoPointer();
  RecordBuilder b3;
  b3.RegisterBlock(0, rel, 0, 7, page.data(), kRegStandard);
  b3.Insert(30, 0x20, 42);
  EXPECT_TRUE(b3.ImageTaken(0));
  guc::SetCommandLineOption("full_page_writes", "off");
  AdvanceRedoPointer();
  RecordBuilder b4;
  b4.RegisterBlock(0, rel, 0, 7, page.data(), kRegStandard);
  Lsn end4 = b4.Insert(30, 0x20, 42);
  EXPECT_FALSE(b4.ImageTaken(0));
  Flush(end4);

  std::string error;
  std::vector<Rec> recs = ReadAll(start, &error);
  ASSERT_EQ(recs.size(), 4u) << error;
  const Rec& r = recs[0];
  EXPECT_EQ(r.end, end);
  EXPECT_EQ(r.xid, 42u);
  EXPECT_EQ(r.main, "main");
  ASSERT_EQ(r.blocks.size(), 5u);
  EXPECT_TRUE(r.blocks[0].has_image);
  EXPECT_TRUE(r.blocks[0].apply_image);
  EXPECT_TRUE(r.blocks[0].image == expected);
  EXPECT_EQ(r.blocks[0].rel, rel);
  EXPECT_EQ(r.blocks[0].block, 7u);
  EXPECT_FALSE(r.blocks[1].has_image);
  EXPECT_EQ(r.blocks[1].rel, rel);  // same-rel shorthand decodes to the full locator
  EXPECT_EQ(r.block_data[1], "one");
  EXPECT_TRUE(r.blocks[2].has_image);
  EXPECT_TRUE(r.blocks[2].image == std::string(nonstd.data(), nonstd.size()));
  EXPECT_EQ(r.blocks[2].rel, (RelFileLocator{1663, 5, 99}));
  EXPECT_EQ(r.blocks[2].fork, 1);
  EXPECT_TRUE(r.blocks[3].will_init);
  EXPECT_FALSE(r.blocks[3].has_image);
  EXPECT_EQ(r.blocks[3].fork, 2);
  EXPECT_EQ(r.block_data[3], "three");
  EXPECT_TRUE(r.blocks[4].has_image);
  EXPECT_TRUE(r.blocks[4].image == std::string(fresh.data(), fresh.size()));
  // The hole really is left out: two full images plus one minus the hole.
  size_t full = 3 * kBlockSize - (upper - lower);
  EXPECT_GT(r.end - r.lsn, full);
  EXPECT_LT(r.end - r.lsn, full + 400);
  EXPECT_EQ(recs[1].end, end2);
  EXPECT_TRUE(recs[2].blocks[0].has_image);
  EXPECT_FALSE(recs[3].blocks[0].has_image);
}

TEST_F(WalRecordTest, TornTailStopsAtLastGoodRecordWithPostgresReason) {
  Lsn s1, s2, s3;
  InsertText("first", 1, 20, &s1);
  InsertText(Pattern(500, 9), 2, 20, &s2);
  Lsn end3 = InsertText(Pattern(900, 8), 3, 20, &s3);
  Flush(end3);
  std::string error;

  // A record whose bytes never reached the disk.
  std::string zeros(end3 - s3, '\0');
  Clobber(s3, zeros.data(), zeros.size());
  std::vector<Rec> recs = ReadAll(ckpt_, &error);
  ASSERT_EQ(recs.size(), 3u);
  EXPECT_EQ(recs.back().lsn, s2);
  EXPECT_EQ(error, "invalid record length at " + LsnToString(s3) + ": wanted 24, got 0");

  // Only the length word of the last record made it: its zero prev-link gives it away.
  Clobber(s3, "\x20\x00\x00\x00", 4);
  recs = ReadAll(ckpt_, &error);
  ASSERT_EQ(recs.size(), 3u);
  EXPECT_EQ(error, "record with incorrect prev-link 0/0 at " + LsnToString(s3));
  // A flipped byte in the data of the record before it.
  char byte = 0;
  Clobber(s2 + 40, &byte, 1);
  recs = ReadAll(ckpt_, &error);
  ASSERT_EQ(recs.size(), 2u);
  EXPECT_EQ(error, "incorrect resource manager data checksum in record at " + LsnToString(s2));

  // A wrong prev-link is caught before the checksum.
  Lsn bogus = 0x1000000;
  Clobber(s2 + 8, &bogus, 8);
  recs = ReadAll(ckpt_, &error);
  EXPECT_EQ(error, "record with incorrect prev-link 0/1000000 at " + LsnToString(s2));
  EXPECT_EQ(recs.size(), 2u);
}

TEST_F(WalRecordTest, InsertionContinuesAfterTornTail) {
  Lsn s1, s2;
  InsertText("keep", 1, 20, &s1);
  Lsn end2 = InsertText(Pattern(3000, 5), 2, 20, &s2);
  Flush(end2);
  char junk[16];
  std::memset(junk, 0x5A, sizeof junk);
  Clobber(s2 + 30, junk, sizeof junk);  // torn second record

  RegisterRmgr(20, "test", [](const DecodedRecord&) {});
  RedoResult res;
  testing::internal::CaptureStderr();
  Lsn end = RunRedo(ckpt_, ckpt_, &res);
  std::string log = testing::internal::GetCapturedStderr();
  EXPECT_EQ(res.last_record, s1);
  EXPECT_EQ(end, s2);
  EXPECT_NE(log.find("redo starts at " + LsnToString(s1)), std::string::npos) << log;
  EXPECT_NE(log.find("incorrect resource manager data checksum in record at " + LsnToString(s2)), std::string::npos) << log;
  EXPECT_NE(log.find("redo done at " + LsnToString(s1) + " system usage: CPU: user: "), std::string::npos) << log;

  StartupWal(end, res.last_record, kSysid);
  Lsn s3;
  Lsn end3 = InsertText("after crash", 3, 20, &s3);
  EXPECT_EQ(s3, s2);  // the torn record's place is reused
  Flush(end3);
  std::string error;
  std::vector<Rec> recs = ReadAll(ckpt_, &error);
  ASSERT_EQ(recs.size(), 3u) << error;
  EXPECT_EQ(recs[2].main, "after crash");
  EXPECT_EQ(recs[2].prev, s1);
  // The rest of the torn record was overwritten with zeros on its page.
  EXPECT_EQ(error, "invalid record length at " + LsnToString(end3) + ": wanted 24, got 0");
}

TEST_F(WalRecordTest, BadPageHeaderMagic) {
  Lsn s;
  Lsn end = InsertText(Pattern(12000, 1), 0, 20, &s);  // continues on the next page
  Flush(end);
  Lsn page2 = (s / kPageSize + 1) * kPageSize;
  uint16_t zero = 0;
  Clobber(page2, &zero, 2);
  std::string error;
  std::vector<Rec> recs = ReadAll(ckpt_, &error);
  EXPECT_EQ(recs.size(), 1u);
  EXPECT_EQ(error, "invalid magic number 0000 in log segment 000000010000000000000001, offset " +
                       std::to_string(page2 % kSegmentSize));
  uint64_t addr = 0x2000;
  Clobber(page2, &kPageMagic, 2);
  Clobber(page2 + 8, &addr, 8);
  recs = ReadAll(ckpt_, &error);
  EXPECT_EQ(error, "unexpected pageaddr 0/2000 in log segment 000000010000000000000001, offset " +
                       std::to_string(page2 % kSegmentSize));
}

std::vector<std::pair<Lsn, std::string>>* g_redone;

TEST_F(WalRecordTest, RedoDispatchesEachRecordToItsRmgr) {
  std::vector<std::pair<Lsn, std::string>> redone;
  g_redone = &redone;
  RegisterRmgr(21, "first", [](const DecodedRecord& r) { g_redone->emplace_back(r.lsn, "a:" + std::string(r.main_data)); });
  RegisterRmgr(22, "second", [](const DecodedRecord& r) { g_redone->emplace_back(r.lsn, "b:" + std::string(r.main_data)); });
  EXPECT_STREQ(RmgrName(22), "second");

  testing::internal::CaptureStderr();
  RedoResult none;
  RunRedo(ckpt_, ckpt_, &none);
  std::string log = testing::internal::GetCapturedStderr();
  EXPECT_NE(log.find("redo is not required"), std::string::npos) << log;
  EXPECT_EQ(none.replayed, 0u);

  std::vector<Lsn> starts(4);
  InsertText("1", 0, 21, &starts[0]);
  InsertText("2", 0, 22, &starts[1]);
  InsertText("3", 0, 21, &starts[2]);
  Lsn end = InsertText("4", 0, 22, &starts[3]);
  Flush(end);
  RedoResult res;
  testing::internal::CaptureStderr();
  EXPECT_EQ(RunRedo(ckpt_, ckpt_, &res), end);
  testing::internal::GetCapturedStderr();
  EXPECT_EQ(res.replayed, 4u);
  ASSERT_EQ(redone.size(), 4u);
  EXPECT_EQ(redone[0], std::make_pair(starts[0], std::string("a:1")));
  EXPECT_EQ(redone[1], std::make_pair(starts[1], std::string("b:2")));
  EXPECT_EQ(redone[2], std::make_pair(starts[2], std::string("a:3")));
  EXPECT_EQ(redone[3], std::make_pair(starts[3], std::string("b:4")));

  // A record of an unknown resource manager cannot be skipped silently.
  Flush(InsertText("?", 0, 99));
  testing::internal::CaptureStderr();
  EXPECT_THROW(RunRedo(ckpt_, ckpt_), PgError);
  testing::internal::GetCapturedStderr();
}

}  // namespace
}  // namespace tusk::wal
