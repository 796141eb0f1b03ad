// Large values end to end: rows far wider than a page go through libpq and
// come back byte for byte, survive restarts and crashes, die with their rows
// (DELETE, UPDATE, ROLLBACK, TRUNCATE, DROP) so VACUUM keeps the toast table
// bounded, and oversized index keys get PostgreSQL's error.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>

#include <random>

#include "cluster.h"

namespace tusk::test {
namespace {

// Incompressible text of n characters (letters and digits).
std::string Noise(size_t n, unsigned seed) {
  static const char kAlphabet[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
  std::mt19937 gen(seed);
  std::string s(n, ' ');
  for (auto& ch : s) ch = kAlphabet[gen() % 62];
  return s;
}

void Exec(PGconn* c, const std::string& sql) {
  Result r(PQexec(c, sql.c_str()));
  ASSERT_TRUE(PQresultStatus(r.get()) == PGRES_COMMAND_OK || PQresultStatus(r.get()) == PGRES_TUPLES_OK)
      << sql << ": " << PQerrorMessage(c);
}

void InsertDoc(PGconn* c, int id, const std::string& body) {
  std::string ids = std::to_string(id);
  const char* params[] = {ids.c_str(), body.c_str()};
  Result r(PQexecParams(c, "INSERT INTO docs VALUES ($1, $2, 'n')", 2, nullptr, params, nullptr, nullptr, 0));
  ASSERT_EQ(PQresultStatus(r.get()), PGRES_COMMAND_OK) << PQerrorMessage(c);
}

std::string Body(PGconn* c, int id) {
  Result r(PQexec(c, ("SELECT body FROM docs WHERE id = " + std::to_string(id)).c_str()));
  EXPECT_EQ(PQresultStatus(r.get()), PGRES_TUPLES_OK) << PQerrorMessage(c);
  if (PQntuples(r.get()) != 1) return "<missing>";
  return std::string(PQgetvalue(r.get(), 0, 0), PQgetlength(r.get(), 0, 0));
}

// Bytes in the main fork of a relation's file (all 1 GB segments are not needed here).
off_t ToastFileSize(Cluster& c, PGconn* conn, const std::string& table) {
  std::string path = c.datadir() + "/base/" + QueryValue(conn, "SELECT oid FROM pg_database WHERE datname = 'postgres'") +
                     "/" + QueryValue(conn, "SELECT t.relfilenode FROM pg_class c JOIN pg_class t ON t.oid = c.reltoastrelid "
                                            "WHERE c.relname = '" + table + "'");
  struct stat st {};
  if (stat(path.c_str(), &st) != 0) return -1;
  return st.st_size;
}

const std::vector<size_t> kSizes = {0, 1, 2000, 2100, 8200, 100000, 3 << 20};

TEST(Toast, WideRowsRoundTripAndSurviveRestartAndCrash) {
  Cluster c;
  c.Start();
  {
    Conn conn = c.Connect();
    Exec(conn.get(), "CREATE TABLE docs (id int PRIMARY KEY, body text, note varchar(10))");
    EXPECT_EQ(QueryValue(conn.get(), "SELECT t.relname || ' ' || t.relkind || ' ' || n.nspname FROM pg_class c "
                                     "JOIN pg_class t ON t.oid = c.reltoastrelid JOIN pg_namespace n ON n.oid = t.relnamespace "
                                     "WHERE c.relname = 'docs'"),
              "pg_toast_" + QueryValue(conn.get(), "SELECT oid FROM pg_class WHERE relname = 'docs'") + " t pg_toast");
    for (size_t i = 0; i < kSizes.size(); ++i) InsertDoc(conn.get(), static_cast<int>(i), Noise(kSizes[i], i));
    Exec(conn.get(), "BEGIN");
    InsertDoc(conn.get(), 100, Noise(50000, 100));
    Exec(conn.get(), "ROLLBACK");
  }
  c.StopWith(SIGINT);
  c.Start();
  {
    Conn conn = c.Connect();
    for (size_t i = 0; i < kSizes.size(); ++i) EXPECT_EQ(Body(conn.get(), static_cast<int>(i)), Noise(kSizes[i], i)) << i;
    EXPECT_EQ(QueryValue(conn.get(), "SELECT count(*) FROM docs WHERE id = 100"), "0");
    // Updates that keep the value, replace it, and a delete, then a crash.
    Exec(conn.get(), "UPDATE docs SET note = 'moved' WHERE id = 5");
    Exec(conn.get(), "UPDATE docs SET body = body || 'tail' WHERE id = 4");
    Exec(conn.get(), "DELETE FROM docs WHERE id = 6");
    EXPECT_EQ(QueryValue(conn.get(), "SELECT length(body) || ' ' || substr(body, 8201, 4) FROM docs WHERE id = 4"),
              "8204 tail");
  }
  c.StopWith(SIGQUIT);
  c.Start();
  Conn conn = c.Connect();
  EXPECT_EQ(Body(conn.get(), 5), Noise(kSizes[5], 5));
  EXPECT_EQ(QueryValue(conn.get(), "SELECT note FROM docs WHERE id = 5"), "moved");
  EXPECT_EQ(Body(conn.get(), 4), Noise(kSizes[4], 4) + "tail");
  EXPECT_EQ(QueryValue(conn.get(), "SELECT count(*) FROM docs WHERE id = 6"), "0");
  EXPECT_EQ(Body(conn.get(), 3), Noise(kSizes[3], 3));
}

TEST(Toast, UpdatesWithVacuumKeepTheToastTableBounded) {
  Cluster c;
  c.Start();
  Conn conn = c.Connect();
  Exec(conn.get(), "CREATE TABLE docs (id int PRIMARY KEY, body text, note varchar(10))");
  for (int i = 0; i < 10; ++i) InsertDoc(conn.get(), i, Noise(20000, i));
  off_t after_first_round = 0;
  for (int round = 0; round < 6; ++round) {
    for (int k = 0; k < 5; ++k) Exec(conn.get(), "UPDATE docs SET body = body");
    Exec(conn.get(), "VACUUM docs");
    if (round == 1) after_first_round = ToastFileSize(c, conn.get(), "docs");
  }
  off_t end = ToastFileSize(c, conn.get(), "docs");
  ASSERT_GT(after_first_round, 0);
  // Five dead versions per value between vacuums: the space is reused, not added to.
  EXPECT_LE(end, after_first_round + 8192 * 8) << "toast table grows under UPDATE + VACUUM";
  for (int i = 0; i < 10; ++i) EXPECT_EQ(Body(conn.get(), i), Noise(20000, i));

  std::string before = c.datadir() + "/base/" + QueryValue(conn.get(), "SELECT oid FROM pg_database WHERE datname = 'postgres'") +
                       "/" + QueryValue(conn.get(), "SELECT t.relfilenode FROM pg_class c JOIN pg_class t ON t.oid = c.reltoastrelid "
                                                    "WHERE c.relname = 'docs'");
  Exec(conn.get(), "TRUNCATE docs");
  struct stat st {};
  EXPECT_NE(stat(before.c_str(), &st), 0) << "TRUNCATE left the old toast file";
  EXPECT_EQ(ToastFileSize(c, conn.get(), "docs"), 0);
  InsertDoc(conn.get(), 1, Noise(30000, 9));
  EXPECT_EQ(Body(conn.get(), 1), Noise(30000, 9));
  std::string toast_name = QueryValue(conn.get(), "SELECT t.relname FROM pg_class c JOIN pg_class t ON t.oid = c.reltoastrelid "
                                                  "WHERE c.relname = 'docs'");
  Exec(conn.get(), "DROP TABLE docs");
  EXPECT_EQ(QueryValue(conn.get(), "SELECT count(*) FROM pg_class WHERE relname LIKE '" + toast_name + "%'"), "0");
}

TEST(Toast, TablesGetToastTablesAsInPostgres) {
  Cluster c;
  c.Start();
  Conn conn = c.Connect();
  // Only bounded narrow columns: no toast table (pgbench's tables are like this).
  Exec(conn.get(), "CREATE TABLE narrow (a int, b char(84), c varchar(100))");
  EXPECT_EQ(QueryValue(conn.get(), "SELECT reltoastrelid FROM pg_class WHERE relname = 'narrow'"), "0");
  Exec(conn.get(), "ALTER TABLE narrow ADD COLUMN d text");
  EXPECT_NE(QueryValue(conn.get(), "SELECT reltoastrelid FROM pg_class WHERE relname = 'narrow'"), "0");
  Exec(conn.get(), "INSERT INTO narrow (a, d) VALUES (1, repeat('x', 100000))");
  EXPECT_EQ(QueryValue(conn.get(), "SELECT length(d) FROM narrow"), "100000");

  Exec(conn.get(), "CREATE TABLE keyed (k text)");
  Exec(conn.get(), "CREATE INDEX keyed_k ON keyed (k)");
  std::string noise = Noise(3000, 1);
  const char* params[] = {noise.c_str()};
  Result r(PQexecParams(conn.get(), "INSERT INTO keyed VALUES ($1)", 1, nullptr, params, nullptr, nullptr, 0));
  EXPECT_EQ(SqlState(r.get()), "54000");
  EXPECT_NE(std::string(PQerrorMessage(conn.get())).find("exceeds btree version 4 maximum 2704 for index \"keyed_k\""),
            std::string::npos)
      << PQerrorMessage(conn.get());
}

}  // namespace
}  // namespace tusk::test
