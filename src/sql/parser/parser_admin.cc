// Maintenance and session commands: VACUUM, ANALYZE, EXPLAIN, PREPARE,
// EXECUTE, DEALLOCATE, LOCK and SET CONSTRAINTS. Nested statements of
// EXPLAIN and PREPARE become Statement objects of their own.
#include "sql/parser/parser_impl.h"
#include "utils/error.h"

namespace tusk::sql {
namespace {

DefElem Flag(const std::string& name, int loc) {
  DefElem d;
  d.name = name;
  d.location = loc;
  return d;
}

}  // namespace

Statement::Body Parser::ParseVacuum(StmtKind* kind) {
  *kind = StmtKind::kVacuum;
  auto v = std::make_shared<VacuumStmt>();
  v->is_vacuum = AcceptWord("vacuum");
  if (!v->is_vacuum) Advance();  // analyze / analyse
  if (IsPunct('(')) {
    Advance();
    do v->options.push_back(ParseDefElem(false));
    while (AcceptPunct(','));
    ExpectPunct(')');
  } else if (v->is_vacuum) {
    static const char* kFlags[] = {"full", "freeze", "verbose"};
    for (const char* f : kFlags) {
      if (IsWord(f)) v->options.push_back(Flag(f, Advance().offset));
    }
    if (IsWord("analyze") || IsWord("analyse")) v->options.push_back(Flag("analyze", Advance().offset));
  } else if (IsWord("verbose")) {
    v->options.push_back(Flag("verbose", Advance().offset));
  }
  if (Peek().kind == TokKind::kIdent || Peek().kind == TokKind::kQuotedIdent) {
    do {
      VacuumRelation r;
      r.relation = ParseQualifiedName();
      if (IsPunct('(')) r.columns = ParseParenNameList();
      v->relations.push_back(std::move(r));
    } while (AcceptPunct(','));
  }
  return v;
}

Statement::Body Parser::ParseExplain() {
  ExpectWord("explain");
  auto e = std::make_shared<ExplainStmt>();
  if (IsPunct('(')) {
    Advance();
    do e->options.push_back(ParseDefElem(false));
    while (AcceptPunct(','));
    ExpectPunct(')');
  } else {
    if (IsWord("analyze") || IsWord("analyse")) e->options.push_back(Flag("analyze", Advance().offset));
    if (IsWord("verbose")) e->options.push_back(Flag("verbose", Advance().offset));
  }
  static const char* kExplainable[] = {"select", "values", "with", "table", "insert", "update",
                                       "delete", "create", "execute", "declare", "merge"};
  bool ok = IsPunct('(');
  for (const char* w : kExplainable) ok = ok || IsWord(w);
  if (!ok) Fail();
  if (IsWord("create") && !IsWord("table", 1) && !IsWord("temp", 1) && !IsWord("temporary", 1) &&
      !IsWord("unlogged", 1) && !IsWord("materialized", 1)) {
    ++pos_;
    Fail();
  }
  e->statement = ParseInnerStatement();
  StmtKind k = e->statement->kind();
  if (k != StmtKind::kSelect && k != StmtKind::kValues && k != StmtKind::kInsert && k != StmtKind::kUpdate &&
      k != StmtKind::kDelete && k != StmtKind::kCreateTableAs && k != StmtKind::kExecute) {
    // Only queries can be explained (a plain CREATE TABLE is not).
    Fail();
  }
  return e;
}

Statement::Body Parser::ParsePrepare() {
  ExpectWord("prepare");
  auto p = std::make_shared<PrepareStmt>();
  p->name = ParseName();
  if (AcceptPunct('(')) {
    do p->arg_types.push_back(ParseTypeName());
    while (AcceptPunct(','));
    ExpectPunct(')');
  }
  ExpectWord("as");
  if (!IsPunct('(') && !AtSelectStart() && !IsWord("insert") && !IsWord("update") && !IsWord("delete")) Fail();
  p->statement = ParseInnerStatement();
  return p;
}

Statement::Body Parser::ParseExecute() {
  ExpectWord("execute");
  auto e = std::make_shared<ExecuteStmt>();
  e->name = ParseName();
  if (AcceptPunct('(')) {
    e->params = ParseExprList();
    ExpectPunct(')');
  }
  return e;
}

Statement::Body Parser::ParseDeallocate() {
  ExpectWord("deallocate");
  AcceptWord("prepare");
  auto d = std::make_shared<DeallocateStmt>();
  if (AcceptWord("all")) {
    d->all = true;
  } else {
    d->name = ParseName();
  }
  return d;
}

Statement::Body Parser::ParseDeclareCursor() {
  ExpectWord("declare");
  auto d = std::make_shared<DeclareCursorStmt>();
  d->name = ParseName();
  for (;;) {
    if (AcceptWord("binary")) {
      d->binary = true;
    } else if (AcceptWord("asensitive")) {
      d->asensitive = true;
    } else if (AcceptWord("insensitive")) {
      d->insensitive = true;
    } else if (AcceptWord("scroll")) {
      d->scroll = true;
    } else if (IsWord("no") && IsWord("scroll", 1)) {
      pos_ += 2;
      d->no_scroll = true;
    } else {
      break;
    }
  }
  ExpectWord("cursor");
  if (AcceptWord("with")) {
    ExpectWord("hold");
    d->hold = true;
  } else if (AcceptWord("without")) {
    ExpectWord("hold");
  }
  ExpectWord("for");
  // The grammar takes a SelectStmt only: no INSERT/UPDATE/DELETE, not even
  // with RETURNING.
  if (!IsPunct('(') && !AtSelectStart()) Fail();
  d->query = ParseInnerStatement();
  StmtKind k = d->query->kind();
  if (k != StmtKind::kSelect && k != StmtKind::kValues) Fail();
  return d;
}

Statement::Body Parser::ParseFetch() {
  auto f = std::make_shared<FetchStmt>();
  f->is_move = Advance().text == "move";
  // A direction word right before the end is the cursor's name
  // (FETCH next fetches from a cursor named "next"), as in PostgreSQL.
  auto at_name_end = [&](size_t ahead) { return IsPunct(';', ahead) || Peek(ahead).kind == TokKind::kEnd; };
  auto parse_count = [&]() {
    std::string text = ParseIntegerText();
    // SignedIconst: a 32-bit integer; anything longer is not one.
    int64_t v = 0;
    try {
      v = std::stoll(text);
    } catch (...) {
      Fail();
    }
    if (v < INT32_MIN || v > INT32_MAX) Fail();
    return v;
  };
  auto at_count = [&]() {
    return Peek().kind == TokKind::kInteger ||
           ((IsOp("-") || IsOp("+")) && Peek(1).kind == TokKind::kInteger);
  };
  if (at_name_end(1)) {
    // FETCH name
  } else if (AcceptWord("next")) {
  } else if (AcceptWord("prior")) {
    f->direction = FetchStmt::kBackward;
  } else if (AcceptWord("first")) {
    f->direction = FetchStmt::kAbsolute;
  } else if (AcceptWord("last")) {
    f->direction = FetchStmt::kAbsolute;
    f->count = -1;
  } else if (AcceptWord("absolute")) {
    f->direction = FetchStmt::kAbsolute;
    f->count = parse_count();
  } else if (AcceptWord("relative")) {
    f->direction = FetchStmt::kRelative;
    f->count = parse_count();
  } else if (AcceptWord("all")) {
    f->all = true;
  } else if (IsWord("forward") || IsWord("backward")) {
    if (Advance().text == "backward") f->direction = FetchStmt::kBackward;
    if (AcceptWord("all")) {
      f->all = true;
    } else if (at_count()) {
      f->count = parse_count();
    }
  } else if (at_count()) {
    f->count = parse_count();
  }
  if (!AcceptWord("from")) AcceptWord("in");
  f->name = ParseName();
  return f;
}

Statement::Body Parser::ParseClosePortal() {
  ExpectWord("close");
  auto c = std::make_shared<ClosePortalStmt>();
  if (AcceptWord("all")) {
    c->all = true;
  } else {
    c->name = ParseName();
  }
  return c;
}

Statement::Body Parser::ParseLock() {
  ExpectWord("lock");
  AcceptWord("table");
  auto l = std::make_shared<LockStmt>();
  do {
    l->only.push_back(AcceptWord("only"));
    l->relations.push_back(ParseQualifiedName());
    if (IsOp("*")) Advance();
  } while (AcceptPunct(','));
  if (AcceptWord("in")) {
    std::string mode;
    if (AcceptWord("access")) {
      if (!AcceptWord("share")) ExpectWord("exclusive");
      mode = "access " + toks_[pos_ - 1].text;
    } else if (AcceptWord("row")) {
      if (!AcceptWord("share")) ExpectWord("exclusive");
      mode = "row " + toks_[pos_ - 1].text;
    } else if (AcceptWord("share")) {
      mode = "share";
      if (AcceptWord("update")) {
        ExpectWord("exclusive");
        mode = "share update exclusive";
      } else if (AcceptWord("row")) {
        ExpectWord("exclusive");
        mode = "share row exclusive";
      }
    } else {
      ExpectWord("exclusive");
      mode = "exclusive";
    }
    ExpectWord("mode");
    l->mode = mode;
  }
  l->nowait = AcceptWord("nowait");
  return l;
}

Statement::Body Parser::ParseSetConstraints() {
  ExpectWord("set");
  ExpectWord("constraints");
  auto c = std::make_shared<ConstraintsSetStmt>();
  if (AcceptWord("all")) {
    c->all = true;
  } else {
    do c->constraints.push_back(ParseQualifiedName());
    while (AcceptPunct(','));
  }
  if (AcceptWord("deferred")) {
    c->deferred = true;
  } else {
    ExpectWord("immediate");
  }
  return c;
}

}  // namespace tusk::sql
