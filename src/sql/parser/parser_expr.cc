// Expression parsing by precedence climbing. Binding powers follow
// PostgreSQL's gram.y precedence declarations, lowest first:
// OR, AND, NOT, IS, comparison, BETWEEN/IN/LIKE, other Op, + -, * / %, ^,
// AT, COLLATE, unary minus, [ ], ::.
#include <cctype>

#include "sql/parser/parser_impl.h"
#include "utils/error.h"

namespace tusk::sql {
namespace {

enum Prec : int {
  kPrecOr = 1,
  kPrecAnd,
  kPrecNot,
  kPrecIs,
  kPrecCmp,
  kPrecLike,  // BETWEEN, IN, LIKE, ILIKE, SIMILAR
  kPrecOp,    // any other operator, including ||
  kPrecAdd,
  kPrecMul,
  kPrecExp,
  kPrecAt,
  kPrecCollate,
  kPrecUnary,
  kPrecSubscript,
  kPrecCast,
};

ExprPtr MakeOp(const std::string& name, ExprPtr l, ExprPtr r, int loc) {
  auto e = std::make_unique<Expr>(ExprKind::kOp, loc);
  e->str = name;
  if (l) e->args.push_back(std::move(l));
  e->args.push_back(std::move(r));
  return e;
}

ExprPtr MakeFunc(const std::string& name, int loc) {
  auto e = std::make_unique<Expr>(ExprKind::kFunc, loc);
  e->names = {name};
  return e;
}

ExprPtr MakeStringConst(const std::string& s, int loc) {
  auto e = std::make_unique<Expr>(ExprKind::kConst, loc);
  e->const_kind = ConstKind::kString;
  e->str = s;
  return e;
}

}  // namespace

std::vector<ExprPtr> Parser::ParseExprList() {
  std::vector<ExprPtr> out;
  do out.push_back(ParseExpr());
  while (AcceptPunct(','));
  return out;
}

ExprPtr Parser::ParseExpr(int min_prec) {
  ExprPtr left = ParsePrefix();
  int blocked = -1;  // precedence of the last non-associative operator applied
  for (;;) {
    const Token& t = Peek();
    int loc = t.offset;
    int prec = 0;
    bool negated_la = false;
    std::string word = t.kind == TokKind::kIdent ? t.text : "";
    if (t.kind == TokKind::kTypecast) {
      prec = kPrecCast;
    } else if (IsPunct('[')) {
      prec = kPrecSubscript;
    } else if (t.kind == TokKind::kOp) {
      const std::string& op = t.text;
      if (op == "<" || op == ">" || op == "=" || op == "<=" || op == ">=" || op == "<>") {
        prec = kPrecCmp;
      } else if (op == "+" || op == "-") {
        prec = kPrecAdd;
      } else if (op == "*" || op == "/" || op == "%") {
        prec = kPrecMul;
      } else if (op == "^") {
        prec = kPrecExp;
      } else {
        prec = kPrecOp;
      }
    } else if (word == "or") {
      prec = kPrecOr;
    } else if (word == "and") {
      prec = kPrecAnd;
    } else if (word == "is" || word == "isnull" || word == "notnull") {
      prec = kPrecIs;
    } else if (word == "between" || word == "in" || word == "like" || word == "ilike" || word == "similar") {
      prec = kPrecLike;
    } else if (word == "not" && (IsWord("between", 1) || IsWord("in", 1) || IsWord("like", 1) ||
                                 IsWord("ilike", 1) || IsWord("similar", 1))) {
      prec = kPrecLike;
      negated_la = true;
    } else if (word == "at" && IsWord("time", 1) && IsWord("zone", 2)) {
      prec = kPrecAt;
    } else if (word == "collate") {
      prec = kPrecCollate;
    }
    if (prec == 0 || prec < min_prec) break;
    if (prec == blocked) Fail();  // e.g. a < b < c
    Advance();
    if (negated_la) word = Advance().text;

    switch (prec) {
      case kPrecCast: {
        auto e = std::make_unique<Expr>(ExprKind::kCast, loc);
        e->args.push_back(std::move(left));
        e->type = ParseTypeName();
        left = std::move(e);
        continue;
      }
      case kPrecSubscript: {
        auto e = std::make_unique<Expr>(ExprKind::kSubscript, loc);
        e->args.push_back(std::move(left));
        e->args.push_back(ParseExpr());
        ExpectPunct(']');
        left = std::move(e);
        continue;
      }
      case kPrecOr:
      case kPrecAnd: {
        ExprKind k = prec == kPrecOr ? ExprKind::kOr : ExprKind::kAnd;
        ExprPtr right = ParseExpr(prec + 1);
        // Flatten chains so evaluation is a single n-ary step.
        if (left->kind == k) {
          left->args.push_back(std::move(right));
        } else {
          auto e = std::make_unique<Expr>(k, loc);
          e->args.push_back(std::move(left));
          e->args.push_back(std::move(right));
          left = std::move(e);
        }
        continue;
      }
      case kPrecIs: {
        blocked = prec;
        if (word == "isnull" || word == "notnull") {
          auto e = std::make_unique<Expr>(ExprKind::kNullTest, loc);
          e->negated = word == "notnull";
          e->args.push_back(std::move(left));
          left = std::move(e);
          continue;
        }
        bool neg = AcceptWord("not");
        if (AcceptWord("null")) {
          auto e = std::make_unique<Expr>(ExprKind::kNullTest, loc);
          e->negated = neg;
          e->args.push_back(std::move(left));
          left = std::move(e);
        } else if (IsWord("true") || IsWord("false") || IsWord("unknown")) {
          auto e = std::make_unique<Expr>(ExprKind::kBoolTest, loc);
          std::string w = Advance().text;
          e->bool_test = w == "true" ? BoolTestKind::kTrue : w == "false" ? BoolTestKind::kFalse : BoolTestKind::kUnknown;
          e->negated = neg;
          e->args.push_back(std::move(left));
          left = std::move(e);
        } else if (AcceptWord("distinct")) {
          ExpectWord("from");
          auto e = std::make_unique<Expr>(ExprKind::kDistinct, loc);
          e->negated = neg;
          e->args.push_back(std::move(left));
          e->args.push_back(ParseExpr(kPrecIs + 1));
          left = std::move(e);
        } else {
          Fail();
        }
        continue;
      }
      case kPrecLike: {
        blocked = prec;
        if (word == "between") {
          auto e = std::make_unique<Expr>(ExprKind::kBetween, loc);
          e->negated = negated_la;
          if (AcceptWord("symmetric")) {
            e->symmetric = true;
          } else {
            AcceptWord("asymmetric");
          }
          e->args.push_back(std::move(left));
          e->args.push_back(ParseExpr(kPrecLike + 1));
          ExpectWord("and");
          e->args.push_back(ParseExpr(kPrecLike + 1));
          left = std::move(e);
        } else if (word == "in") {
          auto e = std::make_unique<Expr>(ExprKind::kIn, loc);
          e->negated = negated_la;
          e->args.push_back(std::move(left));
          ExpectPunct('(');
          if (IsWord("select") || IsWord("values")) NotSupported("IN (subquery)", Peek().offset);
          for (auto& x : ParseExprList()) e->args.push_back(std::move(x));
          ExpectPunct(')');
          left = std::move(e);
        } else {
          auto e = std::make_unique<Expr>(ExprKind::kLike, loc);
          e->negated = negated_la;
          if (word == "similar") ExpectWord("to");
          e->str = word;
          e->args.push_back(std::move(left));
          e->args.push_back(ParseExpr(kPrecLike + 1));
          if (AcceptWord("escape")) e->args.push_back(ParseExpr(kPrecLike + 1));
          left = std::move(e);
        }
        continue;
      }
      case kPrecAt: {
        Advance();  // time
        Advance();  // zone
        auto e = MakeFunc("timezone", loc);
        ExprPtr zone = ParseExpr(kPrecAt + 1);
        e->args.push_back(std::move(zone));
        e->args.push_back(std::move(left));
        left = std::move(e);
        continue;
      }
      case kPrecCollate:
        NotSupported("COLLATE", loc);
      default: {
        if (prec == kPrecCmp) blocked = prec;
        ExprPtr right = ParseExpr(prec + 1);
        left = MakeOp(t.text, std::move(left), std::move(right), loc);
        continue;
      }
    }
  }
  return left;
}

ExprPtr Parser::ParsePrefix() {
  const Token& t = Peek();
  int loc = t.offset;
  if (IsWord("not")) {
    Advance();
    auto e = std::make_unique<Expr>(ExprKind::kNot, loc);
    e->args.push_back(ParseExpr(kPrecNot));
    return e;
  }
  if (t.kind == TokKind::kOp) {
    std::string op = Advance().text;
    int prec = (op == "-" || op == "+") ? kPrecUnary : kPrecOp;
    ExprPtr arg = ParseExpr(prec + 1);
    // Fold a minus sign into a numeric literal so that -2147483648 is an int4
    // and -9223372036854775808 an int8, as in PostgreSQL.
    if (op == "-" && arg->kind == ExprKind::kConst &&
        (arg->const_kind == ConstKind::kInteger || arg->const_kind == ConstKind::kNumeric)) {
      if (arg->str[0] == '-') {
        arg->str.erase(0, 1);
      } else {
        arg->str.insert(0, "-");
      }
      arg->location = loc;
      return arg;
    }
    return MakeOp(op, nullptr, std::move(arg), loc);
  }
  return ParsePrimary();
}

ExprPtr Parser::ParsePrimary() {
  const Token& t = Peek();
  int loc = t.offset;
  switch (t.kind) {
    case TokKind::kInteger:
    case TokKind::kNumeric: {
      auto e = std::make_unique<Expr>(ExprKind::kConst, loc);
      e->const_kind = t.kind == TokKind::kInteger ? ConstKind::kInteger : ConstKind::kNumeric;
      e->str = Advance().text;
      return e;
    }
    case TokKind::kString:
      return MakeStringConst(Advance().text, loc);
    case TokKind::kBitString: {
      auto e = std::make_unique<Expr>(ExprKind::kConst, loc);
      e->const_kind = ConstKind::kBitString;
      e->str = Advance().text;
      return e;
    }
    case TokKind::kParam: {
      auto e = std::make_unique<Expr>(ExprKind::kParam, loc);
      e->param_number = static_cast<int>(Advance().ival);
      return e;
    }
    case TokKind::kPunct:
      if (IsPunct('(')) {
        Advance();
        if (IsWord("select") || IsWord("values")) {
          auto e = std::make_unique<Expr>(ExprKind::kSubLink, loc);
          e->subquery = ParseSelect();
          ExpectPunct(')');
          return e;
        }
        ExprPtr e = ParseExpr();
        ExpectPunct(')');
        return e;
      }
      Fail();
    case TokKind::kQuotedIdent:
      return ParseColumnOrFunc();
    case TokKind::kIdent:
      break;
    default:
      Fail();
  }
  std::string w = t.text;
  if (w == "null" || w == "true" || w == "false") {
    Advance();
    auto e = std::make_unique<Expr>(ExprKind::kConst, loc);
    e->const_kind = w == "null" ? ConstKind::kNull : ConstKind::kBool;
    e->bool_val = w == "true";
    return e;
  }
  if (w == "case") return ParseCase();
  bool handled = false;
  ExprPtr special = ParseSpecialFunc(w, loc, &handled);
  if (handled) return special;
  // Typed literal: type 'string' (date '2020-01-01', interval '1 day').
  if (Peek(1).kind == TokKind::kString && !IsReservedKeyword(w)) {
    auto e = std::make_unique<Expr>(ExprKind::kCast, loc);
    e->type = ParseTypeName();
    e->args.push_back(MakeStringConst(Advance().text, Peek().offset));
    return e;
  }
  if (IsReservedKeyword(w) && !(IsPunct('(', 1) && (w == "left" || w == "right"))) Fail();
  return ParseColumnOrFunc();
}

ExprPtr Parser::ParseColumnOrFunc() {
  int loc = Peek().offset;
  std::vector<std::string> names{Advance().text};
  bool star = false;
  while (IsPunct('.')) {
    Advance();
    if (IsOp("*")) {
      Advance();
      star = true;
      break;
    }
    names.push_back(ParseColLabel());
  }
  if (!star && IsPunct('(')) {
    auto fn = std::make_unique<Expr>(ExprKind::kFunc, loc);
    fn->names = std::move(names);
    return ParseFuncArgs(std::move(fn));
  }
  auto e = std::make_unique<Expr>(ExprKind::kColumnRef, loc);
  e->names = std::move(names);
  e->star = star;
  return e;
}

ExprPtr Parser::ParseFuncArgs(ExprPtr fn) {
  ExpectPunct('(');
  if (IsOp("*")) {
    Advance();
    fn->agg_star = true;
  } else if (!IsPunct(')')) {
    if (AcceptWord("distinct")) {
      fn->agg_distinct = true;
    } else {
      AcceptWord("all");
    }
    fn->args = ParseExprList();
    if (IsWord("order")) NotSupported("ORDER BY in aggregate", Peek().offset);
  }
  ExpectPunct(')');
  if (IsWord("filter")) NotSupported("FILTER", Peek().offset);
  if (IsWord("over")) NotSupported("window function", Peek().offset);
  return fn;
}

ExprPtr Parser::ParseCase() {
  auto e = std::make_unique<Expr>(ExprKind::kCase, Peek().offset);
  Advance();
  if (!IsWord("when")) e->case_arg = ParseExpr();
  if (!IsWord("when")) Fail();
  while (AcceptWord("when")) {
    e->args.push_back(ParseExpr());
    ExpectWord("then");
    e->args.push_back(ParseExpr());
  }
  if (AcceptWord("else")) e->case_else = ParseExpr();
  ExpectWord("end");
  return e;
}

// Keywords with their own call syntax or none at all (SQL value functions).
ExprPtr Parser::ParseSpecialFunc(const std::string& w, int loc, bool* handled) {
  *handled = true;
  static const char* kSqlValues[] = {"current_user", "session_user", "user", "current_role", "current_catalog",
                                     "current_schema", "current_timestamp", "localtimestamp", "current_date",
                                     "current_time", "localtime"};
  for (const char* v : kSqlValues) {
    if (w != v) continue;
    // current_schema() is also an ordinary function call.
    if (w == "current_schema" && IsPunct('(', 1)) break;
    Advance();
    auto e = std::make_unique<Expr>(ExprKind::kSqlValue, loc);
    e->str = w;
    if ((w == "current_timestamp" || w == "localtimestamp" || w == "current_time" || w == "localtime") &&
        AcceptPunct('(')) {
      e->args.push_back(ParseExpr());
      ExpectPunct(')');
    }
    return e;
  }
  if (!IsPunct('(', 1)) {
    *handled = false;
    return nullptr;
  }
  if (w == "cast") {
    Advance();
    Advance();
    auto e = std::make_unique<Expr>(ExprKind::kCast, loc);
    e->args.push_back(ParseExpr());
    ExpectWord("as");
    e->type = ParseTypeName();
    ExpectPunct(')');
    return e;
  }
  if (w == "coalesce" || w == "nullif" || w == "greatest" || w == "least") {
    Advance();
    Advance();
    ExprKind k = w == "coalesce" ? ExprKind::kCoalesce
                 : w == "nullif" ? ExprKind::kNullIf
                 : w == "greatest" ? ExprKind::kGreatest
                                   : ExprKind::kLeast;
    auto e = std::make_unique<Expr>(k, loc);
    e->args = ParseExprList();
    if (k == ExprKind::kNullIf && e->args.size() != 2) Fail();
    ExpectPunct(')');
    return e;
  }
  if (w == "substring") {
    Advance();
    Advance();
    auto e = MakeFunc("substring", loc);
    e->args.push_back(ParseExpr());
    if (AcceptWord("from")) {
      e->args.push_back(ParseExpr());
      if (AcceptWord("for")) e->args.push_back(ParseExpr());
    } else if (AcceptWord("for")) {
      // substring(x FOR n) means substring(x, 1, n).
      auto one = std::make_unique<Expr>(ExprKind::kConst, loc);
      one->const_kind = ConstKind::kInteger;
      one->str = "1";
      e->args.push_back(std::move(one));
      e->args.push_back(ParseExpr());
    } else {
      while (AcceptPunct(',')) e->args.push_back(ParseExpr());
    }
    ExpectPunct(')');
    return e;
  }
  if (w == "position") {
    Advance();
    Advance();
    auto e = MakeFunc("position", loc);
    ExprPtr needle = ParseExpr(kPrecLike + 1);
    ExpectWord("in");
    ExprPtr hay = ParseExpr();
    e->args.push_back(std::move(hay));
    e->args.push_back(std::move(needle));
    ExpectPunct(')');
    return e;
  }
  if (w == "trim") {
    Advance();
    Advance();
    std::string fn = "btrim";
    if (AcceptWord("leading")) {
      fn = "ltrim";
    } else if (AcceptWord("trailing")) {
      fn = "rtrim";
    } else {
      AcceptWord("both");
    }
    auto e = MakeFunc(fn, loc);
    if (AcceptWord("from")) {
      e->args = ParseExprList();
    } else {
      ExprPtr first = ParseExpr();
      if (AcceptWord("from")) {
        e->args = ParseExprList();
        e->args.push_back(std::move(first));
      } else {
        e->args.push_back(std::move(first));
        while (AcceptPunct(',')) e->args.push_back(ParseExpr());
      }
    }
    ExpectPunct(')');
    return e;
  }
  if (w == "extract") {
    Advance();
    Advance();
    auto e = MakeFunc("date_part", loc);
    int floc = Peek().offset;
    std::string field = Peek().kind == TokKind::kString ? Peek().text : ParseColLabel();
    if (Peek().kind == TokKind::kString) Advance();
    e->args.push_back(MakeStringConst(field, floc));
    ExpectWord("from");
    e->args.push_back(ParseExpr());
    ExpectPunct(')');
    return e;
  }
  *handled = false;
  return nullptr;
}

std::unique_ptr<TypeName> Parser::ParseTypeName() {
  auto tn = std::make_unique<TypeName>();
  tn->location = Peek().offset;
  auto typmods = [&]() {
    if (!AcceptPunct('(')) return;
    do tn->typmods.push_back(std::stoi(ParseIntegerText()));
    while (AcceptPunct(','));
    ExpectPunct(')');
  };
  auto with_tz = [&](const char* with_name, const char* without_name) {
    typmods();
    const char* name = without_name;
    if (IsWord("with") && IsWord("time", 1) && IsWord("zone", 2)) {
      pos_ += 3;
      name = with_name;
    } else if (IsWord("without") && IsWord("time", 1) && IsWord("zone", 2)) {
      pos_ += 3;
    }
    tn->names = {name};
  };
  if (Peek().kind != TokKind::kIdent && Peek().kind != TokKind::kQuotedIdent) Fail();
  bool quoted = Peek().kind == TokKind::kQuotedIdent;
  std::string w = Advance().text;
  if (quoted) {
    tn->names = {w};
  } else if (w == "double") {
    ExpectWord("precision");
    tn->names = {"float8"};
  } else if (w == "real") {
    tn->names = {"float4"};
  } else if (w == "float") {
    tn->names = {"float8"};
    if (AcceptPunct('(')) {
      int p = std::stoi(ParseIntegerText());
      ExpectPunct(')');
      if (p < 1) throw PgError(sqlstate::kInvalidParameterValue, "precision for type float must be at least 1 bit");
      if (p > 53) throw PgError(sqlstate::kInvalidParameterValue, "precision for type float must be less than 54 bits");
      tn->names = {p <= 24 ? "float4" : "float8"};
    }
  } else if (w == "int" || w == "integer") {
    tn->names = {"int4"};
  } else if (w == "smallint") {
    tn->names = {"int2"};
  } else if (w == "bigint") {
    tn->names = {"int8"};
  } else if (w == "boolean") {
    tn->names = {"bool"};
  } else if (w == "decimal" || w == "dec" || w == "numeric") {
    tn->names = {"numeric"};
    typmods();
  } else if (w == "char" || w == "character" || w == "nchar" || w == "national") {
    if (w == "national") AcceptWord("character") || AcceptWord("char");
    bool varying = AcceptWord("varying");
    tn->names = {varying ? "varchar" : "bpchar"};
    typmods();
    if (!varying && tn->typmods.empty()) tn->typmods.push_back(1);
  } else if (w == "varchar") {
    tn->names = {"varchar"};
    typmods();
  } else if (w == "timestamp") {
    with_tz("timestamptz", "timestamp");
  } else if (w == "time") {
    with_tz("timetz", "time");
  } else if (w == "interval") {
    tn->names = {"interval"};
    typmods();
  } else if (w == "bit") {
    bool varying = AcceptWord("varying");
    tn->names = {varying ? "varbit" : "bit"};
    typmods();
  } else {
    tn->names = {w};
    while (AcceptPunct('.')) tn->names.push_back(ParseColLabel());
    typmods();
  }
  while (IsPunct('[')) {
    Advance();
    if (Peek().kind == TokKind::kInteger) Advance();
    ExpectPunct(']');
    tn->array = true;
  }
  return tn;
}

}  // namespace tusk::sql
