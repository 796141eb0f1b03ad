// Public AST produced by the parser: expression nodes, SELECT/VALUES and the
// utility statements the backend executes itself. Locations are byte offsets
// into the whole query string (-1 = unknown); engine code converts them.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>
#include <utility>

namespace tusk::sql {

struct Expr;
using ExprPtr = std::unique_ptr<Expr>;

// A type as written; SQL-standard spellings are mapped to internal names by
// the parser (integer -> int4, double precision -> float8, ...).
struct TypeName {
  std::vector<std::string> names;  // possibly schema-qualified
  std::vector<int32_t> typmods;    // e.g. numeric(10,2), varchar(20)
  bool array = false;              // true when array_bounds is non-empty
  std::vector<int32_t> array_bounds;  // one per [] (-1 = no bound written)
  bool pct_type = false;           // reserved for %TYPE (not parsed)
  int location = -1;
};

enum class ExprKind : uint8_t {
  kConst,        // literal; see ConstKind
  kColumnRef,    // fields (a.b.c); star for a.* or *
  kParam,        // $n
  kOp,           // binary or prefix operator: name, args (1 or 2)
  kAnd,
  kOr,
  kNot,
  kNullTest,     // IS [NOT] NULL; negated = NOT
  kBoolTest,     // IS [NOT] TRUE/FALSE/UNKNOWN; bool_test
  kDistinct,     // IS [NOT] DISTINCT FROM; negated = NOT DISTINCT
  kBetween,      // args: x, lo, hi; negated, symmetric
  kIn,           // args[0] IN (args[1..]); negated
  kLike,         // args: x, pattern[, escape]; name = "like"/"ilike"/"similar"; negated
  kCase,         // arg (optional) in case_arg; whens: pairs in args; default in case_else
  kFunc,         // name (possibly qualified), args; agg_star, agg_distinct
  kCast,         // args[0]::type
  kCoalesce,
  kNullIf,
  kGreatest,
  kLeast,
  kSqlValue,     // current_user, current_timestamp, ...: name
  kSubscript,    // args[0][args[1]], or a slice args[0][args[1]:args[2]] (slice = true;
                 // a missing bound is a null ExprPtr); not yet executable
  kSubLink,      // subquery; see sublink (not yet executable)
  kAnyAll,       // args[0] <str> ANY|ALL (args[1]) over an array; negated = ALL
  kArray,        // ARRAY[args...] (ARRAY(SELECT ...) is a kSubLink of kind kArray)
  kRow,          // ROW(args...) or (a, b, ...)
  kCollate,      // args[0] COLLATE names
  kDefault,      // DEFAULT in VALUES lists and UPDATE SET
  kFieldSelect,  // (args[0]).str, or (args[0]).* with star
};

// The kind of a kSubLink: (SELECT ...), EXISTS (...), x op ANY/ALL (...),
// x IN (...) (= ANY with str "="), ARRAY(SELECT ...).
enum class SubLinkKind : uint8_t { kExpr, kExists, kAny, kAll, kArray };

enum class ConstKind : uint8_t { kInteger, kNumeric, kString, kBitString, kNull, kBool };
enum class BoolTestKind : uint8_t { kTrue, kFalse, kUnknown };

struct SelectStmt;
struct Expr;

struct SortBy {
  std::unique_ptr<Expr> expr;
  bool desc = false;
  std::optional<bool> nulls_first;  // unset = default (NULLS LAST for ASC)
  int location = -1;
};

// Window frames (PostgreSQL's frame_clause): ROWS, RANGE or GROUPS, a start
// and an end bound (the end is CURRENT ROW when BETWEEN is absent), and an
// exclusion. The parser already rejects PostgreSQL's invalid combinations
// (42P20, e.g. a frame starting from a following row that ends earlier).
enum class FrameMode : uint8_t { kRange, kRows, kGroups };
enum class FrameBoundKind : uint8_t {
  kUnboundedPreceding, kOffsetPreceding, kCurrentRow, kOffsetFollowing, kUnboundedFollowing
};
enum class FrameExclusion : uint8_t { kNoOthers, kCurrentRow, kGroup, kTies };

struct FrameBound {
  FrameBoundKind kind = FrameBoundKind::kUnboundedPreceding;
  std::unique_ptr<Expr> offset;  // kOffsetPreceding / kOffsetFollowing
  int location = -1;
};

// OVER (...), OVER name, or a WINDOW clause entry.
struct WindowDef {
  std::string name;      // WINDOW w AS (...): w; empty in OVER (...)
  std::string ref_name;  // OVER w / OVER (w ORDER BY ...)
  bool bare = false;     // OVER w, without parentheses (w's frame is used as is)
  std::vector<std::unique_ptr<Expr>> partition_by;
  std::vector<SortBy> order_by;
  bool has_frame = false;  // false: RANGE UNBOUNDED PRECEDING (to CURRENT ROW)
  FrameMode mode = FrameMode::kRange;
  FrameBound start, end;   // end.kind is kCurrentRow without BETWEEN
  FrameExclusion exclude = FrameExclusion::kNoOthers;
  int location = -1;       // the '(' (PostgreSQL's), or the name of OVER name

