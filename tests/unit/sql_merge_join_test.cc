// Merge join tests against a fake session: the planner's choice (index-ordered
// inputs, enable_* settings, FULL joins on float keys), EXPLAIN's shape, and
// results of inner/left/right/full joins with duplicates, NULL keys, residual
// filters, multi-column and text keys, checked by hand and against the hash
// join and nested loop paths (including randomized inputs).
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <random>

#include "sql/engine.h"
#include "sql/functions/registry.h"
#include "sql/types/type_oids.h"

using namespace tusk::sql;

namespace {

// A stored table in memory; index scans sort by the index's columns as a
// B-tree would (per-column direction and NULL placement).
class MemTable : public StoredTable {
 public:
  MemTable(std::string n, std::vector<StoredColumn> cols) {
    name = std::move(n);
    columns = std::move(cols);
  }
  void AddIndex(std::string n, std::vector<int> cols, std::vector<bool> desc = {}) {
    StoredIndex ix;
    ix.name = std::move(n);
    ix.unique = true;
    ix.columns = std::move(cols);
    ix.descending = desc.empty() ? std::vector<bool>(ix.columns.size(), false) : desc;
    ix.nulls_first = ix.descending;  // PostgreSQL's default: NULLS FIRST for DESC
    indexes.push_back(std::move(ix));
  }
  std::vector<Row> rows;
  int index_scans = 0;

  std::unique_ptr<RowScan> Scan() override { return std::make_unique<VecScan>(rows); }
  std::unique_ptr<RowScan> ScanIndex(const StoredIndex& ix, const IndexCondition& cond) override {
    ++index_scans;
    std::vector<Row> out;
    for (const Row& r : rows) {
      bool ok = true;
      for (size_t k = 0; k < cond.eq.size(); ++k) {
        const Datum& d = r[ix.columns[k]];
        ok = ok && !d.null && CompareDatum(columns[ix.columns[k]].type, d, cond.eq[k]) == 0;
      }
      if (ok) out.push_back(r);
    }
    std::stable_sort(out.begin(), out.end(), [&](const Row& a, const Row& b) {
      for (size_t k = 0; k < ix.columns.size(); ++k) {
        const Datum& x = a[ix.columns[k]];
        const Datum& y = b[ix.columns[k]];
        if (x.null || y.null) {
          if (x.null == y.null) continue;
          return x.null == ix.nulls_first[k];
        }
        int c = CompareDatum(columns[ix.columns[k]].type, x, y);
        if (c) return ix.descending[k] ? c > 0 : c < 0;
      }
      return false;
    });
    if (cond.backward) std::reverse(out.begin(), out.end());
    return std::make_unique<VecScan>(std::move(out));
  }
  bool Insert(const Row&, const std::vector<uint32_t>*, TupleId*) override { return false; }
  ModifyResult Update(TupleId, const Row&, TupleId*) override { return ModifyResult::kOk; }
  ModifyResult Delete(TupleId, TupleId*) override { return ModifyResult::kOk; }
  ModifyResult Lock(TupleId, RowLock, RowLockWait, TupleId*) override { return ModifyResult::kOk; }
  bool FetchLatest(TupleId, Row&, TupleId*) override { return false; }
  void LockForRead() override {}
  void LockForWrite(const char*) override {}
  void LockForRowMarks(const char*) override {}

 private:
  class VecScan : public RowScan {
   public:
    explicit VecScan(std::vector<Row> rows) : rows_(std::move(rows)) {}
    bool Next(Row& row, TupleId* tid) override {
      if (pos_ >= rows_.size()) return false;
      row = rows_[pos_];
      *tid = {0, static_cast<uint16_t>(++pos_)};
      return true;
    }

