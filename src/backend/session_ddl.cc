// Table DDL the backend runs: CREATE TABLE (columns, NOT NULL, DEFAULT,
// CHECK, PRIMARY KEY, UNIQUE, fillfactor), CREATE INDEX, DROP TABLE/INDEX
// and TRUNCATE, all inside the session's transaction.
#include <algorithm>
#include <functional>
#include <set>

#include "access/btree/btree.h"
#include "access/heap/heapam.h"
#include "access/transam/xact.h"
#include "backend/sequence_ddl.h"
#include "backend/session.h"
#include "backend/session_temp.h"
#include "backend/stored_table.h"
#include "catalog/catalog.h"
#include "catalog/table_ddl.h"
#include "catalog/temp_namespace.h"
#include "sql/analyzer/analyzer.h"
#include "sql/parser/deparse.h"
#include "sql/parser/lexer.h"
#include "sql/types/time.h"
#include "sql/types/storage_codec.h"
#include "sql/types/type_io.h"
#include "sql/types/type_oids.h"
#include "storage/lmgr/lock.h"
#include "utils/error.h"

namespace tusk::backend {
namespace {

heap::XactContext WriteXact() {
  heap::XactContext x = catalog::CurrentXactContext();
  x.cid = xact::CurrentCommandId();
  return x;
}

// Resolves a written type to (type OID, PostgreSQL atttypmod); PostgreSQL's
// warnings (a reduced precision) go to *warnings.
std::pair<uint32_t, int32_t> ResolveColumnType(const sql::TypeName& t, std::vector<ErrorData>* warnings) {
  std::string name = t.names.back();
  if (SerialIntegerType(t) != 0)  // only CREATE TABLE and ADD COLUMN know serial
    throw MakeError(sqlstate::kUndefinedObject, "type \"" + name + "\" does not exist");
  const sql::TypeInfo* ti = sql::LookupTypeByName(name);
  if (!ti || ti->oid == sql::oid::kUnknown || ti->oid == sql::oid::kVoid) {
    PgError e(sqlstate::kUndefinedObject, "type \"" + name + "\" does not exist");
    throw e;
  }
  int32_t typmod = -1;
  if (ti->oid == sql::oid::kVarchar || ti->oid == sql::oid::kBpchar) {
    if (!t.typmods.empty()) {
      if (t.typmods[0] < 1)
        throw MakeError(sqlstate::kInvalidParameterValue,
                        std::string("length for type ") + (ti->oid == sql::oid::kVarchar ? "varchar" : "char") +
                            " must be at least 1");
      typmod = t.typmods[0] + 4;
    } else if (ti->oid == sql::oid::kBpchar) {
      typmod = 1 + 4;
    }
  } else if ((ti->oid == sql::oid::kTime || ti->oid == sql::oid::kTimestamp || ti->oid == sql::oid::kTimestamptz) &&
             !t.typmods.empty()) {
    typmod = sql::TimePrecisionTypmod(ti->oid, t.typmods[0]);
    if (t.typmods[0] > 6) {
      warnings->push_back(MakeNotice(ErrLevel::kWarning, sqlstate::kInvalidParameterValue,
                                     sql::TimePrecisionReducedMessage(ti->oid, t.typmods[0])));
      warnings->back().position = t.location + 1;
    }
  } else if (ti->oid == sql::oid::kNumeric && !t.typmods.empty()) {
    int p = t.typmods[0], s = t.typmods.size() > 1 ? t.typmods[1] : 0;
    if (p < 1 || p > 1000)
      throw MakeError(sqlstate::kInvalidParameterValue,
                      "NUMERIC precision " + std::to_string(p) + " must be between 1 and 1000");
    if (s < -1000 || s > 1000)
      throw MakeError(sqlstate::kInvalidParameterValue,
                      "NUMERIC scale " + std::to_string(s) + " must be between -1000 and 1000");
    typmod = sql::NumericTypmod(p, s) + 4;
  }
  // `int[3][4]` is int4[] with the element's typmod: PostgreSQL ignores the
  // sizes and the number of dimensions for the type (attndims keeps them).
  if (!t.array_bounds.empty()) {
    uint32_t arr = sql::ArrayTypeOf(ti->oid);
    if (arr == 0) throw MakeError(sqlstate::kUndefinedObject, "type \"" + name + "[]\" does not exist");
    return {arr, typmod};
  }
  return {ti->oid, typmod};
}

// DEFAULT and CHECK texts are analyzed only when rows are written, so a
// set-returning call is refused here, when PostgreSQL refuses it.
void RefuseSrf(const sql::Expr& e, const char* construct) {
  if (const sql::Expr* f = sql::FindSetReturningCall(e))
    throw MakeError(sqlstate::kFeatureNotSupported, std::string("set-returning functions are not allowed in ") + construct)
        .Position(f->location + 1);
}

std::string CheckSql(const sql::Expr& e) {
  RefuseSrf(e, "check constraints");
  return sql::DeparseExpr(e);
}

// A DEFAULT as pg_attrdef stores it: PostgreSQL coerces a bare string
// literal to the column's type when the default is created (so \d shows
// 'x'::text), and DEFAULT NULL is no default at all.
std::string DefaultSql(const sql::Expr& e, uint32_t type) {
  RefuseSrf(e, "DEFAULT expressions");
  if (e.kind == sql::ExprKind::kConst && e.const_kind == sql::ConstKind::kNull) return "";
  std::string s = sql::DeparseExpr(e);
  if (e.kind == sql::ExprKind::kConst && e.const_kind == sql::ConstKind::kString)
    if (const sql::TypeInfo* ti = sql::LookupType(type)) s += "::" + std::string(ti->name);
  return s;
}

// PostgreSQL's ChooseRelationName: table_col_suffix, numbered on a clash.
std::string ChooseName(const std::string& table, const std::string& col, const std::string& suffix,
                       std::set<std::string>& taken) {
  std::string base = table + (col.empty() ? "" : "_" + col) + "_" + suffix;
  if (base.size() > 63) base.resize(63);
  std::string name = base;
  for (int n = 1; taken.count(name); ++n) name = base + std::to_string(n);
  taken.insert(name);
  return name;
}

void CollectColumnNames(const sql::Expr& e, std::set<std::string>& out) {
  if (e.kind == sql::ExprKind::kColumnRef && !e.star) out.insert(e.names.back());
  for (const auto& a : e.args)
    if (a) CollectColumnNames(*a, out);
  if (e.case_arg) CollectColumnNames(*e.case_arg, out);
  if (e.case_else) CollectColumnNames(*e.case_else, out);
}

// The column a table CHECK constraint's name mentions: PostgreSQL uses it
// only when the expression references exactly one column ("t_a_check"),
// else none ("t_check").
std::string CheckNameColumn(const sql::Expr& e) {
  std::set<std::string> cols;
  CollectColumnNames(e, cols);
  return cols.size() == 1 ? *cols.begin() : "";
}

struct IndexSpec {
  std::string name;
  std::vector<int16_t> attnums;
  std::vector<int16_t> options;  // indoption bits per column
  bool unique = false, primary = false;
  std::string constraint_name;  // empty: a plain index
};

// Creates the index file and catalog rows and loads it from the table's rows.
void BuildIndex(const catalog::ClassRow& table, const IndexSpec& spec, heap::XactContext& x) {
  uint32_t ixoid =
      catalog::CreateIndexRows(table, spec.name, spec.attnums, spec.options, spec.unique, spec.primary, x);
  if (!spec.constraint_name.empty()) {
    catalog::ConstraintRow c;
    c.conname = spec.constraint_name;
    c.connamespace = table.relnamespace;
    c.contype = spec.primary ? 'p' : 'u';
    c.conrelid = table.oid;
    c.conindid = ixoid;
    std::string keys = "{";
    for (size_t i = 0; i < spec.attnums.size(); ++i) keys += (i ? "," : "") + std::to_string(spec.attnums[i]);
    c.conkey = keys + "}";
    catalog::AddConstraint(c, x);
  }
  const uint32_t db = catalog::CurrentDatabase();
  smgr::RelFileLocator loc{smgr::kDefaultTablespace, db, ixoid};
  heap::CreateStorage(loc);
  xact::CommandCounterIncrement();
  StoredTablesCatalogWritten();
  auto t = OpenStoredTableByOid(table.oid);
  if (!t) throw MakeError(sqlstate::kInternalError, "could not open the new index's table");
  const sql::StoredIndex* six = nullptr;
  for (const auto& ix : t->indexes)
    if (ix.oid == ixoid) six = &ix;
  if (!six) throw MakeError(sqlstate::kInternalError, "could not find the new index");
  std::vector<uint32_t> types;
  for (int c : six->columns) types.push_back(t->columns[c].type);
  StoredKeyComparator cmp(types);
  btree::IndexRel rel;
  rel.loc = loc;
  rel.index_oid = ixoid;
  rel.name = spec.name;
  rel.db_oid = db;
  rel.unique = spec.unique;
  rel.nkeys = static_cast<int>(types.size());
  rel.cmp = &cmp;
  for (size_t k = 0; k < types.size(); ++k) {
    int16_t o = k < spec.options.size() ? spec.options[k] : 0;
    rel.descending.push_back((o & 1) != 0);
    rel.nulls_first.push_back((o & 2) != 0);
  }
  // Unique indexes refuse duplicates before anything is written.
  btree::DuplicateFn duplicate;
  if (spec.unique) {
    duplicate = [&](const btree::KeyValues& keys) {
      std::string names, vals;
      sql::IoContext io;
      for (size_t k = 0; k < six->columns.size(); ++k) {
        if (k) {
          names += ", ";
          vals += ", ";
        }
        names += t->columns[six->columns[k]].name;
        sql::Datum d;
        sql::DecodeStored(types[k], *keys[k], d);
        sql::TextOut(types[k], d, io, vals);
      }
      throw MakeError("23505", "could not create unique index \"" + spec.name + "\"")
          .Detail("Key (" + names + ")=(" + vals + ") is duplicated.");
    };
  }
  btree::Build(
      rel,
      [&](const std::function<void(const btree::KeyValues&, ItemPointer)>& emit) {
        ScanIndexKeys(*t, six->columns, emit);  // every row visible now, with its key
      },
      duplicate);
}

// A toast table for a table that now needs one (CREATE TABLE, ADD COLUMN).
// The next command (and `x`) sees the new rows.
void EnsureToastTable(const catalog::ClassRow& table, heap::XactContext& x) {
  if (table.reltoastrelid != 0) return;
  auto info = catalog::LoadTable(table.oid, x.snapshot, x.Me());
  if (!info || !catalog::NeedsToastTable(info->physical)) return;
  catalog::CreateToastTable(table, x);
  xact::CommandCounterIncrement();
  x = WriteXact();
  StoredTablesCatalogWritten();
}

}  // namespace

namespace {

// catalog::CreationNamespaceFor, its error pointing at the relation's name.
// Making the temporary schema advances the command counter: `x` follows.
uint32_t CreationNamespaceOf(const sql::RangeVar& rel, bool temp, heap::XactContext& x, bool* made_temp) {
  try {
    const uint32_t nsp = catalog::CreationNamespaceFor(rel.schema, temp, x, made_temp);
    if (*made_temp) x = WriteXact();
    return nsp;
  } catch (PgError& e) {
    if (rel.location >= 0 && e.data().position <= 0) e.Position(rel.location + 1);
    throw;
  }
}

}  // namespace

std::string Session::RunCreateTable(const sql::CreateTableStmt& c) {
  if (c.partition_by) throw MakeError(sqlstate::kFeatureNotSupported, "partitioned tables are not supported yet");
  if (!c.inherits.empty()) throw MakeError(sqlstate::kFeatureNotSupported, "table inheritance is not supported yet");
  xact::CheckWritable("CREATE TABLE");
  heap::XactContext x = WriteXact();
  bool temp = false;
  uint32_t nsp = CreationNamespaceOf(c.relation, c.persistence == sql::Persistence::kTemp, x, &temp);
  CheckCreateInNamespace(nsp, c.relation.location);
  const OnCommit on_commit = ParseOnCommit(c.on_commit, temp);
  const transam::CurrentXact me = x.Me();
  const std::string& name = c.relation.name;
  if (catalog::LookupRelation(nsp, name, x.snapshot, me)) {
    if (c.if_not_exists) {
      EmitNotice(MakeNotice(ErrLevel::kNotice, "42P07", "relation \"" + name + "\" already exists, skipping"));
      return "CREATE TABLE";
    }
    throw MakeError("42P07", "relation \"" + name + "\" already exists");
  }
  int fillfactor = 100;
  for (const auto& o : c.options) {
    if (o.name == "fillfactor") {
      fillfactor = std::atoi(o.arg.c_str());
      if (fillfactor < 10 || fillfactor > 100)
        throw MakeError(sqlstate::kInvalidParameterValue,
                        "value " + o.arg + " out of bounds for option \"fillfactor\"")
            .Detail("Valid values are between \"10\" and \"100\".");
    } else if (o.name != "autovacuum_enabled") {
      throw MakeError(sqlstate::kInvalidParameterValue, "unrecognized parameter \"" + o.name + "\"");
    }
  }
  std::vector<catalog::ColumnSpec> cols;
  std::vector<std::string> defaults;
  std::vector<std::pair<std::string, std::string>> checks;  // name (maybe empty), expr text + column
  std::vector<std::string> check_cols;
  std::vector<IndexSpec> indexes;
  std::vector<std::vector<std::string>> index_cols;
  std::vector<uint32_t> serials;  // per column: its integer type when serial, else 0
  std::vector<const sql::Constraint*> identities;  // per column: its GENERATED ... AS IDENTITY, else null
  auto find_col = [&](const std::string& n) -> int {
    for (size_t i = 0; i < cols.size(); ++i)
      if (cols[i].name == n) return static_cast<int>(i);
    return -1;
  };
  auto add_key = [&](const sql::Constraint& k, const std::vector<std::string>& keys) {
    if (k.kind == sql::Constraint::kPrimaryKey) {
      for (const auto& ix : indexes)
        if (ix.primary)
          throw MakeError("42P16", "multiple primary keys for table \"" + name + "\" are not allowed");
    }
    IndexSpec s;
    s.unique = true;
    s.primary = k.kind == sql::Constraint::kPrimaryKey;
    s.constraint_name = k.name;
    indexes.push_back(s);
    index_cols.push_back(keys);
  };
  for (const auto& col : c.columns) {
    if (!col.type) throw MakeError(sqlstate::kFeatureNotSupported, "column \"" + col.name + "\" needs a type");
    const uint32_t serial = SerialIntegerType(*col.type);
    std::vector<ErrorData> warnings;
    auto [type, typmod] = serial ? std::pair<uint32_t, int32_t>{serial, -1} : ResolveColumnType(*col.type, &warnings);
    for (const ErrorData& w : warnings) EmitNotice(w);
    catalog::ColumnSpec spec;
    spec.name = col.name;
    spec.type_oid = type;
    spec.typmod = typmod;
    spec.not_null = serial != 0;
    serials.push_back(serial);
    identities.push_back(nullptr);
    spec.ndims = static_cast<int32_t>(col.type->array_bounds.size());
    std::string def;
    bool has_default = false;
    for (const auto& k : col.constraints) {
      switch (k.kind) {
        case sql::Constraint::kNotNull: spec.not_null = true; break;
        case sql::Constraint::kNull:
          if (serial || identities.back())
            throw MakeError(sqlstate::kSyntaxError, "conflicting NULL/NOT NULL declarations for column \"" + col.name +
                                                        "\" of table \"" + name + "\"");
          break;
        case sql::Constraint::kDefault:
          if (serial || has_default)
            throw MakeError(sqlstate::kSyntaxError, "multiple default values specified for column \"" + col.name +
                                                        "\" of table \"" + name + "\"");
          if (identities.back())
            throw MakeError(sqlstate::kSyntaxError, "both default and identity specified for column \"" + col.name +
                                                        "\" of table \"" + name + "\"");
          has_default = true;
          def = DefaultSql(*k.expr, type);
          break;
        case sql::Constraint::kIdentity:
          if (identities.back())
            throw MakeError(sqlstate::kSyntaxError, "multiple identity specifications for column \"" + col.name +
                                                        "\" of table \"" + name + "\"");
          if (serial || has_default)
            throw MakeError(sqlstate::kSyntaxError, "both default and identity specified for column \"" + col.name +
                                                        "\" of table \"" + name + "\"");
          identities.back() = &k;
          spec.not_null = true;
          spec.identity = k.identity;
          break;
        case sql::Constraint::kCheck:
          checks.emplace_back(k.name, CheckSql(*k.expr));
          check_cols.push_back(col.name);
          break;
        case sql::Constraint::kPrimaryKey:
        case sql::Constraint::kUnique: add_key(k, {col.name}); break;
        default:
          throw MakeError(sqlstate::kFeatureNotSupported, "this column constraint is not supported yet");
      }
    }
    if (find_col(col.name) >= 0) throw MakeError("42701", "column \"" + col.name + "\" specified more than once");
    cols.push_back(spec);
    defaults.push_back(def);
  }
  for (const auto& k : c.constraints) {
    switch (k.kind) {
      case sql::Constraint::kCheck: {
        checks.emplace_back(k.name, CheckSql(*k.expr));
        check_cols.push_back(CheckNameColumn(*k.expr));
        break;
      }
      case sql::Constraint::kPrimaryKey:
      case sql::Constraint::kUnique: add_key(k, k.keys); break;
      default: throw MakeError(sqlstate::kFeatureNotSupported, "this table constraint is not supported yet");
    }
  }
  std::set<std::string> taken;
  for (size_t i = 0; i < indexes.size(); ++i) {
    for (const auto& kc : index_cols[i]) {
      int pos = find_col(kc);
      if (pos < 0)
        throw MakeError(sqlstate::kUndefinedColumn, "column \"" + kc + "\" named in key does not exist");
      if (indexes[i].primary) cols[pos].not_null = true;
      indexes[i].attnums.push_back(static_cast<int16_t>(pos + 1));
    }
  }
  // Serial columns' sequences come first, as in PostgreSQL (their OIDs are
  // below the table's).
  taken.insert(name);
  std::vector<uint32_t> serial_seqs(cols.size(), 0);
  for (size_t i = 0; i < cols.size(); ++i) {
    if (serials[i]) serial_seqs[i] = CreateSerialSequence(nsp, name, cols[i].name, serials[i], taken, &defaults[i], x);
    if (identities[i]) {
      std::string unused;  // identity columns have no pg_attrdef row
      serial_seqs[i] = CreateSerialSequence(nsp, name, cols[i].name, cols[i].type_oid, taken, &unused, x,
                                            &identities[i]->seq_options, true);
    }
  }
  uint32_t relid = catalog::CreateTable(nsp, name, cols, x);
  NoteNewRelfilenode(relid);
  RegisterOnCommit(relid, on_commit);
  xact::CommandCounterIncrement();  // the attributes must be visible to mark atthasdef
  x = WriteXact();
  for (size_t i = 0; i < defaults.size(); ++i) {
    if (identities[i]) SetSequenceOwner(serial_seqs[i], relid, static_cast<int16_t>(i + 1), x, 'i');
    if (defaults[i].empty()) continue;
    uint32_t attrdef = catalog::AddDefault(relid, static_cast<int16_t>(i + 1), defaults[i], x);
    RecordDefaultDependencies(attrdef, defaults[i], x);
    if (serial_seqs[i]) SetSequenceOwner(serial_seqs[i], relid, static_cast<int16_t>(i + 1), x);
  }
  for (size_t i = 0; i < checks.size(); ++i) {
    catalog::ConstraintRow row;
    row.conname = checks[i].first.empty() ? ChooseName(name, check_cols[i], "check", taken) : checks[i].first;
    taken.insert(row.conname);
    row.connamespace = nsp;
    row.contype = 'c';
    row.conrelid = relid;
    row.conbin = checks[i].second;
    catalog::AddConstraint(row, x);
  }
  if (!checks.empty())
    catalog::UpdateClassRow(relid, [&](catalog::ClassRow& r) { r.relchecks = static_cast<int16_t>(checks.size()); }, x);
  xact::CommandCounterIncrement();
  x = WriteXact();
  StoredTablesCatalogWritten();
  auto cls = catalog::LookupRelationByOid(relid, xact::GetTransactionSnapshot(), xact::CurrentXactForVisibility());
  if (!cls) throw MakeError(sqlstate::kInternalError, "could not read back the new table");
  EnsureToastTable(*cls, x);
  if (fillfactor != 100) catalog::SetRelOptions(relid, "{fillfactor=" + std::to_string(fillfactor) + "}", x);
  for (auto& ix : indexes) {
    std::string cols_part;
    for (int16_t a : ix.attnums) cols_part += (cols_part.empty() ? "" : "_") + cols[a - 1].name;
    if (ix.constraint_name.empty())
      ix.constraint_name = ChooseName(name, ix.primary ? "" : cols_part, ix.primary ? "pkey" : "key", taken);
    ix.name = ix.constraint_name;
    BuildIndex(*cls, ix, x);
    x = WriteXact();
  }
  return "CREATE TABLE";
}

std::string Session::RunCreateIndex(const sql::IndexStmt& s) {
  if (s.access_method != "btree")
    throw MakeError(sqlstate::kUndefinedObject, "access method \"" + s.access_method + "\" does not exist");
  if (s.where) throw MakeError(sqlstate::kFeatureNotSupported, "partial indexes are not supported yet");
  xact::CheckWritable("CREATE INDEX");
  heap::XactContext x = WriteXact();
  auto cls = catalog::ResolveRelation(s.relation.schema, s.relation.name, x.snapshot, x.Me());
  if (!cls) throw MakeError(sqlstate::kUndefinedTable, "relation \"" + s.relation.name + "\" does not exist");
  if (cls->relkind != 'r') throw MakeError("42809", "\"" + s.relation.name + "\" is not a table");
  CheckNotOtherTemp(*cls, "create indexes on");
  CheckRelationOwner(*cls);
  lmgr::Acquire(lmgr::LockTag::Relation(catalog::CurrentDatabase(), cls->oid), lmgr::LockMode::kShare, false);
  auto attrs = catalog::RelationAttributes(cls->oid, x.snapshot, x.Me());
  IndexSpec spec;
  spec.unique = s.unique;
  std::string cols_part;
  for (const auto& e : s.params) {
    if (e.column.empty()) throw MakeError(sqlstate::kFeatureNotSupported, "expression indexes are not supported yet");
    auto it = std::find_if(attrs.begin(), attrs.end(), [&](const catalog::AttributeRow& a) { return a.attname == e.column; });
    if (it == attrs.end()) throw MakeError(sqlstate::kUndefinedColumn, "column \"" + e.column + "\" does not exist");
    spec.attnums.push_back(it->attnum);
    bool nulls_first = e.nulls_first.value_or(e.desc);
    spec.options.push_back(static_cast<int16_t>((e.desc ? 1 : 0) | (nulls_first ? 2 : 0)));
    cols_part += (cols_part.empty() ? "" : "_") + e.column;
  }
  if (s.name.empty()) {
    std::set<std::string> taken;
    for (auto& r : catalog::ScanCatalog<catalog::ClassRow>(x.snapshot, x.Me(), [&](const catalog::ClassRow& r) {
           return r.relnamespace == cls->relnamespace;
         }))
      taken.insert(r.relname);
    spec.name = ChooseName(cls->relname, cols_part, "idx", taken);
  } else {
    spec.name = s.name;
    if (catalog::LookupRelation(cls->relnamespace, s.name, x.snapshot, x.Me())) {
      if (s.if_not_exists) {
        EmitNotice(MakeNotice(ErrLevel::kNotice, "42P07", "relation \"" + s.name + "\" already exists, skipping"));
        return "CREATE INDEX";
      }
      throw MakeError("42P07", "relation \"" + s.name + "\" already exists");
    }
  }
  BuildIndex(*cls, spec, x);
  return "CREATE INDEX";
}

std::string Session::RunCreateView(const sql::Statement& stmt) {
  const sql::ViewStmt& v = stmt.create_view();
  if (v.recursive) throw MakeError(sqlstate::kFeatureNotSupported, "recursive views are not supported yet");
  xact::CheckWritable("CREATE VIEW");
  const std::string& text = stmt.query();
  if (v.query_start < 0 || v.query_end < v.query_start || static_cast<size_t>(v.query_end) > text.size())
    throw MakeError(sqlstate::kInternalError, "could not find the view's query text");
  std::string sql = text.substr(static_cast<size_t>(v.query_start), static_cast<size_t>(v.query_end - v.query_start));
  while (!sql.empty() && (sql.back() == ' ' || sql.back() == '\n' || sql.back() == ';')) sql.pop_back();
  std::unique_ptr<sql::PreparedQuery> q;
  try {
    auto parsed = sql::ParseQuery(sql);
    if (parsed.size() != 1) throw MakeError(sqlstate::kSyntaxError, "a view must be defined by one query");
    q = sql::Prepare(*parsed[0], {}, *this);
  } catch (PgError& e) {
    // Positions in the view's query become positions in the statement.
    if (e.data().position > 0) e.Position(e.data().position + sql::CharPosition(text, v.query_start) - 1);
    throw;
  }
  if (!q->ParamTypes().empty())
    throw MakeError("42P02", "there is no parameter $1");
  std::vector<std::pair<std::string, std::pair<uint32_t, int32_t>>> cols;
  std::set<std::string> seen;
  for (size_t i = 0; i < q->Columns().size(); ++i) {
    const auto& c = q->Columns()[i];
    std::string name = i < v.columns.size() ? v.columns[i] : c.name;
    if (!seen.insert(name).second) throw MakeError("42701", "column \"" + name + "\" specified more than once");
    cols.push_back({name, {c.type_oid, c.type_mod}});
  }
  if (v.columns.size() > cols.size())
    throw MakeError(sqlstate::kSyntaxError, "CREATE VIEW specifies more column names than columns");
  bool want_temp = v.persistence == sql::Persistence::kTemp;
  if (!want_temp && ReadsTempRelation(sql)) {
    EmitNotice(MakeNotice(ErrLevel::kNotice, sqlstate::kSuccessfulCompletion,
                          "view \"" + v.relation.name + "\" will be a temporary view"));
    want_temp = true;
  }
  heap::XactContext x = WriteXact();
  bool temp = false;
  uint32_t nsp = CreationNamespaceOf(v.relation, want_temp, x, &temp);
  CheckCreateInNamespace(nsp);  // PostgreSQL gives no position here
  auto existing = catalog::LookupRelation(nsp, v.relation.name, x.snapshot, x.Me());
  if (existing) {
    if (!v.replace || existing->relkind != 'v')
      throw MakeError("42P07", "relation \"" + v.relation.name + "\" already exists");
    lmgr::Acquire(lmgr::LockTag::Relation(catalog::CurrentDatabase(), existing->oid), lmgr::LockMode::kAccessExclusive, false);
    catalog::DropRelation(existing->oid, x);
    xact::CommandCounterIncrement();
    x = WriteXact();
  }
  catalog::CreateViewRows(nsp, v.relation.name, cols, sql, x);
  StoredTablesCatalogWritten();
  return "CREATE VIEW";
}

namespace {

std::string RelationDescription(const catalog::ClassRow& c) {
  return std::string(c.relkind == 'v'   ? "view "
                     : c.relkind == 'i' ? "index "
                     : c.relkind == 'S' ? "sequence "
                                        : "table ") +
         c.relname;
}

// A view that reads a dropped relation, directly or through other views.
struct DependentView {
  catalog::ClassRow view;
  std::string on;  // "table t" / "view v" it depends on
};

// The views depending on `victims`, found by reading every view's query
// (there is no pg_depend): a view depends on the relations its query names,
// resolved as they are now.
std::vector<DependentView> FindDependentViews(const std::vector<catalog::ClassRow>& victims, heap::XactContext& x) {
  std::vector<DependentView> out;
  auto views = catalog::ScanCatalog<catalog::ClassRow>(x.snapshot, x.Me(), [](const catalog::ClassRow& r) {
    return r.relkind == 'v';
  });
  std::sort(views.begin(), views.end(), [](const catalog::ClassRow& a, const catalog::ClassRow& b) { return a.oid < b.oid; });
  // Referenced relation OIDs per view.
  std::vector<std::vector<uint32_t>> refs(views.size());
  for (size_t i = 0; i < views.size(); ++i) {
    auto rules = catalog::ScanCatalog<catalog::RewriteRow>(x.snapshot, x.Me(), [&](const catalog::RewriteRow& r) {
      return r.ev_class == views[i].oid;
    });
    if (rules.empty()) continue;
    try {
      auto stmts = sql::ParseQuery(rules[0].ev_action);
      if (stmts.size() != 1 || stmts[0]->kind() != sql::StmtKind::kSelect) continue;
      for (const auto& [schema, name] : sql::ReferencedRelations(stmts[0]->select())) {
        if (auto cls = catalog::ResolveRelation(schema, name, x.snapshot, x.Me())) refs[i].push_back(cls->oid);
      }
    } catch (const PgError&) {
      continue;  // an unreadable definition depends on nothing we can name
    }
  }
  // Depth first from each dropped relation, dependents in creation order,
  // which is the order PostgreSQL lists them in.
  std::vector<uint32_t> seen;
  for (const auto& v : victims) seen.push_back(v.oid);
  std::function<void(const catalog::ClassRow&)> visit = [&](const catalog::ClassRow& rel) {
    for (size_t i = 0; i < views.size(); ++i) {
      if (std::find(seen.begin(), seen.end(), views[i].oid) != seen.end()) continue;
      if (std::find(refs[i].begin(), refs[i].end(), rel.oid) == refs[i].end()) continue;
      seen.push_back(views[i].oid);
      out.push_back({views[i], RelationDescription(rel)});
      visit(views[i]);
    }
  };
  for (const auto& v : victims) visit(v);
  return out;
}

}  // namespace

std::string Session::RunDrop(const sql::DropStmt& d) {
  using O = sql::DropStmt;
  if (d.object == O::kSchema) return RunDropSchema(d);
  const char* what = d.object == O::kTable ? "table" : d.object == O::kView ? "view" : d.object == O::kSequence ? "sequence" : "index";
  const std::string tag = d.object == O::kTable      ? "DROP TABLE"
                          : d.object == O::kView     ? "DROP VIEW"
                          : d.object == O::kSequence ? "DROP SEQUENCE"
                                                     : "DROP INDEX";
  xact::CheckWritable(tag.c_str());
  heap::XactContext x = WriteXact();
  std::vector<uint32_t> victims;
  std::vector<catalog::ClassRow> victim_rows;
  for (const auto& rv : d.names) {
    auto cls = catalog::ResolveRelation(rv.schema, rv.name, x.snapshot, x.Me());
    char want = d.object == O::kTable ? 'r' : d.object == O::kView ? 'v' : d.object == O::kSequence ? 'S' : 'i';
    if (!cls || cls->relkind != want) {
      if (cls && cls->relkind != want)
        throw MakeError("42809", "\"" + rv.name + "\" is not " +
                                     (want == 'r'   ? "a table"
                                      : want == 'v' ? "a view"
                                      : want == 'S' ? "a sequence"
                                                    : "an index"))
            .Hint(cls->relkind == 'v'   ? "Use DROP VIEW to remove a view."
                  : cls->relkind == 'r' ? "Use DROP TABLE to remove a table."
                  : cls->relkind == 'i' ? "Use DROP INDEX to remove an index."
                  : cls->relkind == 'S' ? "Use DROP SEQUENCE to remove a sequence."
                                        : "");
      if (d.missing_ok) {
        EmitNotice(MakeNotice(ErrLevel::kNotice, sqlstate::kSuccessfulCompletion,
                              std::string(what) + " \"" + rv.name + "\" does not exist, skipping"));
        continue;
      }
      throw MakeError(sqlstate::kUndefinedTable, std::string(what) + " \"" + rv.name + "\" does not exist");
    }
    if (cls->relnamespace == catalog::kPgCatalogNamespace)
      throw MakeError(sqlstate::kInsufficientPrivilege, "permission denied: \"" + rv.name + "\" is a system catalog");
    CheckRelationOwner(*cls);
    if (want == 'S') {
      // An identity column's sequence is part of the column (pg_depend 'i').
      for (const auto& dep : catalog::FindDependencies([&](const catalog::DependRow& r) {
             return r.classid == catalog::kRelationRelationId && r.objid == cls->oid && r.deptype == 'i';
           }, x.snapshot, x.Me())) {
        auto table = catalog::LookupRelationByOid(dep.refobjid, x.snapshot, x.Me());
        std::string col;
        for (const auto& a : catalog::RelationAttributes(dep.refobjid, x.snapshot, x.Me()))
          if (a.attnum == dep.refobjsubid) col = a.attname;
        std::string what_col = "column " + col + " of table " + (table ? table->relname : std::string());
        throw MakeError("2BP01", "cannot drop sequence " + cls->relname + " because " + what_col + " requires it")
            .Hint("You can drop " + what_col + " instead.");
      }
    }
    if (want == 'i') {
      for (auto& con : catalog::ScanCatalog<catalog::ConstraintRow>(x.snapshot, x.Me(), [&](const catalog::ConstraintRow& r) {
             return r.conindid == cls->oid;
           })) {
        throw MakeError("2BP01", "cannot drop index " + rv.name + " because constraint " + con.conname +
                                     " on table " + "requires it")
            .Hint("You can drop constraint " + con.conname + " instead.");
      }
    }
    victims.push_back(cls->oid);
    victim_rows.push_back(*cls);
  }
  if (d.object != sql::DropStmt::kIndex && !victim_rows.empty()) {
    std::vector<DependentView> deps = FindDependentViews(victim_rows, x);
    if (!deps.empty()) {
      std::string detail;
      for (const auto& dep : deps) detail += (detail.empty() ? "" : "\n") + RelationDescription(dep.view) + " depends on " + dep.on;
      if (!d.cascade) {
        // PostgreSQL names the object only when the DROP names one.
        throw MakeError("2BP01", d.names.size() == 1
                                     ? "cannot drop " + deps[0].on + " because other objects depend on it"
                                     : std::string("cannot drop desired object(s) because other objects depend on them"))
            .Detail(detail)
            .Hint("Use DROP ... CASCADE to drop the dependent objects too.");
      }
      if (deps.size() == 1) {
        EmitNotice(MakeNotice(ErrLevel::kNotice, sqlstate::kSuccessfulCompletion,
                              "drop cascades to " + RelationDescription(deps[0].view)));
      } else {
        std::string list;
        for (const auto& dep : deps) list += (list.empty() ? "" : "\n") + ("drop cascades to " + RelationDescription(dep.view));
        ErrorData n = MakeNotice(ErrLevel::kNotice, sqlstate::kSuccessfulCompletion,
                                 "drop cascades to " + std::to_string(deps.size()) + " other objects");
        n.detail = list;
        EmitNotice(n);
      }
      // Dependents go first, the most derived view first.
      std::vector<uint32_t> all;
      for (auto it = deps.rbegin(); it != deps.rend(); ++it) all.push_back(it->view.oid);
      all.insert(all.end(), victims.begin(), victims.end());
      victims = std::move(all);
    }
  }
  // Column defaults that use a dropped sequence (pg_depend 'n'), other than
  // those of tables dropped here: PostgreSQL refuses without CASCADE and
  // drops only the default with it.
  std::vector<std::pair<uint32_t, int16_t>> dependent_defaults;
  {
    std::vector<uint32_t> seqs;
    for (const auto& v : victim_rows) {
      if (v.relkind == 'S') seqs.push_back(v.oid);
      if (v.relkind == 'r')
        for (uint32_t s : catalog::OwnedSequences(v.oid, 0, x.snapshot, x.Me())) seqs.push_back(s);
    }
    std::vector<std::string> lines;
    std::string first_seq;
    for (uint32_t seq : seqs) {
      auto deps = catalog::FindDependencies([&](const catalog::DependRow& r) {
        return r.classid == catalog::kAttrDefaultRelationId && r.refclassid == catalog::kRelationRelationId &&
               r.refobjid == seq && r.deptype == 'n';
      }, x.snapshot, x.Me());
      auto seq_cls = catalog::LookupRelationByOid(seq, x.snapshot, x.Me());
      for (const auto& dep : deps) {
        auto defs = catalog::ScanCatalog<catalog::AttrDefRow>(x.snapshot, x.Me(), [&](const catalog::AttrDefRow& r) {
          return r.oid == dep.objid;
        });
        if (defs.empty()) continue;
        const uint32_t table = defs[0].adrelid;
        if (std::find(victims.begin(), victims.end(), table) != victims.end()) continue;
        auto tcls = catalog::LookupRelationByOid(table, x.snapshot, x.Me());
        std::string col;
        for (const auto& a : catalog::RelationAttributes(table, x.snapshot, x.Me()))
          if (a.attnum == defs[0].adnum) col = a.attname;
        if (!tcls) continue;
        if (first_seq.empty() && seq_cls) first_seq = seq_cls->relname;
        lines.push_back("default value for column " + col + " of table " + tcls->relname + " depends on sequence " +
                        (seq_cls ? seq_cls->relname : std::string()));
        dependent_defaults.push_back({table, defs[0].adnum});
      }
    }
    if (!lines.empty()) {
      std::string detail;
      for (const auto& l : lines) detail += (detail.empty() ? "" : "\n") + l;
      if (!d.cascade) {
        std::string victim = victim_rows.size() == 1 ? RelationDescription(victim_rows[0]) : "";
        throw MakeError("2BP01", d.names.size() == 1 && victim_rows.size() == 1
                                     ? "cannot drop " + victim + " because other objects depend on it"
                                     : std::string("cannot drop desired object(s) because other objects depend on them"))
            .Detail(detail)
            .Hint("Use DROP ... CASCADE to drop the dependent objects too.");
      }
      std::vector<std::string> notices;
      for (const auto& l : lines) notices.push_back("drop cascades to " + l.substr(0, l.find(" depends on ")));
      if (notices.size() == 1) {
        EmitNotice(MakeNotice(ErrLevel::kNotice, sqlstate::kSuccessfulCompletion, notices[0]));
      } else {
        std::string list;
        for (const auto& n : notices) list += (list.empty() ? "" : "\n") + n;
        ErrorData n = MakeNotice(ErrLevel::kNotice, sqlstate::kSuccessfulCompletion,
                                 "drop cascades to " + std::to_string(notices.size()) + " other objects");
        n.detail = list;
        EmitNotice(n);
      }
    }
  }
  for (const auto& [table, attnum] : dependent_defaults) {
    lmgr::Acquire(lmgr::LockTag::Relation(catalog::CurrentDatabase(), table), lmgr::LockMode::kAccessExclusive, false);
    catalog::AddDefault(table, attnum, "", x);
  }
  if (!dependent_defaults.empty()) {
    xact::CommandCounterIncrement();
    x = WriteXact();
  }
  for (uint32_t oid : victims) {
    lmgr::Acquire(lmgr::LockTag::Relation(catalog::CurrentDatabase(), oid), lmgr::LockMode::kAccessExclusive, false);
    // A table's serial sequences go with it (catalog::DropRelation).
    for (uint32_t seq : catalog::OwnedSequences(oid, 0, x.snapshot, x.Me()))
      lmgr::Acquire(lmgr::LockTag::Relation(catalog::CurrentDatabase(), seq), lmgr::LockMode::kAccessExclusive, false);
    catalog::DropRelation(oid, x);
  }
  StoredTablesCatalogWritten();
  return tag;
}

std::string Session::RunTruncate(const sql::TruncateStmt& t) {
  xact::CheckWritable("TRUNCATE TABLE");
  heap::XactContext x = WriteXact();
  std::vector<catalog::ClassRow> rels;
  for (const auto& rv : t.relations) {
    auto cls = catalog::ResolveRelation(rv.schema, rv.name, x.snapshot, x.Me());
    if (!cls) throw MakeError(sqlstate::kUndefinedTable, "relation \"" + rv.name + "\" does not exist");
    if (cls->relkind != 'r') throw MakeError("42809", "\"" + rv.name + "\" is not a table");
    if (cls->relnamespace == catalog::kPgCatalogNamespace)
      throw MakeError(sqlstate::kInsufficientPrivilege, "permission denied: \"" + rv.name + "\" is a system catalog");
    CheckNotOtherTemp(*cls, "truncate");
    CheckRelationPrivilege(cls->relkind, cls->relname, cls->relowner, cls->relacl, sql::kPrivTruncate, 0);
    rels.push_back(*cls);
  }
  for (const auto& cls : rels) {
    lmgr::Acquire(lmgr::LockTag::Relation(catalog::CurrentDatabase(), cls.oid), lmgr::LockMode::kAccessExclusive, false);
    if (t.restart_identity) RestartOwnedSequences(cls.oid, x);
    TruncateRelationStorage(cls, x);
  }
  StoredTablesCatalogWritten();
  return "TRUNCATE TABLE";
}

void TruncateRelationStorage(const catalog::ClassRow& cls, heap::XactContext& x) {
  NoteNewRelfilenode(cls.oid);
  // The table, then its toast table (which goes with it), each with its indexes.
  for (uint32_t heap_oid : {cls.oid, cls.reltoastrelid}) {
    if (heap_oid == 0) continue;
    catalog::SetNewRelfilenode(heap_oid, x);
    for (auto& ix : catalog::ScanCatalog<catalog::IndexRow>(x.snapshot, x.Me(), [&](const catalog::IndexRow& r) {
           return r.indrelid == heap_oid;
         })) {
      uint32_t node = catalog::SetNewRelfilenode(ix.indexrelid, x);
      btree::IndexRel rel;
      rel.loc = {smgr::kDefaultTablespace, catalog::CurrentDatabase(), node};
      rel.index_oid = ix.indexrelid;
      rel.db_oid = catalog::CurrentDatabase();
      btree::CreateEmpty(rel);
    }
  }
}

}  // namespace tusk::backend

