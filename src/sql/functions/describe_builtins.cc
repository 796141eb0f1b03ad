// What psql's describe commands (\d NAME, \d+, \l+, \dT, \dx ...) call
// beyond plain catalog reads: the catalog deparsing functions
// (pg_get_expr, pg_get_constraintdef, pg_get_indexdef, pg_get_viewdef),
// privilege checks (has_*_privilege) and small visibility helpers.
//
// Tusk stores DEFAULT and CHECK expressions and view queries as SQL text,
// not as analyzed trees. The printer below reparses that text and writes it
// the way PostgreSQL's deparser writes the analyzed tree: literals carry the
// type the analyzer would give them ('x'::text), implicit casts inside
// operators and function calls show up (k > 0::numeric), BETWEEN and IN
// lists appear in their expanded forms, column references of a view are
// qualified, and the pretty flag drops the parentheses that precedence makes
// unnecessary. Types are inferred with a small model of operator resolution
// (integer cross-type operators, numeric/float promotion, varchar as text),
// enough for the expressions Tusk accepts in DEFAULT, CHECK and views; an
// expression outside that model is printed as stored.
#include <cctype>
#include <cstring>

#include "sql/engine.h"
#include "sql/functions/registry.h"
#include "sql/parser/deparse.h"
#include "sql/parser/statement.h"
#include "sql/session_context.h"
#include "sql/types/regtypes.h"
#include "sql/types/type_oids.h"
#include "utils/error.h"

namespace tusk::sql {
namespace {

struct Scope {
  std::string refname;  // the FROM item's name or alias (empty: unqualified)
  std::vector<ColumnFacts> cols;
};

// A printed expression, with what the parent needs to place it.
struct Printed {
  enum Node { kVar, kConst, kLiteral, kOp, kAnd, kOr, kNot, kTest, kFunc, kCast, kOther };
  std::string text;
  uint32_t type = 0;  // 0: still unknown (a string literal or NULL)
  Node node = kOther;
  std::string op;       // kOp: the operator
  std::string literal;  // kLiteral: the value; `null` for NULL
  bool null = false;
};

bool IsIntType(uint32_t t) { return t == oid::kInt2 || t == oid::kInt4 || t == oid::kInt8; }
bool IsFloatType(uint32_t t) { return t == oid::kFloat4 || t == oid::kFloat8; }
bool IsArith(const std::string& op) { return op == "+" || op == "-" || op == "*" || op == "/" || op == "%"; }
bool IsComparison(const std::string& op) {
  return op == "=" || op == "<>" || op == "<" || op == ">" || op == "<=" || op == ">=" || op == "~~" ||
         op == "!~~" || op == "~~*" || op == "!~~*" || op == "~" || op == "~*" || op == "!~" || op == "!~*";
}

// The type an operator works on for a column of type t (varchar has only
// text's operators).
uint32_t OperandType(uint32_t t) { return t == oid::kVarchar ? oid::kText : t; }

std::string TypeName(uint32_t type, int32_t typmod = -1) { return FormatTypeWithTypmod(type, typmod, true); }

// A constant of `type` as PostgreSQL's get_const_expr writes it.
std::string ConstText(const std::string& value, uint32_t type, int32_t typmod = -1) {
  if (type == oid::kInt4) return value[0] != '-' ? value : QuoteLiteral(value) + "::integer";
  if (type == oid::kNumeric) {
    bool plain = !value.empty() && std::isdigit(static_cast<unsigned char>(value[0])) &&
                 value.find_first_of("eE.") != std::string::npos;
    if (plain && typmod < 0) return value;
    return QuoteLiteral(value) + "::" + TypeName(type, typmod);
  }
  if (type == oid::kBool) return value == "t" || value == "true" ? "true" : "false";
  if (type == 0 || type == oid::kUnknown) return QuoteLiteral(value);
  return QuoteLiteral(value) + "::" + TypeName(type, typmod);
}

class Printer {
 public:
  Printer(SessionContext& s, bool pretty, bool prefix) : s_(s), pretty_(pretty), prefix_(prefix) {}
  std::vector<Scope> scopes;

  Printed Print(const Expr& e);
  // An expression at the top of a clause: unknown literals become text.
  std::string Top(const Expr& e) { return ToText(Print(e)).text; }

  Printed Coerce(Printed p, uint32_t type, int32_t typmod = -1) {
    if (type == 0 || p.type == type) return p;
    if (p.node == Printed::kLiteral) {
      Printed c;
      c.type = type;
      c.node = Printed::kConst;
      std::string value = p.literal;
      if (type == oid::kRegclass && !p.null) {
        // regclass constants print through regclassout: the name as it
        // resolves now, qualified only when not visible.
        try {
          if (uint32_t o = RegIn(oid::kRegclass, value, &s_, true)) value = RegOut(oid::kRegclass, o, &s_);
        } catch (const PgError&) {
        }
      }
      c.text = p.null ? "NULL::" + TypeName(type, typmod) : ConstText(value, type, typmod);
      return c;
    }
    return CastOf(p, type, typmod);
  }
  Printed ToText(Printed p) { return p.type == 0 ? Coerce(std::move(p), oid::kText) : p; }

 private:
  SessionContext& s_;
  bool pretty_, prefix_;