   private:
    std::vector<Row> rows_;
    size_t pos_ = 0;
  };
};

StoredColumn Col(const char* name, uint32_t type) {
  StoredColumn c;
  c.name = name;
  c.type = type;
  return c;
}

Datum I(int64_t v) { return Datum::Int(v); }
Datum T(const char* v) { return Datum::Text(v); }
Datum N() { return Datum::Null(); }

class Session : public SessionContext {
 public:
  Session() {
    auto a = std::make_shared<MemTable>("a", std::vector<StoredColumn>{Col("id", oid::kInt4), Col("v", oid::kText)});
    a->AddIndex("a_pkey", {0});
    a->rows = {{I(5), T("a5")}, {I(1), T("a1")}, {I(3), T("a3")}, {I(2), T("a2")}};
    auto b = std::make_shared<MemTable>("b", std::vector<StoredColumn>{Col("id", oid::kInt4), Col("w", oid::kText)});
    b->AddIndex("b_pkey", {0});
    b->rows = {{I(4), T("b4")}, {I(2), T("b2")}, {I(5), T("b5")}, {I(3), T("b3")}};
    // Descending index; NULL and duplicate keys.
    auto d = std::make_shared<MemTable>("d", std::vector<StoredColumn>{Col("k", oid::kInt4), Col("x", oid::kText)});
    d->AddIndex("d_k_desc", {0}, {true});
    d->rows = {{I(3), T("d3")}, {N(), T("dn")}, {I(1), T("d1")}, {I(3), T("d3b")}, {I(6), T("d6")}};
    // Two-column index (g, id): ordered by id after an equality on g.
    auto c = std::make_shared<MemTable>("c", std::vector<StoredColumn>{Col("g", oid::kInt4), Col("id", oid::kInt4)});
    c->AddIndex("c_g_id", {0, 1});
    c->rows = {{I(1), I(3)}, {I(2), I(1)}, {I(1), I(1)}, {I(1), I(5)}, {I(2), I(2)}};
    tables = {{"a", a}, {"b", b}, {"c", c}, {"d", d}};
  }
  std::map<std::string, std::shared_ptr<MemTable>> tables;
  std::map<std::string, std::string> config{{"timezone", "UTC"}};
  int interrupts = 0;

  int BackendPid() override { return 1; }
  std::string CurrentUser() override { return "u"; }
  std::string SessionUser() override { return "u"; }
  std::string CurrentDatabase() override { return "postgres"; }
  bool IsSuperuser() override { return true; }
  std::optional<std::string> GetConfig(const std::string& name, bool) override {
    auto it = config.find(name);
    if (it != config.end()) return it->second;
    return std::nullopt;
  }
  std::string SetConfig(const std::string& n, const std::string& v, bool) override { return config[n] = v; }
  bool CancelBackend(int) override { return false; }
  bool TerminateBackend(int) override { return false; }
  bool ReloadConf() override { return true; }
  int64_t TransactionStartMicros() override { return 0; }
  int64_t StatementStartMicros() override { return 0; }
  void SleepInterruptibly(double) override {}
  void CheckForInterrupts() override { ++interrupts; }
  void EmitNotice(const tusk::ErrorData&) override {}
  VirtualTable* LookupRelation(const std::string&, const std::string&) override { return nullptr; }
  std::shared_ptr<StoredTable> LookupTable(const std::string&, const std::string& name) override {
    auto it = tables.find(name);
    return it == tables.end() ? nullptr : it->second;
  }

  // enable_hashjoin / enable_mergejoin / enable_nestloop
  void Methods(bool hash, bool merge, bool nest) {
    config["enable_hashjoin"] = hash ? "on" : "off";
    config["enable_mergejoin"] = merge ? "on" : "off";
    config["enable_nestloop"] = nest ? "on" : "off";
  }
};

// Rows as "c1|c2" strings, in the order produced.
std::vector<std::string> RowList(Session& s, const std::string& sql) {
  auto stmts = ParseQuery(sql);
  auto pq = Prepare(*stmts[0], {}, s);
  auto cur = pq->Open({}, {}, s);
  std::vector<std::string> out;
  std::vector<std::optional<std::string>> row;
  while (cur->Next({}, &row)) {
    std::string line;
    for (size_t i = 0; i < row.size(); ++i) line += (i ? "|" : "") + (row[i] ? *row[i] : std::string("NULL"));
    out.push_back(line);
    row.clear();
  }
  return out;
}

// Rows sorted, joined by ';'.
std::string Sorted(Session& s, const std::string& sql) {
  std::vector<std::string> rows = RowList(s, sql);
  std::sort(rows.begin(), rows.end());
  std::string out;
  for (const auto& r : rows) out += (out.empty() ? "" : ";") + r;
  return out;
}

std::string Plan(Session& s, const std::string& sql) {
  std::string out;
  for (const auto& l : RowList(s, "explain " + sql)) out += l + "\n";
  return out;
}

// The join node's title: the first plan line.
std::string Method(Session& s, const std::string& sql) {
  std::string p = Plan(s, sql);
  return p.substr(0, p.find('\n'));
}

}  // namespace

