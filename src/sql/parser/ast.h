// Public AST produced by the parser: expression nodes, SELECT/VALUES and the
// utility statements the backend executes itself. Locations are byte offsets
// into the whole query string (-1 = unknown); engine code converts them.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace tusk::sql {

struct Expr;
using ExprPtr = std::unique_ptr<Expr>;

// A type as written; SQL-standard spellings are mapped to internal names by
// the parser (integer -> int4, double precision -> float8, ...).
struct TypeName {
  std::vector<std::string> names;  // possibly schema-qualified
  std::vector<int32_t> typmods;    // e.g. numeric(10,2), varchar(20)
  bool array = false;
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
  kSubscript,    // args[0][args[1]] (parsed; not yet executable)
  kSubLink,      // (SELECT ...) (parsed; not yet executable)
};

enum class ConstKind : uint8_t { kInteger, kNumeric, kString, kBitString, kNull, kBool };
enum class BoolTestKind : uint8_t { kTrue, kFalse, kUnknown };

struct SelectStmt;

struct Expr {
  ExprKind kind;
  int location = -1;
  // kConst
  ConstKind const_kind = ConstKind::kNull;
  std::string str;           // literal text / operator name / sql value name
  bool bool_val = false;
  // kColumnRef, kFunc (qualified names)
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
  std::unique_ptr<TypeName> type;          // kCast
  std::shared_ptr<SelectStmt> subquery;    // kSubLink

  explicit Expr(ExprKind k, int loc = -1) : kind(k), location(loc) {}
};

struct ResTarget {
  ExprPtr expr;          // null when star (bare "*")
  std::optional<std::string> alias;
  int location = -1;
};

struct SortBy {
  ExprPtr expr;
  bool desc = false;
  std::optional<bool> nulls_first;  // unset = default (NULLS LAST for ASC)
  int location = -1;
};

enum class FromKind : uint8_t { kRelation, kJoin, kSubquery };

struct FromItem {
  FromKind kind = FromKind::kRelation;
  std::string schema;   // empty = search path
  std::string name;
  std::optional<std::string> alias;
  std::vector<std::string> column_aliases;
  std::string join_type;  // "inner", "left", "right", "full", "cross"
  std::unique_ptr<FromItem> left, right;
  ExprPtr join_cond;
  std::shared_ptr<SelectStmt> subquery;
  int location = -1;
};

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
  std::string set_op;  // "union", ... (parsed; rejected by the analyzer)
  int location = -1;
};

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

struct AlterRoleStmt {
  std::string name;
  RoleOptions options;
};

struct DropRoleStmt {
  bool missing_ok = false;
  std::vector<std::string> names;
};

struct DiscardStmt {
  enum Target : uint8_t { kAll, kPlans, kSequences, kTemp } target = kAll;
};

}  // namespace tusk::sql
