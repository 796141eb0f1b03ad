// Statement-level parsing: splitting at ';', dispatch on the leading
// keyword, keyword classes, and name/option helpers shared by the
// statement grammars in the other parser_*.cc files.
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
  if (IsWord("with")) {
    // WITH ... SELECT, or a data-modifying statement with CTEs.
    size_t save = pos_;
    auto with = ParseWithClause();
    if (IsWord("insert")) return *kind = StmtKind::kInsert, ParseInsert(with);
    if (IsWord("update")) return *kind = StmtKind::kUpdate, ParseUpdate(with);
    if (IsWord("delete")) return *kind = StmtKind::kDelete, ParseDelete(with);
    pos_ = save;
  }
  if (IsPunct('(') || AtSelectStart()) {
    auto s = ParseSelect();
    *kind = s->values.empty() || s->op != SetOpKind::kNone ? StmtKind::kSelect : StmtKind::kValues;
    return s;
  }
  if (t.kind != TokKind::kIdent) Fail();
  if (IsWord("set") && IsWord("constraints", 1)) return *kind = StmtKind::kSetConstraints, ParseSetConstraints();
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
  if (IsWord("grant") || IsWord("revoke")) return *kind = StmtKind::kGrant, ParseGrant();
  if (IsWord("listen") || IsWord("unlisten") || IsWord("notify")) {
    *kind = StmtKind::kNotify;
    return ParseNotify();
  }
  if (IsWord("create")) return ParseCreate(kind);
  if (IsWord("drop")) return ParseDrop(kind);
  if (IsWord("alter") && IsWord("system", 1)) return *kind = StmtKind::kAlterSystem, ParseAlterSystem();
  if (IsWord("alter") && IsWord("schema", 1)) return *kind = StmtKind::kSchema, ParseSchema();
  if (IsWord("alter") && IsWord("database", 1)) return *kind = StmtKind::kAlterDatabase, ParseAlterDatabase();
  if (IsWord("alter") && IsWord("table", 1)) return *kind = StmtKind::kAlterTable, ParseAlterTable();
  if (IsWord("alter") && IsWord("sequence", 1)) return *kind = StmtKind::kAlterSequence, ParseAlterSequence();
  if (IsWord("truncate")) return *kind = StmtKind::kTruncate, ParseTruncate();
  if (IsWord("insert")) return *kind = StmtKind::kInsert, ParseInsert(nullptr);
  if (IsWord("update")) return *kind = StmtKind::kUpdate, ParseUpdate(nullptr);
  if (IsWord("delete")) return *kind = StmtKind::kDelete, ParseDelete(nullptr);
  if (IsWord("copy")) return *kind = StmtKind::kCopy, ParseCopy();
  if (IsWord("vacuum") || IsWord("analyze") || IsWord("analyse")) return ParseVacuum(kind);
  if (IsWord("checkpoint")) {
    Advance();
    *kind = StmtKind::kCheckpoint;
    return std::make_shared<CheckpointStmt>();
  }
  if (IsWord("explain")) return *kind = StmtKind::kExplain, ParseExplain();
  if (IsWord("prepare")) return *kind = StmtKind::kPrepare, ParsePrepare();
  if (IsWord("execute")) return *kind = StmtKind::kExecute, ParseExecute();
  if (IsWord("deallocate")) return *kind = StmtKind::kDeallocate, ParseDeallocate();
  if (IsWord("lock")) return *kind = StmtKind::kLock, ParseLock();
  if (IsWord("declare")) return *kind = StmtKind::kDeclareCursor, ParseDeclareCursor();
  if (IsWord("fetch") || IsWord("move")) return *kind = StmtKind::kFetch, ParseFetch();
  if (IsWord("close")) return *kind = StmtKind::kClosePortal, ParseClosePortal();
  Fail();
}

std::shared_ptr<Statement> Parser::ParseInnerStatement() {
  int start = Peek().offset;
  StmtKind kind = StmtKind::kSelect;
  Statement::Body body = ParseStatementBody(&kind);
  int stop = Peek().offset;
  std::string text(q_.substr(start, stop - start));
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) text.pop_back();
  return std::make_shared<Statement>(kind, std::move(body), shared_q_, start, std::move(text));
}

RangeVar Parser::ParseQualifiedName() {
  RangeVar rv;
  rv.location = Peek().offset;
  rv.name = ParseName();
  if (AcceptPunct('.')) {
    rv.schema = rv.name;
    rv.name = ParseColLabel();
    if (AcceptPunct('.')) {
      rv.catalog = rv.schema;
      rv.schema = rv.name;
      rv.name = ParseColLabel();
    }
  }
  return rv;
}

std::vector<std::string> Parser::ParseAnyName() {
  std::vector<std::string> out{ParseName()};
  while (AcceptPunct('.')) out.push_back(ParseColLabel());
  return out;
}

std::vector<std::string> Parser::ParseParenNameList() {
  std::vector<std::string> out;
  ExpectPunct('(');
  do out.push_back(ParseName());
  while (AcceptPunct(','));
  ExpectPunct(')');
  return out;
}

DefElem Parser::ParseDefElem(bool allow_equals) {
  DefElem d;
  d.location = Peek().offset;
  d.name = ParseColLabel();
  while (AcceptPunct('.')) d.name += "." + ParseColLabel();
  if (allow_equals && IsOp("=")) {
    Advance();
  } else if (IsPunct(',') || IsPunct(')')) {
    return d;
  }
  const Token& t = Peek();
  if (t.kind == TokKind::kString) {
    d.arg_kind = DefElem::kString;
    d.arg = Advance().text;
  } else if (t.kind == TokKind::kInteger || t.kind == TokKind::kNumeric || IsOp("-") || IsOp("+")) {
    std::string sign;
    if (IsOp("-") || IsOp("+")) sign = Advance().text == "-" ? "-" : "";
    if (Peek().kind != TokKind::kInteger && Peek().kind != TokKind::kNumeric) Fail();
    d.arg_kind = DefElem::kNumber;
    d.arg = sign + Advance().text;
  } else if (t.kind == TokKind::kIdent || t.kind == TokKind::kQuotedIdent) {
    d.arg_kind = DefElem::kIdent;
    d.arg = Advance().text;
  } else if (IsPunct('(')) {
    d.arg_kind = DefElem::kList;
    Advance();
    do d.list.push_back(ParseColLabel());
    while (AcceptPunct(','));
    ExpectPunct(')');
  } else if (IsOp("*")) {
    d.arg_kind = DefElem::kIdent;
    d.arg = Advance().text;
  } else {
    Fail();
  }
  return d;
}

std::vector<DefElem> Parser::ParseDefList() {
  std::vector<DefElem> out;
  ExpectPunct('(');
  do out.push_back(ParseDefElem(true));
  while (AcceptPunct(','));
  ExpectPunct(')');
  return out;
}

std::vector<std::unique_ptr<Statement>> ParseStatements(std::string_view query) {
  auto shared = std::make_shared<const std::string>(query);
  std::string_view q(*shared);
  Parser p(q, Tokenize(q));
  p.SetSharedQuery(shared);
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