TEST(SqlMergeJoin, PrimaryKeysJoinByMergeOverIndexScans) {
  Session s;
  EXPECT_EQ(Plan(s, "select * from a join b on a.id = b.id"),
            "Merge Join\n"
            "  Merge Cond: (a.id = b.id)\n"
            "  ->  Index Scan using a_pkey on a\n"
            "  ->  Index Scan using b_pkey on b\n");
  EXPECT_EQ(RowList(s, "select * from a join b on a.id = b.id"),
            (std::vector<std::string>{"2|a2|2|b2", "3|a3|3|b3", "5|a5|5|b5"}));
  // Written the other way round, the condition still shows the left input first.
  EXPECT_EQ(Plan(s, "select * from a left join b on b.id = a.id and b.w <> 'b3'"),
            "Merge Left Join\n"
            "  Merge Cond: (a.id = b.id)\n"
            "  Join Filter: (b.w <> 'b3')\n"
            "  ->  Index Scan using a_pkey on a\n"
            "  ->  Index Scan using b_pkey on b\n");
  EXPECT_EQ(RowList(s, "select a.id, b.w from a left join b on b.id = a.id and b.w <> 'b3'"),
            (std::vector<std::string>{"1|NULL", "2|b2", "3|NULL", "5|b5"}));
  EXPECT_EQ(Sorted(s, "select * from a full join b using (id)"),
            "1|a1|NULL;2|a2|b2;3|a3|b3;4|NULL|b4;5|a5|b5");
  EXPECT_EQ(Method(s, "select * from a full join b using (id)"), "Merge Full Join");
  EXPECT_EQ(Sorted(s, "select a.v, b.w from a right join b on a.id = b.id"), "NULL|b4;a2|b2;a3|b3;a5|b5");
  // WHERE stays a filter over the join.
  EXPECT_EQ(Plan(s, "select * from a join b on a.id = b.id where a.v <> 'a3'"),
            "Merge Join\n"
            "  Merge Cond: (a.id = b.id)\n"
            "  Filter: (a.v <> 'a3')\n"
            "  ->  Index Scan using a_pkey on a\n"
            "  ->  Index Scan using b_pkey on b\n");
  EXPECT_EQ(Sorted(s, "select a.id from a join b on a.id = b.id where a.v <> 'a3'"), "2;5");
}

TEST(SqlMergeJoin, DescendingIndexAndEqualityPrefix) {
  Session s;
  // d's index is DESC: scanned backward it is ascending; NULL and duplicate keys.
  EXPECT_EQ(Plan(s, "select * from a full join d on a.id = d.k"),
            "Merge Full Join\n"
            "  Merge Cond: (a.id = d.k)\n"
            "  ->  Index Scan using a_pkey on a\n"
            "  ->  Index Scan Backward using d_k_desc on d\n");
  EXPECT_EQ(Sorted(s, "select a.id, d.x from a full join d on a.id = d.k"),
            "1|d1;2|NULL;3|d3;3|d3b;5|NULL;NULL|d6;NULL|dn");
  // c scanned by (g = 1) comes ordered by id.
  EXPECT_EQ(Plan(s, "select * from a join c on a.id = c.id where c.g = 1"),
            "Merge Join\n"
            "  Merge Cond: (a.id = c.id)\n"
            "  Filter: (c.g = 1)\n"
            "  ->  Index Scan using a_pkey on a\n"
            "  ->  Index Scan using c_g_id on c\n"
            "        Index Cond: (c.g = 1)\n");
  EXPECT_EQ(Sorted(s, "select a.v, c.g from a join c on a.id = c.id where c.g = 1"), "a1|1;a3|1;a5|1");
  // Without the equality c is not in id order: hash join.
  EXPECT_EQ(Method(s, "select * from a join c on a.id = c.id"), "Hash Join");
}

