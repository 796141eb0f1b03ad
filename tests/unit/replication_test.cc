// The WAL sender's pure parts: the replication command parser, tar headers
// and the backup manifest.
#include <gtest/gtest.h>

#include <string>

#include "protocol/auth/scram.h"
#include "replication/manifest.h"
#include "replication/repl_command.h"
#include "replication/tar.h"
#include "utils/crc32c.h"
#include "utils/error.h"

namespace tusk::replication {
namespace {

Command Parse(const std::string& text) {
  std::optional<Command> c = ParseCommand(text);
  EXPECT_TRUE(c.has_value()) << text;
  return c.value_or(Command{});
}

std::string SyntaxErrorOf(const std::string& text) {
  try {
    ParseCommand(text);
  } catch (const PgError& e) {
    return e.data().sqlstate + " " + e.data().message;
  }
  return "no error";
}

TEST(ReplCommand, SimpleCommands) {
  EXPECT_EQ(Parse("IDENTIFY_SYSTEM").kind, CommandKind::kIdentifySystem);
  EXPECT_EQ(Parse("  IDENTIFY_SYSTEM ;").kind, CommandKind::kIdentifySystem);
  Command show = Parse("SHOW wal_segment_size");
  EXPECT_EQ(show.kind, CommandKind::kShow);
  EXPECT_EQ(show.name, "wal_segment_size");
  EXPECT_EQ(Parse("SHOW \"Wal_Segment_Size\"").name, "Wal_Segment_Size");
  EXPECT_EQ(Parse("SHOW Data_Directory_Mode").name, "data_directory_mode");
  EXPECT_EQ(Parse("TIMELINE_HISTORY 1").timeline, 1u);
  EXPECT_EQ(Parse("READ_REPLICATION_SLOT s").kind, CommandKind::kReadSlot);
}

TEST(ReplCommand, NotReplicationCommands) {
  // Keywords are case-sensitive, as in PostgreSQL: these are SQL.
  EXPECT_FALSE(ParseCommand("identify_system").has_value());
  EXPECT_FALSE(ParseCommand("select 1").has_value());
  EXPECT_FALSE(ParseCommand("").has_value());
  EXPECT_FALSE(ParseCommand("$$").has_value());
}

TEST(ReplCommand, Slots) {
  Command c = Parse("CREATE_REPLICATION_SLOT \"pg_basebackup_19679\" TEMPORARY PHYSICAL ( RESERVE_WAL)");
  EXPECT_EQ(c.kind, CommandKind::kCreateSlot);
  EXPECT_EQ(c.name, "pg_basebackup_19679");
  EXPECT_TRUE(c.temporary);
  ASSERT_EQ(c.options.size(), 1u);
  EXPECT_EQ(c.options[0].name, "reserve_wal");
  EXPECT_FALSE(c.options[0].value.has_value());
  c = Parse("CREATE_REPLICATION_SLOT Slot1 PHYSICAL RESERVE_WAL");
  EXPECT_EQ(c.name, "slot1");
  EXPECT_FALSE(c.temporary);
  ASSERT_EQ(c.options.size(), 1u);
  c = Parse("CREATE_REPLICATION_SLOT l LOGICAL pgoutput");
  EXPECT_TRUE(c.logical);
  c = Parse("DROP_REPLICATION_SLOT s WAIT");
  EXPECT_EQ(c.kind, CommandKind::kDropSlot);
  EXPECT_TRUE(c.wait);
  EXPECT_EQ(SyntaxErrorOf("CREATE_REPLICATION_SLOT s4 LOGICAL"), "42601 syntax error");
  EXPECT_EQ(SyntaxErrorOf("CREATE_REPLICATION_SLOT s physical"), "42601 syntax error");
  EXPECT_EQ(SyntaxErrorOf("DROP_REPLICATION_SLOT"), "42601 syntax error");
}

TEST(ReplCommand, StartReplication) {
  Command c = Parse("START_REPLICATION SLOT \"pg_basebackup_1\" 0/6000000 TIMELINE 1");
  EXPECT_EQ(c.kind, CommandKind::kStartReplication);
  EXPECT_TRUE(c.has_slot);
  EXPECT_EQ(c.name, "pg_basebackup_1");
  EXPECT_EQ(c.lsn, 0x6000000u);
  EXPECT_EQ(c.timeline, 1u);
  c = Parse("START_REPLICATION PHYSICAL A/1B");
  EXPECT_FALSE(c.has_slot);
  EXPECT_EQ(c.lsn, (0xAull << 32) | 0x1B);
  EXPECT_EQ(c.timeline, 0u);
  EXPECT_EQ(SyntaxErrorOf("START_REPLICATION"), "42601 syntax error");
  EXPECT_EQ(SyntaxErrorOf("START_REPLICATION 0/0 TIMELINE x"), "42601 syntax error");
  EXPECT_EQ(SyntaxErrorOf("START_REPLICATION 0/0 extra"), "42601 syntax error");
}

TEST(ReplCommand, BaseBackupOptions) {
  Command c = Parse(
      "BASE_BACKUP ( LABEL 'pg_basebackup base backup',  PROGRESS,  CHECKPOINT 'fast',  WAIT 0,  MANIFEST 'yes',  "
      "TARGET 'client')");
  EXPECT_EQ(c.kind, CommandKind::kBaseBackup);
  ASSERT_EQ(c.options.size(), 6u);
  EXPECT_EQ(c.options[0].name, "label");
  EXPECT_EQ(c.options[0].value.value_or(""), "pg_basebackup base backup");
  EXPECT_EQ(c.options[1].name, "progress");
  EXPECT_FALSE(c.options[1].value.has_value());
  EXPECT_EQ(c.options[3].name, "wait");
  EXPECT_EQ(c.options[3].value.value_or(""), "0");
  EXPECT_EQ(Parse("BASE_BACKUP (LABEL 'it''s')").options[0].value.value_or(""), "it's");
  // The legacy spelling.
  c = Parse("BASE_BACKUP LABEL 'x' PROGRESS FAST WAL NOWAIT MAX_RATE 64");
  ASSERT_EQ(c.options.size(), 6u);
  EXPECT_EQ(c.options[2].name, "checkpoint");
  EXPECT_EQ(c.options[2].value.value_or(""), "fast");
  EXPECT_EQ(c.options[4].name, "wait");
  EXPECT_EQ(c.options[5].value.value_or(""), "64");
  EXPECT_TRUE(Parse("BASE_BACKUP").options.empty());
  EXPECT_EQ(SyntaxErrorOf("BASE_BACKUP (LABEL 'x'"), "42601 syntax error");
  EXPECT_EQ(SyntaxErrorOf("BASE_BACKUP (LABEL 'x)"), "42601 syntax error");
}

TEST(ReplCommand, Lsn) {
  wal::Lsn l = 0;
  EXPECT_TRUE(ParseLsn("0/0", &l));
  EXPECT_EQ(l, 0u);
  EXPECT_TRUE(ParseLsn("FFFFFFFF/FFFFFFFF", &l));
  EXPECT_EQ(l, ~0ull);
  EXPECT_FALSE(ParseLsn("1/", &l));
  EXPECT_FALSE(ParseLsn("/1", &l));
  EXPECT_FALSE(ParseLsn("123456789/0", &l));
  EXPECT_FALSE(ParseLsn("G/0", &l));
}

unsigned OctalField(const std::string& h, size_t off, size_t len) {
  return static_cast<unsigned>(std::stoul(h.substr(off, len), nullptr, 8));
}

TEST(Tar, HeaderLayoutAndChecksum) {
  std::string h;
  TarEntry e;
  e.path = "global/pg_control";
  e.size = 8192;
  e.mode = 0600;
  e.mtime = 1700000000;
  e.uid = 101;
  e.gid = 104;
  e.owner = "postgres";
  e.group = "postgres";
  ASSERT_TRUE(AppendTarHeader(&h, e));
  ASSERT_EQ(h.size(), 512u);
  EXPECT_EQ(h.substr(0, 17), "global/pg_control");
  EXPECT_EQ(h.substr(100, 8), "0000600 ");
  EXPECT_EQ(OctalField(h, 108, 7), 101u);
  EXPECT_EQ(h.substr(124, 12), "00000020000 ");
  EXPECT_EQ(OctalField(h, 136, 11), 1700000000u);
  EXPECT_EQ(h[156], '0');
  EXPECT_EQ(std::string(h.data() + 257, 6), std::string("ustar\0", 6));
  EXPECT_EQ(h.substr(263, 2), "00");
  EXPECT_EQ(h.substr(265, 8), "postgres");
  // The checksum: the sum of all bytes with its own field as spaces.
  std::string copy = h;
  for (int i = 148; i < 156; ++i) copy[i] = ' ';
  unsigned sum = 0;
  for (unsigned char c : copy) sum += c;
  EXPECT_EQ(OctalField(h, 148, 7), sum);

  std::string d;
  TarEntry dir;
  dir.path = "pg_wal";
  dir.type = TarType::kDirectory;
  dir.mode = 0700;
  ASSERT_TRUE(AppendTarHeader(&d, dir));
  EXPECT_EQ(d.substr(0, 8), std::string("pg_wal/\0", 8));
  EXPECT_EQ(d[156], '5');
  EXPECT_EQ(d.substr(124, 12), "00000000000 ");
}

TEST(Tar, LongNamesAndPadding) {
  std::string h;
  TarEntry e;
  e.path = std::string(120, 'a') + "/" + std::string(50, 'b');
  ASSERT_TRUE(AppendTarHeader(&h, e));
  EXPECT_EQ(h.substr(0, 50), std::string(50, 'b'));
  EXPECT_EQ(h.substr(345, 120), std::string(120, 'a'));
  e.path = std::string(300, 'c');  // no '/' to split at
  std::string none;
  EXPECT_FALSE(AppendTarHeader(&none, e));
  EXPECT_TRUE(none.empty());
  EXPECT_EQ(TarPadding(0), 0u);
  EXPECT_EQ(TarPadding(1), 511u);
  EXPECT_EQ(TarPadding(512), 0u);
  EXPECT_EQ(TarTrailer().size(), 1024u);
}

TEST(Manifest, FormatAndChecksum) {
  const std::string label = "START WAL LOCATION: 0/4000028 (file 000000010000000000000004)\n";
  ManifestBuilder m(false, true);
  m.AddFile("backup_label", label.size(), 1700000000, Crc32c(0, label.data(), label.size()));
  m.AddFile("base/1/12\"34", 0, 1700000000, Crc32c(0, "", 0));
  const std::string text = m.Finish(1, 0x4000028, 0x4000138);
  EXPECT_EQ(text.rfind("{ \"PostgreSQL-Backup-Manifest-Version\": 1,\n\"Files\": [\n{ \"Path\": \"backup_label\", ", 0),
            0u)
      << text;
  EXPECT_NE(text.find("\"Last-Modified\": \"2023-11-14 22:13:20 GMT\""), std::string::npos) << text;
  EXPECT_NE(text.find("\"Path\": \"base/1/12\\\"34\""), std::string::npos) << text;
  EXPECT_NE(text.find("\"Checksum-Algorithm\": \"CRC32C\", \"Checksum\": \"00000000\""), std::string::npos) << text;
  EXPECT_NE(text.find("\n],\n\"WAL-Ranges\": [\n{ \"Timeline\": 1, \"Start-LSN\": \"0/4000028\", \"End-LSN\": "
                      "\"0/4000138\" }\n],\n"),
            std::string::npos)
      << text;
  const size_t at = text.find("\"Manifest-Checksum\": \"");
  ASSERT_NE(at, std::string::npos);
  std::string digest = auth::Sha256(text.substr(0, at));
  std::string hex;
  for (unsigned char c : digest) {
    char b[3];
    std::snprintf(b, sizeof b, "%02x", c);
    hex += b;
  }
  EXPECT_EQ(text.substr(at), "\"Manifest-Checksum\": \"" + hex + "\"}\n");
}

TEST(Manifest, CrcIsPrintedInMemoryOrder) {
  // CRC-32C("123456789") = 0xE3069283; PostgreSQL prints its bytes little-endian.
  ManifestBuilder m(false, true);
  m.AddFile("f", 9, 0, Crc32c(0, "123456789", 9));
  EXPECT_NE(m.Finish(1, 0, 0).find("\"Checksum\": \"839206e3\""), std::string::npos);
  // Chained over pieces it is the same.
  EXPECT_EQ(Crc32c(Crc32c(0, "1234", 4), "56789", 5), 0xE3069283u);
}

TEST(Manifest, EncodedPaths) {
  ManifestBuilder forced(true, false);
  forced.AddFile("ab", 1, 0, 0);
  const std::string t = forced.Finish(1, 0, 0);
  EXPECT_NE(t.find("{ \"Encoded-Path\": \"6162\", \"Size\": 1, \"Last-Modified\": \"1970-01-01 00:00:00 GMT\" }"),
            std::string::npos)
      << t;
  ManifestBuilder m(false, true);
  m.AddFile(std::string("bad\xff", 4), 1, 0, 0);
  EXPECT_NE(m.Finish(1, 0, 0).find("\"Encoded-Path\": \"626164ff\""), std::string::npos);
}

}  // namespace
}  // namespace tusk::replication