  Printed CastOf(const Printed& p, uint32_t type, int32_t typmod) {
    Printed c;
    c.type = type;
    c.node = Printed::kCast;
    bool simple = p.node == Printed::kVar || p.node == Printed::kConst || p.node == Printed::kFunc ||
                  p.node == Printed::kCast || p.node == Printed::kLiteral;
    std::string inner = pretty_ && simple ? p.text : "(" + p.text + ")";
    c.text = inner + "::" + TypeName(type, typmod);
    return c;
  }

  // The child of an operator or boolean node, parenthesized unless
  // PostgreSQL's pretty printer would leave it bare (isSimpleNode).
  std::string Child(const Printed& c, const Printed& parent, bool first) {
    if (!pretty_) return c.text;
    bool simple = true;
    switch (c.node) {
      case Printed::kOp:
        if (parent.node == Printed::kOp) {
          simple = false;
          if (IsArith(c.op) && IsArith(parent.op)) {
            bool hi = c.op == "*" || c.op == "/" || c.op == "%";
            bool parent_hi = parent.op == "*" || parent.op == "/" || parent.op == "%";
            simple = (hi && !parent_hi) || (hi == parent_hi && first);
          }
        } else {
          simple = parent.node == Printed::kAnd || parent.node == Printed::kOr || parent.node == Printed::kNot;
        }
        break;
      case Printed::kTest:
        simple = parent.node == Printed::kAnd || parent.node == Printed::kOr || parent.node == Printed::kNot;
        break;
      case Printed::kAnd:
      case Printed::kNot:
        simple = parent.node == Printed::kAnd || parent.node == Printed::kOr;
        break;
      case Printed::kOr: simple = parent.node == Printed::kOr; break;
      default: break;
    }
    return simple ? c.text : "(" + c.text + ")";
  }

