// Parser tests for DDL, DML, COPY, maintenance commands and the grown SELECT
// grammar: AST fields, keyword classes, PostgreSQL's syntax-error messages and
// positions, and the statements pgbench sends.
#include <gtest/gtest.h>

#include "sql/engine.h"
#include "sql/parser/parser.h"
#include "utils/error.h"

using namespace tusk::sql;

namespace {

std::unique_ptr<Statement> One(const std::string& q) {
  auto v = ParseStatements(q);
  EXPECT_EQ(v.size(), 1u) << q;
  return v.empty() ? nullptr : std::move(v[0]);
}

tusk::ErrorData ParseError(const std::string& q) {
  try {
    ParseStatements(q);
  } catch (const tusk::PgError& e) {
    return e.data();
  }
  ADD_FAILURE() << "no error for " << q;
  return {};
}

}  // namespace

TEST(SqlParserDdl, CreateTable) {
  auto s = One(
      "create unlogged table if not exists s.t (id bigserial primary key, name varchar(20) not null default 'x', "
      "price numeric(10,2) check (price > 0), ts timestamp(3) with time zone, tags text[], "
      "grid int[3][], d double precision collate \"C\", owner int references users(id) on delete cascade, "
      "constraint t_uq unique (name, ts), foreign key (owner) references users) partition by range (ts) "
      "with (fillfactor=70)");
  ASSERT_EQ(s->kind(), StmtKind::kCreateTable);
  EXPECT_EQ(CommandTagOf(*s), "CREATE TABLE");
  const auto& t = s->create_table();
  EXPECT_EQ(t.persistence, Persistence::kUnlogged);
  EXPECT_TRUE(t.if_not_exists);
  EXPECT_EQ(t.relation.schema, "s");
  EXPECT_EQ(t.relation.name, "t");
  ASSERT_EQ(t.columns.size(), 8u);
  EXPECT_EQ(t.columns[0].type->names[0], "bigserial");
  EXPECT_EQ(t.columns[0].constraints[0].kind, Constraint::kPrimaryKey);
  EXPECT_EQ(t.columns[1].type->names[0], "varchar");
  EXPECT_EQ(t.columns[1].type->typmods, std::vector<int32_t>{20});
  ASSERT_EQ(t.columns[1].constraints.size(), 2u);
  EXPECT_EQ(t.columns[1].constraints[1].kind, Constraint::kDefault);
  EXPECT_EQ(t.columns[1].constraints[1].expr->str, "x");
  EXPECT_EQ((t.columns[2].type->typmods), (std::vector<int32_t>{10, 2}));
  EXPECT_EQ(t.columns[2].constraints[0].kind, Constraint::kCheck);
  EXPECT_EQ(t.columns[3].type->names[0], "timestamptz");
  EXPECT_EQ(t.columns[3].type->typmods, std::vector<int32_t>{3});
  EXPECT_TRUE(t.columns[4].type->array);
  EXPECT_EQ((t.columns[5].type->array_bounds), (std::vector<int32_t>{3, -1}));
  EXPECT_EQ(t.columns[6].type->names[0], "float8");
  EXPECT_EQ(t.columns[6].collation, std::vector<std::string>{"C"});
  EXPECT_EQ(t.columns[7].constraints[0].kind, Constraint::kForeignKey);
  EXPECT_EQ(t.columns[7].constraints[0].ref_table.name, "users");
  EXPECT_EQ(t.columns[7].constraints[0].on_delete, FkAction::kCascade);
  ASSERT_EQ(t.constraints.size(), 2u);
  EXPECT_EQ(t.constraints[0].name, "t_uq");
  EXPECT_EQ(t.constraints[0].keys, (std::vector<std::string>{"name", "ts"}));
  EXPECT_EQ(t.constraints[1].kind, Constraint::kForeignKey);
  ASSERT_EQ(t.options.size(), 1u);
  EXPECT_EQ(t.options[0].name, "fillfactor");
  EXPECT_EQ(t.options[0].arg, "70");
  ASSERT_TRUE(t.partition_by);
  EXPECT_EQ(t.partition_by->strategy, "range");
  EXPECT_EQ(t.partition_by->params[0].column, "ts");
  EXPECT_EQ(t.columns[1].location, 67);
}

