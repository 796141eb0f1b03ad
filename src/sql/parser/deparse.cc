// Expression ASTs back to SQL text (see deparse.h).
#include "sql/parser/deparse.h"

#include "utils/error.h"

namespace tusk::sql {
namespace {

std::string Args(const std::vector<ExprPtr>& args, size_t from = 0) {
  std::string s;
  for (size_t i = from; i < args.size(); ++i) {
    if (i > from) s += ", ";
    s += args[i] ? DeparseExpr(*args[i]) : "NULL";
  }
  return s;
}

std::string Names(const std::vector<std::string>& names) {
  std::string s;
  for (size_t i = 0; i < names.size(); ++i) s += (i ? "." : "") + QuoteIdentifier(names[i]);
  return s;
}

}  // namespace

std::string QuoteIdentifier(const std::string& name) {
  bool plain = !name.empty() && (std::islower(static_cast<unsigned char>(name[0])) || name[0] == '_');
  for (char c : name)
    if (!(std::islower(static_cast<unsigned char>(c)) || std::isdigit(static_cast<unsigned char>(c)) || c == '_'))
      plain = false;
  if (plain) return name;
  std::string s = "\"";
  for (char c : name) s += c == '"' ? std::string("\"\"") : std::string(1, c);
  return s + "\"";
}

std::string QuoteLiteral(const std::string& text) {
  std::string s = "'";
  for (char c : text) s += c == '\'' ? std::string("''") : std::string(1, c);
  return s + "'";
}

std::string DeparseTypeName(const TypeName& t) {
  std::string s = Names(t.names);
  if (!t.typmods.empty()) {
    s += "(";
    for (size_t i = 0; i < t.typmods.size(); ++i) s += (i ? "," : "") + std::to_string(t.typmods[i]);
    s += ")";
  }
  for (size_t i = 0; i < t.array_bounds.size(); ++i) s += "[]";
  return s;
}

std::string DeparseExpr(const Expr& e) {
  switch (e.kind) {
    case ExprKind::kConst:
      switch (e.const_kind) {
        case ConstKind::kInteger:
        case ConstKind::kNumeric: return e.str[0] == '-' ? "(" + e.str + ")" : e.str;
        case ConstKind::kString: return QuoteLiteral(e.str);
        case ConstKind::kBitString: return "B" + QuoteLiteral(e.str);
        case ConstKind::kNull: return "NULL";
        case ConstKind::kBool: return e.bool_val ? "true" : "false";
      }
      break;
    case ExprKind::kColumnRef: return Names(e.names) + (e.star ? ".*" : "");
    case ExprKind::kParam: return "$" + std::to_string(e.param_number);
    case ExprKind::kOp:
      if (e.args.size() == 1) return "(" + e.str + " " + DeparseExpr(*e.args[0]) + ")";
      return "(" + DeparseExpr(*e.args[0]) + " " + e.str + " " + DeparseExpr(*e.args[1]) + ")";
    case ExprKind::kAnd:
    case ExprKind::kOr: {
      std::string s = "(";
      for (size_t i = 0; i < e.args.size(); ++i)
        s += (i ? (e.kind == ExprKind::kAnd ? " AND " : " OR ") : "") + DeparseExpr(*e.args[i]);
      return s + ")";
    }
    case ExprKind::kNot: return "(NOT " + DeparseExpr(*e.args[0]) + ")";
    case ExprKind::kNullTest:
      return "(" + DeparseExpr(*e.args[0]) + (e.negated ? " IS NOT NULL)" : " IS NULL)");
    case ExprKind::kBoolTest: {
      const char* what = e.bool_test == BoolTestKind::kTrue ? "TRUE" : e.bool_test == BoolTestKind::kFalse ? "FALSE" : "UNKNOWN";
      return "(" + DeparseExpr(*e.args[0]) + (e.negated ? " IS NOT " : " IS ") + what + ")";
    }
    case ExprKind::kDistinct:
      return "(" + DeparseExpr(*e.args[0]) + (e.negated ? " IS NOT DISTINCT FROM " : " IS DISTINCT FROM ") +
             DeparseExpr(*e.args[1]) + ")";
    case ExprKind::kBetween:
      return "(" + DeparseExpr(*e.args[0]) + (e.negated ? " NOT BETWEEN " : " BETWEEN ") +
             (e.symmetric ? "SYMMETRIC " : "") + DeparseExpr(*e.args[1]) + " AND " + DeparseExpr(*e.args[2]) + ")";
    case ExprKind::kIn:
      return "(" + DeparseExpr(*e.args[0]) + (e.negated ? " NOT IN (" : " IN (") + Args(e.args, 1) + "))";
    case ExprKind::kLike: {
      std::string op = e.str == "ilike" ? "ILIKE" : e.str == "similar" ? "SIMILAR TO" : "LIKE";
      std::string s = "(" + DeparseExpr(*e.args[0]) + (e.negated ? " NOT " : " ") + op + " " + DeparseExpr(*e.args[1]);
      if (e.args.size() > 2) s += " ESCAPE " + DeparseExpr(*e.args[2]);
      return s + ")";
    }
    case ExprKind::kCase: {
      std::string s = "CASE";
      if (e.case_arg) s += " " + DeparseExpr(*e.case_arg);
      for (size_t i = 0; i + 1 < e.args.size(); i += 2)
        s += " WHEN " + DeparseExpr(*e.args[i]) + " THEN " + DeparseExpr(*e.args[i + 1]);
      if (e.case_else) s += " ELSE " + DeparseExpr(*e.case_else);
      return s + " END";
    }
    case ExprKind::kFunc: {
      if (e.over) break;
      std::string s = Names(e.names) + "(";
      if (e.agg_star) return s + "*)";
      if (e.agg_distinct) s += "DISTINCT ";
      return s + Args(e.args) + ")";
    }
    case ExprKind::kCast: return "(" + DeparseExpr(*e.args[0]) + ")::" + DeparseTypeName(*e.type);
    case ExprKind::kCoalesce: return "COALESCE(" + Args(e.args) + ")";
    case ExprKind::kNullIf: return "NULLIF(" + Args(e.args) + ")";
    case ExprKind::kGreatest: return "GREATEST(" + Args(e.args) + ")";
    case ExprKind::kLeast: return "LEAST(" + Args(e.args) + ")";
    case ExprKind::kSqlValue: {
      std::string s = e.str;
      if (!e.args.empty()) s += "(" + Args(e.args) + ")";
      return s;
    }
    case ExprKind::kArray: return "ARRAY[" + Args(e.args) + "]";
    case ExprKind::kRow: return "ROW(" + Args(e.args) + ")";
    case ExprKind::kFieldSelect: return "(" + DeparseExpr(*e.args[0]) + ")." + (e.star ? "*" : QuoteIdentifier(e.str));
    case ExprKind::kAnyAll:
      return "(" + DeparseExpr(*e.args[0]) + " " + e.str + (e.negated ? " ALL (" : " ANY (") +
             DeparseExpr(*e.args[1]) + "))";
    default: break;
  }
  throw PgError(sqlstate::kFeatureNotSupported, "cannot use this expression in a stored DEFAULT or CHECK yet");
}

}  // namespace tusk::sql