  Printed Op(const std::string& op, Printed l, Printed r);
  Printed Bool(Printed::Node kind, std::vector<Printed> args);
  Printed Column(const Expr& e);
  Printed Func(const Expr& e);
  Printed InList(const Expr& e);
};

// Binary operator: operand types as operator resolution would pick them.
Printed Printer::Op(const std::string& op_in, Printed l, Printed r) {
  std::string op = op_in == "!=" ? "<>" : op_in;
  uint32_t lt = l.type, rt = r.type, target_l = lt, target_r = rt;
  if (lt == 0 && rt == 0) {
    target_l = target_r = oid::kText;
  } else if (lt == 0 || rt == 0) {
    uint32_t k = OperandType(lt ? lt : rt);
    if (op == "||" && k != oid::kText) k = oid::kText;
    target_l = target_r = k;
  } else if (lt != rt) {
    if (IsIntType(lt) && IsIntType(rt)) {
      // int2/int4/int8 have cross-type operators.
    } else if (IsFloatType(lt) && IsFloatType(rt)) {
    } else if ((IsIntType(lt) || lt == oid::kNumeric || IsFloatType(lt)) &&
               (IsIntType(rt) || rt == oid::kNumeric || IsFloatType(rt))) {
      uint32_t to = IsFloatType(lt) || IsFloatType(rt) ? oid::kFloat8 : oid::kNumeric;
      if (IsFloatType(lt) && !IsFloatType(rt)) to = lt;
      if (IsFloatType(rt) && !IsFloatType(lt)) to = rt;
      target_l = IsFloatType(lt) && to == oid::kFloat8 ? lt : to;
      target_r = IsFloatType(rt) && to == oid::kFloat8 ? rt : to;
      if (IsFloatType(lt)) target_l = lt;
      if (IsFloatType(rt)) target_r = rt;
    } else {
      target_l = OperandType(lt);
      target_r = OperandType(rt);
    }
  } else {
    target_l = target_r = OperandType(lt);
  }
  l = Coerce(std::move(l), target_l);
  r = Coerce(std::move(r), target_r);
  Printed p;
  p.node = Printed::kOp;
  p.op = op;
  if (IsComparison(op)) {
    p.type = oid::kBool;
  } else if (op == "||") {
    p.type = oid::kText;
  } else if (IsIntType(l.type) && IsIntType(r.type)) {
    p.type = l.type == oid::kInt8 || r.type == oid::kInt8 ? oid::kInt8
             : l.type == oid::kInt4 || r.type == oid::kInt4 ? oid::kInt4 : oid::kInt2;
  } else {
    p.type = l.type ? l.type : r.type;
  }
  std::string body = Child(l, p, true) + " " + op + " " + Child(r, p, false);
  p.text = pretty_ ? body : "(" + body + ")";
  return p;
}

Printed Printer::Bool(Printed::Node kind, std::vector<Printed> args) {
  Printed p;
  p.node = kind;
  p.type = oid::kBool;
  std::string body;
  if (kind == Printed::kNot) {
    body = "NOT " + Child(args[0], p, true);
  } else {
    for (size_t i = 0; i < args.size(); ++i)
      body += (i ? (kind == Printed::kAnd ? " AND " : " OR ") : "") + Child(args[i], p, i == 0);
  }
  p.text = pretty_ ? body : "(" + body + ")";
  return p;
}

Printed Printer::Column(const Expr& e) {
  const std::string& name = e.names.back();
  std::string qual = e.names.size() > 1 ? e.names[e.names.size() - 2] : "";
  for (const Scope& sc : scopes) {
    if (!qual.empty() && sc.refname != qual) continue;
    for (const ColumnFacts& c : sc.cols) {
      if (c.name != name) continue;
      Printed p;
      p.node = Printed::kVar;
      p.type = c.type;
      p.text = (prefix_ && !sc.refname.empty() ? QuoteIdentifier(sc.refname) + "." : "") + QuoteIdentifier(name);
      return p;
    }
  }
  Printed p;
  p.node = Printed::kVar;
  p.type = oid::kText;
  p.text = DeparseExpr(e);
  return p;
}

// Result types of the functions a DEFAULT or CHECK commonly calls.
uint32_t FunctionResult(const std::string& name, const std::vector<Printed>& args) {
  static const std::pair<const char*, uint32_t> kKnown[] = {
      {"now", oid::kTimestamptz}, {"clock_timestamp", oid::kTimestamptz}, {"statement_timestamp", oid::kTimestamptz},
      {"transaction_timestamp", oid::kTimestamptz}, {"length", oid::kInt4}, {"char_length", oid::kInt4},
      {"octet_length", oid::kInt4}, {"upper", oid::kText}, {"lower", oid::kText}, {"btrim", oid::kText},
      {"trim", oid::kText}, {"ltrim", oid::kText}, {"rtrim", oid::kText}, {"concat", oid::kText},
      {"substr", oid::kText}, {"replace", oid::kText}, {"md5", oid::kText}, {"count", oid::kInt8},
      {"random", oid::kFloat8}, {"version", oid::kText}, {"current_database", oid::kName},
      {"gen_random_uuid", 2950}, {"position", oid::kInt4}, {"strpos", oid::kInt4}, {"nextval", oid::kInt8},
      {"currval", oid::kInt8}, {"setval", oid::kInt8}, {"lastval", oid::kInt8}};
  for (const auto& [n, t] : kKnown)
    if (name == n) return t;
  if ((name == "abs" || name == "max" || name == "min" || name == "coalesce") && !args.empty() && args[0].type)
    return args[0].type;
  return oid::kText;
}

Printed Printer::Func(const Expr& e) {
  Printed p;
  p.node = Printed::kFunc;
  std::string name = e.names.back();
  std::string qual;
  if (e.names.size() > 1 && e.names[e.names.size() - 2] != "pg_catalog") qual = e.names[e.names.size() - 2] + ".";
  if (e.agg_star) {
    p.type = oid::kInt8;
    p.text = qual + QuoteIdentifier(name) + "(*)";
    return p;
  }
  std::vector<Printed> args;
  const bool takes_regclass = name == "nextval" || name == "currval" || name == "setval";
  for (const auto& a : e.args) {
    Printed p = Print(*a);
    // nextval('s'): the literal is a regclass constant, as the analyzer makes it.
    if (takes_regclass && args.empty() && p.node == Printed::kLiteral && !p.null) p = Coerce(std::move(p), oid::kRegclass);
    args.push_back(ToText(std::move(p)));
  }
  std::string s = qual + QuoteIdentifier(name) + "(" + (e.agg_distinct ? "DISTINCT " : "");
  for (size_t i = 0; i < args.size(); ++i) s += (i ? ", " : "") + args[i].text;
  p.text = s + ")";
  p.type = FunctionResult(name, args);
  return p;
}

// x IN (a, b): x = ANY (ARRAY[a, b]) when the list is constants, else ORs.
Printed Printer::InList(const Expr& e) {
  Printed x = Print(*e.args[0]);
  std::vector<Printed> items;
  bool all_const = true;
  for (size_t i = 1; i < e.args.size(); ++i) {
    items.push_back(Print(*e.args[i]));
    if (items.back().node != Printed::kLiteral && items.back().node != Printed::kConst) all_const = false;
  }
  std::string op = e.negated ? "<>" : "=";
  if (items.size() == 1 || !all_const) {
    std::vector<Printed> parts;
    for (auto& it : items) parts.push_back(Op(op, x, std::move(it)));
    if (parts.size() == 1) return parts[0];
    return Bool(e.negated ? Printed::kAnd : Printed::kOr, std::move(parts));
  }
  uint32_t elem = x.type ? OperandType(x.type) : oid::kText;
  for (const auto& it : items)
    if (it.type && it.type != elem && x.type == 0) elem = it.type;
  if (IsIntType(elem))
    for (const auto& it : items)
      if (it.type == oid::kNumeric) elem = oid::kNumeric;
  x = Coerce(std::move(x), elem);
  std::string arr = "ARRAY[";
  for (size_t i = 0; i < items.size(); ++i) arr += (i ? ", " : "") + Coerce(std::move(items[i]), elem).text;
  arr += "]";
  Printed p;
  p.node = Printed::kTest;
  p.type = oid::kBool;
  std::string body = x.text + " " + op + (e.negated ? " ALL (" : " ANY (") + arr + ")";
  p.text = pretty_ ? body : "(" + body + ")";
  return p;
}

Printed Printer::Print(const Expr& e) {
  Printed p;
  switch (e.kind) {
    case ExprKind::kConst:
      switch (e.const_kind) {
        case ConstKind::kInteger: {
          errno = 0;
          char* end = nullptr;
          long long v = std::strtoll(e.str.c_str(), &end, 10);
          p.node = Printed::kConst;
          if (errno == 0 && *end == '\0' && v >= INT32_MIN && v <= INT32_MAX) {
            p.type = oid::kInt4;
          } else if (errno == 0 && *end == '\0') {
            p.type = oid::kInt8;
          } else {
            p.type = oid::kNumeric;
          }
          p.text = ConstText(e.str, p.type);
          return p;
        }
        case ConstKind::kNumeric:
          p.node = Printed::kConst;
          p.type = oid::kNumeric;
          p.text = ConstText(e.str, p.type);
          return p;
        case ConstKind::kBool:
          p.node = Printed::kConst;
          p.type = oid::kBool;
          p.text = e.bool_val ? "true" : "false";
          return p;
        case ConstKind::kString:
        case ConstKind::kNull:
          p.node = Printed::kLiteral;
          p.null = e.const_kind == ConstKind::kNull;
          p.literal = e.str;
          p.text = p.null ? "NULL" : QuoteLiteral(e.str);
          return p;
        default: break;
      }
      break;
    case ExprKind::kColumnRef:
      if (!e.star) return Column(e);
      break;
    case ExprKind::kOp:
      if (e.args.size() == 2 && e.names.empty()) return Op(e.str, Print(*e.args[0]), Print(*e.args[1]));
      if (e.args.size() == 1 && e.str == "-") {
        Printed a = Print(*e.args[0]);
        p.node = Printed::kOp;
        p.op = "-";
        p.type = a.type;
        p.text = pretty_ ? "- " + a.text : "(- " + a.text + ")";
        return p;
      }
      break;
    case ExprKind::kAnd:
    case ExprKind::kOr: {
      std::vector<Printed> args;
      for (const auto& a : e.args) {
        Printed x = Print(*a);
        // Nested ANDs (ORs) flatten into one list, as the analyzer does.
        args.push_back(std::move(x));
      }
      return Bool(e.kind == ExprKind::kAnd ? Printed::kAnd : Printed::kOr, std::move(args));
    }
    case ExprKind::kNot: return Bool(Printed::kNot, {Coerce(Print(*e.args[0]), oid::kBool)});
    case ExprKind::kNullTest: {
      Printed a = ToText(Print(*e.args[0]));
      p.node = Printed::kTest;
      p.type = oid::kBool;
      bool simple = !pretty_ || (a.node != Printed::kOp && a.node != Printed::kAnd && a.node != Printed::kOr &&
                                 a.node != Printed::kNot && a.node != Printed::kTest);
      std::string body = (simple ? a.text : "(" + a.text + ")") + (e.negated ? " IS NOT NULL" : " IS NULL");
      p.text = pretty_ ? body : "(" + body + ")";
      return p;
    }
    case ExprKind::kBetween: {
      if (e.symmetric) break;
      Printed x = Print(*e.args[0]);
      if (e.negated)
        return Bool(Printed::kOr, {Op("<", x, Print(*e.args[1])), Op(">", x, Print(*e.args[2]))});
      return Bool(Printed::kAnd, {Op(">=", x, Print(*e.args[1])), Op("<=", x, Print(*e.args[2]))});
    }
    case ExprKind::kIn: return InList(e);
    case ExprKind::kLike: {
      if (e.args.size() != 2 || e.str == "similar") break;
      bool ilike = e.str == "ilike";
      std::string op = std::string(e.negated ? "!" : "") + "~~" + (ilike ? "*" : "");
      Printed x = Print(*e.args[0]);
      if (x.type == oid::kVarchar) x = Coerce(std::move(x), oid::kText);
      return Op(op, std::move(x), Coerce(Print(*e.args[1]), x.type && x.type != oid::kName ? x.type : oid::kText));
    }
    case ExprKind::kAnyAll: {
      if (e.args.size() != 2 || e.args[1]->kind != ExprKind::kArray) break;
      Printed x = Print(*e.args[0]);
      std::vector<Printed> items;
      for (const auto& a : e.args[1]->args) items.push_back(Print(*a));
      uint32_t elem = x.type ? OperandType(x.type) : oid::kText;
      std::string arr = "ARRAY[";
      for (size_t i = 0; i < items.size(); ++i) arr += (i ? ", " : "") + Coerce(std::move(items[i]), elem).text;
      arr += "]";
      x = Coerce(std::move(x), elem);
      p.node = Printed::kTest;
      p.type = oid::kBool;
      std::string body = x.text + " " + (e.str == "!=" ? "<>" : e.str) + (e.negated ? " ALL (" : " ANY (") + arr + ")";
      p.text = pretty_ ? body : "(" + body + ")";
      return p;
    }
    case ExprKind::kFunc:
      if (e.over || !e.agg_order.empty() || e.agg_filter) break;
      return Func(e);
    case ExprKind::kCast: {
      uint32_t t = TypeOidFromName(e.type->names.back());
      if (t == 0 || !e.type->array_bounds.empty()) break;
      int32_t typmod = -1;
      if (!e.type->typmods.empty() && (t == oid::kVarchar || t == oid::kBpchar)) typmod = e.type->typmods[0] + 4;
      Printed a = Print(*e.args[0]);
      if (a.node == Printed::kLiteral) return Coerce(std::move(a), t, typmod);
      if (a.type == t) return CastOf(a, t, typmod);
      return Coerce(std::move(a), t, typmod);
    }
    case ExprKind::kSqlValue:
      if (!e.args.empty()) break;
      p.node = Printed::kFunc;
      {
        std::string up = e.str;
        for (char& c : up) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
        p.text = up;
      }
      p.type = e.str == "current_date" ? oid::kDate
               : e.str == "current_timestamp" ? oid::kTimestamptz
               : e.str == "localtimestamp" ? oid::kTimestamp
               : oid::kName;
      return p;
    case ExprKind::kCoalesce: {
      std::vector<Printed> args;
      uint32_t t = 0;
      for (const auto& a : e.args) {
        args.push_back(Print(*a));
        if (!t) t = args.back().type;
      }
      if (!t) t = oid::kText;
      std::string s = "COALESCE(";
      for (size_t i = 0; i < args.size(); ++i) s += (i ? ", " : "") + Coerce(std::move(args[i]), t).text;
      p.node = Printed::kFunc;
      p.type = t;
      p.text = s + ")";
      return p;
    }
    default: break;
  }
  // Outside the model: the stored text.
  p.node = Printed::kOther;
  p.type = oid::kText;
  p.text = DeparseExpr(e);
  return p;
}

std::unique_ptr<Statement> ParseExprText(const std::string& sql) {
  auto stmts = ParseQuery("SELECT " + sql);
  if (stmts.size() != 1 || stmts[0]->kind() != StmtKind::kSelect || stmts[0]->select().targets.size() != 1 ||
      !stmts[0]->select().targets[0].expr)
    throw PgError(sqlstate::kInternalError, "unreadable stored expression: " + sql);
  return std::move(stmts[0]);
}

// pg_get_expr's text for a stored expression over relation relid's columns.
std::string ExprText(SessionContext& s, const std::string& sql, uint32_t relid, bool pretty) {
  auto stmt = ParseExprText(sql);
  Printer pr(s, pretty, false);
  if (relid) pr.scopes.push_back({"", s.RelationColumns(relid)});
  return pr.Print(*stmt->select().targets[0].expr).text;
}

// ---- views ----

// Columns of a relation named in a view's FROM.
std::vector<ColumnFacts> ColumnsOf(SessionContext& s, const FromItem& f) {
  uint32_t relid = s.ResolveRelationOid(f.schema, f.name);
  if (!relid) return {};
  return s.RelationColumns(relid);
}

class ViewPrinter {
 public:
  ViewPrinter(SessionContext& s, bool pretty) : s_(s), pretty_(pretty), pr_(s, pretty, true) {}
  // nullopt when the query is outside what this printer models.
  std::optional<std::string> Print(const SelectStmt& q, const std::vector<ColumnFacts>& out_cols);