TEST(SqlParserDdl, TypeSpellings) {
  auto s = One(
      "create temp table t (a int, b integer, c int4, d int8, e bigint, f smallint, g serial, h char(5), "
      "i character(2), j character varying(9), k text, l decimal, m real, n float, o boolean, p timestamp, "
      "q timestamp without time zone, r timestamptz, s date, t time, u interval, v bytea, w uuid, x json, "
      "y jsonb, z char)");
  const auto& c = s->create_table().columns;
  std::vector<std::string> want = {"int4",    "int4",      "int4", "int8", "int8",    "int2",     "serial",
                                   "bpchar",  "bpchar",    "varchar", "text", "numeric", "float4", "float8",
                                   "bool",    "timestamp", "timestamp", "timestamptz", "date", "time",
                                   "interval", "bytea",    "uuid", "json", "jsonb", "bpchar"};
  ASSERT_EQ(c.size(), want.size());
  for (size_t i = 0; i < want.size(); ++i) EXPECT_EQ(c[i].type->names.back(), want[i]) << i;
  EXPECT_EQ(c[7].type->typmods, std::vector<int32_t>{5});
  EXPECT_EQ(c[25].type->typmods, std::vector<int32_t>{1});
  EXPECT_EQ(s->create_table().persistence, Persistence::kTemp);
}

TEST(SqlParserDdl, KeywordClasses) {
  // Unreserved and column-name keywords work as column names; reserved ones do not.
  auto s = One("create table t (name text, type int, value int, key int, position int, filler char(84))");
  EXPECT_EQ(s->create_table().columns[1].name, "type");
  auto q = One("select name, type, value, key from t where key = 1");
  EXPECT_EQ(q->select().targets.size(), 4u);
  auto e = ParseError("create table t (select int)");
  EXPECT_EQ(e.message, "syntax error at or near \"select\"");
  EXPECT_EQ(e.position, 17);
  e = ParseError("create table t (a select)");
  EXPECT_EQ(e.message, "syntax error at or near \"select\"");
  EXPECT_EQ(e.position, 19);
}

TEST(SqlParserDdl, SyntaxErrorsMatchPostgres) {
  struct Case {
    const char* q;
    const char* msg;
    int pos;
  } cases[] = {
      {"create table t (a int,)", "syntax error at or near \")\"", 23},
      {"insert into t values (1", "syntax error at end of input", 24},
      {"update t set = 1", "syntax error at or near \"=\"", 14},
      {"drop table", "syntax error at end of input", 11},
      {"copy t from stdin with (freeze on", "syntax error at end of input", 34},
      {"create index on t ()", "syntax error at or near \")\"", 20},
      {"alter table t add", "syntax error at end of input", 18},
      {"select 1 union select 2 order by 1 order by 2", "syntax error at or near \"order\"", 36},
      {"(select 1 order by 1) order by 1", "multiple ORDER BY clauses not allowed", 32},
      {"explain create index i on t(a)", "syntax error at or near \"index\"", 16},
      {"truncate t restart", "syntax error at end of input", 19},
      {"delete from t where", "syntax error at end of input", 20},
      {"select * from a join b", "syntax error at end of input", 23},
      {"insert into t default values on conflict do update set a = 1",
       "ON CONFLICT DO UPDATE requires inference specification or constraint name", 30},
  };
  for (const auto& c : cases) {
    auto e = ParseError(c.q);
    EXPECT_EQ(e.sqlstate, "42601") << c.q;
    EXPECT_EQ(e.message, c.msg) << c.q;
    EXPECT_EQ(e.position, c.pos) << c.q;
  }
}

TEST(SqlParserDdl, CreateTableAsAndViews) {
  auto s = One("create table t2 (x, y) as select 1, 2 with no data");
  ASSERT_EQ(s->kind(), StmtKind::kCreateTableAs);
  EXPECT_EQ(CommandTagOf(*s), "SELECT");
  EXPECT_EQ(s->create_table_as().columns.size(), 2u);
  EXPECT_FALSE(s->create_table_as().with_data);
  s = One("create or replace view v (a) as select x from t with local check option");
  ASSERT_EQ(s->kind(), StmtKind::kCreateView);
  EXPECT_TRUE(s->create_view().replace);
  EXPECT_EQ(s->create_view().check_option, "local");
  EXPECT_EQ(CommandTagOf(*s), "CREATE VIEW");
}

