// Parsing of the utility statements the backend executes itself: SET, ALTER SYSTEM,
// RESET, SHOW, transaction control, CREATE/ALTER/DROP ROLE (with ALTER
// ROLE/DATABASE's SET/RESET clause), DISCARD and LISTEN/UNLISTEN/NOTIFY.
// They produce plain structs (ast.h); nothing here is evaluated.
#include "sql/parser/parser_impl.h"
#include "utils/error.h"

namespace tusk::sql {
namespace {
// A configuration parameter name: identifier, possibly dotted (custom GUCs).
std::string ParseVarName(Parser& p) {
  std::string name = p.ParseColLabel();
  while (p.AcceptPunct('.')) name += "." + p.ParseColLabel();
  return name;
}
}  // namespace

void Parser::ParseTransactionModes(TransactionModes& m) {
  for (bool first = true;; first = false) {
    if (!first) AcceptPunct(',');
    if (AcceptWord("isolation")) {
      ExpectWord("level");
      if (AcceptWord("serializable")) {
        m.isolation = "serializable";
      } else if (AcceptWord("repeatable")) {
        ExpectWord("read");
        m.isolation = "repeatable read";
      } else if (AcceptWord("read")) {
        if (AcceptWord("committed")) {
          m.isolation = "read committed";
        } else {
          ExpectWord("uncommitted");
          m.isolation = "read uncommitted";
        }
      } else {
        Fail();
      }
    } else if (IsWord("read") && (IsWord("only", 1) || IsWord("write", 1))) {
      Advance();
      m.read_only = Advance().text == "only";
    } else if (AcceptWord("deferrable")) {
      m.deferrable = true;
    } else if (IsWord("not") && IsWord("deferrable", 1)) {
      pos_ += 2;
      m.deferrable = false;
    } else {
      return;
    }
  }
}

Statement::Body Parser::ParseSet(StmtKind* kind) {
  *kind = StmtKind::kSet;
  ExpectWord("set");
  SetStmt s;
  if (IsWord("session") && IsWord("characteristics", 1)) {
    pos_ += 2;
    ExpectWord("as");
    ExpectWord("transaction");
    s.kind = SetStmt::kSessionCharacteristics;
    ParseTransactionModes(s.modes);
    return s;
  }
  if (IsWord("local")) {
    Advance();
    s.is_local = true;
  } else if (IsWord("session") && !IsWord("authorization", 1) && !IsPunct('.', 1) && !IsWord("to", 1) &&
             !IsOp("=", 1)) {
    Advance();
  }
  if (AcceptWord("transaction")) {
    s.kind = SetStmt::kTransaction;
    ParseTransactionModes(s.modes);
    return s;
  }
  if (IsWord("time") && IsWord("zone", 1)) {
    pos_ += 2;
    s.name = "timezone";
    if (AcceptWord("local") || AcceptWord("default")) {
      s.kind = SetStmt::kDefault;
    } else if (Peek().kind == TokKind::kString) {
      s.values.push_back({SetValue::kString, Advance().text});
    } else if (Peek().kind == TokKind::kInteger || Peek().kind == TokKind::kNumeric || IsOp("-") || IsOp("+")) {
      std::string sign;
      if (IsOp("-") || IsOp("+")) sign = Advance().text == "-" ? "-" : "";
      if (Peek().kind != TokKind::kInteger && Peek().kind != TokKind::kNumeric) Fail();
      s.values.push_back({SetValue::kNumber, sign + Advance().text});
    } else if (Peek().kind == TokKind::kIdent || Peek().kind == TokKind::kQuotedIdent) {
      s.values.push_back({SetValue::kIdent, Advance().text});
    } else {
      Fail();
    }
    return s;
  }
  if (IsWord("schema") && Peek(1).kind == TokKind::kString) {
    Advance();
    s.name = "search_path";
    s.values.push_back({SetValue::kString, Advance().text});
    return s;
  }
  if (IsWord("names") && (Peek(1).kind == TokKind::kString || IsWord("default", 1))) {
    Advance();
    s.name = "client_encoding";
    if (AcceptWord("default")) {
      s.kind = SetStmt::kDefault;
    } else {
      s.values.push_back({SetValue::kString, Advance().text});
    }
    return s;
  }
  if (IsWord("session") && IsWord("authorization", 1)) {
    pos_ += 2;
    s.name = "session_authorization";
    if (AcceptWord("default")) {
      s.kind = SetStmt::kDefault;
    } else {
      s.values.push_back({Peek().kind == TokKind::kString ? SetValue::kString : SetValue::kIdent, ""});
      s.values.back().text = Peek().kind == TokKind::kString ? Advance().text : ParseColLabel();
    }
    return s;
  }
  if (IsWord("role") && !IsWord("to", 1) && !IsOp("=", 1)) {
    Advance();
    s.name = "role";
    if (Peek().kind == TokKind::kString) {
      s.values.push_back({SetValue::kString, Advance().text});
    } else {
      s.values.push_back({SetValue::kIdent, ParseColLabel()});
    }
    return s;
  }
  ParseGenericSet(s);
  return s;
}

void Parser::ParseGenericSet(SetStmt& s) {
  s.name = ParseVarName(*this);
  if (!AcceptWord("to") && !(IsOp("=") && (Advance(), true))) Fail();
  if (AcceptWord("default")) {
    s.kind = SetStmt::kDefault;
    return;
  }
  do {
    const Token& t = Peek();
    if (t.kind == TokKind::kString) {
      s.values.push_back({SetValue::kString, Advance().text});
    } else if (t.kind == TokKind::kInteger || t.kind == TokKind::kNumeric) {
      s.values.push_back({SetValue::kNumber, Advance().text});
    } else if (IsOp("-") || IsOp("+")) {
      std::string sign = Advance().text == "-" ? "-" : "";
      if (Peek().kind != TokKind::kInteger && Peek().kind != TokKind::kNumeric) Fail();
      s.values.push_back({SetValue::kNumber, sign + Advance().text});
    } else if (t.kind == TokKind::kIdent || t.kind == TokKind::kQuotedIdent) {
      // Keywords such as ON/OFF/TRUE are valid setting values.
      s.values.push_back({SetValue::kIdent, Advance().text});
    } else {
      Fail();
    }
  } while (AcceptPunct(','));
}

Statement::Body Parser::ParseAlterSystem() {
  ExpectWord("alter");
  ExpectWord("system");
  AlterSystemStmt a;
  if (AcceptWord("set")) {
    ParseGenericSet(a.set);
  } else {
    ExpectWord("reset");
    a.set.kind = SetStmt::kDefault;
    if (AcceptWord("all"))
      a.reset_all = true;
    else
      a.set.name = ParseVarName(*this);
  }
  return a;
}

Statement::Body Parser::ParseReset() {
  ExpectWord("reset");
  ResetStmt r;
  if (AcceptWord("all")) {
    r.all = true;
  } else if (IsWord("time") && IsWord("zone", 1)) {
    pos_ += 2;
    r.name = "timezone";
  } else if (IsWord("session") && IsWord("authorization", 1)) {
    pos_ += 2;
    r.name = "session_authorization";
  } else if (IsWord("transaction") && IsWord("isolation", 1)) {
    pos_ += 2;
    ExpectWord("level");
    r.name = "transaction_isolation";
  } else {
    r.name = ParseVarName(*this);
  }
  return r;
}

Statement::Body Parser::ParseShow() {
  ExpectWord("show");
  ShowStmt s;
  if (AcceptWord("all")) {
    s.all = true;
    s.name = "all";
  } else if (IsWord("time") && IsWord("zone", 1)) {
    pos_ += 2;
    s.name = "timezone";
  } else if (IsWord("transaction") && IsWord("isolation", 1)) {
    pos_ += 2;
    ExpectWord("level");
    s.name = "transaction_isolation";
  } else if (IsWord("session") && IsWord("authorization", 1)) {
    pos_ += 2;
    s.name = "session_authorization";
  } else {
    s.name = ParseVarName(*this);
  }
  return s;
}

Statement::Body Parser::ParseTransaction(StmtKind* kind) {
  *kind = StmtKind::kTransaction;
  TransactionStmt t;
  std::string w = Advance().text;
  auto opt_work = [&] {
    if (!AcceptWord("work")) AcceptWord("transaction");
  };
  auto opt_chain = [&] {
    if (AcceptWord("and")) {
      bool no = AcceptWord("no");
      ExpectWord("chain");
      t.chain = !no;
    }
  };
  if (w == "begin") {
    t.kind = TransactionStmt::kBegin;
    opt_work();
    ParseTransactionModes(t.modes);
  } else if (w == "start") {
    ExpectWord("transaction");
    t.kind = TransactionStmt::kStart;
    ParseTransactionModes(t.modes);
  } else if (w == "commit" || w == "end") {
    t.kind = TransactionStmt::kCommit;
    opt_work();
    opt_chain();
  } else if (w == "rollback" || w == "abort") {
    t.kind = TransactionStmt::kRollback;
    opt_work();
    if (w == "rollback" && AcceptWord("to")) {
      AcceptWord("savepoint");
      t.kind = TransactionStmt::kRollbackTo;
      t.savepoint = ParseName();
    } else {
      opt_chain();
    }
  } else if (w == "savepoint") {
    t.kind = TransactionStmt::kSavepoint;
    t.savepoint = ParseName();
  } else {  // release
    AcceptWord("savepoint");
    t.kind = TransactionStmt::kRelease;
    t.savepoint = ParseName();
  }
  return t;
}

void Parser::ParseRoleOptions(RoleOptions& o) {
  AcceptWord("with");
  for (;;) {
    if (Peek().kind != TokKind::kIdent) return;
    const std::string w = Peek().text;
    auto flag = [&](const char* name, std::optional<bool>& field) {
      if (w == name) {
        field = true;
        return true;
      }
      if (w == std::string("no") + name) {
        field = false;
        return true;
      }
      return false;
    };
    if (flag("superuser", o.superuser) || flag("login", o.login) || flag("createdb", o.createdb) ||
        flag("createrole", o.createrole) || flag("inherit", o.inherit) || flag("replication", o.replication) ||
        flag("bypassrls", o.bypassrls)) {
      Advance();
      continue;
    }
    if (w == "connection" && IsWord("limit", 1)) {
      pos_ += 2;
      o.connection_limit = std::stoi(ParseIntegerText());
      continue;
    }
    if (w == "encrypted" || w == "password") {
      int loc = Peek().offset;
      if (w == "encrypted") Advance();
      if (!IsWord("password")) Fail();
      Advance();
      o.password_given = true;
      if (AcceptWord("null")) {
        o.password.reset();
      } else if (Peek().kind == TokKind::kString) {
        o.password = Advance().text;
      } else {
        Fail();
      }
      (void)loc;
      continue;
    }
    if (w == "unencrypted" && IsWord("password", 1)) {
      throw PgError(sqlstate::kFeatureNotSupported, "UNENCRYPTED PASSWORD is no longer supported")
          .Hint("Remove UNENCRYPTED to store the password in encrypted form instead.")
          .Position(CharPosition(q_, Peek().offset));
    }
    if (w == "valid" && IsWord("until", 1)) {
      pos_ += 2;
      if (Peek().kind != TokKind::kString) Fail();
      o.valid_until = Advance().text;
      continue;
    }
    return;
  }
}

Statement::Body Parser::ParseCreateRole() {
  Advance();
  CreateRoleStmt c;
  c.is_user = Advance().text == "user";
  c.name = ParseName();
  ParseRoleOptions(c.options);
  if (c.is_user && !c.options.login) c.options.login = true;
  return c;
}

RoleSpec Parser::ParseRoleSpec() {
  RoleSpec r;
  r.location = Peek().offset;
  if (AcceptWord("current_user") || AcceptWord("current_role")) {
    r.kind = RoleSpec::kCurrentUser;
    return r;
  }
  if (AcceptWord("session_user")) {
    r.kind = RoleSpec::kSessionUser;
    return r;
  }
  std::string name = ParseName();
  // Not keywords, yet special in any spelling, as in PostgreSQL's grammar.
  if (name == "public") {
    r.kind = RoleSpec::kPublic;
  } else if (name == "none") {
    throw PgError(sqlstate::kReservedName, "role name \"none\" is reserved").Position(CharPosition(q_, r.location));
  } else {
    r.name = std::move(name);
  }
  return r;
}

SettingClause Parser::ParseSettingClause() {
  SettingClause c;
  if (IsWord("reset")) {
    if (IsWord("all", 1)) {
      pos_ += 2;
      c.kind = SettingClause::kResetAll;
      return c;
    }
    ResetStmt r = std::get<ResetStmt>(ParseReset());
    c.kind = SettingClause::kDefault;
    c.name = r.name;
    return c;
  }
  const size_t start = pos_;
  ExpectWord("set");
  // set_rest has no LOCAL or SESSION prefix: like PostgreSQL, the error is
  // at the name that follows.
  if (IsWord("local") || (IsWord("session") && !IsWord("authorization", 1) && !IsWord("characteristics", 1) &&
                          !IsWord("to", 1) && !IsOp("=", 1) && !IsPunct('.', 1) && !IsWord("from", 1))) {
    ++pos_;
    Fail();
  }
  if (Peek().kind == TokKind::kIdent || Peek().kind == TokKind::kQuotedIdent) {
    std::string name = ParseColLabel();
    while (AcceptPunct('.')) name += "." + ParseColLabel();
    if (AcceptWords("from", "current")) {
      c.kind = SettingClause::kFromCurrent;
      c.name = std::move(name);
      return c;
    }
  }
  pos_ = start;
  StmtKind kind;
  SetStmt s = std::get<SetStmt>(ParseSet(&kind));
  switch (s.kind) {
    case SetStmt::kValue:
      c.name = s.name;
      c.values = std::move(s.values);
      break;
    case SetStmt::kDefault:
      c.kind = SettingClause::kDefault;
      c.name = s.name;
      break;
    case SetStmt::kTransaction:
    case SetStmt::kSessionCharacteristics:
      // PostgreSQL stores no value for these: they act as a RESET of a
      // parameter by that name, which does not exist.
      c.kind = SettingClause::kDefault;
      c.name = s.kind == SetStmt::kTransaction ? "TRANSACTION" : "SESSION CHARACTERISTICS";
      break;
  }
  return c;
}

Statement::Body Parser::ParseAlterRole() {
  Advance();
  Advance();
  AlterRoleStmt a;
  if (AcceptWord("all")) {
    a.all_roles = true;
  } else {
    a.role = ParseRoleSpec();
  }
  if (a.all_roles || IsWord("in") || IsWord("set") || IsWord("reset")) {
    if (AcceptWord("in")) {
      ExpectWord("database");
      a.database = ParseName();
    }
    if (!IsWord("set") && !IsWord("reset")) Fail();
    a.setting = ParseSettingClause();
    return a;
  }
  ParseRoleOptions(a.options);
  return a;
}

Statement::Body Parser::ParseDropRole() {
  Advance();
  Advance();
  DropRoleStmt d;
  if (IsWord("if") && IsWord("exists", 1)) {
    pos_ += 2;
    d.missing_ok = true;
  }
  do d.names.push_back(ParseName());
  while (AcceptPunct(','));
  return d;
}

Statement::Body Parser::ParseDiscard() {
  ExpectWord("discard");
  DiscardStmt d;
  if (AcceptWord("all")) {
    d.target = DiscardStmt::kAll;
  } else if (AcceptWord("plans")) {
    d.target = DiscardStmt::kPlans;
  } else if (AcceptWord("sequences")) {
    d.target = DiscardStmt::kSequences;
  } else if (AcceptWord("temp") || AcceptWord("temporary")) {
    d.target = DiscardStmt::kTemp;
  } else {
    Fail();
  }
  return d;
}

Statement::Body Parser::ParseNotify() {
  NotifyStmt n;
  if (AcceptWord("listen")) {
    n.action = NotifyStmt::kListen;
    n.channel = ParseName();
  } else if (AcceptWord("unlisten")) {
    n.action = NotifyStmt::kUnlisten;
    if (IsOp("*") || IsPunct('*')) {
      Advance();
    } else {
      n.channel = ParseName();
    }
  } else {
    ExpectWord("notify");
    n.channel = ParseName();
    if (AcceptPunct(',')) {
      if (Peek().kind != TokKind::kString) Fail();  // a string constant only, as PostgreSQL's grammar
      n.payload = Advance().text;
    }
  }
  return n;
}

}  // namespace tusk::sql