TEST(SqlMergeJoin, SettingsForceTheMethod) {
  Session s;
  const std::string q = "select * from a join b on a.id = b.id";
  s.Methods(true, false, true);
  EXPECT_EQ(Method(s, q), "Hash Join");
  s.Methods(false, false, true);
  EXPECT_EQ(Method(s, q), "Nested Loop");
  s.Methods(false, false, false);  // all off: the first that applies
  EXPECT_EQ(Method(s, q), "Merge Join");
  // Hash join off: merge join, sorting what no index orders.
  s.Methods(false, true, true);
  EXPECT_EQ(Plan(s, "select * from a join b on a.v = b.w"),
            "Merge Join\n"
            "  Merge Cond: (a.v = b.w)\n"
            "  ->  Sort\n"
            "        Sort Key: a.v\n"
            "        ->  Seq Scan on a\n"
            "  ->  Sort\n"
            "        Sort Key: b.w\n"
            "        ->  Seq Scan on b\n");
  EXPECT_EQ(Plan(s, "select * from a join (values (1), (3)) t(x) on t.x = a.id"),
            "Merge Join\n"
            "  Merge Cond: (a.id = t.x)\n"
            "  ->  Index Scan using a_pkey on a\n"
            "  ->  Sort\n"
            "        Sort Key: t.x\n"
            "        ->  Subquery Scan\n");
  EXPECT_EQ(Sorted(s, "select a.v from a join (values (1), (3), (3)) t(x) on t.x = a.id"), "a1;a3;a3");
  // Non-equi joins stay nested loops.
  EXPECT_EQ(Method(s, "select * from a join b on a.id < b.id"), "Nested Loop");
  s.Methods(true, true, true);
  EXPECT_EQ(Method(s, "select * from a join b on a.v = b.w"), "Hash Join");
}

TEST(SqlMergeJoin, FloatKeysFullJoinMerges) {
  Session s;
  // float keys are not hashable: a FULL join merges; -0 = 0 and NaN = NaN as in PostgreSQL.
  const std::string q =
      "select * from (values (0::float8), ('NaN'), (1.5), (null)) t(x) "
      "full join (values ('-0'::float8), ('NaN'), (2.5)) u(y) on t.x = u.y";
  EXPECT_EQ(Method(s, q), "Merge Full Join");
  EXPECT_EQ(Sorted(s, q), "0|-0;1.5|NULL;NULL|2.5;NULL|NULL;NaN|NaN");
  // Other join kinds keep the nested loop unless it is turned off.
  EXPECT_EQ(Method(s, "select * from (values (1.5::float8)) t(x) join (values (1.5::float8)) u(y) on x = y"),
            "Nested Loop");
  s.Methods(true, true, false);
  EXPECT_EQ(Method(s, "select * from (values (1.5::float8)) t(x) join (values (1.5::float8)) u(y) on x = y"),
            "Merge Join");
}

