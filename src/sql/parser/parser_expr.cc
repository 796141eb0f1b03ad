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
    bool qual_op = false;  // OPERATOR(schema.op): Op precedence whatever the operator
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
    } else if (word == "operator" && IsPunct('(', 1)) {
      prec = kPrecOp;
      qual_op = true;
    } else if (word == "or") {
      prec = kPrecOr;
    } else if (word == "and") {
      prec = kPrecAnd;
    } else if (word == "is" || word == "isnull" || word == "notnull") {
      prec = kPrecIs;
    } else if (word == "between" || word == "in" || word == "like" || word == "ilike" ||
               (word == "similar" && IsWord("to", 1))) {
      // A bare SIMILAR (no TO) ends the expression: substring(x SIMILAR p ESCAPE e).
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
    blocked = -1;  // (a < b) IS TRUE = c is fine: the left side is no comparison now
    Advance();
    if (negated_la) word = Advance().text;
    std::string op_name = t.text;
    std::vector<std::string> op_schema;
    if (qual_op) op_name = ParseQualifiedOperator(&op_schema);

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
        e->args.push_back(IsPunct(':') ? nullptr : ParseExpr());
        if (AcceptPunct(':')) {
          e->slice = true;
          e->args.push_back(IsPunct(']') ? nullptr : ParseExpr());
        }
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
        // Postfix IS tests chain (a IS NULL IS NULL); only the binary
        // IS [NOT] DISTINCT FROM is non-associative.
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
          blocked = prec;
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
          if (AtSelectStart()) {
            // x IN (SELECT ...) is x = ANY (SELECT ...); NOT IN negates it.
            auto sub = std::make_unique<Expr>(ExprKind::kSubLink, loc);
            sub->sublink = SubLinkKind::kAny;
            sub->str = "=";
            sub->args.push_back(std::move(e->args[0]));
            sub->subquery = ParseSelect();
            ExpectPunct(')');
            if (negated_la) {
              auto n = std::make_unique<Expr>(ExprKind::kNot, loc);
              n->args.push_back(std::move(sub));
              left = std::move(n);
            } else {
              left = std::move(sub);
            }
            continue;
          }
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
      case kPrecCollate: {
        auto e = std::make_unique<Expr>(ExprKind::kCollate, loc);
        e->args.push_back(std::move(left));
        e->names = ParseAnyName();
        left = std::move(e);
        continue;
      }
      default: {
        if (prec == kPrecCmp) blocked = prec;
        if ((IsWord("any") || IsWord("some") || IsWord("all")) && IsPunct('(', 1)) {
          left = ParseSubLinkTail(std::move(left), op_name, loc);
          left->names = std::move(op_schema);
          continue;
        }
        ExprPtr right = ParseExpr(prec + 1);
        left = MakeOp(op_name, std::move(left), std::move(right), loc);
        left->names = std::move(op_schema);
        continue;
      }
    }
  }
  return left;
}