  WindowDef() { end.kind = FrameBoundKind::kCurrentRow; }
};

struct Expr {
  ExprKind kind;
  int location = -1;
  // kConst
  ConstKind const_kind = ConstKind::kNull;
  std::string str;           // literal text / operator name / sql value name
  bool bool_val = false;
  // kColumnRef, kFunc (qualified names); kCollate (the collation); kOp,
  // kAnyAll, kSubLink: OPERATOR(schema.op)'s qualification (empty if none)
  std::vector<std::string> names;
  bool star = false;
  // kParam
  int param_number = 0;
  std::vector<ExprPtr> args;
  bool negated = false;
  bool symmetric = false;
  BoolTestKind bool_test = BoolTestKind::kTrue;
  ExprPtr case_arg;
  ExprPtr case_else;
  bool agg_star = false;
  bool agg_distinct = false;
  bool func_variadic = false;
  std::vector<SortBy> agg_order;           // f(x ORDER BY y), or WITHIN GROUP (ORDER BY ...)
  bool agg_within_group = false;
  ExprPtr agg_filter;                      // FILTER (WHERE ...)
  std::shared_ptr<WindowDef> over;         // f() OVER ...: a window function call
  std::vector<std::string> arg_names;      // f(a => 1): name per arg ("" = positional)
  std::unique_ptr<TypeName> type;          // kCast
  std::shared_ptr<SelectStmt> subquery;    // kSubLink
  SubLinkKind sublink = SubLinkKind::kExpr;  // kSubLink; test expression (ANY/ALL) in args[0], operator in str
  bool slice = false;                      // kSubscript