 private:
  SessionContext& s_;
  bool pretty_;
  Printer pr_;

  bool AddScopes(const FromItem& f) {
    if (f.kind == FromKind::kRelation) {
      if (!f.column_aliases.empty()) return false;
      pr_.scopes.push_back({f.alias ? *f.alias : f.name, ColumnsOf(s_, f)});
      return !pr_.scopes.back().cols.empty();
    }
    if (f.kind == FromKind::kJoin) {
      if (f.natural || !f.join_using.empty() || !f.left || !f.right) return false;
      return AddScopes(*f.left) && AddScopes(*f.right);
    }
    return false;
  }
  std::string RelationName(const FromItem& f) {
    std::string s;
    if (!f.schema.empty()) {
      auto facts = s_.RelationByOid(s_.ResolveRelationOid(f.schema, f.name));
      if (facts && !facts->visible) s = QuoteIdentifier(f.schema) + ".";
    }
    s += QuoteIdentifier(f.name);
    if (f.alias) s += " " + QuoteIdentifier(*f.alias);
    return s;
  }
  std::string From(const FromItem& f) {
    if (f.kind == FromKind::kRelation) return RelationName(f);
    std::string jt = f.join_type == "left"    ? "LEFT JOIN"
                     : f.join_type == "right" ? "RIGHT JOIN"
                     : f.join_type == "full"  ? "FULL JOIN"
                     : f.join_type == "cross" ? "CROSS JOIN"
                                              : "JOIN";
    std::string s = (pretty_ ? "" : "(") + From(*f.left) + "\n     " + jt + " " + From(*f.right);
    if (f.join_cond) {
      Printed c = pr_.Print(*f.join_cond);
      s += " ON " + (pretty_ ? c.text : "(" + c.text + ")");
    }
    return s + (pretty_ ? "" : ")");
  }
};

std::optional<std::string> ViewPrinter::Print(const SelectStmt& q, const std::vector<ColumnFacts>& out_cols) {
  if (q.op != SetOpKind::kNone || q.with || !q.values.empty() || !q.windows.empty() || !q.locking.empty() ||
      !q.distinct_on.empty())
    return std::nullopt;
  for (const FromItem& f : q.from)
    if (!AddScopes(f)) return std::nullopt;
  std::vector<std::string> targets;
  size_t col = 0;
  auto name_of = [&](const std::string& fallback) {
    return col < out_cols.size() ? out_cols[col].name : fallback;
  };
  for (const ResTarget& t : q.targets) {
    bool star = !t.expr || (t.expr->kind == ExprKind::kColumnRef && t.expr->star);
    if (star) {
      std::string qual = t.expr && t.expr->names.size() > 0 ? t.expr->names.back() : "";
      for (const Scope& sc : pr_.scopes) {
        if (!qual.empty() && sc.refname != qual) continue;
        for (const ColumnFacts& c : sc.cols) {
          std::string s = QuoteIdentifier(sc.refname) + "." + QuoteIdentifier(c.name);
          std::string out = name_of(c.name);
          if (out != c.name) s += " AS " + QuoteIdentifier(out);
          targets.push_back(s);
          ++col;
        }
      }
      continue;
    }
    Printed p = pr_.ToText(pr_.Print(*t.expr));
    std::string attname = p.node == Printed::kVar ? t.expr->names.back() : "";
    std::string out = name_of(t.alias ? *t.alias : attname);
    std::string s = p.text;
    if (attname.empty() || attname != out) s += " AS " + QuoteIdentifier(out);
    targets.push_back(s);
    ++col;
  }
  std::string s = q.distinct ? " SELECT DISTINCT " : " SELECT ";
  for (size_t i = 0; i < targets.size(); ++i) s += (i ? ",\n    " : "") + targets[i];
  if (!q.from.empty()) {
    s += "\n   FROM ";
    for (size_t i = 0; i < q.from.size(); ++i) s += (i ? ",\n    " : "") + From(q.from[i]);
  }
  if (q.where) s += "\n  WHERE " + pr_.Top(*q.where);
  if (!q.group_by.empty()) {
    s += "\n  GROUP BY ";
    for (size_t i = 0; i < q.group_by.size(); ++i) s += (i ? ", " : "") + pr_.Top(*q.group_by[i]);
  }
  if (q.having) s += "\n HAVING " + pr_.Top(*q.having);
  if (!q.order_by.empty()) {
    s += "\n  ORDER BY ";
    for (size_t i = 0; i < q.order_by.size(); ++i) {
      const SortBy& o = q.order_by[i];
      s += (i ? ", " : "") + pr_.Top(*o.expr);
      if (o.desc) s += " DESC";
      if (o.nulls_first && *o.nulls_first != o.desc) s += *o.nulls_first ? " NULLS FIRST" : " NULLS LAST";
    }
  }
  if (q.offset) s += "\n OFFSET " + pr_.Top(*q.offset);
  if (q.limit) s += "\n LIMIT " + pr_.Top(*q.limit);
  return s + ";";
}

std::string ViewDefText(SessionContext& s, uint32_t relid, bool pretty) {
  auto sql = s.ViewQuery(relid);
  if (!sql) throw PgError("42809", "\"" + std::to_string(relid) + "\" is not a view");
  auto stmts = ParseQuery(*sql);
  if (stmts.size() == 1 && stmts[0]->kind() == StmtKind::kSelect) {
    ViewPrinter vp(s, pretty);
    try {
      if (auto text = vp.Print(stmts[0]->select(), s.RelationColumns(relid))) return *text;
    } catch (const PgError&) {
      // Fall back to the stored text below.
    }
  }
  return " " + *sql + ";";
}

// ---- SQL-callable functions ----

void GetExpr(const Step& st, const Datum* const* a, Datum& out, ExecContext& ctx) {
  bool pretty = static_cast<int>(st.args.size()) > 2 && !a[2]->null && a[2]->b;
  out.s = ExprText(*ctx.session, a[0]->s, static_cast<uint32_t>(a[1]->i), pretty);
}

std::string Columns(SessionContext& s, uint32_t relid, const std::vector<int16_t>& attnums) {
  auto cols = s.RelationColumns(relid);
  std::string out;
  for (size_t i = 0; i < attnums.size(); ++i) {
    std::string name = std::to_string(attnums[i]);
    for (const auto& c : cols)
      if (c.attnum == attnums[i]) name = QuoteIdentifier(c.name);
    out += (i ? ", " : "") + name;
  }
  return out;
}

void GetConstraintDef(const Step& st, const Datum* const* a, Datum& out, ExecContext& ctx) {
  SessionContext& s = *ctx.session;
  bool pretty = static_cast<int>(st.args.size()) > 1 && !a[1]->null && a[1]->b;
  auto c = s.ConstraintByOid(static_cast<uint32_t>(a[0]->i));
  if (!c) throw PgError(sqlstate::kInternalError, "cache lookup failed for constraint " + std::to_string(a[0]->i));
  switch (c->type) {
    case 'p': out.s = "PRIMARY KEY (" + Columns(s, c->relid, c->keys) + ")"; break;
    case 'u': out.s = "UNIQUE (" + Columns(s, c->relid, c->keys) + ")"; break;
    case 'c': {
      std::string e = ExprText(s, c->expr_sql, c->relid, pretty);
      out.s = "CHECK (" + e + ")";
      break;
    }
    default: throw PgError(sqlstate::kInternalError, std::string("invalid constraint type \"") + c->type + "\"");
  }
  if (c->deferrable) out.s += " DEFERRABLE";
  if (c->deferred) out.s += " INITIALLY DEFERRED";
}

void GetIndexDef(const Step& st, const Datum* const* a, Datum& out, ExecContext& ctx) {
  SessionContext& s = *ctx.session;
  auto ix = s.IndexByOid(static_cast<uint32_t>(a[0]->i));
  if (!ix) {
    out.null = true;
    return;
  }
  out.null = false;
  int64_t column = static_cast<int>(st.args.size()) > 1 ? a[1]->i : 0;
  auto cols = s.RelationColumns(ix->relid);
  auto col_name = [&](int16_t attnum) {
    for (const auto& c : cols)
      if (c.attnum == attnum) return QuoteIdentifier(c.name);
    return std::to_string(attnum);
  };
  if (column > 0) {
    out.s = static_cast<size_t>(column) <= ix->attnums.size() ? col_name(ix->attnums[column - 1]) : "";
    return;
  }
  // Pretty output qualifies the table only when the search path would not
  // find it; plain output always does.
  bool pretty = st.args.size() > 2 && !a[2]->null && a[2]->b;
  auto table = s.RelationByOid(ix->relid);
  std::string table_name = "?";
  if (table)
    table_name = (pretty && table->visible ? "" : QuoteIdentifier(table->schema) + ".") + QuoteIdentifier(table->name);
  std::string s_out = std::string("CREATE ") + (ix->unique ? "UNIQUE " : "") + "INDEX " + QuoteIdentifier(ix->name) +
                      " ON " + table_name +
                      " USING " + ix->am + " (";
  for (size_t i = 0; i < ix->attnums.size(); ++i) {
    s_out += (i ? ", " : "") + col_name(ix->attnums[i]);
    int16_t o = i < ix->options.size() ? ix->options[i] : 0;
    bool desc = o & 1, nulls_first = o & 2;
    if (desc) s_out += " DESC";
    if (nulls_first != desc) s_out += nulls_first ? " NULLS FIRST" : " NULLS LAST";
  }
  out.s = s_out + ")";
}

void GetViewDef(const Step& st, const Datum* const* a, Datum& out, ExecContext& ctx) {
  SessionContext& s = *ctx.session;
  bool pretty = static_cast<int>(st.args.size()) > 1 && !a[1]->null && a[1]->b;
  uint32_t relid;
  if (st.aux == 1) {  // by name
    std::string name = a[0]->s, schema;
    auto dot = name.find('.');
    if (dot != std::string::npos) {
      schema = name.substr(0, dot);
      name = name.substr(dot + 1);
    }
    relid = s.ResolveRelationOid(schema, name);
    if (!relid) throw PgError("42P01", "relation \"" + a[0]->s + "\" does not exist");
  } else {
    relid = static_cast<uint32_t>(a[0]->i);
  }
  if (!s.ViewQuery(relid)) {
    out.null = true;
    return;
  }
  out.null = false;
  out.s = ViewDefText(s, relid, pretty);
}

void AlwaysNull(const Step&, const Datum* const*, Datum& out, ExecContext&) { out.null = true; }

// ---- privileges ----

enum PrivObject { kDatabaseObj, kSchemaObj, kTableObj };

// The privilege words of a has_*_privilege string, upper-cased; 22023 for
// one the object kind does not have.
std::vector<std::string> PrivilegeWords(const std::string& list, PrivObject kind) {
  static const char* kDb[] = {"CREATE", "CONNECT", "TEMPORARY", "TEMP"};
  static const char* kSchema[] = {"CREATE", "USAGE"};
  static const char* kTable[] = {"SELECT", "INSERT", "UPDATE", "DELETE", "TRUNCATE", "REFERENCES", "TRIGGER"};
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= list.size()) {
    size_t comma = list.find(',', start);
    std::string w = list.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    size_t b = w.find_first_not_of(" \t\n"), e = w.find_last_not_of(" \t\n");
    w = b == std::string::npos ? "" : w.substr(b, e - b + 1);
    std::string up;
    for (char c : w) up += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    std::string base = up;
    const std::string grant = " WITH GRANT OPTION";
    if (base.size() > grant.size() && base.compare(base.size() - grant.size(), grant.size(), grant) == 0)
      base = base.substr(0, base.size() - grant.size());
    bool ok = false;
    auto check = [&](const char* const* names, size_t n) {
      for (size_t i = 0; i < n; ++i) ok = ok || base == names[i];
    };
    if (kind == kDatabaseObj) check(kDb, 4);
    if (kind == kSchemaObj) check(kSchema, 2);
    if (kind == kTableObj) check(kTable, 7);
    if (!ok) throw PgError(sqlstate::kInvalidParameterValue, "unrecognized privilege type: \"" + w + "\"");
    out.push_back(base);
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return out;
}

// aux: object kind; arguments (object, privilege) or (role, object, privilege);
// bit 4 of aux: the object is given by name (text), else by OID.
void HasPrivilege(const Step& st, const Datum* const* a, Datum& out, ExecContext& ctx) {
  SessionContext& s = *ctx.session;
  PrivObject kind = static_cast<PrivObject>(st.aux & 3);
  bool by_name = st.aux & 4;
  int n = static_cast<int>(st.args.size());
  const Datum& obj = *a[n - 2];
  std::vector<std::string> privs = PrivilegeWords(a[n - 1]->s, kind);
  std::string role = n == 3 ? a[0]->s : s.CurrentUser();
  if (n == 3 && !s.RoleOid(role)) throw PgError(sqlstate::kUndefinedObject, "role \"" + role + "\" does not exist");
  uint32_t object = by_name ? 0 : static_cast<uint32_t>(obj.i);
  if (kind == kDatabaseObj && by_name && !(object = s.DatabaseOid(obj.s)))
    throw PgError("3D000", "database \"" + obj.s + "\" does not exist");
  if (kind == kSchemaObj && by_name && !(object = s.NamespaceOid(obj.s)))
    throw PgError("3F000", "schema \"" + obj.s + "\" does not exist");
  if (kind == kTableObj && by_name) {
    std::string name = obj.s, schema;
    auto dot = name.find('.');
    if (dot != std::string::npos) {
      schema = name.substr(0, dot);
      name = name.substr(dot + 1);
    }
    object = s.ResolveRelationOid(schema, name);
    if (!object && !s.LookupRelation(schema, name))
      throw PgError("42P01", "relation \"" + obj.s + "\" does not exist");
  }
  // As in PostgreSQL, any one of the listed privileges is enough. A system
  // view served from memory (OID 0 here) is readable by everyone.
  bool any = false;
  const char k = kind == kDatabaseObj ? 'd' : kind == kSchemaObj ? 'n' : 'r';
  for (const std::string& p : privs)
    any = any || (object == 0 && p == "SELECT") || (object != 0 && s.RoleHasPrivilege(k, object, role, p));
  out.b = any;
}

// pg_relation_is_publishable(regclass): an ordinary permanent user table.
void RelationIsPublishable(const Step&, const Datum* const* a, Datum& out, ExecContext& ctx) {
  uint32_t relid = static_cast<uint32_t>(a[0]->i);
  auto f = ctx.session->RelationByOid(relid);
  if (!f) {
    out.null = true;
    return;
  }
  out.null = false;
  out.b = (f->relkind == 'r' || f->relkind == 'p') && relid >= 16384 && f->schema != "pg_catalog" &&
          f->schema != "information_schema";
}

}  // namespace

void AddDescribeBuiltins(std::vector<FuncDef>& f) {
  constexpr uint32_t kOid = oid::kOid, kText = oid::kText, kI4 = oid::kInt4, kBool = oid::kBool,
                     kName = oid::kName, kRegclass = oid::kRegclass;
  f.push_back({"pg_get_expr", {kText, kOid}, kText, GetExpr});
  f.push_back({"pg_get_expr", {kText, kOid, kBool}, kText, GetExpr});
  f.push_back({"pg_get_constraintdef", {kOid}, kText, GetConstraintDef});
  f.push_back({"pg_get_constraintdef", {kOid, kBool}, kText, GetConstraintDef});
  f.push_back({"pg_get_indexdef", {kOid}, kText, GetIndexDef});
  f.push_back({"pg_get_indexdef", {kOid, kI4, kBool}, kText, GetIndexDef});
  f.push_back({"pg_get_viewdef", {kOid}, kText, GetViewDef});
  f.push_back({"pg_get_viewdef", {kOid, kBool}, kText, GetViewDef});
  f.push_back({"pg_get_viewdef", {kText}, kText, GetViewDef, true, false, 1});
  f.push_back({"pg_get_viewdef", {kText, kBool}, kText, GetViewDef, true, false, 1});
  // Tusk has no rules but views' _RETURN, no extended statistics and no
  // partitions: these describe nothing that exists.
  f.push_back({"pg_get_ruledef", {kOid}, kText, AlwaysNull});
  f.push_back({"pg_get_ruledef", {kOid, kBool}, kText, AlwaysNull});
  f.push_back({"pg_get_statisticsobjdef_columns", {kOid}, kText, AlwaysNull});
  f.push_back({"pg_get_partkeydef", {kOid}, kText, AlwaysNull});
  f.push_back({"pg_get_triggerdef", {kOid}, kText, AlwaysNull});
  f.push_back({"pg_get_triggerdef", {kOid, kBool}, kText, AlwaysNull});
  for (int kind : {kDatabaseObj, kSchemaObj, kTableObj}) {
    const char* fn = kind == kDatabaseObj ? "has_database_privilege"
                     : kind == kSchemaObj ? "has_schema_privilege"
                                          : "has_table_privilege";
    f.push_back({fn, {kText, kText}, kBool, HasPrivilege, true, false, kind | 4});
    f.push_back({fn, {kOid, kText}, kBool, HasPrivilege, true, false, kind});
    f.push_back({fn, {kName, kText, kText}, kBool, HasPrivilege, true, false, kind | 4});
    f.push_back({fn, {kName, kOid, kText}, kBool, HasPrivilege, true, false, kind});
  }
  f.push_back({"pg_relation_is_publishable", {kRegclass}, kBool, RelationIsPublishable});
}

}  // namespace tusk::sql