ExprPtr Parser::ParsePrefix() {
  const Token& t = Peek();
  int loc = t.offset;
  if (IsWord("operator") && IsPunct('(', 1)) {
    Advance();
    std::vector<std::string> schema;
    std::string op = ParseQualifiedOperator(&schema);
    ExprPtr e = MakeOp(op, nullptr, ParseExpr(kPrecOp + 1), loc);
    e->names = std::move(schema);
    return e;
  }
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
        if (AtSelectStart()) {
          auto e = std::make_unique<Expr>(ExprKind::kSubLink, loc);
          e->subquery = ParseSelect();
          ExpectPunct(')');
          return ParseFieldSelection(std::move(e), loc);
        }
        ExprPtr e = ParseExpr();
        if (IsPunct(',')) {  // (a, b, ...) is a row constructor
          auto row = std::make_unique<Expr>(ExprKind::kRow, loc);
          row->args.push_back(std::move(e));
          while (AcceptPunct(',')) row->args.push_back(ParseExpr());
          ExpectPunct(')');
          return row;  // gram.y has no indirection after an implicit row: (1,2).f is a syntax error
        }
        ExpectPunct(')');
        return ParseFieldSelection(std::move(e), loc);
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
  if (w == "default") {
    Advance();
    return std::make_unique<Expr>(ExprKind::kDefault, loc);
  }
  if (w == "exists" && IsPunct('(', 1)) {
    pos_ += 2;
    auto e = std::make_unique<Expr>(ExprKind::kSubLink, loc);
    e->sublink = SubLinkKind::kExists;
    e->subquery = ParseSelect();
    ExpectPunct(')');
    return e;
  }
  if (w == "array" && (IsPunct('[', 1) || IsPunct('(', 1))) {
    Advance();
    if (AcceptPunct('(')) {
      auto e = std::make_unique<Expr>(ExprKind::kSubLink, loc);
      e->sublink = SubLinkKind::kArray;
      e->subquery = ParseSelect();
      ExpectPunct(')');
      return e;
    }
    return ParseArrayBrackets(loc);
  }
  if (w == "row" && IsPunct('(', 1)) {
    pos_ += 2;
    auto e = std::make_unique<Expr>(ExprKind::kRow, loc);
    if (!IsPunct(')')) e->args = ParseExprList();
    ExpectPunct(')');
    return e;
  }
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
  // current_schema is PostgreSQL's type_func_name keyword: current_schema() is a call.
  if (IsReservedKeyword(w) && !(IsPunct('(', 1) && (w == "left" || w == "right" || w == "current_schema"))) Fail();
  return ParseColumnOrFunc();
}

// gram.y's opt_indirection after a parenthesized expression: .name and .*
// (subscripts are postfix operators everywhere, see kPrecSubscript). The
// location is the innermost expression's, where PostgreSQL points field
// selection errors (the '(' when it has none).
ExprPtr Parser::ParseFieldSelection(ExprPtr base, int paren_loc) {
  while (IsPunct('.')) {
    Advance();
    auto f = std::make_unique<Expr>(ExprKind::kFieldSelect, base->location >= 0 ? base->location : paren_loc);
    if (IsOp("*")) {
      Advance();
      f->star = true;
    } else {
      f->str = ParseColLabel();
    }
    f->args.push_back(std::move(base));
    base = std::move(f);
    if (base->star) break;
  }
  return base;
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
      if (IsOp("*")) Fail();  // count(DISTINCT *)
    } else {
      AcceptWord("all");
    }
    do {
      if (AcceptWord("variadic")) fn->func_variadic = true;
      std::string arg_name;
      if ((Peek().kind == TokKind::kIdent || Peek().kind == TokKind::kQuotedIdent) &&
          (Peek(1).kind == TokKind::kEqualsGreater || Peek(1).kind == TokKind::kColonEquals)) {
        arg_name = Advance().text;
        Advance();
      }
      fn->arg_names.push_back(arg_name);
      fn->args.push_back(ParseExpr());
    } while (AcceptPunct(','));
    bool named = false;
    for (const auto& n : fn->arg_names) named = named || !n.empty();
    if (!named) fn->arg_names.clear();
    if (IsWord("order")) {
      Advance();
      ExpectWord("by");
      fn->agg_order = ParseSortList();
    }
  }
  ExpectPunct(')');
  if (IsWord("within") && IsWord("group", 1)) {
    pos_ += 2;
    ExpectPunct('(');
    ExpectWord("order");
    ExpectWord("by");
    fn->agg_order = ParseSortList();
    fn->agg_within_group = true;
    ExpectPunct(')');
  }
  if (IsWord("filter") && IsPunct('(', 1)) {
    pos_ += 2;
    ExpectWord("where");
    fn->agg_filter = ParseExpr();
    ExpectPunct(')');
  }
  if (AcceptWord("over")) {
    if (IsPunct('(')) {
      fn->over = ParseWindowSpec();
    } else {
      fn->over = std::make_shared<WindowDef>();
      fn->over->location = Peek().offset;
      fn->over->ref_name = ParseName();
      fn->over->bare = true;
    }
  }
  return fn;
}

