// Internal parser class shared by the statement, expression and utility
// parsing files. Not part of the public API.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "sql/parser/ast.h"
#include "sql/parser/lexer.h"
#include "sql/parser/statement.h"

namespace tusk::sql {

// True for keywords that can never be a column name or bare alias.
bool IsReservedKeyword(const std::string& word);

class Parser {
 public:
  Parser(std::string_view query, std::vector<Token> toks) : q_(query), toks_(std::move(toks)) {}

  // statements (parser.cc)
  Statement::Body ParseStatementBody(StmtKind* kind);
  // A nested statement (EXPLAIN, PREPARE) as its own Statement object.
  std::shared_ptr<Statement> ParseInnerStatement();
  void SetSharedQuery(std::shared_ptr<const std::string> q) { shared_q_ = std::move(q); }

  // SELECT (parser_select.cc): full select statement including WITH, set
  // operations, ORDER BY, LIMIT/OFFSET/FETCH and locking clauses.
  std::shared_ptr<SelectStmt> ParseSelect();
  std::shared_ptr<WithClause> ParseWithClause();
  bool AtSelectStart(size_t ahead = 0) const {
    return IsWord("select", ahead) || IsWord("values", ahead) || IsWord("with", ahead) || IsWord("table", ahead);
  }
  std::vector<SortBy> ParseSortList();
  std::shared_ptr<WindowDef> ParseWindowSpec();
  FromItem ParseFromItem();
  void ParseFromList(std::vector<FromItem>& out);
  std::vector<ResTarget> ParseReturning();

  // DDL (parser_ddl.cc)
  Statement::Body ParseCreate(StmtKind* kind);
  Statement::Body ParseDrop(StmtKind* kind);
  Statement::Body ParseAlterTable();
  Statement::Body ParseCreateSequence(Persistence persistence);
  Statement::Body ParseAlterSequence();
  // SeqOptList: zero or more options (stops at the first word that starts none).
  std::vector<SeqOption> ParseSeqOptions();
  Statement::Body ParseTruncate();
  // CREATE / ALTER DATABASE (parser_database.cc)
  Statement::Body ParseCreateDatabase();
  Statement::Body ParseAlterDatabase();
  std::unique_ptr<TypeName> ParseColumnType();
  ColumnDef ParseColumnDef();
  bool AtTableConstraint() const;
  Constraint ParseTableConstraint();
  IndexElem ParseIndexElem();
  std::vector<IndexElem> ParseIndexElems();  // ( elem, ... )

  // DML and COPY (parser_dml.cc)
  Statement::Body ParseInsert(std::shared_ptr<WithClause> with);
  Statement::Body ParseUpdate(std::shared_ptr<WithClause> with);
  Statement::Body ParseDelete(std::shared_ptr<WithClause> with);
  Statement::Body ParseCopy();

  // maintenance and session commands (parser_admin.cc)
  Statement::Body ParseVacuum(StmtKind* kind);
  Statement::Body ParseExplain();
  Statement::Body ParsePrepare();
  Statement::Body ParseExecute();
  Statement::Body ParseDeallocate();
  Statement::Body ParseLock();
  Statement::Body ParseDeclareCursor();
  Statement::Body ParseFetch();  // FETCH and MOVE
  Statement::Body ParseClosePortal();
  Statement::Body ParseSetConstraints();

  // shared helpers (parser.cc)
  RangeVar ParseQualifiedName();
  std::vector<std::string> ParseParenNameList();  // ( a, b, ... )
  std::vector<std::string> ParseAnyName();        // a[.b[.c]]
  std::vector<DefElem> ParseDefList();            // ( name [=] value, ... )
  DefElem ParseDefElem(bool allow_equals);
  bool AcceptWords(const char* a, const char* b) {
    if (!IsWord(a) || !IsWord(b, 1)) return false;
    pos_ += 2;
    return true;
  }
  // An alias after a relation or subquery: [AS] name [(cols)].
  void ParseAlias(std::optional<std::string>* alias, std::vector<std::string>* cols);
  size_t pos() const { return pos_; }
  // A lexical error surfaces when the parser reaches its token.
  const Token& Peek(size_t ahead = 0) const {
    size_t i = pos_ + ahead;
    const Token& t = i < toks_.size() ? toks_[i] : toks_.back();
    ThrowIfError(t);
    return t;
  }

  // expressions (parser_expr.cc)
  ExprPtr ParseExpr(int min_prec = 0);
  std::unique_ptr<TypeName> ParseTypeName();

