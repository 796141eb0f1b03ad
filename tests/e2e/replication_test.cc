// The primary's side of streaming replication against PostgreSQL 15's own
// clients: replication connections and their errors, the replication
// commands, pg_basebackup (plain and tar, WAL streamed or fetched, with and
// without a manifest), pg_receivewal, pg_stat_replication, slots and WAL
// retention.
#include <signal.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>
#include <thread>

#include "cluster.h"

namespace tusk::test {
namespace {

namespace fs = std::filesystem;

const std::string kPgBin = "/usr/lib/postgresql/15/bin/";

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string ReplConninfo(const Cluster& c, const std::string& user = "") {
  return "host=" + c.sockdir() + " port=" + std::to_string(c.port()) + " dbname=postgres replication=true user=" +
         (user.empty() ? c.superuser() : user);
}

Conn ReplConnect(const Cluster& c, const std::string& user = "", const std::string& extra = "") {
  return Conn(PQconnectdb((ReplConninfo(c, user) + " " + extra).c_str()));
}

struct Res {
  ExecStatusType status;
  std::string sqlstate, message;
  std::vector<std::string> columns;
  std::vector<Oid> types;
  std::vector<std::vector<std::optional<std::string>>> rows;
};

Res Repl(PGconn* conn, const std::string& command) {
  Result r(PQexec(conn, command.c_str()));
  Res out;
  out.status = PQresultStatus(r.get());
  if (const char* s = PQresultErrorField(r.get(), PG_DIAG_SQLSTATE)) out.sqlstate = s;
  if (const char* m = PQresultErrorField(r.get(), PG_DIAG_MESSAGE_PRIMARY)) out.message = m;
  for (int i = 0; i < PQnfields(r.get()); ++i) {
    out.columns.push_back(PQfname(r.get(), i));
    out.types.push_back(PQftype(r.get(), i));
  }
  for (int t = 0; t < PQntuples(r.get()); ++t) {
    std::vector<std::optional<std::string>> row;
    for (int i = 0; i < PQnfields(r.get()); ++i)
      row.push_back(PQgetisnull(r.get(), t, i) ? std::nullopt : std::optional<std::string>(PQgetvalue(r.get(), t, i)));
    out.rows.push_back(std::move(row));
  }
  return out;
}

uint64_t ParseLsn(const std::string& s) {
  size_t slash = s.find('/');
  return (std::stoull(s.substr(0, slash), nullptr, 16) << 32) | std::stoull(s.substr(slash + 1), nullptr, 16);
}

std::string SegmentName(uint64_t segno) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%08X%08X%08X", 1u, static_cast<unsigned>(segno >> 8),
                static_cast<unsigned>(segno & 0xff));
  return buf;
}

constexpr uint64_t kSeg = 16u * 1024 * 1024;

// Forces WAL through a few segments and a checkpoint, so old segments go.
void ChurnWal(PGconn* conn, int switches) {
  Exec(conn, "CREATE TABLE IF NOT EXISTS churn(a int)");
  for (int i = 0; i < switches; ++i) {
    Exec(conn, "INSERT INTO churn VALUES (" + std::to_string(i) + ")");
    QueryValue(conn, "SELECT pg_switch_wal()");
  }
  Exec(conn, "CHECKPOINT");
}

