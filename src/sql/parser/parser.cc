// Statement-level parsing: splitting at ';', dispatch on the leading
// keyword, and the SELECT / VALUES grammar (target list, FROM, WHERE,
// GROUP BY, HAVING, ORDER BY, LIMIT, OFFSET).
#include "sql/parser/parser.h"

#include <cctype>
#include <set>

#include "sql/parser/parser_impl.h"
#include "utils/error.h"

namespace tusk::sql {

bool IsReservedKeyword(const std::string& w) {
  // PostgreSQL's reserved and type/function-name keywords: none of these may
  // be a column name or an alias written without AS.
  static const std::set<std::string> kReserved = {
      "all", "analyse", "analyze", "and", "any", "array", "as", "asc", "asymmetric", "both", "case", "cast",
      "check", "collate", "column", "constraint", "create", "current_catalog", "current_date", "current_role",
      "current_time", "current_timestamp", "current_user", "default", "deferrable", "desc", "distinct", "do",
      "else", "end", "except", "false", "fetch", "for", "foreign", "from", "grant", "group", "having", "in",
      "initially", "intersect", "into", "lateral", "leading", "limit", "localtime", "localtimestamp", "not",
      "null", "offset", "on", "only", "or", "order", "placing", "primary", "references", "returning",
      "select", "session_user", "some", "symmetric", "table", "then", "to", "trailing", "true", "union",
      "unique", "user", "using", "variadic", "when", "where", "window", "with",
      // type_func_name_keyword
      "authorization", "binary", "collation", "concurrently", "cross", "current_schema", "freeze", "full",
      "ilike", "inner", "is", "isnull", "join", "left", "like", "natural", "notnull", "outer", "overlaps",
      "right", "similar", "tablesample", "verbose"};
  return kReserved.count(w) > 0;
}

void Parser::NotSupported(const std::string& what, int offset) const {
  throw PgError(sqlstate::kFeatureNotSupported, what + " is not supported").Position(CharPosition(q_, offset));
}

std::string Parser::ParseName() {
  const Token& t = Peek();
  if (t.kind == TokKind::kQuotedIdent || (t.kind == TokKind::kIdent && !IsReservedKeyword(t.text))) {
    return Advance().text;
  }
  Fail();
}

std::string Parser::ParseColLabel() {
  const Token& t = Peek();
  if (t.kind == TokKind::kQuotedIdent || t.kind == TokKind::kIdent) return Advance().text;
  Fail();
}

std::string Parser::ParseIntegerText() {
  bool neg = false;
  if (IsOp("-")) {
    neg = true;
    Advance();
  } else if (IsOp("+")) {
    Advance();
  }
  if (Peek().kind != TokKind::kInteger) Fail();
  return (neg ? "-" : "") + Advance().text;
}

Statement::Body Parser::ParseStatementBody(StmtKind* kind) {
  const Token& t = Peek();
  if (IsPunct('(') || IsWord("select") || IsWord("values")) {
    auto s = ParseSelect();
    *kind = s->values.empty() ? StmtKind::kSelect : StmtKind::kValues;
    return s;
  }
  if (t.kind != TokKind::kIdent) Fail();
  if (IsWord("set")) return ParseSet(kind);
  if (IsWord("reset")) {
    *kind = StmtKind::kReset;
    return ParseReset();
  }
  if (IsWord("show")) {
    *kind = StmtKind::kShow;
    return ParseShow();
  }
  if (IsWord("begin") || IsWord("start") || IsWord("commit") || IsWord("end") || IsWord("rollback") ||
      IsWord("abort") || IsWord("savepoint") || IsWord("release")) {
    *kind = StmtKind::kTransaction;
    return ParseTransaction(kind);
  }
  if (IsWord("create") && (IsWord("role", 1) || IsWord("user", 1))) {
    *kind = StmtKind::kCreateRole;
    return ParseCreateRole();
  }
  if (IsWord("alter") && (IsWord("role", 1) || IsWord("user", 1))) {
    *kind = StmtKind::kAlterRole;
    return ParseAlterRole();
  }
  if (IsWord("drop") && (IsWord("role", 1) || IsWord("user", 1))) {
    *kind = StmtKind::kDropRole;
    return ParseDropRole();
  }
  if (IsWord("discard")) {
    *kind = StmtKind::kDiscard;
    return ParseDiscard();
  }
  Fail();
}

std::shared_ptr<SelectStmt> Parser::ParseSelect() {
  // A parenthesized select: "(SELECT ...)" optionally followed by ORDER BY etc.
  if (IsPunct('(')) {
    Advance();
    auto inner = ParseSelect();
    ExpectPunct(')');
    ParseSelectClauses(*inner);
    return inner;
  }
  auto s = std::make_shared<SelectStmt>();
  s->location = Peek().offset;
  if (AcceptWord("values")) {
    do {
      ExpectPunct('(');
      s->values.push_back(ParseExprList());
      ExpectPunct(')');
    } while (AcceptPunct(','));
    ParseSelectClauses(*s);
    return s;
  }
  ExpectWord("select");
  if (AcceptWord("distinct")) {
    s->distinct = true;
    if (AcceptWord("on")) {
      ExpectPunct('(');
      s->distinct_on = ParseExprList();
      ExpectPunct(')');
    }
  } else {
    AcceptWord("all");
  }
  ParseTargetList(*s);
  if (AcceptWord("from")) ParseFromList(*s);
  if (AcceptWord("where")) s->where = ParseExpr();
  if (IsWord("group")) {
    Advance();
    ExpectWord("by");
    s->group_by = ParseExprList();
  }
  if (AcceptWord("having")) s->having = ParseExpr();
  ParseSelectClauses(*s);
  return s;
}

void Parser::ParseSelectClauses(SelectStmt& s) {
  if (IsWord("union") || IsWord("intersect") || IsWord("except")) {
    std::string op = Peek().text;
    for (char& c : op) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    NotSupported(op, Peek().offset);
  }
  if (IsWord("order")) {
    Advance();
    ExpectWord("by");
    do {
      SortBy sb;
      sb.location = Peek().offset;
      sb.expr = ParseExpr();
      if (AcceptWord("desc")) {
        sb.desc = true;
      } else {
        AcceptWord("asc");
      }
      if (AcceptWord("nulls")) {
        if (AcceptWord("first")) {
          sb.nulls_first = true;
        } else {
          ExpectWord("last");
          sb.nulls_first = false;
        }
      }
      s.order_by.push_back(std::move(sb));
    } while (AcceptPunct(','));
  }
  for (int i = 0; i < 2; ++i) {
    if (IsWord("limit")) {
      Advance();
      if (AcceptWord("all")) {
        s.limit.reset();
      } else {
        s.limit = ParseExpr();
      }
    } else if (IsWord("offset")) {
      Advance();
      s.offset = ParseExpr();
      if (!AcceptWord("rows")) AcceptWord("row");
    }
  }
}

void Parser::ParseTargetList(SelectStmt& s) {
  // An empty target list is legal ("SELECT;", "SELECT FROM t").
  if (Peek().kind == TokKind::kEnd || IsPunct(';') || IsPunct(')') || IsWord("from") || IsWord("where") ||
      IsWord("group") || IsWord("having") || IsWord("order") || IsWord("limit") || IsWord("offset")) {
    return;
  }
  do {
    ResTarget rt;
    rt.location = Peek().offset;
    if (IsOp("*")) {
      Advance();
      s.targets.push_back(std::move(rt));
      continue;
    }
    rt.expr = ParseExpr();
    if (AcceptWord("as")) {
      rt.alias = ParseColLabel();
    } else if (Peek().kind == TokKind::kQuotedIdent ||
               (Peek().kind == TokKind::kIdent && !IsReservedKeyword(Peek().text))) {
      rt.alias = Advance().text;
    }
    s.targets.push_back(std::move(rt));
  } while (AcceptPunct(','));
}

void Parser::ParseFromList(SelectStmt& s) {
  do {
    s.from.push_back(ParseFromItem());
  } while (AcceptPunct(','));
}

FromItem Parser::ParseFromItem() {
  FromItem item;
  item.location = Peek().offset;
  if (IsPunct('(')) {
    Advance();
    if (IsWord("select") || IsWord("values")) {
      item.kind = FromKind::kSubquery;
      item.subquery = ParseSelect();
      ExpectPunct(')');
    } else {
      item = ParseFromItem();
      ExpectPunct(')');
    }
  } else {
    AcceptWord("only");
    std::string first = ParseName();
    if (AcceptPunct('.')) {
      item.schema = first;
      item.name = ParseColLabel();
      if (AcceptPunct('.')) {  // catalog.schema.table: keep the last two
        item.schema = item.name;
        item.name = ParseColLabel();
      }
    } else {
      item.name = first;
    }
  }
  if (AcceptWord("as")) {
    item.alias = ParseColLabel();
  } else if (Peek().kind == TokKind::kQuotedIdent ||
             (Peek().kind == TokKind::kIdent && !IsReservedKeyword(Peek().text) && !IsWord("natural") &&
              !IsWord("cross"))) {
    item.alias = Advance().text;
  }
  if (item.alias && AcceptPunct('(')) {
    do item.column_aliases.push_back(ParseColLabel());
    while (AcceptPunct(','));
    ExpectPunct(')');
  }
  // Joins chain left-associatively.
  for (;;) {
    std::string jt;
    int loc = Peek().offset;
    if (AcceptWord("cross")) {
      ExpectWord("join");
      jt = "cross";
    } else if (AcceptWord("join")) {
      jt = "inner";
    } else if (AcceptWord("inner")) {
      ExpectWord("join");
      jt = "inner";
    } else if (IsWord("left") || IsWord("right") || IsWord("full")) {
      jt = Advance().text;
      AcceptWord("outer");
      ExpectWord("join");
    } else {
      break;
    }
    FromItem join;
    join.kind = FromKind::kJoin;
    join.join_type = jt;
    join.location = loc;
    join.left = std::make_unique<FromItem>(std::move(item));
    join.right = std::make_unique<FromItem>(ParseFromItem());
    if (jt != "cross") {
      if (AcceptWord("on")) {
        join.join_cond = ParseExpr();
      } else if (AcceptWord("using")) {
        ExpectPunct('(');
        do ParseColLabel();
        while (AcceptPunct(','));
        ExpectPunct(')');
      } else {
        Fail();
      }
    }
    item = std::move(join);
  }
  return item;
}

std::vector<std::unique_ptr<Statement>> ParseStatements(std::string_view query) {
  auto shared = std::make_shared<const std::string>(query);
  std::string_view q(*shared);
  Parser p(q, Tokenize(q));
  std::vector<std::unique_ptr<Statement>> out;
  for (;;) {
    while (p.AcceptPunct(';')) {
    }
    if (p.Peek().kind == TokKind::kEnd) break;
    int start = p.Peek().offset;
    StmtKind kind = StmtKind::kSelect;
    Statement::Body body = p.ParseStatementBody(&kind);
    if (!p.IsPunct(';') && p.Peek().kind != TokKind::kEnd) p.Fail();
    int stop = p.Peek().offset;
    // Trim trailing whitespace/comments between the last token and ';'.
    std::string text(q.substr(start, stop - start));
    while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) text.pop_back();
    out.push_back(std::make_unique<Statement>(kind, std::move(body), shared, start, std::move(text)));
  }
  return out;
}

}  // namespace tusk::sql