  // utility statements (parser_utility.cc)
  Statement::Body ParseSet(StmtKind* kind);
  Statement::Body ParseReset();
  Statement::Body ParseAlterSystem();
  // name {TO|=} {DEFAULT | value [, ...]}: the generic form shared by SET and ALTER SYSTEM.
  void ParseGenericSet(SetStmt& s);
  Statement::Body ParseShow();
  Statement::Body ParseTransaction(StmtKind* kind);
  Statement::Body ParseCreateRole();
  Statement::Body ParseAlterRole();
  Statement::Body ParseDropRole();
  Statement::Body ParseDiscard();
  Statement::Body ParseGrant();
  Statement::Body ParseSchema();  // CREATE/ALTER SCHEMA (parser_ddl.cc)
  // A RoleSpec: a name, CURRENT_USER, CURRENT_ROLE, SESSION_USER or PUBLIC
  // ("none" is 42939 at its position).
  RoleSpec ParseRoleSpec();
  // ALTER ROLE/DATABASE's SET/RESET clause, at SET or RESET.
  SettingClause ParseSettingClause();
  Statement::Body ParseNotify();

  // token helpers
  bool IsWord(const char* w, size_t ahead = 0) const {
    const Token& t = Peek(ahead);
    return t.kind == TokKind::kIdent && t.text == w;
  }
  bool IsPunct(char c, size_t ahead = 0) const {
    const Token& t = Peek(ahead);
    return t.kind == TokKind::kPunct && t.text.size() == 1 && t.text[0] == c;
  }
  bool IsOp(const char* op, size_t ahead = 0) const {
    const Token& t = Peek(ahead);
    return t.kind == TokKind::kOp && t.text == op;
  }
  bool AcceptWord(const char* w) {
    if (!IsWord(w)) return false;
    ++pos_;
    return true;
  }
  bool AcceptPunct(char c) {
    if (!IsPunct(c)) return false;
    ++pos_;
    return true;
  }
  void ExpectWord(const char* w) {
    if (!AcceptWord(w)) Fail();
  }
  void ExpectPunct(char c) {
    if (!AcceptPunct(c)) Fail();
  }
  const Token& Advance() {
    const Token& t = toks_[pos_ < toks_.size() - 1 ? pos_++ : pos_];
    ThrowIfError(t);
    return t;
  }
  [[noreturn]] void Fail() const { ThrowSyntaxError(q_, Peek()); }
  [[noreturn]] void NotSupported(const std::string& what, int offset) const;

  // Any identifier usable as a name (column, role, setting): unreserved
  // keywords and quoted identifiers.
  std::string ParseName();
  // A role or setting name, which may also be a non-reserved keyword or a string.
  std::string ParseColLabel();
  std::string ParseIntegerText();

 private:
  ExprPtr ParsePrefix();
  ExprPtr ParsePrimary();
  ExprPtr ParseColumnOrFunc();
  ExprPtr ParseFieldSelection(ExprPtr base, int paren_loc);
  ExprPtr ParseFuncArgs(ExprPtr fn);
  ExprPtr ParseSpecialFunc(const std::string& word, int loc, bool* handled);
  ExprPtr ParseCase();
  ExprPtr ParseArrayBrackets(int loc);
  void ParseReferences(Constraint& c);
  void ParseConstraintAttributes(Constraint& c);
  Statement::Body ParseCreateTable(Persistence persistence);
  // ON COMMIT PRESERVE ROWS | DELETE ROWS | DROP, at ON: "preserve rows", "delete rows", "drop".
  std::string ParseOnCommit();
  Statement::Body ParseCreateIndex();
  Statement::Body ParseCreateView(bool replace, Persistence persistence);
  // createdb_opt_list: name [=] value | DEFAULT, CONNECTION LIMIT as connection_limit.
  void ParseCreatedbOptions(std::vector<DefElem>* out);
  AlterTableCmd ParseAlterTableCmd();
  std::vector<ExprPtr> ParseExprList();
  std::shared_ptr<SelectStmt> ParseSetOperand(int min_prec);
  std::shared_ptr<SelectStmt> ParseSimpleSelect();
  void ParseSelectTail(SelectStmt& s);
  FromItem ParseFromPrimary();
  FromItem ParseJoinChain(FromItem left);
  void ParseTargetList(std::vector<ResTarget>& out);
  ExprPtr ParseSubLinkTail(ExprPtr left, const std::string& op, int loc);
  // OPERATOR ( [schema .] op ): the operator; its qualification goes to *schema.
  std::string ParseQualifiedOperator(std::vector<std::string>* schema);
  void ParseTransactionModes(TransactionModes& m);
  void ParseRoleOptions(RoleOptions& o);

  std::shared_ptr<const std::string> shared_q_;
  std::string_view q_;
  std::vector<Token> toks_;
  size_t pos_ = 0;
};

}  // namespace tusk::sql
