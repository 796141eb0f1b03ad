// SQL cursors (backend/session_cursor.cc) as clients use them: psycopg2's
// named cursors (DECLARE, FETCH FORWARD n, CLOSE), psql's FETCH_COUNT, the
// extended protocol, and the transaction rules, with the SQLSTATEs of the
// errors.
#include <gtest/gtest.h>

#include "cluster.h"
#include "raw_client.h"

namespace tusk::test {
namespace {

class Cursors : public ::testing::Test {
 protected:
  void SetUp() override {
    c_.Start();
    conn_ = c_.Connect();
    Exec("CREATE TABLE big (id int PRIMARY KEY, pad text)");
    Exec("INSERT INTO big SELECT x, repeat('p', 50) FROM generate_series(1, 10000) x");
  }
  void Exec(const std::string& sql) { Exec(conn_.get(), sql); }
  static void Exec(PGconn* conn, const std::string& sql) {
    Result r(PQexec(conn, sql.c_str()));
    ASSERT_TRUE(PQresultStatus(r.get()) == PGRES_COMMAND_OK || PQresultStatus(r.get()) == PGRES_TUPLES_OK)
        << sql << ": " << PQerrorMessage(conn);
  }
  // The SQLSTATE of running sql, "" if it succeeds.
  std::string Fails(const std::string& sql) {
    Result r(PQexec(conn_.get(), sql.c_str()));
    return SqlState(r.get());
  }