TEST(Replication, CommandsAndResultShapes) {
  Cluster c;
  c.Start();
  // psql, as the documentation suggests.
  CommandResult psql = RunCommand("psql -X -A -t \"" + ReplConninfo(c) + "\" -c IDENTIFY_SYSTEM");
  ASSERT_EQ(psql.exit_code, 0) << psql.out;
  EXPECT_TRUE(std::regex_search(psql.out, std::regex("^[0-9]+\\|1\\|[0-9A-F]+/[0-9A-F]+\\|\n"))) << psql.out;

  Conn conn = ReplConnect(c, "", "application_name=probe");
  ASSERT_EQ(PQstatus(conn.get()), CONNECTION_OK) << PQerrorMessage(conn.get());
  Res id = Repl(conn.get(), "IDENTIFY_SYSTEM");
  ASSERT_EQ(id.status, PGRES_TUPLES_OK) << id.message;
  EXPECT_EQ(id.columns, (std::vector<std::string>{"systemid", "timeline", "xlogpos", "dbname"}));
  EXPECT_EQ(id.types, (std::vector<Oid>{25, 23, 25, 25}));
  EXPECT_EQ(id.rows[0][1].value_or(""), "1");
  EXPECT_FALSE(id.rows[0][3].has_value());

  Res show = Repl(conn.get(), "SHOW wal_segment_size");
  ASSERT_EQ(show.status, PGRES_TUPLES_OK) << show.message;
  EXPECT_EQ(show.columns, std::vector<std::string>{"wal_segment_size"});
  EXPECT_EQ(show.rows[0][0].value_or(""), "16MB");
  EXPECT_EQ(Repl(conn.get(), "SHOW data_directory_mode").rows[0][0].value_or(""), "0700");
  Res nosuch = Repl(conn.get(), "SHOW nosuch");
  EXPECT_EQ(nosuch.sqlstate, "42704");
  EXPECT_EQ(nosuch.message, "unrecognized configuration parameter \"nosuch\"");

  Res tli = Repl(conn.get(), "TIMELINE_HISTORY 1");
  EXPECT_EQ(tli.sqlstate, "58P01");
  EXPECT_EQ(tli.message, "could not open file \"pg_wal/00000001.history\": No such file or directory");

  for (const char* sql : {"SELECT 1", "identify_system", "bogus"}) {
    Res r = Repl(conn.get(), sql);
    EXPECT_EQ(r.sqlstate, "0A000") << sql;
    EXPECT_EQ(r.message, "cannot execute SQL commands in WAL sender for physical replication") << sql;
  }
  EXPECT_EQ(Repl(conn.get(), "START_REPLICATION").sqlstate, "42601");
  Res tl2 = Repl(conn.get(), "START_REPLICATION 0/1000000 TIMELINE 2");
  EXPECT_EQ(tl2.message, "requested timeline 2 is not in this server's history");
  Res bb = Repl(conn.get(), "BASE_BACKUP (COMPRESSION 'gzip')");
  EXPECT_EQ(bb.sqlstate, "0A000");
  EXPECT_EQ(Repl(conn.get(), "BASE_BACKUP (TARGET 'server')").sqlstate, "0A000");
  EXPECT_EQ(Repl(conn.get(), "BASE_BACKUP (FOO)").message, "unrecognized base backup option: \"foo\"");

  // Slots: a temporary one lives as long as its connection.
  Res created = Repl(conn.get(), "CREATE_REPLICATION_SLOT tmp1 TEMPORARY PHYSICAL (RESERVE_WAL)");
  ASSERT_EQ(created.status, PGRES_TUPLES_OK) << created.message;
  EXPECT_EQ(created.columns,
            (std::vector<std::string>{"slot_name", "consistent_point", "snapshot_name", "output_plugin"}));
  EXPECT_EQ(created.rows[0][0].value_or(""), "tmp1");
  Res again = Repl(conn.get(), "CREATE_REPLICATION_SLOT tmp1 TEMPORARY PHYSICAL");
  EXPECT_EQ(again.sqlstate, "42710");
  EXPECT_EQ(again.message, "replication slot \"tmp1\" already exists");
  // As in PostgreSQL, the error dropped this connection's temporary slot.
  EXPECT_FALSE(Repl(conn.get(), "READ_REPLICATION_SLOT tmp1").rows[0][0].has_value());
  ASSERT_EQ(Repl(conn.get(), "CREATE_REPLICATION_SLOT tmp1 TEMPORARY PHYSICAL RESERVE_WAL").status, PGRES_TUPLES_OK);
  Res read = Repl(conn.get(), "READ_REPLICATION_SLOT tmp1");
  EXPECT_EQ(read.columns, (std::vector<std::string>{"slot_type", "restart_lsn", "restart_tli"}));
  EXPECT_EQ(read.types, (std::vector<Oid>{25, 25, 20}));
  EXPECT_EQ(read.rows[0][0].value_or(""), "physical");
  EXPECT_TRUE(read.rows[0][1].has_value());
  EXPECT_EQ(read.rows[0][2].value_or(""), "1");
  Res bad = Repl(conn.get(), "CREATE_REPLICATION_SLOT \"A-b\" PHYSICAL");
  EXPECT_EQ(bad.sqlstate, "42602");
  EXPECT_EQ(Repl(conn.get(), "CREATE_REPLICATION_SLOT lg LOGICAL pgoutput").sqlstate, "0A000");
  ASSERT_EQ(Repl(conn.get(), "CREATE_REPLICATION_SLOT keep1 PHYSICAL").status, PGRES_TUPLES_OK);
  EXPECT_TRUE(fs::exists(c.datadir() + "/pg_replslot/keep1/state"));

  // pg_stat_activity lists the WAL sender.
  Conn sql = c.Connect();
  EXPECT_EQ(QueryValue(sql.get(), "SELECT backend_type || ' ' || application_name || ' ' || coalesce(datname, '-') "
                                  "FROM pg_stat_activity WHERE pid = " +
                                      std::to_string(PQbackendPID(conn.get()))),
            "walsender probe -");
  const pid_t sender = PQbackendPID(conn.get());
  EXPECT_NE(ProcessTitle(sender).find("walsender " + c.superuser() + " [local]"), std::string::npos)
      << ProcessTitle(sender);
  conn.reset();

  // The temporary slot went with its connection; the persistent one survives a restart.
  Conn next = ReplConnect(c);
  for (int i = 0; i < 100 && Repl(next.get(), "READ_REPLICATION_SLOT tmp1").rows[0][0].has_value(); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_FALSE(Repl(next.get(), "READ_REPLICATION_SLOT tmp1").rows[0][0].has_value());
  next.reset();
  EXPECT_EQ(c.StopWith(SIGINT), 0);
  c.Start();
  next = ReplConnect(c);
  EXPECT_EQ(Repl(next.get(), "READ_REPLICATION_SLOT keep1").rows[0][0].value_or(""), "physical");
  EXPECT_EQ(Repl(next.get(), "DROP_REPLICATION_SLOT keep1").status, PGRES_COMMAND_OK);
  EXPECT_FALSE(fs::exists(c.datadir() + "/pg_replslot/keep1"));
  Res gone = Repl(next.get(), "DROP_REPLICATION_SLOT keep1");
  EXPECT_EQ(gone.sqlstate, "42704");
  EXPECT_EQ(gone.message, "replication slot \"keep1\" does not exist");
}

TEST(Replication, ConnectionErrors) {
  Cluster c;
  c.AppendConf("max_wal_senders = 1\n");
  c.Start();
  Conn sql = c.Connect();
  Exec(sql.get(), "CREATE ROLE plain LOGIN");
  Exec(sql.get(), "CREATE ROLE repl LOGIN REPLICATION");

  Conn denied = ReplConnect(c, "plain");
  EXPECT_NE(PQstatus(denied.get()), CONNECTION_OK);
  EXPECT_NE(std::string(PQerrorMessage(denied.get())).find("FATAL:  must be superuser or replication role to start walsender"),
            std::string::npos)
      << PQerrorMessage(denied.get());
  denied.reset();

  Conn logical = Conn(PQconnectdb(("host=" + c.sockdir() + " port=" + std::to_string(c.port()) +
                                   " dbname=postgres replication=database")
                                      .c_str()));
  EXPECT_NE(PQstatus(logical.get()), CONNECTION_OK);
  EXPECT_NE(std::string(PQerrorMessage(logical.get())).find("logical replication connections are not supported"),
            std::string::npos)
      << PQerrorMessage(logical.get());
  logical.reset();

  Conn repl = ReplConnect(c, "repl");
  ASSERT_EQ(PQstatus(repl.get()), CONNECTION_OK) << PQerrorMessage(repl.get());
  EXPECT_EQ(Repl(repl.get(), "IDENTIFY_SYSTEM").status, PGRES_TUPLES_OK);
  // max_wal_senders = 1, and it is taken; ordinary sessions are not affected.
  Conn second = ReplConnect(c);
  EXPECT_NE(PQstatus(second.get()), CONNECTION_OK);
  EXPECT_NE(std::string(PQerrorMessage(second.get()))
                .find("FATAL:  number of requested standby connections exceeds max_wal_senders (currently 1)"),
            std::string::npos)
      << PQerrorMessage(second.get());
  EXPECT_EQ(QueryValue(sql.get(), "SELECT 1"), "1");
  repl.reset();
  sql.reset();

  // Without a pg_hba.conf line for replication.
  c.WriteHba("local all all trust\n");
  ASSERT_EQ(c.Psql("SELECT pg_reload_conf()").exit_code, 0);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  Conn nohba = ReplConnect(c);
  EXPECT_NE(std::string(PQerrorMessage(nohba.get())).find("no pg_hba.conf entry for replication connection"),
            std::string::npos)
      << PQerrorMessage(nohba.get());
  nohba.reset();

  EXPECT_EQ(c.StopWith(SIGINT), 0);
  c.Start("-c max_wal_senders=0");
  Conn none = ReplConnect(c);
  EXPECT_NE(std::string(PQerrorMessage(none.get()))
                .find("number of requested standby connections exceeds max_wal_senders (currently 0)"),
            std::string::npos)
      << PQerrorMessage(none.get());
}

// The segments [first, last] of the backup's pg_wal against the primary's,
// the last one only up to `stop`.
void ExpectSameWal(const std::string& primary, const std::string& copy, uint64_t start, uint64_t stop,
                   bool last_whole) {
  for (uint64_t seg = start / kSeg; seg <= (stop - 1) / kSeg; ++seg) {
    const std::string name = SegmentName(seg);
    std::string a = ReadFile(primary + "/pg_wal/" + name), b = ReadFile(copy + "/pg_wal/" + name);
    ASSERT_EQ(b.size(), kSeg) << name;
    ASSERT_EQ(a.size(), kSeg) << name;
    const size_t upto = (seg == (stop - 1) / kSeg && !last_whole) ? static_cast<size_t>((stop - 1) % kSeg + 1) : kSeg;
    EXPECT_TRUE(a.compare(0, upto, b, 0, upto) == 0) << name << " differs within its first " << upto << " bytes";
  }
}

TEST(Replication, BaseBackupPlainWithStreamedWal) {
  Cluster c;
  c.Start();
  Conn sql = c.Connect();
  Exec(sql.get(), "CREATE TABLE t(a int, b text)");
  Exec(sql.get(), "INSERT INTO t SELECT g, repeat('x', 200) FROM generate_series(1, 20000) g");
  // What must not be copied.
  const std::string d = c.datadir();
  for (const char* f : {"backup_label.old", "current_logfiles", "suspend.failed", "pg_stat_tmp/junk",
                        "pg_notify/0000", "pg_subtrans/0000", "pg_serial/0000", "pg_snapshots/x"})
    std::ofstream(d + "/" + f) << "x";
  fs::create_directories(d + "/base/pgsql_tmp");
  std::ofstream(d + "/base/pgsql_tmp/pgsql_tmp1.0") << "x";
  Conn repl = ReplConnect(c);
  ASSERT_EQ(Repl(repl.get(), "CREATE_REPLICATION_SLOT kept PHYSICAL").status, PGRES_TUPLES_OK);

  const std::string out = c.sockdir() + "/backup";
  CommandResult r = RunCommand(kPgBin + "pg_basebackup -h " + c.sockdir() + " -p " + std::to_string(c.port()) +
                                   " -U " + c.superuser() + " -D " + out + " -Fp -X stream -c fast -P -v",
                               120);
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_NE(r.out.find("(100%)"), std::string::npos) << r.out;
  std::smatch m;
  ASSERT_TRUE(std::regex_search(r.out, m, std::regex("write-ahead log start point: ([0-9A-F]+/[0-9A-F]+)"))) << r.out;
  const uint64_t start = ParseLsn(m[1]);
  ASSERT_TRUE(std::regex_search(r.out, m, std::regex("write-ahead log end point: ([0-9A-F]+/[0-9A-F]+)"))) << r.out;
  const uint64_t stop = ParseLsn(m[1]);

  const std::string label = ReadFile(out + "/backup_label");
  EXPECT_TRUE(std::regex_search(label, std::regex("^START WAL LOCATION: [0-9A-F]+/[0-9A-F]+ \\(file [0-9A-F]{24}\\)\n"
                                                  "CHECKPOINT LOCATION: [0-9A-F]+/[0-9A-F]+\n"
                                                  "BACKUP METHOD: streamed\nBACKUP FROM: primary\n")))
      << label;
  EXPECT_NE(label.find("\nLABEL: pg_basebackup base backup\n"), std::string::npos) << label;
  EXPECT_TRUE(fs::exists(out + "/backup_manifest"));
  EXPECT_TRUE(fs::exists(out + "/global/pg_control"));
  EXPECT_TRUE(fs::exists(out + "/PG_VERSION"));
  EXPECT_TRUE(fs::exists(out + "/postgresql.conf"));
  for (const char* f : {"postmaster.pid", "postmaster.opts", "backup_label.old", "current_logfiles", "suspend.failed",
                        "pg_stat_tmp/junk", "pg_notify/0000", "pg_subtrans/0000", "pg_serial/0000",
                        "pg_snapshots/x", "pg_replslot/kept", "base/pgsql_tmp"})
    EXPECT_FALSE(fs::exists(out + "/" + f)) << f;
  for (const char* dir : {"pg_wal/archive_status", "pg_replslot", "pg_stat_tmp", "pg_notify", "pg_subtrans"})
    EXPECT_TRUE(fs::is_directory(out + "/" + dir)) << dir;
  // The streamed WAL: every segment from the start's to the stop's, the same bytes.
  ExpectSameWal(d, out, start, stop, false);
  // The manifest checks out (its WAL is Tusk's own format, so not parsed).
  CommandResult verify = RunCommand(kPgBin + "pg_verifybackup -n " + out);
  EXPECT_EQ(verify.exit_code, 0) << verify.out;
  EXPECT_NE(ReadFile(c.log_path()).find("checkpoint starting"), std::string::npos);
}

TEST(Replication, BaseBackupFetchTarAndNoManifest) {
  Cluster c;
  c.Start();
  Conn sql = c.Connect();
  Exec(sql.get(), "CREATE TABLE t AS SELECT g AS a FROM generate_series(1, 5000) g");
  const std::string base = kPgBin + "pg_basebackup -h " + c.sockdir() + " -p " + std::to_string(c.port()) + " -U " +
                           c.superuser() + " -c fast -v ";

  // -X fetch: the WAL comes inside the backup, whole segments.
  const std::string plain = c.sockdir() + "/fetch";
  CommandResult r = RunCommand(base + "-D " + plain + " -Fp -X fetch", 120);
  ASSERT_EQ(r.exit_code, 0) << r.out;
  std::smatch m;
  ASSERT_TRUE(std::regex_search(r.out, m, std::regex("write-ahead log start point: ([0-9A-F]+/[0-9A-F]+)"))) << r.out;
  const uint64_t start = ParseLsn(m[1]);
  ASSERT_TRUE(std::regex_search(r.out, m, std::regex("write-ahead log end point: ([0-9A-F]+/[0-9A-F]+)"))) << r.out;
  const uint64_t stop = ParseLsn(m[1]);
  ExpectSameWal(c.datadir(), plain, start, stop, true);
  EXPECT_TRUE(fs::exists(plain + "/backup_manifest"));

  // -Ft: base.tar (and pg_wal.tar when streaming), readable by tar.
  const std::string tar = c.sockdir() + "/tar";
  r = RunCommand(base + "-D " + tar + " -Ft -X stream", 120);
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_TRUE(fs::exists(tar + "/base.tar"));
  EXPECT_TRUE(fs::exists(tar + "/pg_wal.tar"));
  CommandResult list = RunCommand("tar tf " + tar + "/base.tar");
  ASSERT_EQ(list.exit_code, 0) << list.out;
  EXPECT_EQ(list.out.rfind("backup_label\n", 0), 0u) << list.out.substr(0, 200);
  EXPECT_NE(list.out.find("\nglobal/pg_control\n"), std::string::npos);
  EXPECT_NE(list.out.find("\npg_wal/\n"), std::string::npos);
  EXPECT_NE(list.out.find("\npg_wal/archive_status/\n"), std::string::npos);
  EXPECT_EQ(list.out.find("postmaster.pid"), std::string::npos);

  const std::string fetch_tar = c.sockdir() + "/fetchtar";
  r = RunCommand(base + "-D " + fetch_tar + " -Ft -X fetch", 120);
  ASSERT_EQ(r.exit_code, 0) << r.out;
  list = RunCommand("tar tf " + fetch_tar + "/base.tar");
  EXPECT_TRUE(std::regex_search(list.out, std::regex("\npg_wal/[0-9A-F]{24}\n"))) << list.out;

  const std::string nomanifest = c.sockdir() + "/nomanifest";
  r = RunCommand(base + "-D " + nomanifest + " -Fp -X none --no-manifest", 120);
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_FALSE(fs::exists(nomanifest + "/backup_manifest"));
  EXPECT_TRUE(fs::exists(nomanifest + "/backup_label"));
}

pid_t StartBackground(const std::string& command) {
  CommandResult r = RunCommand(command + " & echo $!");
  return static_cast<pid_t>(std::stol(r.out));
}

TEST(Replication, ReceiveWalAndStatReplication) {
  Cluster c;
  c.Start();
  Conn sql = c.Connect();
  const std::string dir = c.sockdir() + "/received";
  fs::create_directories(dir);
  const pid_t rw = StartBackground(kPgBin + "pg_receivewal -h " + c.sockdir() + " -p " + std::to_string(c.port()) +
                                   " -U " + c.superuser() + " -D " + dir + " -s 1 -n >" + c.sockdir() +
                                   "/receivewal.log 2>&1");
  ASSERT_GT(rw, 0);
  pid_t sender = c.WaitForChild("walsender " + c.superuser() + " [local] streaming");
  ASSERT_NE(sender, 0) << ReadFile(c.sockdir() + "/receivewal.log");
  const std::string first = QueryValue(sql.get(), "SELECT pg_walfile_name(pg_current_wal_lsn())");

  Exec(sql.get(), "CREATE TABLE t(a int, b text)");
  for (int i = 0; i < 3; ++i) {
    Exec(sql.get(), "INSERT INTO t SELECT g, repeat('y', 100) FROM generate_series(1, 2000) g");
    QueryValue(sql.get(), "SELECT pg_switch_wal()");
  }
  const std::string current = QueryValue(sql.get(), "SELECT pg_current_wal_lsn()");
  // Complete segments arrive under their own names, the same bytes as the primary's.
  const uint64_t first_seg = std::stoull(first.substr(16), nullptr, 16);
  const uint64_t last_done = ParseLsn(current) / kSeg;  // segments before this one are complete
  for (int i = 0; i < 200; ++i) {
    if (fs::exists(dir + "/" + SegmentName(last_done - 1))) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  for (uint64_t seg = first_seg; seg < last_done; ++seg) {
    const std::string name = SegmentName(seg);
    ASSERT_TRUE(fs::exists(dir + "/" + name)) << name << "\n" << ReadFile(c.sockdir() + "/receivewal.log");
    EXPECT_TRUE(ReadFile(dir + "/" + name) == ReadFile(c.datadir() + "/pg_wal/" + name)) << name;
  }

  // pg_stat_replication, once pg_receivewal has reported (every second with -s 1).
  std::string row;
  for (int i = 0; i < 100; ++i) {
    row = QueryValue(sql.get(),
                     "SELECT application_name || '|' || state || '|' || sync_state || '|' || sync_priority || '|' || "
                     "(sent_lsn >= '" + current + "') || '|' || (write_lsn IS NOT NULL) || '|' || "
                     "(reply_time IS NOT NULL) || '|' || (pid = " + std::to_string(sender) + ") || '|' || usename "
                     "FROM pg_stat_replication");
    if (row.find("|true|true|true|true|") != std::string::npos) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_EQ(row, "pg_receivewal|streaming|async|0|true|true|true|true|" + c.superuser());
  Result cols(PQexec(sql.get(), "SELECT * FROM pg_stat_replication"));
  ASSERT_EQ(PQnfields(cols.get()), 20);
  EXPECT_STREQ(PQfname(cols.get(), 10), "sent_lsn");
  EXPECT_EQ(PQftype(cols.get(), 10), 3220u);  // pg_lsn
  EXPECT_EQ(PQftype(cols.get(), 14), 1186u);  // interval
  EXPECT_STREQ(PQfname(cols.get(), 19), "reply_time");
  EXPECT_EQ(QueryValue(sql.get(), "SELECT backend_type FROM pg_stat_activity WHERE pid = " + std::to_string(sender)),
            "walsender");

  // A fast shutdown ends the stream promptly.
  sql.reset();
  auto t0 = std::chrono::steady_clock::now();
  EXPECT_EQ(c.StopWith(SIGINT), 0);
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(5));
  EXPECT_FALSE(ProcessAlive(sender));
  for (int i = 0; i < 100 && ProcessAlive(rw); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  if (ProcessAlive(rw)) kill(rw, SIGTERM);
  EXPECT_NE(ReadFile(c.sockdir() + "/receivewal.log").find("terminating connection due to administrator command"),
            std::string::npos)
      << ReadFile(c.sockdir() + "/receivewal.log");
}

TEST(Replication, SmartShutdownEndsStreaming) {
  Cluster c;
  c.Start();
  const std::string dir = c.sockdir() + "/received";
  fs::create_directories(dir);
  const pid_t rw = StartBackground(kPgBin + "pg_receivewal -h " + c.sockdir() + " -p " + std::to_string(c.port()) +
                                   " -U " + c.superuser() + " -D " + dir + " -n >" + c.sockdir() +
                                   "/receivewal.log 2>&1");
  ASSERT_GT(rw, 0);
  const pid_t sender = c.WaitForChild("streaming");
  ASSERT_NE(sender, 0);
  // No session is left, so the smart shutdown does not wait for the stream.
  auto t0 = std::chrono::steady_clock::now();
  EXPECT_EQ(c.StopWith(SIGTERM), 0);
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(10));
  EXPECT_FALSE(ProcessAlive(sender));
  for (int i = 0; i < 100 && ProcessAlive(rw); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  if (ProcessAlive(rw)) kill(rw, SIGTERM);
}

TEST(Replication, RetentionAndRemovedSegments) {
  Cluster c;
  c.AppendConf("min_wal_size = 32MB\nmax_wal_size = 64MB\n");
  c.Start();
  Conn sql = c.Connect();
  // A slot holds WAL back from its restart_lsn.
  Conn repl = ReplConnect(c);
  ASSERT_EQ(Repl(repl.get(), "CREATE_REPLICATION_SLOT hold TEMPORARY PHYSICAL RESERVE_WAL").status, PGRES_TUPLES_OK);
  const std::string restart = Repl(repl.get(), "READ_REPLICATION_SLOT hold").rows[0][1].value_or("0/0");
  const std::string held = SegmentName(ParseLsn(restart) / kSeg);
  ChurnWal(sql.get(), 5);
  EXPECT_TRUE(fs::exists(c.datadir() + "/pg_wal/" + held)) << held;
  repl.reset();  // the temporary slot goes
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  ChurnWal(sql.get(), 2);
  EXPECT_FALSE(fs::exists(c.datadir() + "/pg_wal/" + held)) << held;

  // Streaming from a removed segment fails as in PostgreSQL.
  repl = ReplConnect(c);
  Res removed = Repl(repl.get(), "START_REPLICATION " + restart + " TIMELINE 1");
  EXPECT_EQ(removed.sqlstate, "58P01");
  EXPECT_EQ(removed.message, "requested WAL segment " + held + " has already been removed");
  Res ahead = Repl(repl.get(), "START_REPLICATION FF/0");
  EXPECT_NE(ahead.message.find("is ahead of the WAL flush position of this server"), std::string::npos)
      << ahead.message;

  // wal_keep_size keeps the last segments before the current one.
  c.AppendConf("wal_keep_size = 64MB\n");
  ASSERT_EQ(c.Psql("SELECT pg_reload_conf()").exit_code, 0);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  ChurnWal(sql.get(), 6);
  const uint64_t cur = ParseLsn(QueryValue(sql.get(), "SELECT pg_current_wal_lsn()")) / kSeg;
  for (uint64_t seg = cur - 4; seg <= cur; ++seg)
    EXPECT_TRUE(fs::exists(c.datadir() + "/pg_wal/" + SegmentName(seg))) << SegmentName(seg);
}

}  // namespace
}  // namespace tusk::test
