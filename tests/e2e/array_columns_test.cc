// Array, uuid and time columns end to end: values written through SQL and
// binary parameters survive a restart (a large array through TOAST), read
// back in text and binary result format with PostgreSQL's send formats
// (array_send, 16 uuid bytes, time as int64 microseconds), and make a COPY
// TO / COPY FROM round trip unchanged.
#include <gtest/gtest.h>

#include <algorithm>
#include <csignal>
#include <cstdint>
#include <string>
#include <vector>

#include "cluster.h"

namespace tusk::test {
namespace {

constexpr Oid kInt4ArrayOid = 1007, kTextArrayOid = 1009, kUuidOid = 2950, kTimeOid = 1083, kUuidArrayOid = 2951;

void ExecOk(PGconn* conn, const std::string& sql) {
  Result r(PQexec(conn, sql.c_str()));
  ASSERT_EQ(PQresultStatus(r.get()), PGRES_COMMAND_OK) << sql << ": " << PQerrorMessage(conn);
}

std::string Be32(uint32_t v) {
  std::string s(4, '\0');
  for (int i = 0; i < 4; ++i) s[i] = static_cast<char>(v >> (24 - 8 * i));
  return s;
}

std::string Be64(uint64_t v) { return Be32(static_cast<uint32_t>(v >> 32)) + Be32(static_cast<uint32_t>(v)); }

// One column of one row, in the given result format, with its type checked.
std::string Value(PGconn* conn, const std::string& sql, int format, Oid type) {
  Result r(PQexecParams(conn, sql.c_str(), 0, nullptr, nullptr, nullptr, nullptr, format));
  EXPECT_EQ(PQresultStatus(r.get()), PGRES_TUPLES_OK) << sql << ": " << PQerrorMessage(conn);
  if (PQresultStatus(r.get()) != PGRES_TUPLES_OK || PQntuples(r.get()) != 1) return "<no row>";
  EXPECT_EQ(PQftype(r.get(), 0), type) << sql;
  if (PQgetisnull(r.get(), 0, 0)) return "<null>";
  return std::string(PQgetvalue(r.get(), 0, 0), PQgetlength(r.get(), 0, 0));
}

// COPY table TO STDOUT, as the text the client receives.
std::string CopyOut(PGconn* conn, const std::string& table) {
  Result r(PQexec(conn, ("COPY " + table + " TO STDOUT").c_str()));
  EXPECT_EQ(PQresultStatus(r.get()), PGRES_COPY_OUT) << PQerrorMessage(conn);
  std::string out;
  char* buf = nullptr;
  int n;
  while ((n = PQgetCopyData(conn, &buf, 0)) > 0) {
    out.append(buf, static_cast<size_t>(n));
    PQfreemem(buf);
  }
  Result end(PQgetResult(conn));
  EXPECT_EQ(PQresultStatus(end.get()), PGRES_COMMAND_OK) << PQerrorMessage(conn);
  return out;
}

// The lines of a COPY text, sorted: an UPDATE moves a row to the heap's end.
std::vector<std::string> SortedLines(const std::string& text) {
  std::vector<std::string> lines;
  size_t start = 0;
  for (size_t nl; (nl = text.find('\n', start)) != std::string::npos; start = nl + 1)
    lines.push_back(text.substr(start, nl - start));
  std::sort(lines.begin(), lines.end());
  return lines;
}

void CopyIn(PGconn* conn, const std::string& table, const std::string& data) {
  Result r(PQexec(conn, ("COPY " + table + " FROM STDIN").c_str()));
  ASSERT_EQ(PQresultStatus(r.get()), PGRES_COPY_IN) << PQerrorMessage(conn);
  ASSERT_EQ(PQputCopyData(conn, data.data(), static_cast<int>(data.size())), 1);
  ASSERT_EQ(PQputCopyEnd(conn, nullptr), 1);
  Result end(PQgetResult(conn));
  ASSERT_EQ(PQresultStatus(end.get()), PGRES_COMMAND_OK) << PQerrorMessage(conn);
}

const char kCreate[] =
    "CREATE TABLE typed (id int PRIMARY KEY, tags text[], nums int[], u uuid, t time(3), us uuid[], big int[])";

TEST(ArrayColumns, ValuesSurviveRestartInTextAndBinary) {
  Cluster c;
  c.Start();
  const std::string uuid_bytes("\xa0\xee\xbc\x99\x9c\x0b\x4e\xf8\xbb\x6d\x6b\xb9\xbd\x38\x0a\x11", 16);
  {
    Conn conn = c.Connect();
    ExecOk(conn.get(), kCreate);
    ExecOk(conn.get(),
           "INSERT INTO typed VALUES (1, '{a,\"b c\",NULL}', ARRAY[1,NULL,-3], "
           "'{A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11}', '12:34:56.7891', '{a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11}', "
           "(SELECT array_agg(g) FROM generate_series(1, 20000) g))");
    // Binary parameters: uuid as its 16 bytes, time as int64 microseconds.
    const std::string time_bytes = Be64((1 * 3600 + 2 * 60 + 3) * 1000000ull + 4000);
    const char* values[] = {"2", uuid_bytes.data(), time_bytes.data()};
    const int lengths[] = {0, 16, 8};
    const int formats[] = {0, 1, 1};
    const Oid types[] = {23, kUuidOid, kTimeOid};
    Result r(PQexecParams(conn.get(), "INSERT INTO typed (id, u, t) VALUES ($1, $2, $3)", 3, types, values, lengths,
                          formats, 0));
    ASSERT_EQ(PQresultStatus(r.get()), PGRES_COMMAND_OK) << PQerrorMessage(conn.get());
  }
  c.StopWith(SIGTERM);
  c.Start();
  Conn conn = c.Connect();
  PGconn* k = conn.get();

  EXPECT_EQ(Value(k, "SELECT tags FROM typed WHERE id = 1", 0, kTextArrayOid), "{a,\"b c\",NULL}");
  EXPECT_EQ(Value(k, "SELECT nums FROM typed WHERE id = 1", 0, kInt4ArrayOid), "{1,NULL,-3}");
  EXPECT_EQ(Value(k, "SELECT u FROM typed WHERE id = 1", 0, kUuidOid), "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11");
  EXPECT_EQ(Value(k, "SELECT t FROM typed WHERE id = 1", 0, kTimeOid), "12:34:56.789");
  EXPECT_EQ(Value(k, "SELECT us FROM typed WHERE id = 1", 0, kUuidArrayOid),
            "{a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11}");
  EXPECT_EQ(Value(k, "SELECT u FROM typed WHERE id = 2", 0, kUuidOid), "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11");
  EXPECT_EQ(Value(k, "SELECT t FROM typed WHERE id = 2", 0, kTimeOid), "01:02:03.004");

  // The 20000-element array lives in the TOAST table and comes back whole.
  EXPECT_EQ(QueryValue(k, "SELECT cardinality(big) || ' ' || big[20000] || ' ' || (SELECT sum(x) FROM unnest(big) x) "
                          "FROM typed WHERE id = 1"),
            "20000 20000 200010000");
  EXPECT_EQ(QueryValue(k, "SELECT pg_relation_size(reltoastrelid) >= 80000 FROM pg_class WHERE relname = 'typed'"),
            "t");

  // Binary results: array_send (ndim, has-null flag, element type, dimension
  // and lower bound, then length-prefixed elements), uuid_send, time_send.
  const std::string nums = Be32(1) + Be32(1) + Be32(23) + Be32(3) + Be32(1) + Be32(4) + Be32(1) + Be32(0xFFFFFFFF) +
                           Be32(4) + Be32(static_cast<uint32_t>(-3));
  EXPECT_EQ(Value(k, "SELECT nums FROM typed WHERE id = 1", 1, kInt4ArrayOid), nums);
  const std::string tags = Be32(1) + Be32(1) + Be32(25) + Be32(3) + Be32(1) + Be32(1) + "a" + Be32(3) + "b c" +
                           Be32(0xFFFFFFFF);
  EXPECT_EQ(Value(k, "SELECT tags FROM typed WHERE id = 1", 1, kTextArrayOid), tags);
  EXPECT_EQ(Value(k, "SELECT u FROM typed WHERE id = 1", 1, kUuidOid), uuid_bytes);
  EXPECT_EQ(Value(k, "SELECT t FROM typed WHERE id = 1", 1, kTimeOid), Be64(45296789000ull));
  EXPECT_EQ(Value(k, "SELECT us FROM typed WHERE id = 1", 1, kUuidArrayOid),
            Be32(1) + Be32(0) + Be32(kUuidOid) + Be32(1) + Be32(1) + Be32(16) + uuid_bytes);

  // A binary int4[] parameter is array_recv's input.
  const char* values[] = {nums.data()};
  const int lengths[] = {static_cast<int>(nums.size())};
  const int formats[] = {1};
  const Oid types[] = {kInt4ArrayOid};
  Result r(PQexecParams(k, "SELECT id FROM typed WHERE nums = $1", 1, types, values, lengths, formats, 0));
  ASSERT_EQ(PQresultStatus(r.get()), PGRES_TUPLES_OK) << PQerrorMessage(k);
  ASSERT_EQ(PQntuples(r.get()), 1);
  EXPECT_STREQ(PQgetvalue(r.get(), 0, 0), "1");

  // COPY round trip: what COPY TO writes, COPY FROM reads back to the same rows.
  ExecOk(k, "UPDATE typed SET big = big[1:3]");
  const std::string copied = CopyOut(k, "typed");
  EXPECT_EQ(SortedLines(copied),
            (std::vector<std::string>{
                "1\t{a,\"b c\",NULL}\t{1,NULL,-3}\ta0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11\t12:34:56.789\t"
                "{a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11}\t{1,2,3}",
                "2\t\\N\t\\N\ta0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11\t01:02:03.004\t\\N\t\\N"}));
  ExecOk(k, "CREATE TABLE typed2 (id int PRIMARY KEY, tags text[], nums int[], u uuid, t time(3), us uuid[], big int[])");
  CopyIn(k, "typed2", copied);
  EXPECT_EQ(SortedLines(CopyOut(k, "typed2")), SortedLines(copied));
  EXPECT_EQ(QueryValue(k, "SELECT count(*) FROM typed a JOIN typed2 b ON a.id = b.id AND a.tags IS NOT DISTINCT FROM "
                          "b.tags AND a.nums IS NOT DISTINCT FROM b.nums AND a.u = b.u AND a.t = b.t"),
            "2");
}

}  // namespace
}  // namespace tusk::test