namespace tusk::backend {

std::string Session::RunAlterTable(const sql::AlterTableStmt& a) {
  xact::CheckWritable("ALTER TABLE");
  heap::XactContext x = WriteXact();
  auto cls = catalog::ResolveRelation(a.relation.schema, a.relation.name, x.snapshot, x.Me());
  // OWNER TO applies to views and sequences too, as in PostgreSQL.
  if (cls && a.cmds.size() == 1 && a.cmds[0].kind == sql::AlterTableCmd::kOwnerTo &&
      (cls->relkind == 'v' || cls->relkind == 'S' || cls->relkind == 'r')) {
    CheckRelationOwner(*cls);
    ChangeRelationOwner(*cls, a.cmds[0].owner);
    return "ALTER TABLE";
  }
  if (!cls || cls->relkind != 'r') {
    if (a.missing_ok) {
      EmitNotice(MakeNotice(ErrLevel::kNotice, sqlstate::kSuccessfulCompletion,
                            "relation \"" + a.relation.name + "\" does not exist, skipping"));
      return "ALTER TABLE";
    }
    throw MakeError(sqlstate::kUndefinedTable, "relation \"" + a.relation.name + "\" does not exist");
  }
  if (cls->relnamespace == catalog::kPgCatalogNamespace)
    throw MakeError(sqlstate::kInsufficientPrivilege, "permission denied: \"" + cls->relname + "\" is a system catalog");
  CheckNotOtherTemp(*cls, "alter");
  CheckRelationOwner(*cls);
  lmgr::Acquire(lmgr::LockTag::Relation(catalog::CurrentDatabase(), cls->oid), lmgr::LockMode::kAccessExclusive, false);
  const uint32_t relid = cls->oid;
  auto attnum_of = [&](const std::string& col) -> int16_t {
    for (const auto& at : catalog::RelationAttributes(relid, xact::GetTransactionSnapshot(), xact::CurrentXactForVisibility()))
      if (at.attname == col) return at.attnum;
    throw MakeError(sqlstate::kUndefinedColumn,
                    "column \"" + col + "\" of relation \"" + cls->relname + "\" does not exist");
  };
  auto step = [&]() {
    xact::CommandCounterIncrement();
    x = WriteXact();
    StoredTablesCatalogWritten();
  };
  std::set<std::string> taken;
  for (auto& r : catalog::ScanCatalog<catalog::ClassRow>(x.snapshot, x.Me(), [&](const catalog::ClassRow& r) {
         return r.relnamespace == cls->relnamespace;
       }))
    taken.insert(r.relname);
  for (auto& con : catalog::ScanCatalog<catalog::ConstraintRow>(x.snapshot, x.Me(), [&](const catalog::ConstraintRow& r) {
         return r.conrelid == relid;
       }))
    taken.insert(con.conname);
  using K = sql::AlterTableCmd;
  for (const auto& cmd : a.cmds) {
    switch (cmd.kind) {
      case K::kAddColumn: {
        const sql::ColumnDef& col = cmd.column;
        const uint32_t serial = SerialIntegerType(*col.type);
        std::vector<ErrorData> warnings;
        auto [type, typmod] =
            serial ? std::pair<uint32_t, int32_t>{serial, -1} : ResolveColumnType(*col.type, &warnings);
        for (const ErrorData& w : warnings) EmitNotice(w);
        bool not_null = serial != 0;
        std::string def;
        const sql::Constraint* identity = nullptr;
        for (const auto& k : col.constraints) {
          if (k.kind == sql::Constraint::kIdentity) {
            identity = &k;
            not_null = true;
            continue;
          }
          if (k.kind == sql::Constraint::kNotNull) not_null = true;
          else if (k.kind == sql::Constraint::kDefault && serial)
            throw MakeError(sqlstate::kSyntaxError, "multiple default values specified for column \"" + col.name +
                                                        "\" of table \"" + cls->relname + "\"");
          else if (k.kind == sql::Constraint::kDefault) def = DefaultSql(*k.expr, type);
          else if (k.kind == sql::Constraint::kNull && serial)
            throw MakeError(sqlstate::kSyntaxError, "conflicting NULL/NOT NULL declarations for column \"" + col.name +
                                                        "\" of table \"" + cls->relname + "\"");
          else if (k.kind != sql::Constraint::kNull)
            throw MakeError(sqlstate::kFeatureNotSupported, "this constraint in ADD COLUMN is not supported yet");
        }
        if (identity && (serial || !def.empty()))
          throw MakeError(sqlstate::kSyntaxError, "both default and identity specified for column \"" + col.name +
                                                      "\" of table \"" + cls->relname + "\"");
        uint32_t serial_seq = 0;
        if (serial || identity) {
          std::string unused;
          serial_seq = CreateSerialSequence(cls->relnamespace, cls->relname, col.name, type, taken,
                                            identity ? &unused : &def, x, identity ? &identity->seq_options : nullptr,
                                            identity != nullptr);
          step();
        }
        int16_t attnum = catalog::AddColumn(relid, col.name, type, typmod, false, x);
        step();  // the new attribute must be visible to mark atthasdef
        if (int32_t ndims = static_cast<int32_t>(col.type->array_bounds.size())) {
          catalog::UpdateAttributeRow(relid, attnum, [&](catalog::AttributeRow& r) { r.attndims = ndims; }, x);
          step();
        }
        if (!def.empty()) RecordDefaultDependencies(catalog::AddDefault(relid, attnum, def, x), def, x);
        if (serial_seq) SetSequenceOwner(serial_seq, relid, attnum, x, identity ? 'i' : 'a');
        if (identity)
          catalog::UpdateAttributeRow(relid, attnum, [&](catalog::AttributeRow& r) { r.attidentity = identity->identity; }, x);
        step();
        if (auto now = catalog::LookupRelationByOid(relid, x.snapshot, x.Me())) EnsureToastTable(*now, x);
        if (!def.empty() || identity) {
          // Existing rows take the default, as PostgreSQL's rewrite (or missing value) gives them.
          auto stmts = sql::ParseQuery("UPDATE " + sql::QuoteIdentifier(cls->relname) + " SET " +
                                       sql::QuoteIdentifier(col.name) + " = DEFAULT");
          auto q = sql::Prepare(*stmts[0], {}, *this);
          auto cur = q->Open({}, {}, *this);
          std::vector<std::optional<std::string>> none;
          cur->Next({}, &none);
          step();
        }
        if (not_null) {
          catalog::UpdateAttributeRow(relid, attnum, [](catalog::AttributeRow& r) { r.attnotnull = true; }, x);
          step();
        }
        break;
      }
      case K::kDropColumn: {
        int16_t attnum;
        try {
          attnum = attnum_of(cmd.name);
        } catch (const PgError&) {
          if (!cmd.missing_ok) throw;
          EmitNotice(MakeNotice(ErrLevel::kNotice, sqlstate::kSuccessfulCompletion,
                                "column \"" + cmd.name + "\" of relation \"" + cls->relname + "\" does not exist, skipping"));
          break;
        }
        auto info = catalog::LoadTable(relid, x.snapshot, x.Me());
        for (const auto& ix : info->indexes) {
          if (std::find(ix.attnums.begin(), ix.attnums.end(), attnum) != ix.attnums.end()) catalog::DropRelation(ix.cls.oid, x);
        }
        catalog::AddDefault(relid, attnum, "", x);
        step();
        // A serial column's sequence goes with it.
        for (uint32_t seq : catalog::OwnedSequences(relid, attnum, x.snapshot, x.Me())) {
          lmgr::Acquire(lmgr::LockTag::Relation(catalog::CurrentDatabase(), seq), lmgr::LockMode::kAccessExclusive, false);
          catalog::DropRelation(seq, x);
        }
        step();
        catalog::UpdateAttributeRow(relid, attnum, [&](catalog::AttributeRow& r) {
          r.attisdropped = true;
          r.attnotnull = false;
          r.atthasdef = false;
          r.attname = "........pg.dropped." + std::to_string(attnum) + "........";
        }, x);
        step();
        break;
      }
      case K::kSetNotNull:
      case K::kDropNotNull: {
        int16_t attnum = attnum_of(cmd.name);
        bool set = cmd.kind == K::kSetNotNull;
        if (set) {
          auto t = OpenStoredTableByOid(relid);
          int pos = -1;
          for (size_t i = 0; i < t->columns.size(); ++i)
            if (t->columns[i].attnum == attnum) pos = static_cast<int>(i);
          ScanIndexKeys(*t, {pos}, [&](const btree::KeyValues& k, ItemPointer) {
            if (!k[0])
              throw MakeError("23502", "column \"" + cmd.name + "\" of relation \"" + cls->relname + "\" contains null values");
          });
        }
        catalog::UpdateAttributeRow(relid, attnum, [&](catalog::AttributeRow& r) { r.attnotnull = set; }, x);
        step();
        break;
      }
      case K::kSetDefault:
      case K::kDropDefault: {
        int16_t attnum = attnum_of(cmd.name);
        uint32_t type = 0;
        for (const auto& ar : catalog::ScanCatalog<catalog::AttributeRow>(
                 x.snapshot, x.Me(),
                 [&](const catalog::AttributeRow& r) { return r.attrelid == relid && r.attnum == attnum; }))
          type = ar.atttypid;
        std::string def = cmd.kind == K::kSetDefault && cmd.expr ? DefaultSql(*cmd.expr, type) : "";
        RecordDefaultDependencies(catalog::AddDefault(relid, attnum, def, x), def, x);
        step();
        break;
      }
      case K::kRenameColumn: {
        int16_t attnum = attnum_of(cmd.name);
        for (const auto& at : catalog::RelationAttributes(relid, x.snapshot, x.Me()))
          if (at.attname == cmd.new_name)
            throw MakeError("42701", "column \"" + cmd.new_name + "\" of relation \"" + cls->relname + "\" already exists");
        catalog::UpdateAttributeRow(relid, attnum, [&](catalog::AttributeRow& r) { r.attname = cmd.new_name; }, x);
        step();
        break;
      }
      case K::kOwnerTo:
        ChangeRelationOwner(*cls, cmd.owner);
        step();
        break;
      case K::kRenameTable: {
        if (catalog::LookupRelation(cls->relnamespace, cmd.new_name, x.snapshot, x.Me()))
          throw MakeError("42P07", "relation \"" + cmd.new_name + "\" already exists");
        catalog::UpdateClassRow(relid, [&](catalog::ClassRow& r) { r.relname = cmd.new_name; }, x);
        step();
        break;
      }
      case K::kAddConstraint: {
        const sql::Constraint& k = cmd.constraint;
        if (k.kind == sql::Constraint::kCheck) {
          catalog::ConstraintRow row;
          row.conname = k.name.empty() ? ChooseName(cls->relname, CheckNameColumn(*k.expr), "check", taken) : k.name;
          row.connamespace = cls->relnamespace;
          row.contype = 'c';
          row.conrelid = relid;
          row.conbin = CheckSql(*k.expr);
          catalog::AddConstraint(row, x);
          catalog::UpdateClassRow(relid, [](catalog::ClassRow& r) { ++r.relchecks; }, x);
          step();
          // Existing rows must satisfy it.
          auto t = OpenStoredTableByOid(relid);
          auto stmts = sql::ParseQuery("SELECT 1 FROM " + sql::QuoteIdentifier(cls->relname) + " WHERE NOT (" +
                                       *row.conbin + ") LIMIT 1");
          auto q = sql::Prepare(*stmts[0], {}, *this);
          auto cur = q->Open({}, {}, *this);
          std::vector<std::optional<std::string>> out;
          if (cur->Next({}, &out))
            throw MakeError("23514", "check constraint \"" + row.conname + "\" of relation \"" + cls->relname +
                                         "\" is violated by some row");
          break;
        }
        if (k.kind != sql::Constraint::kPrimaryKey && k.kind != sql::Constraint::kUnique)
          throw MakeError(sqlstate::kFeatureNotSupported, "this constraint is not supported yet");
        IndexSpec spec;
        spec.unique = true;
        spec.primary = k.kind == sql::Constraint::kPrimaryKey;
        std::string cols_part;
        for (const auto& kc : k.keys) {
          spec.attnums.push_back(attnum_of(kc));
          cols_part += (cols_part.empty() ? "" : "_") + kc;
        }
        if (spec.primary) {
          auto info = catalog::LoadTable(relid, x.snapshot, x.Me());
          for (const auto& ix : info->indexes)
            if (ix.index.indisprimary)
              throw MakeError("42P16", "multiple primary keys for table \"" + cls->relname + "\" are not allowed");
          for (int16_t an : spec.attnums) {
            catalog::UpdateAttributeRow(relid, an, [](catalog::AttributeRow& r) { r.attnotnull = true; }, x);
          }
          step();
          auto t = OpenStoredTableByOid(relid);
          // Only the NOT NULL columns are read (no row is decoded).
          std::vector<int> not_null;
          for (size_t i = 0; i < t->columns.size(); ++i)
            if (t->columns[i].not_null) not_null.push_back(static_cast<int>(i));
          ScanIndexKeys(*t, not_null, [&](const btree::KeyValues& k, ItemPointer) {
            for (size_t j = 0; j < k.size(); ++j)
              if (!k[j])
                throw MakeError("23502", "column \"" + t->columns[not_null[j]].name + "\" of relation \"" +
                                             cls->relname + "\" contains null values");
          });
        }
        spec.constraint_name = k.name.empty() ? ChooseName(cls->relname, spec.primary ? "" : cols_part,
                                                           spec.primary ? "pkey" : "key", taken)
                                              : k.name;
        spec.name = spec.constraint_name;
        auto fresh = catalog::LookupRelationByOid(relid, x.snapshot, x.Me());
        BuildIndex(*fresh, spec, x);
        step();
        break;
      }
      case K::kDropConstraint: {
        auto cons = catalog::ScanCatalog<catalog::ConstraintRow>(x.snapshot, x.Me(), [&](const catalog::ConstraintRow& r) {
          return r.conrelid == relid && r.conname == cmd.name;
        });
        if (cons.empty()) {
          if (cmd.missing_ok) {
            EmitNotice(MakeNotice(ErrLevel::kNotice, sqlstate::kSuccessfulCompletion,
                                  "constraint \"" + cmd.name + "\" of relation \"" + cls->relname + "\" does not exist, skipping"));
            break;
          }
          throw MakeError(sqlstate::kUndefinedObject,
                          "constraint \"" + cmd.name + "\" of relation \"" + cls->relname + "\" does not exist");
        }
        if (cons[0].conindid) catalog::DropRelation(cons[0].conindid, x);
        catalog::DropConstraint(relid, cmd.name, x);
        if (cons[0].contype == 'c')
          catalog::UpdateClassRow(relid, [](catalog::ClassRow& r) { if (r.relchecks > 0) --r.relchecks; }, x);
        step();
        break;
      }
      default:
        throw MakeError(sqlstate::kFeatureNotSupported, "this form of ALTER TABLE is not supported yet");
    }
  }
  StoredTablesCatalogWritten();
  return "ALTER TABLE";
}

std::string Session::RunVacuum(const sql::VacuumStmt& v) {
  bool vacuum = v.is_vacuum, analyze = !v.is_vacuum;
  for (const auto& o : v.options) {
    bool on = o.arg_kind == sql::DefElem::kNone || o.arg == "true" || o.arg == "on" || o.arg == "1";
    if (o.name == "analyze") analyze = on;
    else if (o.name == "full" && on)
      throw MakeError(sqlstate::kFeatureNotSupported, "VACUUM FULL is not supported yet");
    else if (o.name != "verbose" && o.name != "freeze" && o.name != "skip_locked" && o.name != "truncate" &&
             o.name != "index_cleanup" && o.name != "process_toast" && o.name != "parallel" &&
             o.name != "disable_page_skipping")
      throw MakeError(sqlstate::kSyntaxError, "unrecognized " + std::string(v.is_vacuum ? "VACUUM" : "ANALYZE") +
                                                  " option \"" + o.name + "\"");
  }
  if (vacuum) PreventInTransactionBlock("VACUUM");
  const transam::Snapshot& snap = xact::GetTransactionSnapshot();
  transam::CurrentXact me = xact::CurrentXactForVisibility();
  std::vector<uint32_t> rels;
  if (v.relations.empty()) {
    for (auto& r : catalog::ScanCatalog<catalog::ClassRow>(snap, me, [](const catalog::ClassRow& r) {
           return r.relkind == 'r' && r.relnamespace != catalog::kPgCatalogNamespace &&
                  !catalog::IsOtherTempRelation(r);
         }))
      if (OwnsRelation(r) || !DatabaseOwnerAlias().empty()) rels.push_back(r.oid);
  } else {
    for (const auto& vr : v.relations) {
      auto cls = catalog::ResolveRelation(vr.relation.schema, vr.relation.name, snap, me);
      if (!cls) throw MakeError(sqlstate::kUndefinedTable, "relation \"" + vr.relation.name + "\" does not exist");
      if (catalog::IsOtherTempRelation(*cls)) continue;  // PostgreSQL passes over them silently
      if (cls->relkind == 'S') {
        EmitNotice(MakeNotice(ErrLevel::kWarning, sqlstate::kSuccessfulCompletion,
                              "skipping \"" + cls->relname + "\" --- cannot " + (vacuum ? "vacuum" : "analyze") +
                                  " non-tables or special system tables"));
        continue;
      }
      if (!OwnsRelation(*cls) && DatabaseOwnerAlias().empty()) {
        EmitNotice(MakeNotice(ErrLevel::kWarning, sqlstate::kSuccessfulCompletion,
                              "skipping \"" + cls->relname + "\" --- only table or database owner can " +
                                  (vacuum ? "vacuum" : "analyze") + " it"));
        continue;
      }
      rels.push_back(cls->oid);
    }
  }
  for (uint32_t relid : rels) {
    VacuumResult r = VacuumStoredTable(relid, vacuum, analyze);
    if (analyze) {
      heap::XactContext x = WriteXact();
      catalog::UpdateClassRow(relid, [&](catalog::ClassRow& c) {
        c.relpages = static_cast<int32_t>(r.pages);
        c.reltuples = static_cast<float>(r.tuples);
      }, x);
      StoredTablesCatalogWritten();
    }
  }
  return v.is_vacuum ? "VACUUM" : "ANALYZE";
}

}  // namespace tusk::backend