TEST(SqlParserDdl, DropTruncateIndex) {
  auto s = One("drop table if exists a, s.b cascade");
  EXPECT_EQ(CommandTagOf(*s), "DROP TABLE");
  EXPECT_TRUE(s->drop().missing_ok);
  EXPECT_TRUE(s->drop().cascade);
  EXPECT_EQ(s->drop().names[1].schema, "s");
  EXPECT_EQ(CommandTagOf(*One("drop index concurrently i")), "DROP INDEX");
  EXPECT_EQ(CommandTagOf(*One("drop view v restrict")), "DROP VIEW");
  s = One("truncate table pgbench_accounts, pgbench_branches, pgbench_history, pgbench_tellers");
  EXPECT_EQ(s->truncate().relations.size(), 4u);
  EXPECT_EQ(CommandTagOf(*s), "TRUNCATE TABLE");
  s = One("truncate only t restart identity cascade");
  EXPECT_TRUE(s->truncate().only[0]);
  EXPECT_TRUE(s->truncate().restart_identity);
  EXPECT_TRUE(s->truncate().cascade);
  s = One("create unique index concurrently if not exists i on t using btree (a desc nulls first, (lower(b)), "
          "c text_pattern_ops) include (d) where a > 0");
  ASSERT_EQ(s->kind(), StmtKind::kCreateIndex);
  const auto& ix = s->create_index();
  EXPECT_TRUE(ix.unique && ix.concurrently && ix.if_not_exists);
  EXPECT_EQ(ix.name, "i");
  ASSERT_EQ(ix.params.size(), 3u);
  EXPECT_TRUE(ix.params[0].desc);
  EXPECT_EQ(ix.params[0].nulls_first, true);
  EXPECT_EQ(ix.params[1].expr->kind, ExprKind::kFunc);
  EXPECT_EQ(ix.params[2].opclass, std::vector<std::string>{"text_pattern_ops"});
  EXPECT_EQ(ix.include, std::vector<std::string>{"d"});
  EXPECT_TRUE(ix.where);
  EXPECT_TRUE(One("create index on t (a)")->create_index().name.empty());
}

TEST(SqlParserDdl, AlterTable) {
  auto s = One("alter table pgbench_branches add primary key (bid)");
  ASSERT_EQ(s->kind(), StmtKind::kAlterTable);
  EXPECT_EQ(CommandTagOf(*s), "ALTER TABLE");
  ASSERT_EQ(s->alter_table().cmds.size(), 1u);
  EXPECT_EQ(s->alter_table().cmds[0].kind, AlterTableCmd::kAddConstraint);
  EXPECT_EQ(s->alter_table().cmds[0].constraint.keys, std::vector<std::string>{"bid"});
  s = One("alter table if exists t add column if not exists c int not null, drop column if exists d cascade, "
          "add constraint fk foreign key (a) references o (b), drop constraint x, alter column e set not null, "
          "alter f drop not null, alter g set default 1, alter h drop default, alter i type bigint using i::bigint, "
          "alter j set data type text");
  const auto& c = s->alter_table().cmds;
  ASSERT_EQ(c.size(), 10u);
  EXPECT_TRUE(s->alter_table().missing_ok);
  EXPECT_EQ(c[0].kind, AlterTableCmd::kAddColumn);
  EXPECT_TRUE(c[0].missing_ok);
  EXPECT_EQ(c[0].column.type->names[0], "int4");
  EXPECT_EQ(c[1].kind, AlterTableCmd::kDropColumn);
  EXPECT_TRUE(c[1].cascade);
  EXPECT_EQ(c[2].constraint.name, "fk");
  EXPECT_EQ(c[3].kind, AlterTableCmd::kDropConstraint);
  EXPECT_EQ(c[4].kind, AlterTableCmd::kSetNotNull);
  EXPECT_EQ(c[5].kind, AlterTableCmd::kDropNotNull);
  EXPECT_EQ(c[6].kind, AlterTableCmd::kSetDefault);
  EXPECT_EQ(c[7].kind, AlterTableCmd::kDropDefault);
  EXPECT_EQ(c[8].kind, AlterTableCmd::kAlterColumnType);
  EXPECT_TRUE(c[8].expr);
  EXPECT_EQ(c[9].column.type->names[0], "text");
  EXPECT_EQ(One("alter table t rename column a to b")->alter_table().cmds[0].kind, AlterTableCmd::kRenameColumn);
  EXPECT_EQ(One("alter table t rename to u")->alter_table().cmds[0].new_name, "u");
  EXPECT_EQ(One("alter table t rename constraint a to b")->alter_table().cmds[0].kind,
            AlterTableCmd::kRenameConstraint);
}