  Cluster c_;
  Conn conn_;
};

TEST_F(Cursors, BatchesOfAThousandDeliverEveryRowOnceInOrder) {
  // What psycopg2 sends for a named cursor with itersize 1000.
  Exec("BEGIN");
  Result d(PQexec(conn_.get(), "DECLARE \"big_cur\" CURSOR WITHOUT HOLD FOR SELECT id, pad FROM big ORDER BY id"));
  ASSERT_EQ(PQresultStatus(d.get()), PGRES_COMMAND_OK) << PQerrorMessage(conn_.get());
  EXPECT_STREQ(PQcmdStatus(d.get()), "DECLARE CURSOR");
  int expected = 1;
  int batches = 0;
  for (;;) {
    Result r(PQexec(conn_.get(), "FETCH FORWARD 1000 FROM \"big_cur\""));
    ASSERT_EQ(PQresultStatus(r.get()), PGRES_TUPLES_OK) << PQerrorMessage(conn_.get());
    ASSERT_EQ(PQnfields(r.get()), 2);
    EXPECT_STREQ(PQfname(r.get(), 0), "id");
    const int n = PQntuples(r.get());
    EXPECT_EQ(std::string(PQcmdStatus(r.get())), "FETCH " + std::to_string(n));
    for (int i = 0; i < n; ++i) ASSERT_EQ(std::atoi(PQgetvalue(r.get(), i, 0)), expected++);
    if (n == 0) break;
    EXPECT_EQ(n, 1000);
    ++batches;
  }
  EXPECT_EQ(batches, 10);
  EXPECT_EQ(expected, 10001);
  Result cl(PQexec(conn_.get(), "CLOSE \"big_cur\""));
  EXPECT_STREQ(PQcmdStatus(cl.get()), "CLOSE CURSOR");
  Exec("COMMIT");
}

// An idle cursor keeps a pin on the page it stopped at. VACUUM does not wait
// for it (PostgreSQL's lazy vacuum leaves such a page for next time); before,
// it waited as long as the cursor stayed idle.
TEST_F(Cursors, VacuumDoesNotWaitForAnIdleCursor) {
  Exec("DELETE FROM big WHERE id % 2 = 0");
  Exec("BEGIN");
  Exec("DECLARE c CURSOR FOR SELECT id FROM big");
  Exec("FETCH 3 FROM c");
  Conn other = c_.Connect();
  Exec(other.get(), "SET statement_timeout = '5s'");
  Exec(other.get(), "VACUUM big");  // a 57014 cancel after 5 s fails here
  Result r(PQexec(conn_.get(), "FETCH 2 FROM c"));
  ASSERT_EQ(PQresultStatus(r.get()), PGRES_TUPLES_OK) << PQerrorMessage(conn_.get());
  EXPECT_EQ(PQntuples(r.get()), 2);
  Exec("COMMIT");
}

TEST_F(Cursors, EachFetchTakesItsOwnCount) {
  // The simple-protocol plan cache must not make FETCH 10 a FETCH 5.
  Exec("BEGIN");
  Exec("DECLARE c CURSOR FOR SELECT id FROM big WHERE id <= 30 ORDER BY id");
  Result five(PQexec(conn_.get(), "FETCH 5 FROM c"));
  Result ten(PQexec(conn_.get(), "FETCH 10 FROM c"));
  EXPECT_EQ(PQntuples(five.get()), 5);
  ASSERT_EQ(PQntuples(ten.get()), 10);
  EXPECT_STREQ(PQgetvalue(ten.get(), 0, 0), "6");
  Result move(PQexec(conn_.get(), "MOVE 7 IN c"));
  EXPECT_STREQ(PQcmdStatus(move.get()), "MOVE 7");
  Result next(PQexec(conn_.get(), "FETCH NEXT FROM c"));
  EXPECT_STREQ(PQgetvalue(next.get(), 0, 0), "23");
  Result rest(PQexec(conn_.get(), "MOVE FORWARD ALL IN c"));
  EXPECT_STREQ(PQcmdStatus(rest.get()), "MOVE 7");
  Exec("COMMIT");
}

TEST_F(Cursors, ClosedAtTransactionEnd) {
  Exec("BEGIN");
  Exec("DECLARE c CURSOR FOR SELECT id FROM big");
  Exec("FETCH 3 FROM c");
  Exec("COMMIT");
  EXPECT_EQ(Fails("FETCH c"), "34000");
  Exec("BEGIN");
  Exec("DECLARE c CURSOR FOR SELECT id FROM big");
  Exec("FETCH 3 FROM c");
  Exec("ROLLBACK");
  EXPECT_EQ(Fails("CLOSE c"), "34000");
  // The name is free again.
  Exec("BEGIN");
  Exec("DECLARE c CURSOR FOR SELECT 1");
  Exec("COMMIT");
}

TEST_F(Cursors, Errors) {
  EXPECT_EQ(Fails("DECLARE c CURSOR FOR SELECT 1"), "25P01");
  EXPECT_EQ(Fails("FETCH nosuch"), "34000");
  EXPECT_EQ(Fails("MOVE nosuch"), "34000");
  EXPECT_EQ(Fails("CLOSE nosuch"), "34000");
  Exec("BEGIN");
  Exec("DECLARE c NO SCROLL CURSOR FOR SELECT id FROM big ORDER BY id");
  EXPECT_EQ(Fails("DECLARE c CURSOR FOR SELECT 1"), "42P03");
  Exec("ROLLBACK");

  Exec("BEGIN");
  Exec("DECLARE c NO SCROLL CURSOR FOR SELECT id FROM big ORDER BY id");
  Exec("FETCH 2 FROM c");
  Result prior(PQexec(conn_.get(), "FETCH PRIOR FROM c"));
  EXPECT_EQ(SqlState(prior.get()), "55000");
  EXPECT_STREQ(PQresultErrorField(prior.get(), PG_DIAG_MESSAGE_PRIMARY), "cursor can only scan forward");
  EXPECT_STREQ(PQresultErrorField(prior.get(), PG_DIAG_MESSAGE_HINT),
               "Declare it with SCROLL option to enable backward scan.");
  EXPECT_EQ(Fails("FETCH c"), "25P02");
  Exec("ROLLBACK");
}

TEST_F(Cursors, AnErrorInTheQueryLeavesTheSessionSound) {
  // The error comes while the scan of big holds a buffer pin; the pins are
  // given back once, and the session goes on.
  Exec("BEGIN");
  Exec("DECLARE c CURSOR FOR SELECT 100 / (5000 - id) FROM big ORDER BY id");
  Exec("FETCH 10 FROM c");
  EXPECT_EQ(Fails("FETCH ALL FROM c"), "22012");
  Exec("ROLLBACK");
  Exec("BEGIN");
  Exec("DECLARE a CURSOR FOR SELECT id FROM big");
  Exec("FETCH 10 FROM a");
  Exec("SAVEPOINT s");
  EXPECT_EQ(Fails("SELECT 1 / 0"), "22012");
  Exec("ROLLBACK TO SAVEPOINT s");
  Exec("CLOSE a");
  Exec("COMMIT");
  EXPECT_EQ(QueryValue(conn_.get(), "SELECT count(*) FROM big"), "10000");
  // A client that leaves in the middle of a cursor.
  {
    Conn other = c_.Connect();
    Exec(other.get(), "BEGIN");
    Exec(other.get(), "DECLARE c CURSOR FOR SELECT id FROM big");
    Exec(other.get(), "FETCH 5 FROM c");
  }
  Exec("VACUUM big");
  EXPECT_EQ(QueryValue(conn_.get(), "SELECT count(*) FROM big WHERE id > 9990"), "10");
}

TEST_F(Cursors, WithHoldOutlivesItsTransaction) {
  Exec("DECLARE h CURSOR WITH HOLD FOR SELECT id FROM big WHERE id <= 5 ORDER BY id");
  // Rows the holding commit read are the cursor's, whatever changes later.
  Exec("DELETE FROM big WHERE id = 4");
  Result r(PQexec(conn_.get(), "FETCH ALL FROM h"));
  ASSERT_EQ(PQntuples(r.get()), 5) << PQerrorMessage(conn_.get());
  EXPECT_STREQ(PQgetvalue(r.get(), 3, 0), "4");
  Exec("CLOSE h");
}

TEST_F(Cursors, ExtendedProtocol) {
  Exec("BEGIN");
  Exec("DECLARE c SCROLL CURSOR FOR SELECT id, pad FROM big WHERE id <= 3 ORDER BY id");
  // Describe of a FETCH gives the cursor's columns.
  Result prep(PQprepare(conn_.get(), "f", "FETCH 2 FROM c", 0, nullptr));
  ASSERT_EQ(PQresultStatus(prep.get()), PGRES_COMMAND_OK) << PQerrorMessage(conn_.get());
  Result desc(PQdescribePrepared(conn_.get(), "f"));
  ASSERT_EQ(PQnfields(desc.get()), 2);
  EXPECT_STREQ(PQfname(desc.get(), 1), "pad");
  Result r(PQexecPrepared(conn_.get(), "f", 0, nullptr, nullptr, nullptr, 0));
  ASSERT_EQ(PQntuples(r.get()), 2) << PQerrorMessage(conn_.get());
  EXPECT_STREQ(PQgetvalue(r.get(), 1, 0), "2");
  EXPECT_STREQ(PQcmdStatus(r.get()), "FETCH 2");
  // Binary results, as the Bind asks for them.
  Exec("CLOSE c");
  Exec("DECLARE c NO SCROLL CURSOR FOR SELECT id FROM big WHERE id <= 3 ORDER BY id");
  Result bin(PQexecParams(conn_.get(), "FETCH 2 FROM c", 0, nullptr, nullptr, nullptr, nullptr, 1));
  ASSERT_EQ(PQntuples(bin.get()), 2) << PQerrorMessage(conn_.get());
  ASSERT_EQ(PQgetlength(bin.get(), 1, 0), 4);
  const unsigned char* v = reinterpret_cast<const unsigned char*>(PQgetvalue(bin.get(), 1, 0));
  EXPECT_EQ((v[0] << 24) | (v[1] << 16) | (v[2] << 8) | v[3], 2);
  Exec("COMMIT");
}

TEST_F(Cursors, ParametersOfTheQueryBoundThroughTheExtendedProtocol) {
  // psycopg 3's server-side cursors send DECLARE with the query's parameters.
  Exec("BEGIN");
  const char* values[2] = {"9995", "x"};
  Result d(PQexecParams(conn_.get(), "DECLARE p CURSOR FOR SELECT id, $2::text FROM big WHERE id > $1 ORDER BY id", 2,
                        nullptr, values, nullptr, nullptr, 0));
  ASSERT_EQ(PQresultStatus(d.get()), PGRES_COMMAND_OK) << PQerrorMessage(conn_.get());
  Result r(PQexec(conn_.get(), "FETCH ALL FROM p"));
  ASSERT_EQ(PQntuples(r.get()), 5) << PQerrorMessage(conn_.get());
  EXPECT_STREQ(PQgetvalue(r.get(), 0, 0), "9996");
  EXPECT_STREQ(PQgetvalue(r.get(), 4, 1), "x");
  Exec("COMMIT");
}

TEST_F(Cursors, PsqlFetchCount) {
  // psql -v FETCH_COUNT=3 reads the result through a cursor, three rows at a time.
  CommandResult r = RunCommand(c_.Env() + "psql -X -A -t -v ON_ERROR_STOP=1 -v FETCH_COUNT=3 -c "
                                          "'SELECT x FROM generate_series(1, 10) x'");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_EQ(r.out, "1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n");
}

TEST_F(Cursors, ReadsAsOfItsDeclare) {
  Exec("CREATE TABLE snap (x int)");
  Exec("INSERT INTO snap VALUES (1)");
  Conn other = c_.Connect();
  Exec("BEGIN");
  Exec("DECLARE c CURSOR FOR SELECT x FROM snap ORDER BY x");
  Exec("DECLARE h CURSOR WITH HOLD FOR SELECT x FROM snap ORDER BY x");
  // After the DECLAREs: a row of this transaction, and one another commits.
  Exec("INSERT INTO snap VALUES (2)");
  Exec(other.get(), "INSERT INTO snap VALUES (3)");
  Result r(PQexec(conn_.get(), "FETCH ALL FROM c"));
  ASSERT_EQ(PQntuples(r.get()), 1) << PQerrorMessage(conn_.get());
  EXPECT_STREQ(PQgetvalue(r.get(), 0, 0), "1");
  // A cursor declared now sees both, and not what comes after it.
  Exec("DECLARE d CURSOR FOR SELECT x FROM snap ORDER BY x");
  Exec("INSERT INTO snap VALUES (4)");
  Result d(PQexec(conn_.get(), "FETCH ALL FROM d"));
  ASSERT_EQ(PQntuples(d.get()), 3) << PQerrorMessage(conn_.get());
  EXPECT_STREQ(PQgetvalue(d.get(), 2, 0), "3");
  Exec("COMMIT");
  // The held cursor read its rows at the commit, as of its DECLARE.
  Result h(PQexec(conn_.get(), "FETCH ALL FROM h"));
  ASSERT_EQ(PQntuples(h.get()), 1) << PQerrorMessage(conn_.get());
  Exec("CLOSE h");
}

TEST_F(Cursors, SuspendedPortalGoesOnAsOfItsFirstExecute) {
  // A correlated subquery opens a new scan for every row: the rows after the
  // row limit must still be read as of the first Execute.
  Exec("CREATE TABLE sp (x int)");
  Exec("INSERT INTO sp VALUES (1), (2), (3)");
  using R = RawClient;
  RawClient raw(c_.sockdir(), c_.port());
  ASSERT_TRUE(raw.Login(c_.superuser()));
  raw.Send('Q', R::CStr("BEGIN"));
  raw.ReadUntilReady();
  raw.Send('P', R::CStr("s") + R::CStr("SELECT x, (SELECT count(*) FROM sp u WHERE u.x <= a.x) FROM sp a") + R::Int16(0));
  raw.Send('B', R::CStr("p") + R::CStr("s") + R::Int16(0) + R::Int16(0) + R::Int16(0));
  raw.Send('E', R::CStr("p") + R::Int32(1));
  raw.Send('S', "");
  std::string types;
  for (auto& m : raw.ReadUntilReady()) types += m.type;
  ASSERT_EQ(types, "12DsZ");
  raw.Send('Q', R::CStr("INSERT INTO sp VALUES (0)"));
  raw.ReadUntilReady();
  raw.Send('E', R::CStr("p") + R::Int32(0));
  raw.Send('S', "");
  std::vector<std::string> counts;
  for (auto& m : raw.ReadUntilReady()) {
    ASSERT_NE(m.type, 'E') << R::ErrorField(m.body, 'M');
    // DataRow: 2 columns, x (len, text), count (len, text).
    if (m.type != 'D') continue;
    size_t at = 2;
    int32_t len = 0;
    for (int col = 0; col < 2; ++col) {
      len = (static_cast<unsigned char>(m.body[at]) << 24) | (static_cast<unsigned char>(m.body[at + 1]) << 16) |
            (static_cast<unsigned char>(m.body[at + 2]) << 8) | static_cast<unsigned char>(m.body[at + 3]);
      at += 4;
      if (col == 1) counts.push_back(m.body.substr(at, static_cast<size_t>(len)));
      at += static_cast<size_t>(len);
    }
  }
  EXPECT_EQ(counts, (std::vector<std::string>{"2", "3"}));
  raw.Send('Q', R::CStr("COMMIT"));
  raw.ReadUntilReady();
}

}  // namespace
}  // namespace tusk::test