TEST(SqlMergeJoin, DuplicatesNullsAndOuterFill) {
  Session s;
  s.Methods(false, true, true);
  const std::string l = "(values (1, 'l1'), (2, 'l2a'), (2, 'l2b'), (null, 'ln'), (4, 'l4'), (2, 'l2c')) t(k, a)";
  const std::string r = "(values (2, 'r2a'), (null, 'rn'), (3, 'r3'), (2, 'r2b'), (4, 'r4')) u(k, b)";
  EXPECT_EQ(Method(s, "select * from " + l + " join " + r + " on t.k = u.k"), "Merge Join");
  EXPECT_EQ(Sorted(s, "select a, b from " + l + " join " + r + " on t.k = u.k"),
            "l2a|r2a;l2a|r2b;l2b|r2a;l2b|r2b;l2c|r2a;l2c|r2b;l4|r4");
  EXPECT_EQ(Sorted(s, "select a, b from " + l + " left join " + r + " on t.k = u.k"),
            "l1|NULL;l2a|r2a;l2a|r2b;l2b|r2a;l2b|r2b;l2c|r2a;l2c|r2b;l4|r4;ln|NULL");
  EXPECT_EQ(Sorted(s, "select a, b from " + l + " right join " + r + " on t.k = u.k"),
            "NULL|r3;NULL|rn;l2a|r2a;l2a|r2b;l2b|r2a;l2b|r2b;l2c|r2a;l2c|r2b;l4|r4");
  EXPECT_EQ(Sorted(s, "select a, b from " + l + " full join " + r + " on t.k = u.k"),
            "NULL|r3;NULL|rn;l1|NULL;l2a|r2a;l2a|r2b;l2b|r2a;l2b|r2b;l2c|r2a;l2c|r2b;l4|r4;ln|NULL");
  // A residual filter that fails leaves rows unmatched: NULL-filled on the outer sides.
  EXPECT_EQ(Plan(s, "select a, b from " + l + " full join " + r + " on t.k = u.k and a < 'l2b' and b <> 'r2a'"),
            "Merge Full Join\n"
            "  Merge Cond: (t.k = u.k)\n"
            "  Join Filter: ((a < 'l2b') AND (b <> 'r2a'))\n"
            "  ->  Sort\n"
            "        Sort Key: t.k\n"
            "        ->  Subquery Scan\n"
            "  ->  Sort\n"
            "        Sort Key: u.k\n"
            "        ->  Subquery Scan\n");
  EXPECT_EQ(Sorted(s, "select a, b from " + l + " full join " + r + " on t.k = u.k and a < 'l2b' and b <> 'r2a'"),
            "NULL|r2a;NULL|r3;NULL|r4;NULL|rn;l1|NULL;l2a|r2b;l2b|NULL;l2c|NULL;l4|NULL;ln|NULL");
  // USING merges the key columns (COALESCE for FULL).
  EXPECT_EQ(Sorted(s, "select * from " + l + " full join " + r + " using (k) where k is distinct from 2"),
            "1|l1|NULL;3|NULL|r3;4|l4|r4;NULL|NULL|rn;NULL|ln|NULL");
}

TEST(SqlMergeJoin, MultiColumnTextAndNumericKeys) {
  Session s;
  s.Methods(false, true, true);
  const std::string q =
      "select a, b from (values ('x', 1, 'l1'), ('x', 2, 'l2'), ('y', 1, 'l3'), ('x', null, 'l4')) t(s, n, a) "
      "full join (values ('x', 2, 'r1'), ('y', 1, 'r2'), ('y', 1, 'r3'), ('z', 1, 'r4')) u(s, n, b) "
      "on t.s = u.s and u.n = t.n";
  EXPECT_EQ(Plan(s, q).substr(0, 60), "Merge Full Join\n  Merge Cond: ((t.s = u.s) AND (t.n = u.n))\n");
  EXPECT_EQ(Sorted(s, q), "NULL|r4;l1|NULL;l2|r1;l3|r2;l3|r3;l4|NULL");
  // Text order is byte order, the same as the engine's comparisons.
  EXPECT_EQ(Sorted(s, "select t.x, u.x from (values ('B'), ('a'), ('ä'), ('')) t(x) join "
                      "(values ('a'), ('ä'), (''), ('b')) u(x) on t.x = u.x"),
            "a|a;|;ä|ä");
  // numeric: 1.0 = 1.00.
  EXPECT_EQ(Sorted(s, "select t.x, u.y from (values (1.0), (2.5)) t(x) join (values (1.00), (2.50), (3)) u(y) on x = y"),
            "1.0|1.00;2.5|2.50");
  // Expressions as keys are sorted by their values.
  EXPECT_EQ(Plan(s, "select * from a join b on a.id + 1 = b.id").substr(0, 40), "Merge Join\n  Merge Cond: ((a.id + 1) = b");
  EXPECT_EQ(Sorted(s, "select a.id, b.id from a join b on a.id + 1 = b.id"), "1|2;2|3;3|4");
}