TEST(SqlParserDdl, InsertUpdateDelete) {
  auto s = One("INSERT INTO pgbench_history (tid, bid, aid, delta, mtime) VALUES ($1, $2, $3, $4, CURRENT_TIMESTAMP);");
  ASSERT_EQ(s->kind(), StmtKind::kInsert);
  EXPECT_EQ(CommandTagOf(*s), "INSERT");
  EXPECT_FALSE(ReturnsRows(*s));
  EXPECT_EQ(s->insert().columns.size(), 5u);
  EXPECT_EQ(s->insert().source->values[0].size(), 5u);
  s = One("insert into t as x (a, b) values (1, default), (2, 3) on conflict (a) do update set b = excluded.b "
          "where x.b <> excluded.b returning *");
  const auto& ins = s->insert();
  EXPECT_EQ(ins.relation.alias, "x");
  EXPECT_EQ(ins.source->values[0][1]->kind, ExprKind::kDefault);
  ASSERT_TRUE(ins.on_conflict);
  EXPECT_EQ(ins.on_conflict->action, OnConflictClause::kUpdate);
  EXPECT_EQ(ins.on_conflict->target[0].column, "a");
  EXPECT_EQ(ins.on_conflict->set[0].values[0]->names, (std::vector<std::string>{"excluded", "b"}));
  EXPECT_TRUE(ins.on_conflict->where);
  EXPECT_TRUE(ReturnsRows(*s));
  EXPECT_TRUE(One("insert into t default values")->insert().default_values);
  EXPECT_EQ(One("insert into t select * from u on conflict on constraint c do nothing")->insert().on_conflict->constraint,
            "c");
  s = One("UPDATE pgbench_accounts SET abalance = abalance + $1 WHERE aid = $2;");
  ASSERT_EQ(s->kind(), StmtKind::kUpdate);
  EXPECT_EQ(s->update().set[0].columns[0], "abalance");
  EXPECT_EQ(s->update().set[0].values[0]->str, "+");
  s = One("update t as x set (a, b) = (1, 2), c = default from u where x.id = u.id returning a");
  EXPECT_EQ(s->update().relation.alias, "x");
  EXPECT_EQ(s->update().set[0].values.size(), 2u);
  EXPECT_EQ(s->update().from.size(), 1u);
  EXPECT_TRUE(ReturnsRows(*s));
  EXPECT_EQ(One("update t set a = 1")->update().relation.alias, std::nullopt);
  s = One("delete from t x using u where x.a = u.a returning x.a");
  ASSERT_EQ(s->kind(), StmtKind::kDelete);
  EXPECT_EQ(s->delete_().relation.alias, "x");
  EXPECT_EQ(s->delete_().using_.size(), 1u);
  EXPECT_EQ(CommandTagOf(*s), "DELETE");
}

TEST(SqlParserDdl, Copy) {
  auto s = One("copy pgbench_accounts from stdin with (freeze on)");
  ASSERT_EQ(s->kind(), StmtKind::kCopy);
  EXPECT_TRUE(s->copy().is_from);
  EXPECT_FALSE(s->copy().filename);
  ASSERT_EQ(s->copy().options.size(), 1u);
  EXPECT_EQ(s->copy().options[0].name, "freeze");
  EXPECT_EQ(s->copy().options[0].arg, "on");
  s = One("copy t (a, b) from stdin with csv header delimiter as ';' null 'N'");
  const auto& o = s->copy().options;
  ASSERT_EQ(o.size(), 4u);
  EXPECT_EQ(o[0].name, "format");
  EXPECT_EQ(o[0].arg, "csv");
  EXPECT_EQ(o[1].name, "header");
  EXPECT_EQ(o[2].arg, ";");
  EXPECT_EQ(s->copy().columns.size(), 2u);
  s = One("COPY t FROM STDIN (FREEZE ON)");
  EXPECT_EQ(s->copy().options[0].name, "freeze");
  s = One("copy (select 1) to stdout (format binary, header false)");
  EXPECT_TRUE(s->copy().query);
  EXPECT_FALSE(s->copy().is_from);
  EXPECT_EQ(s->copy().options[1].arg, "false");
  EXPECT_EQ(CommandTagOf(*s), "COPY");
}

