// CREATE DATABASE and ALTER DATABASE. Both take PostgreSQL's createdb_opt_list;
// which options make sense for which statement is the backend's business.
#include "sql/parser/parser_impl.h"
#include "utils/error.h"

namespace tusk::sql {

void Parser::ParseCreatedbOptions(std::vector<DefElem>* out) {
  while (Peek().kind == TokKind::kIdent) {
    DefElem e;
    e.location = Peek().offset;
    if (AcceptWords("connection", "limit")) {
      e.name = "connection_limit";
    } else {
      e.name = Advance().text;
    }
    if (IsOp("=")) Advance();
    const Token& t = Peek();
    if (t.kind == TokKind::kString || t.kind == TokKind::kQuotedIdent) {
      // A quoted identifier is a plain string here: only a bare DEFAULT means the default.
      e.arg_kind = DefElem::kString;
      e.arg = Advance().text;
    } else if (t.kind == TokKind::kInteger || t.kind == TokKind::kNumeric || IsOp("-") || IsOp("+")) {
      // NumericOnly: whether it must be an integer is the option's to say.
      std::string sign;
      if (IsOp("-") || IsOp("+")) sign = Advance().text == "-" ? "-" : "";
      if (Peek().kind != TokKind::kInteger && Peek().kind != TokKind::kNumeric) Fail();
      e.arg_kind = DefElem::kNumber;
      e.arg = sign + Advance().text;
    } else if (t.kind == TokKind::kIdent) {
      e.arg_kind = DefElem::kIdent;  // includes DEFAULT, TRUE, ON
      e.arg = Advance().text;
    } else {
      Fail();
    }
    out->push_back(std::move(e));
  }
}

Statement::Body Parser::ParseCreateDatabase() {
  ExpectWord("database");
  auto d = std::make_shared<CreateDatabaseStmt>();
  d->name = ParseName();
  AcceptWord("with");
  ParseCreatedbOptions(&d->options);
  return d;
}

Statement::Body Parser::ParseAlterDatabase() {
  ExpectWord("alter");
  ExpectWord("database");
  auto d = std::make_shared<AlterDatabaseStmt>();
  d->name = ParseName();
  if (AcceptWords("rename", "to")) {
    d->action = AlterDatabaseStmt::kRename;
    d->new_name = ParseName();
  } else if (AcceptWords("owner", "to")) {
    d->action = AlterDatabaseStmt::kOwner;
    d->owner = ParseRoleSpec();
  } else if (IsWord("set") && IsWord("tablespace", 1) && !IsWord("to", 2) && !IsOp("=", 2)) {
    // SET TABLESPACE name, not a setting named tablespace.
    pos_ += 2;
    d->action = AlterDatabaseStmt::kSetTablespace;
    d->new_name = ParseName();
  } else if (AcceptWord("refresh")) {
    ExpectWord("collation");
    ExpectWord("version");
    d->action = AlterDatabaseStmt::kRefreshCollation;
  } else if (IsWord("set") || IsWord("reset")) {
    d->action = AlterDatabaseStmt::kSetting;
    d->setting = ParseSettingClause();
  } else {
    AcceptWord("with");
    ParseCreatedbOptions(&d->options);
  }
  return d;
}

}  // namespace tusk::sql