  explicit Expr(ExprKind k, int loc = -1) : kind(k), location(loc) {}
};

struct ResTarget {
  ExprPtr expr;          // null when star (bare "*")
  std::optional<std::string> alias;
  int location = -1;
};

enum class FromKind : uint8_t { kRelation, kJoin, kSubquery, kFunction };

struct FromItem {
  FromKind kind = FromKind::kRelation;
  std::string schema;   // empty = search path
  std::string name;
  std::optional<std::string> alias;
  std::vector<std::string> column_aliases;
  bool only = false;       // ONLY t (no inheritance children)
  bool lateral = false;    // LATERAL (subquery or function)
  std::string join_type;  // "inner", "left", "right", "full", "cross"
  bool natural = false;
  std::vector<std::string> join_using;  // JOIN ... USING (cols)
  std::optional<std::string> join_using_alias;  // USING (...) AS alias
  std::unique_ptr<FromItem> left, right;
  ExprPtr join_cond;
  std::shared_ptr<SelectStmt> subquery;
  ExprPtr func;            // kFunction: the call (generate_series(1, 3))
  bool with_ordinality = false;
  int location = -1;
};

struct CommonTableExpr {
  std::string name;
  std::vector<std::string> columns;
  std::shared_ptr<SelectStmt> query;
  std::optional<bool> materialized;  // [NOT] MATERIALIZED
  int location = -1;
};

struct WithClause {
  bool recursive = false;
  std::vector<CommonTableExpr> ctes;
  int location = -1;
};

struct LockingClause {
  enum Strength : uint8_t { kUpdate, kNoKeyUpdate, kShare, kKeyShare } strength = kUpdate;
  enum WaitPolicy : uint8_t { kBlock, kNowait, kSkipLocked } wait = kBlock;
  std::vector<std::string> relations;  // OF a, b (empty = all)
  int location = -1;
};

enum class SetOpKind : uint8_t { kNone, kUnion, kIntersect, kExcept };

struct SelectStmt {
  bool distinct = false;
  std::vector<ExprPtr> distinct_on;
  std::vector<ResTarget> targets;
  std::vector<FromItem> from;
  ExprPtr where;
  std::vector<ExprPtr> group_by;
  ExprPtr having;
  std::vector<SortBy> order_by;
  ExprPtr limit;       // null = no limit (also LIMIT ALL)
  ExprPtr offset;
  std::vector<std::vector<ExprPtr>> values;  // non-empty for VALUES lists
  // Set operations: when op != kNone, larg/rarg hold the operands and only
  // with/order_by/limit/offset/locking of this node are meaningful.
  SetOpKind op = SetOpKind::kNone;
  bool set_all = false;
  std::shared_ptr<SelectStmt> larg, rarg;
  std::shared_ptr<WithClause> with;
  std::vector<WindowDef> windows;          // WINDOW name AS (...)
  bool limit_with_ties = false;            // FETCH FIRST n ROWS WITH TIES
  std::vector<LockingClause> locking;
  int location = -1;
};

// The first construct in a SELECT tree that the current analyzer/executor
// cannot run (set operations, CTEs, window functions, ...), or nullptr.
// Sets *location to its byte offset. Lets the engine refuse with 0A000
// instead of silently ignoring new AST fields.
const char* FindUnplannableSelectFeature(const SelectStmt& s, int* location);

// The relations a query reads, as written ({schema or "", name}): FROM
// items anywhere in it (subqueries, set operations, WITH bodies, sublinks
// in expressions), minus names its WITH queries shadow. Used to find the
// views that depend on a table or view.
std::vector<std::pair<std::string, std::string>> ReferencedRelations(const SelectStmt& s);

// ---- utility statements -------------------------------------------------

struct SetValue {
  enum Kind : uint8_t { kString, kIdent, kNumber } kind = kString;
  std::string text;
};

struct TransactionModes {
  std::optional<std::string> isolation;  // "serializable", "repeatable read", "read committed", "read uncommitted"
  std::optional<bool> read_only;
  std::optional<bool> deferrable;
};

struct SetStmt {
  enum Kind : uint8_t { kValue, kDefault, kTransaction, kSessionCharacteristics } kind = kValue;
  std::string name;              // lower-cased GUC name ("timezone" for SET TIME ZONE)
  std::vector<SetValue> values;  // kValue
  bool is_local = false;
  TransactionModes modes;        // kTransaction / kSessionCharacteristics
};

// ALTER SYSTEM SET name {TO|=} value | TO DEFAULT, ALTER SYSTEM RESET name | ALL.
struct AlterSystemStmt {
  SetStmt set;  // kValue, or kDefault for RESET name and TO DEFAULT
  bool reset_all = false;
};

struct ResetStmt {
  std::string name;  // empty when all
  bool all = false;
};

struct ShowStmt {
  std::string name;  // lower-cased; "all" for SHOW ALL
  bool all = false;
};

struct TransactionStmt {
  enum Kind : uint8_t { kBegin, kStart, kCommit, kRollback, kSavepoint, kRelease, kRollbackTo } kind = kBegin;
  TransactionModes modes;
  bool chain = false;           // COMMIT/ROLLBACK AND CHAIN
  std::string savepoint;
};

struct RoleOptions {
  std::optional<bool> superuser, login, createdb, createrole, inherit, replication, bypassrls;
  std::optional<int> connection_limit;
  bool password_given = false;          // PASSWORD 'x' or PASSWORD NULL
  std::optional<std::string> password;  // nullopt with password_given = PASSWORD NULL
  std::optional<std::string> valid_until;
};

struct CreateRoleStmt {
  bool is_user = false;  // CREATE USER: LOGIN unless stated otherwise
  std::string name;
  RoleOptions options;
};

// A role where PostgreSQL's grammar takes a RoleSpec. CURRENT_ROLE is
// CURRENT_USER; "public" (quoted or not) is kPublic.
struct RoleSpec {
  enum Kind : uint8_t { kName, kCurrentUser, kSessionUser, kPublic } kind = kName;
  std::string name;  // kName
  int location = -1;
};

// The SET/RESET clause of ALTER ROLE and ALTER DATABASE (PostgreSQL's
// SetResetClause): SET name {TO|=} value | DEFAULT, SET name FROM CURRENT,
// RESET name, RESET ALL. SET TIME ZONE, SCHEMA, NAMES, ROLE and SESSION
// AUTHORIZATION name their parameters as plain SET does.
struct SettingClause {
  enum Kind : uint8_t { kValue, kDefault, kFromCurrent, kResetAll } kind = kValue;
  std::string name;              // lower-cased unless quoted
  std::vector<SetValue> values;  // kValue
};

// ALTER ROLE name [WITH] options, or ALTER ROLE {name | ALL} [IN DATABASE
// db] SET/RESET ... (`setting` given).
struct AlterRoleStmt {
  RoleSpec role;         // unused when all_roles
  bool all_roles = false;
  RoleOptions options;
  std::optional<SettingClause> setting;
  std::string database;  // IN DATABASE; empty: none
};

struct DropRoleStmt {
  bool missing_ok = false;
  std::vector<std::string> names;
};

struct DiscardStmt {
  enum Target : uint8_t { kAll, kPlans, kSequences, kTemp } target = kAll;
};

// LISTEN channel, UNLISTEN channel | *, NOTIFY channel [, 'payload'].
struct NotifyStmt {
  enum Action : uint8_t { kListen, kUnlisten, kNotify } action = kNotify;
  std::string channel;  // empty: UNLISTEN *
  std::string payload;
};

}  // namespace tusk::sql