// After OPERATOR: ( [name .]... op ). Every name before the operator goes to
// *schema; the analyzer checks them.
std::string Parser::ParseQualifiedOperator(std::vector<std::string>* schema) {
  ExpectPunct('(');
  while (Peek().kind != TokKind::kOp) {
    schema->push_back(ParseName());
    ExpectPunct('.');
  }
  std::string op = Advance().text;
  ExpectPunct(')');
  return op;
}

// x op ANY|SOME|ALL ( subquery | array expression ); the keyword is next.
ExprPtr Parser::ParseSubLinkTail(ExprPtr left, const std::string& op, int loc) {
  bool all = Advance().text == "all";
  ExpectPunct('(');
  ExprPtr e;
  if (AtSelectStart()) {
    e = std::make_unique<Expr>(ExprKind::kSubLink, loc);
    e->sublink = all ? SubLinkKind::kAll : SubLinkKind::kAny;
    e->args.push_back(std::move(left));
    e->subquery = ParseSelect();
  } else {
    e = std::make_unique<Expr>(ExprKind::kAnyAll, loc);
    e->negated = all;
    e->args.push_back(std::move(left));
    e->args.push_back(ParseExpr());
  }
  e->str = op;
  ExpectPunct(')');
  return e;
}

// ARRAY[...] with nested bracket lists for multi-dimensional arrays.
ExprPtr Parser::ParseArrayBrackets(int loc) {
  auto e = std::make_unique<Expr>(ExprKind::kArray, loc);
  ExpectPunct('[');
  if (!IsPunct(']')) {
    do {
      if (IsPunct('[')) {
        e->args.push_back(ParseArrayBrackets(Peek().offset));
      } else {
        e->args.push_back(ParseExpr());
      }
    } while (AcceptPunct(','));
  }
  ExpectPunct(']');
  return e;
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
      // substring(x FOR n [FROM m]) means substring(x, m, n); without FROM,
      // substring(x, 1, n::int4).
      ExprPtr count = ParseExpr();
      if (AcceptWord("from")) {
        e->args.push_back(ParseExpr());
        e->args.push_back(std::move(count));
      } else {
        auto one = std::make_unique<Expr>(ExprKind::kConst, loc);
        one->const_kind = ConstKind::kInteger;
        one->str = "1";
        e->args.push_back(std::move(one));
        auto cast = std::make_unique<Expr>(ExprKind::kCast, count->location);
        cast->type = std::make_unique<TypeName>();
        cast->type->names = {"int4"};
        cast->args.push_back(std::move(count));
        e->args.push_back(std::move(cast));
      }
    } else if (AcceptWord("similar")) {
      // substring(x SIMILAR p ESCAPE e) is substring(x, p, e).
      e->args.push_back(ParseExpr(kPrecLike + 1));
      ExpectWord("escape");
      e->args.push_back(ParseExpr());
    } else {
      while (AcceptPunct(',')) e->args.push_back(ParseExpr());
    }
    ExpectPunct(')');
    return e;
  }
  if (w == "overlay") {
    // overlay(a PLACING b FROM s [FOR n]) is overlay(a, b, s [, n]).
    Advance();
    Advance();
    auto e = MakeFunc("overlay", loc);
    if (!IsPunct(')')) {
      e->args.push_back(ParseExpr());
      if (AcceptWord("placing")) {
        e->args.push_back(ParseExpr());
        ExpectWord("from");
        e->args.push_back(ParseExpr());
        if (AcceptWord("for")) e->args.push_back(ParseExpr());
      } else {
        while (AcceptPunct(',')) e->args.push_back(ParseExpr());
      }
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
    auto e = MakeFunc("extract", loc);
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

}  // namespace tusk::sql