TEST(SqlMergeJoin, NestedJoinsAndInterrupts) {
  Session s;
  s.Methods(false, true, true);
  const std::string q =
      "select a.id, b.w, t.z from a join b on a.id = b.id full join (values (2, 'z2'), (7, 'z7')) t(k, z) on b.id = t.k";
  EXPECT_EQ(Sorted(s, q), "2|b2|z2;3|b3|NULL;5|b5|NULL;NULL|NULL|z7");
  s.Methods(true, true, true);
  EXPECT_EQ(Sorted(s, q), "2|b2|z2;3|b3|NULL;5|b5|NULL;NULL|NULL|z7");
  // CheckForInterrupts at least once per produced row.
  s.Methods(false, true, true);
  int before = s.interrupts;
  RowList(s, "select * from (values (1), (1), (1)) t(x) join (values (1), (1), (1), (1)) u(y) on x = y");
  EXPECT_GE(s.interrupts - before, 12);
}

// Values equal under `=` but written differently: the hash join (and
// GROUP BY / DISTINCT) treat them as equal like the merge join.
TEST(SqlMergeJoin, HashKeysOfEqualIntervalsAndCharacters) {
  Session s;
  const std::string iv =
      "select t.x, u.y from (values (interval '1 day'), (interval '1 mon')) t(x) "
      "join (values (interval '24 hours'), (interval '30 days'), (interval '1 day 1 second')) u(y) on x = y";
  const std::string ch =
      "select t.x || '|', u.y || '|' from (values ('a'::char(3)), ('b'::char(2))) t(x) "
      "full join (values ('a'::char(5)), ('c'::char(1))) u(y) on x = y";
  for (bool hash : {true, false}) {
    s.Methods(hash, !hash, true);
    EXPECT_EQ(Method(s, iv), hash ? "Hash Join" : "Merge Join");
    EXPECT_EQ(Sorted(s, iv), "1 day|24:00:00;1 mon|30 days");
    EXPECT_EQ(Sorted(s, ch), "NULL|c|;a||a|;b||NULL");  // || drops the padding
  }
  EXPECT_EQ(Sorted(s, "select x, count(*) from (values (interval '1 day'), (interval '24 hours')) t(x) group by x"),
            "1 day|2");
  EXPECT_EQ(Sorted(s, "select count(distinct x) from (values ('a'::char(3)), ('a'::char(5)), ('a ')) t(x)"), "1");
}

// Random inputs (small keys, duplicates, NULLs): merge join, hash join and
// nested loop agree for every join kind, with and without a residual filter.
TEST(SqlMergeJoin, AgreesWithHashJoinAndNestedLoop) {
  std::mt19937 rng(12345);
  auto values = [&](const char* alias, const char* cols) {
    int n = static_cast<int>(rng() % 7);
    if (n == 0) return std::string("(select 1, 1, 'x' where false) ") + alias + cols;
    std::string v = "(values ";
    for (int i = 0; i < n; ++i) {
      int k = static_cast<int>(rng() % 5);
      int k2 = static_cast<int>(rng() % 2);
      v += std::string(i ? ", " : "") + "(" + (k == 4 ? std::string("null::int") : std::to_string(k)) + ", " +
           std::to_string(k2) + ", '" + alias + std::to_string(i) + "')";
    }
    return v + ") " + alias + cols;
  };
  const char* kinds[] = {"join", "left join", "right join", "full join"};
  const char* conds[] = {"t.k = u.k", "t.k = u.k and t.k2 = u.k2", "t.k = u.k and t.s < u.s",
                         "u.k = t.k and t.k2 <> u.k2 and t.k = 1"};
  Session s;
  for (int iter = 0; iter < 300; ++iter) {
    std::string q = "select t.s, u.s from " + values("t", "(k, k2, s)") + " " + kinds[rng() % 4] + " " +
                    values("u", "(k, k2, s)") + " on " + conds[rng() % 4];
    s.Methods(false, true, true);
    ASSERT_EQ(Method(s, q).rfind("Merge", 0), 0u) << q;
    std::string merge = Sorted(s, q);
    s.Methods(true, false, true);
    ASSERT_EQ(Method(s, q).rfind("Hash", 0), 0u) << q;
    std::string hash = Sorted(s, q);
    s.Methods(false, false, true);
    ASSERT_EQ(Method(s, q).rfind("Nested Loop", 0), 0u) << q;
    std::string nest = Sorted(s, q);
    ASSERT_EQ(merge, nest) << q;
    ASSERT_EQ(hash, nest) << q;
  }
}
