// AST for DDL, DML and maintenance statements (CREATE/ALTER/DROP TABLE,
// INDEX, VIEW, DATABASE; INSERT/UPDATE/DELETE; COPY; VACUUM; EXPLAIN; PREPARE).
// Parsed only: planning and execution live outside the parser.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "sql/parser/ast.h"

namespace tusk::sql {

struct Statement;

// [schema.]name [[AS] alias]; catalog.schema.name keeps all three.
struct RangeVar {
  std::string catalog;
  std::string schema;  // empty = search path
  std::string name;
  std::optional<std::string> alias;
  int location = -1;
};

// name = value in WITH (...) lists and statement options. A bare name (FREEZE,
// HEADER) has no arg; arg_kind says how the value was written.
struct DefElem {
  std::string name;  // lower-cased
  enum ArgKind : uint8_t { kNone, kString, kNumber, kIdent, kList } arg_kind = kNone;
  std::string arg;   // keyword args are lower-cased (ON, true, csv)
  std::vector<std::string> list;  // kList: FORCE_QUOTE (a, b)
  int location = -1;
};

// One option of CREATE / ALTER SEQUENCE (PostgreSQL's SeqOptElem), and of
// an identity column's ( seq options ).
struct SeqOption {
  enum Kind : uint8_t { kAs, kIncrement, kMinValue, kMaxValue, kStart, kRestart, kCache, kCycle, kOwnedBy } kind = kAs;
  bool has_value = false;          // a number was given (NO MINVALUE / NO MAXVALUE / bare RESTART: false)
  std::string value;               // the number as written, sign included
  bool cycle = false;              // kCycle: CYCLE (true) or NO CYCLE (false)
  std::vector<std::string> names;  // kAs: the type name; kOwnedBy: table.column (["none"] for NONE)
  int location = -1;
};

enum class FkAction : uint8_t { kNoAction, kRestrict, kCascade, kSetNull, kSetDefault };

struct Constraint {
  enum Kind : uint8_t { kNull, kNotNull, kDefault, kCheck, kPrimaryKey, kUnique, kForeignKey, kGenerated, kIdentity } kind = kNull;
  std::string name;                 // CONSTRAINT name; empty = system-chosen
  ExprPtr expr;                     // DEFAULT / CHECK / GENERATED ALWAYS AS (expr)
  std::vector<std::string> keys;    // table constraint columns (PK, UNIQUE, FK local columns)
  std::vector<std::string> include; // INCLUDE (...) of PK/UNIQUE
  std::vector<DefElem> index_options;  // WITH (...) of PK/UNIQUE
  bool nulls_not_distinct = false;
  RangeVar ref_table;               // FOREIGN KEY / REFERENCES
  std::vector<std::string> ref_columns;
  std::string match;                // "full", "partial", "simple"; empty = default
  FkAction on_delete = FkAction::kNoAction, on_update = FkAction::kNoAction;
  bool deferrable = false, initially_deferred = false;
  bool no_inherit = false;          // CHECK ... NO INHERIT
  bool not_valid = false;           // ALTER TABLE ADD ... NOT VALID
  char identity = '\0';             // kIdentity: 'a' GENERATED ALWAYS, 'd' BY DEFAULT
  std::vector<SeqOption> seq_options;  // kIdentity: ( sequence options )
  int location = -1;
};

struct ColumnDef {
  std::string name;
  std::unique_ptr<TypeName> type;   // null for CREATE TABLE OF / partition columns (not parsed)
  std::vector<std::string> collation;
  std::vector<Constraint> constraints;  // column constraints in written order
  int location = -1;
};

struct PartitionSpec {
  std::string strategy;  // "range", "list", "hash"
  struct Elem {
    std::string column;  // set when a bare column
    ExprPtr expr;        // set when (expr) or a function call
    std::vector<std::string> collation, opclass;
    int location = -1;
  };
  std::vector<Elem> params;
  int location = -1;
};

enum class Persistence : uint8_t { kPermanent, kTemp, kUnlogged };

struct CreateTableStmt {
  RangeVar relation;
  Persistence persistence = Persistence::kPermanent;
  bool if_not_exists = false;
  std::vector<ColumnDef> columns;
  std::vector<Constraint> constraints;  // table constraints
  std::vector<RangeVar> inherits;
  std::optional<PartitionSpec> partition_by;
  std::string access_method;            // USING method
  std::vector<DefElem> options;         // WITH (fillfactor = 100, ...)
  std::string on_commit;                // "preserve rows", "delete rows", "drop"
  std::string tablespace;
};

// CREATE TABLE ... AS query (tag "SELECT n").
struct CreateTableAsStmt {
  RangeVar relation;
  Persistence persistence = Persistence::kPermanent;
  bool if_not_exists = false;
  std::vector<std::string> columns;
  std::vector<DefElem> options;
  std::string on_commit;  // as CreateTableStmt's
  std::shared_ptr<SelectStmt> query;
  bool with_data = true;
};

struct DropStmt {
  enum Object : uint8_t { kTable, kIndex, kView, kSequence, kSchema } object = kTable;
  bool missing_ok = false;
  bool concurrently = false;  // DROP INDEX CONCURRENTLY
  bool cascade = false;       // CASCADE (RESTRICT is the default)
  std::vector<RangeVar> names;
};

// CREATE [TEMP|UNLOGGED] SEQUENCE [IF NOT EXISTS] name [options].
struct CreateSeqStmt {
  RangeVar sequence;
  Persistence persistence = Persistence::kPermanent;
  bool if_not_exists = false;
  std::vector<SeqOption> options;
};

// ALTER SEQUENCE [IF EXISTS] name options | RENAME TO new_name.
struct AlterSeqStmt {
  RangeVar sequence;
  bool missing_ok = false;
  std::vector<SeqOption> options;
  std::string rename_to;  // non-empty: ALTER SEQUENCE ... RENAME TO
  std::optional<RoleSpec> owner_to;  // ALTER SEQUENCE ... OWNER TO
};

struct TruncateStmt {
  std::vector<RangeVar> relations;
  std::vector<bool> only;           // ONLY t, parallel to relations
  bool restart_identity = false;
  bool cascade = false;
};

struct IndexElem {
  std::string column;  // bare column name, else expr is set
  ExprPtr expr;
  std::vector<std::string> collation;
  std::vector<std::string> opclass;
  bool desc = false;
  std::optional<bool> nulls_first;
  int location = -1;
};

struct IndexStmt {
  std::string name;  // empty = system-chosen
  RangeVar relation;
  bool unique = false, concurrently = false, if_not_exists = false, only = false;
  bool nulls_not_distinct = false;
  std::string access_method = "btree";
  std::vector<IndexElem> params;
  std::vector<std::string> include;
  std::vector<DefElem> options;
  ExprPtr where;
  std::string tablespace;
};

struct AlterTableCmd {
  enum Kind : uint8_t {
    kAddColumn, kDropColumn, kAlterColumnType, kSetNotNull, kDropNotNull, kSetDefault, kDropDefault,
    kAddConstraint, kDropConstraint, kRenameColumn, kRenameConstraint, kRenameTable, kSetOptions, kOwnerTo,
  } kind = kAddColumn;
  RoleSpec owner;        // kOwnerTo
  std::string name;      // column or constraint acted on
  std::string new_name;  // RENAME ... TO
  ColumnDef column;      // kAddColumn; kAlterColumnType uses column.type and column.collation
  ExprPtr expr;          // SET DEFAULT expr; ALTER TYPE ... USING expr
  Constraint constraint; // kAddConstraint
  std::vector<DefElem> options;  // SET (fillfactor = ...)
  bool missing_ok = false;  // IF [NOT] EXISTS on the column/constraint
  bool cascade = false;
  int location = -1;
};

// ALTER TABLE; RENAME forms are single-command ALTER TABLEs (tag "ALTER TABLE").
struct AlterTableStmt {
  RangeVar relation;
  bool missing_ok = false;
  bool only = false;
  std::vector<AlterTableCmd> cmds;
};

// UPDATE SET target, and ON CONFLICT DO UPDATE SET. A multi-column clause
// (a, b) = (x, y) has several columns and either values or a subquery.
struct SetClause {
  std::vector<std::string> columns;
  std::vector<int> column_locations;
  std::vector<ExprPtr> values;          // one per column (ROW(...) / (...) unpacked), DEFAULT as kDefault
  std::shared_ptr<SelectStmt> subquery; // (a, b) = (SELECT ...)
  // col[i] = value or col[lo:hi] = array (single-column form only); a
  // slice may leave either bound out (null).
  ExprPtr subscript, subscript_upper;
  bool slice = false;
  int location = -1;
};

struct OnConflictClause {
  enum Action : uint8_t { kNothing, kUpdate } action = kNothing;
  std::vector<IndexElem> target;  // (cols / exprs) arbiter
  ExprPtr target_where;           // (cols) WHERE pred
  std::string constraint;         // ON CONSTRAINT name
  std::vector<SetClause> set;     // DO UPDATE SET; may reference EXCLUDED.col
  ExprPtr where;                  // DO UPDATE ... WHERE
  int location = -1;
};

struct InsertStmt {
  std::shared_ptr<WithClause> with;
  RangeVar relation;  // alias = AS alias
  std::vector<std::string> columns;
  std::vector<int> column_locations;
  std::shared_ptr<SelectStmt> source;  // VALUES or SELECT; null with default_values
  bool default_values = false;
  std::string overriding;  // "system value" / "user value"
  std::optional<OnConflictClause> on_conflict;
  std::vector<ResTarget> returning;
};

struct UpdateStmt {
  std::shared_ptr<WithClause> with;
  RangeVar relation;
  bool only = false;
  std::vector<SetClause> set;
  std::vector<FromItem> from;
  ExprPtr where;
  std::vector<ResTarget> returning;
};

struct DeleteStmt {
  std::shared_ptr<WithClause> with;
  RangeVar relation;
  bool only = false;
  std::vector<FromItem> using_;
  ExprPtr where;
  std::vector<ResTarget> returning;
};

// COPY: options of both syntaxes normalized to DefElems (CSV -> format 'csv',
// HEADER -> header, FREEZE ON -> freeze 'on'; values lower-cased when keywords).
struct CopyStmt {
  std::optional<RangeVar> relation;    // COPY t ...
  std::vector<std::string> columns;
  std::shared_ptr<SelectStmt> query;   // COPY (query) TO ...
  int query_start = -1, query_end = -1; // byte offsets of the query in the statement's text
  bool is_from = false;
  bool is_program = false;
  std::optional<std::string> filename; // nullopt = STDIN / STDOUT
  std::vector<DefElem> options;
  ExprPtr where;                       // COPY FROM ... WHERE
  int location = -1;
};

struct VacuumRelation {
  RangeVar relation;
  std::vector<std::string> columns;
};

// VACUUM and ANALYZE. Old-style keywords become options (full, freeze,
// verbose, analyze) exactly like the parenthesized list.
struct VacuumStmt {
  bool is_vacuum = true;  // false: ANALYZE / ANALYSE
  std::vector<DefElem> options;
  std::vector<VacuumRelation> relations;  // empty = whole database
};

struct CheckpointStmt {};

struct ExplainStmt {
  std::vector<DefElem> options;  // ANALYZE, VERBOSE and (...) options
  std::shared_ptr<Statement> statement;
};

// CREATE SCHEMA [IF NOT EXISTS] name [AUTHORIZATION role] and
// CREATE SCHEMA [IF NOT EXISTS] AUTHORIZATION role (named after the role);
// ALTER SCHEMA name RENAME TO new | OWNER TO role. DROP SCHEMA is a DropStmt.
struct SchemaStmt {
  enum Action : uint8_t { kCreate, kRename, kOwner } action = kCreate;
  std::string name;  // empty for CREATE SCHEMA AUTHORIZATION role
  bool if_not_exists = false;
  std::optional<RoleSpec> authorization;  // kCreate's AUTHORIZATION, kOwner's new owner
  std::string new_name;                   // kRename
  int location = -1;
};

struct CreateDatabaseStmt {
  std::string name;
  std::vector<DefElem> options;  // template, encoding, owner, connection_limit (CONNECTION LIMIT), ...
};

// ALTER DATABASE name [WITH] options | RENAME TO | OWNER TO | SET TABLESPACE
// | REFRESH COLLATION VERSION | SET/RESET ... .
struct AlterDatabaseStmt {
  enum Action : uint8_t { kOptions, kRename, kOwner, kSetTablespace, kRefreshCollation, kSetting } action = kOptions;
  std::string name;
  std::vector<DefElem> options;  // kOptions, as CREATE DATABASE's (DEFAULT: the identifier "default")
  std::string new_name;          // kRename: the new name; kSetTablespace: the tablespace
  RoleSpec owner;                // kOwner
  SettingClause setting;         // kSetting
};

struct DropDatabaseStmt {
  std::string name;
  bool missing_ok = false;
  bool force = false;
};

struct ViewStmt {
  RangeVar relation;
  bool replace = false;
  Persistence persistence = Persistence::kPermanent;
  bool recursive = false;
  std::vector<std::string> columns;
  std::vector<DefElem> options;
  std::shared_ptr<SelectStmt> query;
  int query_start = -1, query_end = -1;  // byte offsets of the query in the statement's text
  std::string check_option;  // "local" / "cascaded"; empty = none
};

struct PrepareStmt {
  std::string name;
  std::vector<std::unique_ptr<TypeName>> arg_types;
  std::shared_ptr<Statement> statement;
};

struct ExecuteStmt {
  std::string name;
  std::vector<ExprPtr> params;
};

struct DeallocateStmt {
  std::string name;  // empty with all
  bool all = false;
};

// DECLARE name [BINARY] [ASENSITIVE|INSENSITIVE] [[NO] SCROLL] CURSOR
// [{WITH|WITHOUT} HOLD] FOR query. Options may repeat, in any order, as in
// PostgreSQL's grammar; contradictions are reported by the backend (42P11).
struct DeclareCursorStmt {
  std::string name;
  bool binary = false;
  bool scroll = false;
  bool no_scroll = false;
  bool asensitive = false;
  bool insensitive = false;
  bool hold = false;
  std::shared_ptr<Statement> query;  // SELECT / VALUES / WITH ... SELECT
};

// FETCH / MOVE: every direction is normalized to one of four, with a count,
// as PostgreSQL's grammar does (NEXT = FORWARD 1, PRIOR = BACKWARD 1,
// FIRST = ABSOLUTE 1, LAST = ABSOLUTE -1, a negative FORWARD count is BACKWARD).
struct FetchStmt {
  enum Direction { kForward, kBackward, kAbsolute, kRelative };
  Direction direction = kForward;
  int64_t count = 1;  // with all: every remaining row in that direction
  bool all = false;
  bool is_move = false;
  std::string name;
};

struct ClosePortalStmt {
  std::string name;  // empty with all
  bool all = false;
};

// GRANT privileges ON objects TO roles [WITH GRANT OPTION];
// REVOKE [GRANT OPTION FOR] privileges ON objects FROM roles [CASCADE | RESTRICT].
struct GrantStmt {
  bool is_grant = true;
  enum Target : uint8_t { kTable, kSequence, kDatabase, kSchema } target = kTable;
  bool all_in_schema = false;  // ON ALL TABLES|SEQUENCES IN SCHEMA: `names` are schemas
  // Privilege words, upper case ("SELECT", "TEMP", ...); empty for ALL [PRIVILEGES].
  std::vector<std::string> privileges;
  std::vector<int> privilege_locations;
  std::vector<RangeVar> relations;  // kTable and kSequence, unless all_in_schema
  std::vector<std::string> names;   // databases or schemas
  std::vector<RoleSpec> grantees;
  bool grant_option = false;  // WITH GRANT OPTION, or REVOKE GRANT OPTION FOR
  std::optional<RoleSpec> granted_by;
  bool cascade = false;
};

struct LockStmt {
  std::vector<RangeVar> relations;
  std::vector<bool> only;  // parallel to relations
  std::string mode = "access exclusive";  // lower-cased, e.g. "row exclusive", "share update exclusive"
  bool nowait = false;
};

struct ConstraintsSetStmt {
  std::vector<RangeVar> constraints;  // empty with all
  bool all = false;
  bool deferred = false;
};

}  // namespace tusk::sql
