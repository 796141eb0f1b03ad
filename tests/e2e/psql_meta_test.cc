// psql's everyday meta-commands against a real Tusk server: `psql -l`, \du,
// \dn, \db, \encoding, the relation lists (\dt, \dv, \di) and \d NAME, checked line by
// line in psql's aligned format as PostgreSQL 15 prints them for the same
// data (the superuser is "tusk"; databases have the C locale).
#include <gtest/gtest.h>

#include <sstream>
#include <string>
#include <vector>

#include "cluster.h"

namespace tusk::test {
namespace {

// psql (aligned output, no psqlrc) against `postgres` as the superuser.
CommandResult PsqlAligned(Cluster& c, const std::string& args) {
  return RunCommand(c.Env() + "PGUSER=" + c.superuser() + " PGDATABASE=postgres psql -X " + args);
}
CommandResult Meta(Cluster& c, const std::string& command) { return PsqlAligned(c, "-c '" + command + "'"); }

std::vector<std::string> Lines(const std::string& s) {
  std::vector<std::string> out;
  std::istringstream in(s);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

// True if `want` appears as consecutive whole lines of `out`.
bool HasLines(const std::string& out, const std::vector<std::string>& want) {
  std::vector<std::string> got = Lines(out);
  for (size_t i = 0; i + want.size() <= got.size(); ++i) {
    size_t k = 0;
    while (k < want.size() && got[i + k] == want[k]) ++k;
    if (k == want.size()) return true;
  }
  return false;
}

TEST(PsqlMeta, ListsDatabasesRolesSchemasAndTablespaces) {
  Cluster c;
  c.Start();

  CommandResult l = PsqlAligned(c, "-l");
  ASSERT_EQ(l.exit_code, 0) << l.out;
  EXPECT_TRUE(HasLines(l.out, {
      "                                         List of databases",
      "   Name    | Owner | Encoding | Collate | Ctype | ICU Locale | Locale Provider | Access privileges ",
      "-----------+-------+----------+---------+-------+------------+-----------------+-------------------",
      " postgres  | tusk  | UTF8     | C       | C     |            | libc            | ",
      " template0 | tusk  | UTF8     | C       | C     |            | libc            | ",
      " template1 | tusk  | UTF8     | C       | C     |            | libc            | ",
      "(3 rows)",
  })) << l.out;

  // \l with a pattern goes through OPERATOR(pg_catalog.~) ... COLLATE pg_catalog.default.
  CommandResult lp = Meta(c, "\\l post*");
  ASSERT_EQ(lp.exit_code, 0) << lp.out;
  EXPECT_TRUE(HasLines(lp.out, {" postgres | tusk  | UTF8     | C       | C     |            | libc            | ",
                                "(1 row)"}))
      << lp.out;

  for (const char* cmd : {"\\du", "\\dg"}) {
    CommandResult du = Meta(c, cmd);
    ASSERT_EQ(du.exit_code, 0) << du.out;
    EXPECT_TRUE(HasLines(du.out, {
        "                                   List of roles",
        " Role name |                         Attributes                         | Member of ",
        "-----------+------------------------------------------------------------+-----------",
        " tusk      | Superuser, Create role, Create DB, Replication, Bypass RLS | {}",
    })) << cmd << ": " << du.out;
  }

  CommandResult dn = Meta(c, "\\dn");
  ASSERT_EQ(dn.exit_code, 0) << dn.out;
  // As in PostgreSQL 15, the public schema belongs to pg_database_owner.
  EXPECT_TRUE(HasLines(dn.out, {"      List of schemas", "  Name  |       Owner       ", "--------+-------------------",
                                " public | pg_database_owner", "(1 row)"}))
      << dn.out;

  CommandResult db = Meta(c, "\\db");
  ASSERT_EQ(db.exit_code, 0) << db.out;
  EXPECT_TRUE(HasLines(db.out, {"      List of tablespaces", "    Name    | Owner | Location ",
                                "------------+-------+----------", " pg_default | tusk  | ", " pg_global  | tusk  | ",
                                "(2 rows)"}))
      << db.out;

  CommandResult enc = Meta(c, "\\encoding");
  ASSERT_EQ(enc.exit_code, 0) << enc.out;
  EXPECT_EQ(enc.out, "UTF8\n");
}

// \df filters pg_proc with pg_function_is_visible and prints
// pg_get_function_result/arguments; Tusk has no user-defined functions, so
// the list is empty, as PostgreSQL's is in a fresh database. \dO likewise
// lists no collations outside pg_catalog.
TEST(PsqlMeta, ListsFunctions) {
  Cluster c;
  c.Start();
  CommandResult df = Meta(c, "\\df");
  ASSERT_EQ(df.exit_code, 0) << df.out;
  EXPECT_TRUE(HasLines(df.out, {
      "                       List of functions",
      " Schema | Name | Result data type | Argument data types | Type ",
      "--------+------+------------------+---------------------+------",
      "(0 rows)",
  })) << df.out;
  CommandResult collations = Meta(c, "\\dO");
  ASSERT_EQ(collations.exit_code, 0) << collations.out;
  EXPECT_TRUE(HasLines(collations.out, {
      "                            List of collations",
      " Schema | Name | Collate | Ctype | ICU Locale | Provider | Deterministic? ",
      "--------+------+---------+-------+------------+----------+----------------",
      "(0 rows)",
  })) << collations.out;
}

// Objects Tusk has no way to create (event triggers, foreign servers and
// tables, subscriptions, default privileges, large objects, per-role
// settings, extended statistics, conversions, procedural languages): the
// lists are empty, with PostgreSQL's headings, instead of failing on a
// missing catalog. \dL reads pg_language through its tableoid.
TEST(PsqlMeta, ListsEmptyCatalogsOfFeaturesTuskLacks) {
  Cluster c;
  c.Start();
  const std::vector<std::pair<std::string, std::vector<std::string>>> cases = {
      {"\\dy", {"              List of event triggers", " Name | Event | Owner | Enabled | Function | Tags ",
                "------+-------+-------+---------+----------+------", "(0 rows)"}},
      {"\\des", {"       List of foreign servers", " Name | Owner | Foreign-data wrapper ",
                 "------+-------+----------------------", "(0 rows)"}},
      {"\\dew", {"   List of foreign-data wrappers", " Name | Owner | Handler | Validator ",
                 "------+-------+---------+-----------", "(0 rows)"}},
      {"\\det", {" List of foreign tables", " Schema | Table | Server ", "--------+-------+--------", "(0 rows)"}},
      {"\\deu", {"List of user mappings", " Server | User name ", "--------+-----------", "(0 rows)"}},
      {"\\drds", {"Did not find any settings."}},
      {"\\dX", {"                 List of extended statistics",
                " Schema | Name | Definition | Ndistinct | Dependencies | MCV ",
                "--------+------+------------+-----------+--------------+-----", "(0 rows)"}},
      {"\\dRs", {"        List of subscriptions", " Name | Owner | Enabled | Publication ",
                 "------+-------+---------+-------------", "(0 rows)"}},
      {"\\ddp", {"         Default access privileges", " Owner | Schema | Type | Access privileges ",
                 "-------+--------+------+-------------------", "(0 rows)"}},
      {"\\dl", {"      Large objects", " ID | Owner | Description ", "----+-------+-------------", "(0 rows)"}},
      {"\\dc", {"               List of conversions", " Schema | Name | Source | Destination | Default? ",
                "--------+------+--------+-------------+----------", "(0 rows)"}},
      {"\\dL", {"          List of languages", " Name | Owner | Trusted | Description ",
                "------+-------+---------+-------------", "(0 rows)"}},
  };
  for (const auto& [command, want] : cases) {
    CommandResult r = Meta(c, command);
    ASSERT_EQ(r.exit_code, 0) << command << ": " << r.out;
    EXPECT_TRUE(HasLines(r.out, want)) << command << ": " << r.out;
  }
}

TEST(PsqlMeta, ListsRelations) {
  Cluster c;
  c.Start();
  CommandResult setup = c.Psql(
      "CREATE TABLE items (id int PRIMARY KEY, name text); CREATE INDEX items_name ON items (name); "
      "CREATE VIEW item_names AS SELECT name FROM items");
  ASSERT_EQ(setup.exit_code, 0) << setup.out;

  CommandResult dt = Meta(c, "\\dt");
  ASSERT_EQ(dt.exit_code, 0) << dt.out;
  EXPECT_TRUE(HasLines(dt.out, {"       List of relations", " Schema | Name  | Type  | Owner ",
                                "--------+-------+-------+-------", " public | items | table | tusk", "(1 row)"}))
      << dt.out;

  CommandResult dv = Meta(c, "\\dv");
  ASSERT_EQ(dv.exit_code, 0) << dv.out;
  EXPECT_TRUE(HasLines(dv.out, {"         List of relations", " Schema |    Name    | Type | Owner ",
                                "--------+------------+------+-------", " public | item_names | view | tusk",
                                "(1 row)"}))
      << dv.out;

  CommandResult di = Meta(c, "\\di");
  ASSERT_EQ(di.exit_code, 0) << di.out;
  EXPECT_TRUE(HasLines(di.out, {"              List of relations", " Schema |    Name    | Type  | Owner | Table ",
                                "--------+------------+-------+-------+-------",
                                " public | items_name | index | tusk  | items", " public | items_pkey | index | tusk  | items",
                                "(2 rows)"}))
      << di.out;

  CommandResult ds = Meta(c, "\\ds");
  ASSERT_EQ(ds.exit_code, 0) << ds.out;
  EXPECT_NE(ds.out.find("Did not find any relations."), std::string::npos) << ds.out;

  CommandResult dtp = Meta(c, "\\dt item*");
  ASSERT_EQ(dtp.exit_code, 0) << dtp.out;
  EXPECT_TRUE(HasLines(dtp.out, {" public | items | table | tusk", "(1 row)"})) << dtp.out;
}

// True if some line starts with `prefix` and contains every one of `parts`
// (for rows whose widths depend on sizes).
bool HasLineWith(const std::string& out, const std::string& prefix, const std::vector<std::string>& parts) {
  for (const std::string& line : Lines(out)) {
    if (line.rfind(prefix, 0) != 0) continue;
    bool all = true;
    for (const auto& p : parts) all = all && line.find(p) != std::string::npos;
    if (all) return true;
  }
  return false;
}

// \d NAME and \d+ NAME on a table, its primary key index and a view, \dt+
// and \l+: the lines PostgreSQL 15 prints for the same objects (but for
// owners and sizes).
TEST(PsqlMeta, DescribesTablesIndexesAndViews) {
  Cluster c;
  c.Start();
  CommandResult setup = c.Psql(
      "CREATE TABLE items (id int PRIMARY KEY, name text NOT NULL DEFAULT 'x', qty int CHECK (qty > 0), "
      "code varchar(10) UNIQUE, price numeric(10,2) DEFAULT 1.5); CREATE INDEX items_name ON items (name DESC); "
      "CREATE VIEW item_names AS SELECT name FROM items WHERE qty > 1");
  ASSERT_EQ(setup.exit_code, 0) << setup.out;

  CommandResult d = Meta(c, "\\d items");
  ASSERT_EQ(d.exit_code, 0) << d.out;
  EXPECT_TRUE(HasLines(d.out, {
      "                       Table \"public.items\"",
      " Column |         Type          | Collation | Nullable |  Default  ",
      "--------+-----------------------+-----------+----------+-----------",
      " id     | integer               |           | not null | ",
      " name   | text                  |           | not null | 'x'::text",
      " qty    | integer               |           |          | ",
      " code   | character varying(10) |           |          | ",
      " price  | numeric(10,2)         |           |          | 1.5",
      "Indexes:",
      "    \"items_pkey\" PRIMARY KEY, btree (id)",
      "    \"items_code_key\" UNIQUE CONSTRAINT, btree (code)",
      "    \"items_name\" btree (name DESC)",
      "Check constraints:",
      "    \"items_qty_check\" CHECK (qty > 0)",
  })) << d.out;

  CommandResult dp = Meta(c, "\\d+ items");
  ASSERT_EQ(dp.exit_code, 0) << dp.out;
  EXPECT_TRUE(HasLines(dp.out, {
      " Column |         Type          | Collation | Nullable |  Default  | Storage  | Compression | Stats target | Description ",
      "--------+-----------------------+-----------+----------+-----------+----------+-------------+--------------+-------------",
      " id     | integer               |           | not null |           | plain    |             |              | ",
      " name   | text                  |           | not null | 'x'::text | extended |             |              | ",
      " qty    | integer               |           |          |           | plain    |             |              | ",
      " code   | character varying(10) |           |          |           | extended |             |              | ",
      " price  | numeric(10,2)         |           |          | 1.5       | main     |             |              | ",
  })) << dp.out;
  EXPECT_TRUE(HasLines(dp.out, {"    \"items_qty_check\" CHECK (qty > 0)", "Access method: heap"})) << dp.out;

  CommandResult ix = Meta(c, "\\d items_pkey");
  ASSERT_EQ(ix.exit_code, 0) << ix.out;
  EXPECT_TRUE(HasLines(ix.out, {
      "      Index \"public.items_pkey\"",
      " Column |  Type   | Key? | Definition ",
      "--------+---------+------+------------",
      " id     | integer | yes  | id",
      "primary key, btree, for table \"public.items\"",
  })) << ix.out;

  CommandResult vp = Meta(c, "\\d+ item_names");
  ASSERT_EQ(vp.exit_code, 0) << vp.out;
  EXPECT_TRUE(HasLines(vp.out, {"View definition:", " SELECT items.name", "   FROM items", "  WHERE items.qty > 1;"}))
      << vp.out;
  EXPECT_TRUE(HasLines(vp.out, {
      " Column | Type | Collation | Nullable | Default | Storage  | Description ",
      "--------+------+-----------+----------+---------+----------+-------------",
      " name   | text |           |          |         | extended | ",
  })) << vp.out;

  CommandResult dt = Meta(c, "\\dt+ items");
  ASSERT_EQ(dt.exit_code, 0) << dt.out;
  EXPECT_TRUE(HasLineWith(dt.out, " Schema | Name  | Type  | Owner | Persistence | Access method |",
                          {"Size", "| Description "}))
      << dt.out;
  EXPECT_TRUE(HasLineWith(dt.out, " public | items | table | tusk  | permanent   | heap          | ", {" bytes | "}))
      << dt.out;

  CommandResult l = PsqlAligned(c, "-c '\\l+ postgres'");
  ASSERT_EQ(l.exit_code, 0) << l.out;
  EXPECT_TRUE(HasLineWith(l.out, "   Name   | Owner | Encoding | Collate | Ctype | ICU Locale | Locale Provider | "
                                 "Access privileges |",
                          {"Size", "| Tablespace | Description "}))
      << l.out;
  EXPECT_TRUE(HasLineWith(l.out, " postgres | tusk  | UTF8     | C       | C     |            | libc            | ",
                          {"B | pg_default | "}))
      << l.out;

  CommandResult dx = Meta(c, "\\dx");
  ASSERT_EQ(dx.exit_code, 0) << dx.out;
  EXPECT_TRUE(HasLines(dx.out, {" Name | Version | Schema | Description ", "(0 rows)"}) ||
              HasLines(dx.out, {" Name | Version | Schema | Description ",
                                "------+---------+--------+-------------", "(0 rows)"}))
      << dx.out;
}

}  // namespace
}  // namespace tusk::test
