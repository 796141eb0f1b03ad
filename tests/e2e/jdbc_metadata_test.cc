// The PostgreSQL JDBC driver's DatabaseMetaData queries (pgjdbc 42.x),
// sent verbatim through libpq: getPrimaryKeys and getIndexInfo over a table
// with a two-column primary key must return PostgreSQL 15's rows (checked on
// a real PostgreSQL 15 and hard-coded here). They rely on records,
// information_schema._pg_expandarray over pg_index.indkey (int2vector) and
// field selection. Also: a record column in the binary result format
// (record_send).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "cluster.h"

namespace tusk::test {
namespace {

using Rows = std::vector<std::vector<std::string>>;

// Every row of a text-format query; NULL reads as "<null>".
Rows AllRows(PGconn* conn, const std::string& sql) {
  Result r(PQexec(conn, sql.c_str()));
  EXPECT_EQ(PQresultStatus(r.get()), PGRES_TUPLES_OK) << PQerrorMessage(conn);
  Rows rows;
  if (PQresultStatus(r.get()) != PGRES_TUPLES_OK) return rows;
  for (int i = 0; i < PQntuples(r.get()); ++i) {
    std::vector<std::string> row;
    for (int j = 0; j < PQnfields(r.get()); ++j) {
      row.push_back(PQgetisnull(r.get(), i, j) ? "<null>" : PQgetvalue(r.get(), i, j));
    }
    rows.push_back(row);
  }
  return rows;
}

const char kPrimaryKeys[] =
    "SELECT NULL AS TABLE_CAT, n.nspname AS TABLE_SCHEM, ct.relname AS TABLE_NAME, a.attname AS COLUMN_NAME, "
    "(i.keys).n AS KEY_SEQ, ci.relname AS PK_NAME FROM pg_catalog.pg_class ct JOIN pg_catalog.pg_attribute a ON "
    "(ct.oid = a.attrelid) JOIN pg_catalog.pg_namespace n ON (ct.relnamespace = n.oid) JOIN (SELECT i.indexrelid, "
    "i.indrelid, i.indisprimary, information_schema._pg_expandarray(i.indkey) AS keys FROM pg_catalog.pg_index i) i "
    "ON (a.attnum = (i.keys).x AND a.attrelid = i.indrelid) JOIN pg_catalog.pg_class ci ON (ci.oid = i.indexrelid) "
    "WHERE true AND ct.relname = E'j' AND i.indisprimary ORDER BY table_name, pk_name, key_seq";

// getIndexInfo(null, null, "j", false, true) against a 9.6+ server.
const char kIndexInfo[] =
    "SELECT     tmp.TABLE_CAT,     tmp.TABLE_SCHEM,     tmp.TABLE_NAME,     tmp.NON_UNIQUE,     tmp.INDEX_QUALIFIER,"
    "     tmp.INDEX_NAME,     tmp.TYPE,     tmp.ORDINAL_POSITION,     trim(both '\"' from "
    "pg_catalog.pg_get_indexdef(tmp.CI_OID, tmp.ORDINAL_POSITION, false)) AS COLUMN_NAME,   CASE tmp.AM_NAME     "
    "WHEN 'btree' THEN CASE tmp.I_INDOPTION[tmp.ORDINAL_POSITION - 1] & 1::smallint       WHEN 1 THEN 'D'       "
    "ELSE 'A'     END     ELSE NULL   END AS ASC_OR_DESC,     tmp.CARDINALITY,     tmp.PAGES,     "
    "tmp.FILTER_CONDITION FROM (SELECT NULL AS TABLE_CAT, n.nspname AS TABLE_SCHEM,   ct.relname AS TABLE_NAME, "
    "NOT i.indisunique AS NON_UNIQUE,   NULL AS INDEX_QUALIFIER, ci.relname AS INDEX_NAME,   CASE "
    "i.indisclustered     WHEN true THEN 1    ELSE CASE am.amname       WHEN 'hash' THEN 2      ELSE 3    END   "
    "END AS TYPE,   (information_schema._pg_expandarray(i.indkey)).n AS ORDINAL_POSITION,   ci.reltuples AS "
    "CARDINALITY,   ci.relpages AS PAGES,   pg_catalog.pg_get_expr(i.indpred, i.indrelid) AS FILTER_CONDITION,   "
    "ci.oid AS CI_OID,   i.indoption AS I_INDOPTION,   am.amname AS AM_NAME FROM pg_catalog.pg_class ct   JOIN "
    "pg_catalog.pg_namespace n ON (ct.relnamespace = n.oid)   JOIN pg_catalog.pg_index i ON (ct.oid = i.indrelid)"
    "   JOIN pg_catalog.pg_class ci ON (ci.oid = i.indexrelid)   JOIN pg_catalog.pg_am am ON (ci.relam = am.oid) "
    "WHERE true  AND ct.relname = E'j') AS tmp ORDER BY NON_UNIQUE, TYPE, INDEX_NAME, ORDINAL_POSITION ";

class JdbcMetadata : public ::testing::Test {
 protected:
  void SetUp() override {
    cluster_.Start();
    conn_ = cluster_.Connect();
    Exec(conn_.get(), "CREATE TABLE j (a int, b text, c int, PRIMARY KEY (c, a))");
  }
  Cluster cluster_;
  Conn conn_;
};

TEST_F(JdbcMetadata, GetPrimaryKeys) {
  Result r(PQexec(conn_.get(), kPrimaryKeys));
  ASSERT_EQ(PQresultStatus(r.get()), PGRES_TUPLES_OK) << PQerrorMessage(conn_.get());
  // PostgreSQL's column names and types: unknown NULL as text, names, int4.
  const std::vector<std::string> names = {"table_cat", "table_schem", "table_name", "column_name", "key_seq",
                                          "pk_name"};
  const std::vector<Oid> types = {25, 19, 19, 19, 23, 19};
  ASSERT_EQ(PQnfields(r.get()), 6);
  for (int j = 0; j < 6; ++j) {
    EXPECT_EQ(PQfname(r.get(), j), names[j]);
    EXPECT_EQ(PQftype(r.get(), j), types[j]) << names[j];
  }
  EXPECT_EQ(AllRows(conn_.get(), kPrimaryKeys),
            (Rows{{"<null>", "public", "j", "c", "1", "j_pkey"}, {"<null>", "public", "j", "a", "2", "j_pkey"}}));
  // A table without a primary key has no rows.
  Exec(conn_.get(), "CREATE TABLE k (a int UNIQUE)");
  std::string other = kPrimaryKeys;
  other.replace(other.find("E'j'"), 4, "E'k'");
  EXPECT_TRUE(AllRows(conn_.get(), other).empty());
}

TEST_F(JdbcMetadata, GetIndexInfo) {
  Exec(conn_.get(), "CREATE UNIQUE INDEX j_b ON j (b)");
  Exec(conn_.get(), "CREATE INDEX j_ca ON j (c DESC, a)");
  // Columns: TABLE_CAT .. INDEX_NAME, TYPE, ORDINAL_POSITION, COLUMN_NAME,
  // ASC_OR_DESC, CARDINALITY, PAGES, FILTER_CONDITION. CARDINALITY and PAGES
  // (pg_class.reltuples / relpages of the index: PostgreSQL says 0 and 1 for
  // a new empty btree) are statistics Tusk keeps differently, so they are
  // left out of the comparison.
  Rows rows = AllRows(conn_.get(), kIndexInfo);
  for (auto& row : rows) {
    ASSERT_EQ(row.size(), 13u);
    row.erase(row.begin() + 10, row.begin() + 12);
  }
  EXPECT_EQ(rows, (Rows{{"<null>", "public", "j", "f", "<null>", "j_b", "3", "1", "b", "A", "<null>"},
                        {"<null>", "public", "j", "f", "<null>", "j_pkey", "3", "1", "c", "A", "<null>"},
                        {"<null>", "public", "j", "f", "<null>", "j_pkey", "3", "2", "a", "A", "<null>"},
                        {"<null>", "public", "j", "t", "<null>", "j_ca", "3", "1", "c", "D", "<null>"},
                        {"<null>", "public", "j", "t", "<null>", "j_ca", "3", "2", "a", "A", "<null>"}}));
}

// record_send: field count, then per field its type oid, length and bytes.
TEST_F(JdbcMetadata, RecordInBinaryFormat) {
  Result r(PQexecParams(conn_.get(), "SELECT ROW(1, 'ab'::text, NULL::int2)", 0, nullptr, nullptr, nullptr, nullptr,
                        1));
  ASSERT_EQ(PQresultStatus(r.get()), PGRES_TUPLES_OK) << PQerrorMessage(conn_.get());
  EXPECT_EQ(PQftype(r.get(), 0), 2249u);
  EXPECT_EQ(PQfmod(r.get(), 0), -1);
  const std::string expected("\0\0\0\x03"
                             "\0\0\0\x17\0\0\0\x04\0\0\0\x01"
                             "\0\0\0\x19\0\0\0\x02"
                             "ab"
                             "\0\0\0\x15\xff\xff\xff\xff",
                             34);
  EXPECT_EQ(std::string(PQgetvalue(r.get(), 0, 0), PQgetlength(r.get(), 0, 0)), expected);
  // pg_index.indkey is an int2vector (oid 22) whose text form is "3 1".
  Result k(PQexec(conn_.get(), "SELECT indkey FROM pg_index WHERE indrelid = 'j'::regclass"));
  ASSERT_EQ(PQresultStatus(k.get()), PGRES_TUPLES_OK) << PQerrorMessage(conn_.get());
  EXPECT_EQ(PQftype(k.get(), 0), 22u);
  EXPECT_EQ(std::string(PQgetvalue(k.get(), 0, 0)), "3 1");
}

}  // namespace
}  // namespace tusk::test