TEST(SqlParserDdl, MaintenanceAndSession) {
  auto s = One("vacuum analyze pgbench_branches");
  ASSERT_EQ(s->kind(), StmtKind::kVacuum);
  EXPECT_EQ(CommandTagOf(*s), "VACUUM");
  EXPECT_EQ(s->vacuum().options[0].name, "analyze");
  EXPECT_EQ(s->vacuum().relations[0].relation.name, "pgbench_branches");
  s = One("vacuum (verbose, parallel 2) t (a, b), u");
  EXPECT_EQ(s->vacuum().options[1].arg, "2");
  EXPECT_EQ(s->vacuum().relations[0].columns.size(), 2u);
  s = One("vacuum full freeze verbose analyze");
  EXPECT_EQ(s->vacuum().options.size(), 4u);
  s = One("analyze verbose t");
  EXPECT_EQ(CommandTagOf(*s), "ANALYZE");
  EXPECT_FALSE(s->vacuum().is_vacuum);
  EXPECT_EQ(CommandTagOf(*One("checkpoint")), "CHECKPOINT");
  s = One("explain (analyze, costs off) select 1");
  ASSERT_EQ(s->kind(), StmtKind::kExplain);
  EXPECT_TRUE(ReturnsRows(*s));
  EXPECT_EQ(s->explain().options.size(), 2u);
  EXPECT_EQ(s->explain().statement->kind(), StmtKind::kSelect);
  EXPECT_EQ(s->explain().statement->source_text(), "select 1");
  EXPECT_EQ(One("explain analyze verbose update t set a = 1")->explain().options.size(), 2u);
  s = One("create database d with template template0 encoding 'UTF8' owner bob connection limit = 5");
  ASSERT_EQ(s->kind(), StmtKind::kCreateDatabase);
  EXPECT_EQ(s->create_database().options.size(), 4u);
  EXPECT_EQ(s->create_database().options[3].name, "connection_limit");
  EXPECT_EQ(s->create_database().options[3].arg, "5");
  s = One("drop database if exists d with (force)");
  EXPECT_TRUE(s->drop_database().force);
  EXPECT_EQ(CommandTagOf(*s), "DROP DATABASE");
  s = One("prepare p (int, text) as select $1, $2");
  ASSERT_EQ(s->kind(), StmtKind::kPrepare);
  EXPECT_EQ(s->prepare().arg_types.size(), 2u);
  EXPECT_EQ(s->prepare().statement->kind(), StmtKind::kSelect);
  EXPECT_EQ(One("execute p (1, 'a')")->execute().params.size(), 2u);
  EXPECT_EQ(CommandTagOf(*One("deallocate all")), "DEALLOCATE ALL");
  EXPECT_EQ(One("deallocate prepare p")->deallocate().name, "p");
  s = One("lock table t, u in share row exclusive mode nowait");
  EXPECT_EQ(s->lock().mode, "share row exclusive");
  EXPECT_TRUE(s->lock().nowait);
  EXPECT_EQ(CommandTagOf(*s), "LOCK TABLE");
  EXPECT_TRUE(One("set constraints all deferred")->set_constraints().deferred);
}