namespace tusk::backend {

std::string Session::RunLock(const sql::LockStmt& l) {
  if (!InTransactionBlock())
    throw MakeError(sqlstate::kNoActiveSqlTransaction, "LOCK TABLE can only be used in transaction blocks");
  static const std::pair<const char*, lmgr::LockMode> kModes[] = {
      {"access share", lmgr::LockMode::kAccessShare},
      {"row share", lmgr::LockMode::kRowShare},
      {"row exclusive", lmgr::LockMode::kRowExclusive},
      {"share update exclusive", lmgr::LockMode::kShareUpdateExclusive},
      {"share", lmgr::LockMode::kShare},
      {"share row exclusive", lmgr::LockMode::kShareRowExclusive},
      {"exclusive", lmgr::LockMode::kExclusive},
      {"access exclusive", lmgr::LockMode::kAccessExclusive},
  };
  lmgr::LockMode mode = lmgr::LockMode::kAccessExclusive;
  for (const auto& [name, m] : kModes)
    if (l.mode == name) mode = m;
  if (mode > lmgr::LockMode::kRowExclusive) xact::CheckWritable("LOCK TABLE");
  const transam::Snapshot& snap = xact::GetTransactionSnapshot();
  transam::CurrentXact me = xact::CurrentXactForVisibility();
  for (const auto& rv : l.relations) {
    auto cls = catalog::ResolveRelation(rv.schema, rv.name, snap, me);
    if (!cls) throw MakeError(sqlstate::kUndefinedTable, "relation \"" + rv.name + "\" does not exist");
    if (cls->relkind != 'r' && cls->relkind != 'v' && cls->relkind != 'S')
      throw MakeError("42809", "cannot lock relation \"" + rv.name + "\"").Detail("This operation is not supported for indexes.");
    // PostgreSQL's LockTableAclCheck: any one of these privileges will do.
    const uint32_t any = mode == lmgr::LockMode::kAccessShare    ? sql::kPrivSelect
                         : mode == lmgr::LockMode::kRowExclusive ? sql::kPrivInsert | sql::kPrivUpdate |
                                                                       sql::kPrivDelete | sql::kPrivTruncate
                                                                 : sql::kPrivUpdate | sql::kPrivDelete | sql::kPrivTruncate;
    if (!(RelationPrivilegesHeld(cls->relkind, cls->relowner, cls->relacl, 0) & any))
      throw RelationPermissionDenied(cls->relkind, cls->relname);
    auto r = lmgr::Acquire(lmgr::LockTag::Relation(catalog::CurrentDatabase(), cls->oid), mode, l.nowait);
    if (r == lmgr::LockResult::kNotAvailable)
      throw MakeError("55P03", "could not obtain lock on relation \"" + rv.name + "\"");
  }
  return "LOCK TABLE";
}

}  // namespace tusk::backend
