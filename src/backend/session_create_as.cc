// CREATE [TEMP] TABLE ... AS query: the query is planned before the table
// exists (so `CREATE TEMP TABLE t AS SELECT * FROM t` reads the permanent
// t, as in PostgreSQL), the table gets its result columns, and the rows go
// in through a prepared INSERT, as COPY's do.
#include "access/transam/xact.h"
#include "backend/session.h"
#include "backend/session_temp.h"
#include "backend/stored_table.h"
#include "catalog/catalog.h"
#include "catalog/table_ddl.h"
#include "catalog/temp_namespace.h"
#include "sql/parser/deparse.h"
#include "utils/error.h"

namespace tusk::backend {
namespace {

heap::XactContext NextCommand() {
  xact::CommandCounterIncrement();
  heap::XactContext x = catalog::CurrentXactContext();
  x.cid = xact::CurrentCommandId();
  return x;
}

// The query's rows, in text form, as the INSERT's parameters.
class QueryFeed : public sql::RowFeed {
 public:
  explicit QueryFeed(sql::Cursor& cursor) : cursor_(cursor) {}
  bool Next(std::vector<std::optional<std::string>>* params) override {
    params->clear();
    return cursor_.Next({}, params);
  }

 private:
  sql::Cursor& cursor_;
};

}  // namespace

std::string Session::RunCreateTableAs(const sql::Statement& stmt) {
  const sql::CreateTableAsStmt& c = stmt.create_table_as();
  if (!c.options.empty())
    throw MakeError(sqlstate::kFeatureNotSupported, "CREATE TABLE AS ... WITH options are not supported yet");
  xact::CheckWritable("CREATE TABLE AS");
  // Planned first, as PostgreSQL analyzes it before making the table.
  sql::Statement select(sql::StmtKind::kSelect, c.query, std::make_shared<const std::string>(stmt.query()),
                        stmt.start_offset(), stmt.source_text());
  std::unique_ptr<sql::PreparedQuery> query = sql::Prepare(select, {}, *this);
  if (!query->ParamTypes().empty()) throw MakeError("42P02", "there is no parameter $1");
  const std::vector<sql::ColumnDesc>& out = query->Columns();
  if (c.columns.size() > out.size()) throw MakeError(sqlstate::kSyntaxError, "too many column names were specified");
  const bool want_temp = c.persistence == sql::Persistence::kTemp;
  heap::XactContext x = catalog::CurrentXactContext();
  x.cid = xact::CurrentCommandId();
  bool temp = false;
  uint32_t nsp = 0;
  try {
    nsp = catalog::CreationNamespaceFor(c.relation.schema, want_temp, x, &temp);
  } catch (PgError& e) {
    if (c.relation.location >= 0 && e.data().position <= 0) e.Position(c.relation.location + 1);
    throw;
  }
  CheckCreateInNamespace(nsp, c.relation.location);
  if (temp) x = NextCommand();
  const OnCommit on_commit = ParseOnCommit(c.on_commit, temp);
  const std::string& name = c.relation.name;
  if (catalog::LookupRelation(nsp, name, x.snapshot, x.Me())) {
    if (c.if_not_exists) {
      EmitNotice(MakeNotice(ErrLevel::kNotice, "42P07", "relation \"" + name + "\" already exists, skipping"));
      return "CREATE TABLE AS";
    }
    throw MakeError("42P07", "relation \"" + name + "\" already exists");
  }

  std::vector<catalog::ColumnSpec> cols;
  for (size_t i = 0; i < out.size(); ++i) {
    catalog::ColumnSpec spec;
    spec.name = i < c.columns.size() ? c.columns[i] : out[i].name;
    spec.type_oid = out[i].type_oid;
    spec.typmod = out[i].type_mod;
    cols.push_back(spec);
  }

  const uint32_t relid = catalog::CreateTable(nsp, name, cols, x);
  NoteNewRelfilenode(relid);
  RegisterOnCommit(relid, on_commit);
  StoredTablesCatalogWritten();
  x = NextCommand();
  auto info = catalog::LoadTable(relid, x.snapshot, x.Me());
  if (!info) throw MakeError(sqlstate::kInternalError, "could not read back the new table");
  if (catalog::NeedsToastTable(info->physical)) {
    catalog::CreateToastTable(info->cls, x);
    x = NextCommand();
  }
  if (!c.with_data) return "CREATE TABLE AS";

  std::string sql = "INSERT INTO " + sql::QuoteIdentifier(NamespaceName(nsp).value_or("")) + "." +
                    sql::QuoteIdentifier(name) + " VALUES (";
  for (size_t i = 0; i < cols.size(); ++i) sql += (i ? ", $" : "$") + std::to_string(i + 1);
  sql += ")";
  auto stmts = sql::ParseQuery(sql);
  std::unique_ptr<sql::PreparedQuery> insert = sql::Prepare(*stmts[0], {}, *this);
  std::unique_ptr<sql::Cursor> rows = query->Open({}, {}, *this);
  QueryFeed feed(*rows);
  const int64_t count = insert->InsertRows(feed, *this);
  return "SELECT " + std::to_string(count);
}

}  // namespace tusk::backend