TEST(SqlParserDdl, SelectGrammar) {
  auto s = One("select 1 union select 2 intersect select 3 except all select 4");
  const auto& top = s->select();
  EXPECT_EQ(top.op, SetOpKind::kExcept);
  EXPECT_TRUE(top.set_all);
  EXPECT_EQ(top.larg->op, SetOpKind::kUnion);
  EXPECT_EQ(top.larg->rarg->op, SetOpKind::kIntersect);
  s = One("with recursive r (n) as (select 1 union all select n + 1 from r) select * from r order by n "
          "fetch first 5 rows only for update of r skip locked");
  const auto& w = s->select();
  ASSERT_TRUE(w.with);
  EXPECT_TRUE(w.with->recursive);
  EXPECT_EQ(w.with->ctes[0].columns, std::vector<std::string>{"n"});
  EXPECT_EQ(w.limit->str, "5");
  EXPECT_EQ(w.locking[0].wait, LockingClause::kSkipLocked);
  s = One("select * from a natural join b left join (select 1) as s (x) on true cross join c, "
          "lateral generate_series(1, 3) g full outer join d using (k)");
  const auto& f = s->select().from;
  ASSERT_EQ(f.size(), 2u);
  EXPECT_EQ(f[0].join_type, "cross");
  EXPECT_EQ(f[0].left->join_type, "left");
  EXPECT_TRUE(f[0].left->left->natural);
  EXPECT_EQ(f[0].left->right->kind, FromKind::kSubquery);
  EXPECT_EQ(f[0].left->right->column_aliases, std::vector<std::string>{"x"});
  EXPECT_EQ(f[1].join_using, std::vector<std::string>{"k"});
  EXPECT_TRUE(f[1].left->lateral);
  EXPECT_EQ(f[1].left->kind, FromKind::kFunction);
  s = One("select sum(x) filter (where x > 0), rank() over (partition by a order by b desc), "
          "x = any(array[1, 2]), y <> all (select 1), exists (select 1), z in (select 2), a[1:2], "
          "cast(x as numeric(10,2)), string_agg(s, ',' order by s) from t group by a, b + 1");
  const auto& t = s->select().targets;
  EXPECT_TRUE(t[0].expr->agg_filter);
  ASSERT_TRUE(t[1].expr->over);
  EXPECT_EQ(t[1].expr->over->partition_by.size(), 1u);
  EXPECT_TRUE(t[1].expr->over->order_by[0].desc);
  EXPECT_EQ(t[2].expr->kind, ExprKind::kAnyAll);
  EXPECT_EQ(t[2].expr->args[1]->kind, ExprKind::kArray);
  EXPECT_EQ(t[3].expr->sublink, SubLinkKind::kAll);
  EXPECT_EQ(t[4].expr->sublink, SubLinkKind::kExists);
  EXPECT_EQ(t[5].expr->sublink, SubLinkKind::kAny);
  EXPECT_TRUE(t[6].expr->slice);
  EXPECT_EQ((t[7].expr->type->typmods), (std::vector<int32_t>{10, 2}));
  EXPECT_EQ(t[8].expr->agg_order.size(), 1u);
  EXPECT_EQ(s->select().group_by.size(), 2u);
}

TEST(SqlParserDdl, PgbenchCatalogQuery) {
  auto s = One(
      "select o.n, p.partstrat, pg_catalog.count(i.inhparent) from pg_catalog.pg_class as c join "
      "pg_catalog.pg_namespace as n on (n.oid = c.relnamespace) cross join lateral (select "
      "pg_catalog.array_position(pg_catalog.current_schemas(true), n.nspname)) as o(n) left join "
      "pg_catalog.pg_partitioned_table as p on (p.partrelid = c.oid) left join pg_catalog.pg_inherits as i on "
      "(c.oid = i.inhparent) where c.relname = 'pgbench_accounts' and o.n is not null group by 1, 2 order by 1 "
      "asc limit 1");
  const auto& q = s->select();
  ASSERT_EQ(q.from.size(), 1u);
  const FromItem& top = q.from[0];
  EXPECT_EQ(top.join_type, "left");
  EXPECT_EQ(top.right->alias, "i");
  const FromItem& cross = *top.left->left;
  EXPECT_EQ(cross.join_type, "cross");
  EXPECT_TRUE(cross.right->lateral);
  EXPECT_EQ(cross.right->alias, "o");
  EXPECT_EQ(cross.right->column_aliases, std::vector<std::string>{"n"});
  EXPECT_EQ(cross.left->left->schema, "pg_catalog");
  EXPECT_EQ(cross.left->left->name, "pg_class");
  EXPECT_EQ(q.group_by.size(), 2u);
  EXPECT_EQ(q.limit->str, "1");
  EXPECT_EQ(One("create table pgbench_accounts(aid int not null,bid int,abalance int,filler char(84)) "
                "with (fillfactor=100)")
                ->create_table()
                .columns[3]
                .type->typmods,
            std::vector<int32_t>{84});
}
