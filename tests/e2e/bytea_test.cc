// bytea through libpq as drivers use it (psycopg2 Binary, JDBC setBytes):
// a binary-format parameter is the raw bytes, NUL and 0xff included; the
// value reads back in binary format unchanged and in text format as hex;
// a value big enough to be TOASTed survives a server restart.
#include <gtest/gtest.h>

#include <csignal>
#include <string>

#include "cluster.h"

namespace tusk::test {
namespace {

constexpr Oid kByteaOid = 17;

void ExecOk(PGconn* conn, const std::string& sql) {
  Result r(PQexec(conn, sql.c_str()));
  ASSERT_EQ(PQresultStatus(r.get()), PGRES_COMMAND_OK) << sql << ": " << PQerrorMessage(conn);
}

// INSERT INTO bt VALUES (id, bytes) with bytes as a binary bytea parameter.
void InsertBinary(PGconn* conn, int id, const std::string& bytes) {
  std::string id_text = std::to_string(id);
  const char* values[] = {id_text.c_str(), bytes.data()};
  const int lengths[] = {0, static_cast<int>(bytes.size())};
  const int formats[] = {0, 1};
  const Oid types[] = {23, kByteaOid};
  Result r(PQexecParams(conn, "INSERT INTO bt VALUES ($1, $2)", 2, types, values, lengths, formats, 0));
  ASSERT_EQ(PQresultStatus(r.get()), PGRES_COMMAND_OK) << PQerrorMessage(conn);
}

// The value of bt.b for id, read with the given result format.
std::string ReadBack(PGconn* conn, int id, int result_format) {
  std::string id_text = std::to_string(id);
  const char* values[] = {id_text.c_str()};
  Result r(PQexecParams(conn, "SELECT b FROM bt WHERE id = $1", 1, nullptr, values, nullptr, nullptr,
                        result_format));
  EXPECT_EQ(PQresultStatus(r.get()), PGRES_TUPLES_OK) << PQerrorMessage(conn);
  if (PQresultStatus(r.get()) != PGRES_TUPLES_OK || PQntuples(r.get()) != 1) return "<no row>";
  EXPECT_EQ(PQftype(r.get(), 0), kByteaOid);
  return std::string(PQgetvalue(r.get(), 0, 0), PQgetlength(r.get(), 0, 0));
}

TEST(Bytea, BinaryParameterRoundTripsInBinaryAndText) {
  Cluster c;
  c.Start();
  Conn conn = c.Connect();
  ExecOk(conn.get(), "CREATE TABLE bt (id int PRIMARY KEY, b bytea)");
  const std::string bytes("\x00\x01\xff\x5c\x27\x00\x80", 7);
  InsertBinary(conn.get(), 1, bytes);
  EXPECT_EQ(ReadBack(conn.get(), 1, 1), bytes);
  EXPECT_EQ(ReadBack(conn.get(), 1, 0), "\\x0001ff5c270080");
  EXPECT_EQ(QueryValue(conn.get(), "SELECT length(b) FROM bt WHERE id = 1"), "7");

  // A text-format parameter goes through bytea's input function.
  const char* values[] = {"2", "\\x00ff"};
  Result r(PQexecParams(conn.get(), "INSERT INTO bt VALUES ($1, $2)", 2, nullptr, values, nullptr, nullptr, 0));
  ASSERT_EQ(PQresultStatus(r.get()), PGRES_COMMAND_OK) << PQerrorMessage(conn.get());
  EXPECT_EQ(ReadBack(conn.get(), 2, 1), std::string("\x00\xff", 2));

  // A comparison with a binary parameter uses the same bytes.
  const char* probe[] = {bytes.data()};
  const int probe_len[] = {static_cast<int>(bytes.size())};
  const int probe_fmt[] = {1};
  const Oid probe_type[] = {kByteaOid};
  Result q(PQexecParams(conn.get(), "SELECT id FROM bt WHERE b = $1", 1, probe_type, probe, probe_len, probe_fmt, 0));
  ASSERT_EQ(PQresultStatus(q.get()), PGRES_TUPLES_OK) << PQerrorMessage(conn.get());
  ASSERT_EQ(PQntuples(q.get()), 1);
  EXPECT_STREQ(PQgetvalue(q.get(), 0, 0), "1");

  // Untyped: the parameter takes the column's type, so binary is raw bytes too.
  Result u(PQexecParams(conn.get(), "SELECT id FROM bt WHERE b = $1", 1, nullptr, probe, probe_len, probe_fmt, 0));
  ASSERT_EQ(PQresultStatus(u.get()), PGRES_TUPLES_OK) << PQerrorMessage(conn.get());
  ASSERT_EQ(PQntuples(u.get()), 1);
  EXPECT_STREQ(PQgetvalue(u.get(), 0, 0), "1");

  ExecOk(conn.get(), "SET bytea_output = 'escape'");
  EXPECT_EQ(ReadBack(conn.get(), 2, 0), "\\000\\377");
}

TEST(Bytea, LargeValueSurvivesRestart) {
  Cluster c;
  c.Start();
  std::string big(100 * 1024, '\0');
  // Varied bytes (every value 0..255) so compression cannot make it small.
  uint32_t x = 12345;
  for (char& ch : big) {
    x = x * 1103515245u + 12345u;
    ch = static_cast<char>(x >> 16);
  }
  {
    Conn conn = c.Connect();
    ExecOk(conn.get(), "CREATE TABLE bt (id int PRIMARY KEY, b bytea)");
    InsertBinary(conn.get(), 1, big);
    EXPECT_EQ(ReadBack(conn.get(), 1, 1), big);
  }
  c.StopWith(SIGTERM);
  c.Start();
  Conn conn = c.Connect();
  EXPECT_EQ(QueryValue(conn.get(), "SELECT octet_length(b) FROM bt WHERE id = 1"), "102400");
  // The bytes live out of line: the heap keeps one page, the TOAST table the data.
  EXPECT_EQ(QueryValue(conn.get(),
                       "SELECT pg_relation_size('bt') <= 8192 AND pg_relation_size(reltoastrelid) >= 102400 "
                       "FROM pg_class WHERE relname = 'bt'"),
            "t");
  EXPECT_EQ(ReadBack(conn.get(), 1, 1), big);
  std::string hex = ReadBack(conn.get(), 1, 0);
  EXPECT_EQ(hex.size(), 2 + 2 * big.size());
  EXPECT_EQ(hex.substr(0, 2), "\\x");
}

}  // namespace
}  // namespace tusk::test
