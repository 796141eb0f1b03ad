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
  std::shared_ptr<SelectStmt> ParseSelect();
  size_t pos() const { return pos_; }
  const Token& Peek(size_t ahead = 0) const {
    size_t i = pos_ + ahead;
    return i < toks_.size() ? toks_[i] : toks_.back();
  }

  // expressions (parser_expr.cc)
  ExprPtr ParseExpr(int min_prec = 0);
  std::unique_ptr<TypeName> ParseTypeName();

  // utility statements (parser_utility.cc)
  Statement::Body ParseSet(StmtKind* kind);
  Statement::Body ParseReset();
  Statement::Body ParseShow();
  Statement::Body ParseTransaction(StmtKind* kind);
  Statement::Body ParseCreateRole();
  Statement::Body ParseAlterRole();
  Statement::Body ParseDropRole();
  Statement::Body ParseDiscard();

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
  const Token& Advance() { return toks_[pos_ < toks_.size() - 1 ? pos_++ : pos_]; }
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
  ExprPtr ParseFuncArgs(ExprPtr fn);
  ExprPtr ParseSpecialFunc(const std::string& word, int loc, bool* handled);
  ExprPtr ParseCase();
  std::vector<ExprPtr> ParseExprList();
  void ParseSelectClauses(SelectStmt& s);
  void ParseFromList(SelectStmt& s);
  FromItem ParseFromItem();
  void ParseTargetList(SelectStmt& s);
  void ParseTransactionModes(TransactionModes& m);
  void ParseRoleOptions(RoleOptions& o);

  std::string_view q_;
  std::vector<Token> toks_;
  size_t pos_ = 0;
};

}  // namespace tusk::sql
