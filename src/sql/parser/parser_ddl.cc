// DDL grammar: CREATE TABLE (and CREATE TABLE AS), CREATE INDEX, CREATE VIEW,
// CREATE/DROP DATABASE, DROP TABLE/INDEX/VIEW, TRUNCATE and ALTER TABLE.
// Column and table constraints are stored as written; nothing is validated.
#include "sql/parser/parser_impl.h"
#include "utils/error.h"

namespace tusk::sql {
namespace {

bool ParseCascade(Parser& p) {
  if (p.AcceptWord("cascade")) return true;
  p.AcceptWord("restrict");
  return false;
}

}  // namespace

std::unique_ptr<TypeName> Parser::ParseColumnType() {
  if (Peek().kind == TokKind::kIdent && IsReservedKeyword(Peek().text)) Fail();
  return ParseTypeName();
}

bool Parser::AtTableConstraint() const {
  return IsWord("constraint") || IsWord("primary") || IsWord("unique") || IsWord("check") || IsWord("foreign") ||
         IsWord("exclude");
}

void Parser::ParseReferences(Constraint& c) {
  ExpectWord("references");
  c.ref_table = ParseQualifiedName();
  if (IsPunct('(')) c.ref_columns = ParseParenNameList();
  if (AcceptWord("match")) {
    if (!AcceptWord("full") && !AcceptWord("partial")) ExpectWord("simple");
    c.match = toks_[pos_ - 1].text;
  }
  while (IsWord("on") && (IsWord("delete", 1) || IsWord("update", 1))) {
    Advance();
    FkAction& act = Advance().text == "delete" ? c.on_delete : c.on_update;
    if (AcceptWord("cascade")) {
      act = FkAction::kCascade;
    } else if (AcceptWord("restrict")) {
      act = FkAction::kRestrict;
    } else if (AcceptWords("no", "action")) {
      act = FkAction::kNoAction;
    } else {
      ExpectWord("set");
      if (AcceptWord("null")) {
        act = FkAction::kSetNull;
      } else {
        ExpectWord("default");
        act = FkAction::kSetDefault;
      }
      if (IsPunct('(')) ParseParenNameList();  // SET NULL (cols): columns not kept
    }
  }
}

void Parser::ParseConstraintAttributes(Constraint& c) {
  for (;;) {
    if (AcceptWord("deferrable")) {
      c.deferrable = true;
    } else if (AcceptWords("not", "deferrable")) {
      c.deferrable = false;
    } else if (AcceptWord("initially")) {
      if (AcceptWord("deferred")) {
        c.initially_deferred = true;
      } else {
        ExpectWord("immediate");
      }
    } else if (AcceptWords("not", "valid")) {
      c.not_valid = true;
    } else if (AcceptWords("no", "inherit")) {
      c.no_inherit = true;
    } else {
      return;
    }
  }
}

ColumnDef Parser::ParseColumnDef() {
  ColumnDef col;
  col.location = Peek().offset;
  col.name = ParseName();
  col.type = ParseColumnType();
  for (;;) {
    Constraint c;
    c.location = Peek().offset;
    if (AcceptWord("collate")) {
      col.collation = ParseAnyName();
      continue;
    }
    if (AcceptWord("constraint")) c.name = ParseName();
    if (AcceptWords("not", "null")) {
      c.kind = Constraint::kNotNull;
    } else if (AcceptWord("null")) {
      c.kind = Constraint::kNull;
    } else if (AcceptWord("default")) {
      c.kind = Constraint::kDefault;
      c.expr = ParseExpr(5);  // b_expr: no AND/OR/NOT/IS at the top level
    } else if (AcceptWord("check")) {
      c.kind = Constraint::kCheck;
      ExpectPunct('(');
      c.expr = ParseExpr();
      ExpectPunct(')');
    } else if (AcceptWords("primary", "key")) {
      c.kind = Constraint::kPrimaryKey;
      if (AcceptWord("with")) c.index_options = ParseDefList();
    } else if (AcceptWord("unique")) {
      c.kind = Constraint::kUnique;
      if (AcceptWord("nulls")) {
        c.nulls_not_distinct = AcceptWord("not");
        ExpectWord("distinct");
      }
      if (AcceptWord("with")) c.index_options = ParseDefList();
    } else if (IsWord("references")) {
      c.kind = Constraint::kForeignKey;
      c.keys = {col.name};
      ParseReferences(c);
    } else if (AcceptWord("generated")) {
      c.kind = Constraint::kGenerated;
      const bool always = AcceptWord("always");
      if (!always) {
        ExpectWord("by");
        ExpectWord("default");
      }
      ExpectWord("as");
      if (AcceptWord("identity")) {
        c.kind = Constraint::kIdentity;
        c.identity = always ? 'a' : 'd';
        if (AcceptPunct('(')) {
          c.seq_options = ParseSeqOptions();
          if (c.seq_options.empty()) Fail();
          ExpectPunct(')');
        }
        ParseConstraintAttributes(c);
        col.constraints.push_back(std::move(c));
        continue;
      }
      ExpectPunct('(');
      c.expr = ParseExpr();
      ExpectPunct(')');
      ExpectWord("stored");
    } else if (!c.name.empty()) {
      Fail();
    } else {
      break;
    }
    ParseConstraintAttributes(c);
    col.constraints.push_back(std::move(c));
  }
  return col;
}

Constraint Parser::ParseTableConstraint() {
  Constraint c;
  c.location = Peek().offset;
  if (AcceptWord("constraint")) c.name = ParseName();
  if (AcceptWord("check")) {
    c.kind = Constraint::kCheck;
    ExpectPunct('(');
    c.expr = ParseExpr();
    ExpectPunct(')');
  } else if (IsWord("unique") || IsWord("primary")) {
    if (AcceptWord("unique")) {
      c.kind = Constraint::kUnique;
      if (AcceptWord("nulls")) {
        c.nulls_not_distinct = AcceptWord("not");
        ExpectWord("distinct");
      }
    } else {
      Advance();
      ExpectWord("key");
      c.kind = Constraint::kPrimaryKey;
    }
    c.keys = ParseParenNameList();
    if (AcceptWord("include")) c.include = ParseParenNameList();
    if (AcceptWord("with")) c.index_options = ParseDefList();
    if (AcceptWords("using", "index")) {
      ExpectWord("tablespace");
      ParseName();
    }
  } else if (AcceptWord("foreign")) {
    ExpectWord("key");
    c.kind = Constraint::kForeignKey;
    c.keys = ParseParenNameList();
    ParseReferences(c);
  } else if (IsWord("exclude")) {
    NotSupported("EXCLUDE constraints", Peek().offset);
  } else {
    Fail();
  }
  ParseConstraintAttributes(c);
  return c;
}

Statement::Body Parser::ParseCreate(StmtKind* kind) {
  ExpectWord("create");
  bool replace = AcceptWords("or", "replace");
  Persistence persistence = Persistence::kPermanent;
  if (IsWord("local") || IsWord("global")) {
    if (!IsWord("temp", 1) && !IsWord("temporary", 1)) {
      Advance();
      Fail();
    }
    Advance();
  }
  if (AcceptWord("temp") || AcceptWord("temporary")) {
    persistence = Persistence::kTemp;
  } else if (AcceptWord("unlogged")) {
    persistence = Persistence::kUnlogged;
  }
  if (!replace && IsWord("table")) {
    Statement::Body body = ParseCreateTable(persistence);
    *kind = std::holds_alternative<std::shared_ptr<CreateTableAsStmt>>(body) ? StmtKind::kCreateTableAs
                                                                              : StmtKind::kCreateTable;
    return body;
  }
  if (!replace && persistence == Persistence::kPermanent && (IsWord("index") || IsWord("unique"))) {
    *kind = StmtKind::kCreateIndex;
    return ParseCreateIndex();
  }
  if (IsWord("view") || IsWord("recursive")) {
    *kind = StmtKind::kCreateView;
    return ParseCreateView(replace, persistence);
  }
  if (!replace && IsWord("sequence")) {
    *kind = StmtKind::kCreateSequence;
    return ParseCreateSequence(persistence);
  }
  if (!replace && persistence == Persistence::kPermanent && IsWord("database")) {
    *kind = StmtKind::kCreateDatabase;
    return ParseCreateDatabase();
  }
  if (!replace && persistence == Persistence::kPermanent && IsWord("schema")) {
    *kind = StmtKind::kSchema;
    return ParseSchema();
  }
  Fail();
}

Statement::Body Parser::ParseCreateTable(Persistence persistence) {
  ExpectWord("table");
  bool if_not_exists = false;
  if (IsWord("if") && IsWord("not", 1) && IsWord("exists", 2)) {
    pos_ += 3;
    if_not_exists = true;
  }
  RangeVar rel = ParseQualifiedName();
  // CREATE TABLE t (a, b) AS ...: a bare column-name list.
  bool ctas_columns = IsPunct('(') && (Peek(1).kind == TokKind::kIdent || Peek(1).kind == TokKind::kQuotedIdent) &&
                      (IsPunct(',', 2) || IsPunct(')', 2));
  if (ctas_columns || IsWord("as") || (IsWord("with") && IsPunct('(', 1)) || IsWord("using") ||
      (IsWord("on") && IsWord("commit", 1))) {
    // Could still be a plain CREATE TABLE without columns; only AS decides.
    size_t save = pos_;
    auto c = std::make_shared<CreateTableAsStmt>();
    c->relation = rel;
    c->persistence = persistence;
    c->if_not_exists = if_not_exists;
    if (ctas_columns) c->columns = ParseParenNameList();
    if (AcceptWord("using")) ParseName();
    if (IsWord("with") && IsPunct('(', 1)) {
      Advance();
      c->options = ParseDefList();
    }
    if (IsWord("on") && IsWord("commit", 1)) c->on_commit = ParseOnCommit();
    if (AcceptWord("as")) {
      if (IsPunct('(') || AtSelectStart()) {
        c->query = ParseSelect();
      } else {
        Fail();
      }
      if (AcceptWord("with")) {
        c->with_data = !AcceptWord("no");
        ExpectWord("data");
      }
      return c;
    }
    pos_ = save;
  }
  auto t = std::make_shared<CreateTableStmt>();
  t->relation = rel;
  t->persistence = persistence;
  t->if_not_exists = if_not_exists;
  ExpectPunct('(');
  if (!IsPunct(')')) {
    do {
      if (AtTableConstraint()) {
        t->constraints.push_back(ParseTableConstraint());
      } else if (IsWord("like")) {
        NotSupported("CREATE TABLE ... LIKE", Peek().offset);
      } else {
        t->columns.push_back(ParseColumnDef());
      }
    } while (AcceptPunct(','));
  }
  ExpectPunct(')');
  if (AcceptWord("inherits")) {
    ExpectPunct('(');
    do t->inherits.push_back(ParseQualifiedName());
    while (AcceptPunct(','));
    ExpectPunct(')');
  }
  if (IsWord("partition") && IsWord("by", 1)) {
    PartitionSpec spec;
    spec.location = Peek().offset;
    pos_ += 2;
    if (!AcceptWord("range") && !AcceptWord("list") && !AcceptWord("hash")) Fail();
    spec.strategy = toks_[pos_ - 1].text;
    ExpectPunct('(');
    do {
      PartitionSpec::Elem e;
      e.location = Peek().offset;
      if (IsPunct('(') || IsPunct('(', 1)) {
        e.expr = ParseExpr();
      } else {
        e.column = ParseName();
      }
      if (AcceptWord("collate")) e.collation = ParseAnyName();
      if (!IsPunct(',') && !IsPunct(')')) e.opclass = ParseAnyName();
      spec.params.push_back(std::move(e));
    } while (AcceptPunct(','));
    ExpectPunct(')');
    t->partition_by = std::move(spec);
  }
  if (AcceptWord("using")) t->access_method = ParseName();
  if (IsWord("with") && IsPunct('(', 1)) {
    Advance();
    t->options = ParseDefList();
  } else if (AcceptWords("without", "oids")) {
  }
  if (IsWord("on") && IsWord("commit", 1)) t->on_commit = ParseOnCommit();
  if (AcceptWord("tablespace")) t->tablespace = ParseName();
  return t;
}

std::string Parser::ParseOnCommit() {
  pos_ += 2;  // ON COMMIT
  if (AcceptWord("drop")) return "drop";
  if (!AcceptWord("delete")) ExpectWord("preserve");
  std::string out = toks_[pos_ - 1].text + " rows";
  ExpectWord("rows");
  return out;
}

IndexElem Parser::ParseIndexElem() {
  IndexElem e;
  e.location = Peek().offset;
  if (IsPunct('(')) {
    Advance();
    e.expr = ParseExpr();
    ExpectPunct(')');
  } else if (IsPunct('(', 1) || (IsPunct('.', 1) && IsPunct('(', 3))) {
    e.expr = ParseExpr(100);  // a function call; no operators without parentheses
  } else {
    e.column = ParseName();
  }
  if (AcceptWord("collate")) e.collation = ParseAnyName();
  if ((Peek().kind == TokKind::kIdent || Peek().kind == TokKind::kQuotedIdent) && !IsWord("asc") &&
      !IsWord("desc") && !IsWord("nulls")) {
    if (!IsReservedKeyword(Peek().text) || Peek().kind == TokKind::kQuotedIdent) e.opclass = ParseAnyName();
  }
  if (AcceptWord("desc")) {
    e.desc = true;
  } else {
    AcceptWord("asc");
  }
  if (AcceptWord("nulls")) {
    if (AcceptWord("first")) {
      e.nulls_first = true;
    } else {
      ExpectWord("last");
      e.nulls_first = false;
    }
  }
  return e;
}

std::vector<IndexElem> Parser::ParseIndexElems() {
  std::vector<IndexElem> out;
  ExpectPunct('(');
  do out.push_back(ParseIndexElem());
  while (AcceptPunct(','));
  ExpectPunct(')');
  return out;
}

Statement::Body Parser::ParseCreateIndex() {
  auto s = std::make_shared<IndexStmt>();
  s->unique = AcceptWord("unique");
  ExpectWord("index");
  s->concurrently = AcceptWord("concurrently");
  if (IsWord("if") && IsWord("not", 1) && IsWord("exists", 2)) {
    pos_ += 3;
    s->if_not_exists = true;
    s->name = ParseName();
  } else if (!IsWord("on")) {
    s->name = ParseName();
  }
  ExpectWord("on");
  s->only = AcceptWord("only");
  s->relation = ParseQualifiedName();
  if (IsOp("*")) Advance();
  if (AcceptWord("using")) s->access_method = ParseName();
  s->params = ParseIndexElems();
  if (AcceptWord("include")) s->include = ParseParenNameList();
  if (AcceptWord("nulls")) {
    s->nulls_not_distinct = AcceptWord("not");
    ExpectWord("distinct");
  }
  if (AcceptWord("with")) s->options = ParseDefList();
  if (AcceptWord("tablespace")) s->tablespace = ParseName();
  if (AcceptWord("where")) s->where = ParseExpr();
  return s;
}

Statement::Body Parser::ParseCreateView(bool replace, Persistence persistence) {
  auto v = std::make_shared<ViewStmt>();
  v->replace = replace;
  v->persistence = persistence;
  v->recursive = AcceptWord("recursive");
  ExpectWord("view");
  v->relation = ParseQualifiedName();
  if (IsPunct('(')) v->columns = ParseParenNameList();
  if (AcceptWord("with")) v->options = ParseDefList();
  ExpectWord("as");
  v->query_start = Peek().offset;
  v->query = ParseSelect();
  v->query_end = Peek().offset;
  if (IsWord("with") && (IsWord("check", 1) || IsWord("cascaded", 1) || IsWord("local", 1))) {
    Advance();
    v->check_option = "cascaded";
    if (AcceptWord("local")) {
      v->check_option = "local";
    } else {
      AcceptWord("cascaded");
    }
    ExpectWord("check");
    ExpectWord("option");
  }
  return v;
}

Statement::Body Parser::ParseDrop(StmtKind* kind) {
  ExpectWord("drop");
  if (AcceptWord("database")) {
    *kind = StmtKind::kDropDatabase;
    auto d = std::make_shared<DropDatabaseStmt>();
    d->missing_ok = AcceptWords("if", "exists");
    d->name = ParseName();
    if (IsWord("with") || IsPunct('(')) {
      AcceptWord("with");
      ExpectPunct('(');
      do {
        ExpectWord("force");
        d->force = true;
      } while (AcceptPunct(','));
      ExpectPunct(')');
    }
    return d;
  }
  *kind = StmtKind::kDrop;
  auto d = std::make_shared<DropStmt>();
  if (AcceptWord("table")) {
    d->object = DropStmt::kTable;
  } else if (AcceptWord("index")) {
    d->object = DropStmt::kIndex;
    d->concurrently = AcceptWord("concurrently");
  } else if (AcceptWord("view")) {
    d->object = DropStmt::kView;
  } else if (AcceptWord("sequence")) {
    d->object = DropStmt::kSequence;
  } else if (AcceptWord("schema")) {
    d->object = DropStmt::kSchema;
    d->missing_ok = AcceptWords("if", "exists");
    do {
      RangeVar rv;
      rv.location = Peek().offset;
      rv.name = ParseName();
      d->names.push_back(std::move(rv));
    } while (AcceptPunct(','));
    d->cascade = ParseCascade(*this);
    return d;
  } else {
    Fail();
  }
  d->missing_ok = AcceptWords("if", "exists");
  do d->names.push_back(ParseQualifiedName());
  while (AcceptPunct(','));
  d->cascade = ParseCascade(*this);
  return d;
}

Statement::Body Parser::ParseSchema() {
  auto s = std::make_shared<SchemaStmt>();
  const bool create = !AcceptWord("alter");  // ParseCreate has read CREATE already
  ExpectWord("schema");
  if (create) {
    s->if_not_exists = IsWord("if") && IsWord("not", 1) && IsWord("exists", 2);
    if (s->if_not_exists) pos_ += 3;
    s->location = Peek().offset;
    if (!IsWord("authorization")) s->name = ParseName();
    if (AcceptWord("authorization")) s->authorization = ParseRoleSpec();
    // Schema elements (CREATE TABLE ... inside the statement) are not read yet.
    if (Peek().kind == TokKind::kIdent && !IsPunct(';')) NotSupported("CREATE SCHEMA with schema elements", Peek().offset);
    return s;
  }
  s->location = Peek().offset;
  s->name = ParseName();
  if (AcceptWord("rename")) {
    ExpectWord("to");
    s->action = SchemaStmt::kRename;
    s->new_name = ParseName();
  } else {
    ExpectWord("owner");
    ExpectWord("to");
    s->action = SchemaStmt::kOwner;
    s->authorization = ParseRoleSpec();
  }
  return s;
}

Statement::Body Parser::ParseTruncate() {
  ExpectWord("truncate");
  AcceptWord("table");
  auto t = std::make_shared<TruncateStmt>();
  do {
    t->only.push_back(AcceptWord("only"));
    t->relations.push_back(ParseQualifiedName());
    if (IsOp("*")) Advance();
  } while (AcceptPunct(','));
  if (AcceptWord("restart")) {
    ExpectWord("identity");
    t->restart_identity = true;
  } else if (AcceptWord("continue")) {
    ExpectWord("identity");
  }
  t->cascade = ParseCascade(*this);
  return t;
}

AlterTableCmd Parser::ParseAlterTableCmd() {
  AlterTableCmd c;
  c.location = Peek().offset;
  if (AcceptWord("add")) {
    if (AtTableConstraint() && !IsWord("column")) {
      c.kind = AlterTableCmd::kAddConstraint;
      c.constraint = ParseTableConstraint();
      return c;
    }
    AcceptWord("column");
    c.kind = AlterTableCmd::kAddColumn;
    if (IsWord("if") && IsWord("not", 1) && IsWord("exists", 2)) {
      pos_ += 3;
      c.missing_ok = true;
    }
    c.column = ParseColumnDef();
    c.name = c.column.name;
    return c;
  }
  if (AcceptWord("drop")) {
    c.kind = AcceptWord("constraint") ? AlterTableCmd::kDropConstraint : AlterTableCmd::kDropColumn;
    if (c.kind == AlterTableCmd::kDropColumn) AcceptWord("column");
    c.missing_ok = AcceptWords("if", "exists");
    c.name = ParseName();
    c.cascade = ParseCascade(*this);
    return c;
  }
  if (AcceptWord("alter")) {
    AcceptWord("column");
    c.name = ParseName();
    if (AcceptWord("set")) {
      if (AcceptWords("not", "null")) {
        c.kind = AlterTableCmd::kSetNotNull;
      } else if (AcceptWord("default")) {
        c.kind = AlterTableCmd::kSetDefault;
        c.expr = ParseExpr();
      } else if (AcceptWords("data", "type")) {
        c.kind = AlterTableCmd::kAlterColumnType;
      } else {
        Fail();
      }
    } else if (AcceptWord("drop")) {
      if (AcceptWords("not", "null")) {
        c.kind = AlterTableCmd::kDropNotNull;
      } else {
        ExpectWord("default");
        c.kind = AlterTableCmd::kDropDefault;
      }
    } else {
      ExpectWord("type");
      c.kind = AlterTableCmd::kAlterColumnType;
    }
    if (c.kind == AlterTableCmd::kAlterColumnType) {
      c.column.name = c.name;
      c.column.location = c.location;
      c.column.type = ParseColumnType();
      if (AcceptWord("collate")) c.column.collation = ParseAnyName();
      if (AcceptWord("using")) c.expr = ParseExpr();
    }
    return c;
  }
  if (IsWord("owner") && IsWord("to", 1)) {
    pos_ += 2;
    c.kind = AlterTableCmd::kOwnerTo;
    c.owner = ParseRoleSpec();
    return c;
  }
  if (AcceptWord("set") && IsPunct('(')) {
    c.kind = AlterTableCmd::kSetOptions;
    c.options = ParseDefList();
    return c;
  }
  Fail();
}

Statement::Body Parser::ParseAlterTable() {
  ExpectWord("alter");
  ExpectWord("table");
  auto a = std::make_shared<AlterTableStmt>();
  a->missing_ok = AcceptWords("if", "exists");
  a->only = AcceptWord("only");
  a->relation = ParseQualifiedName();
  if (IsOp("*")) Advance();
  if (IsWord("rename")) {
    AlterTableCmd c;
    c.location = Peek().offset;
    Advance();
    if (AcceptWord("to")) {
      c.kind = AlterTableCmd::kRenameTable;
      c.new_name = ParseName();
    } else {
      c.kind = AcceptWord("constraint") ? AlterTableCmd::kRenameConstraint : AlterTableCmd::kRenameColumn;
      if (c.kind == AlterTableCmd::kRenameColumn) AcceptWord("column");
      c.name = ParseName();
      ExpectWord("to");
      c.new_name = ParseName();
    }
    a->cmds.push_back(std::move(c));
    return a;
  }
  do a->cmds.push_back(ParseAlterTableCmd());
  while (AcceptPunct(','));
  return a;
}

std::vector<SeqOption> Parser::ParseSeqOptions() {
  std::vector<SeqOption> out;
  auto number = [&](SeqOption& o) {
    o.has_value = true;
    o.value = ParseIntegerText();
  };
  for (;;) {
    SeqOption o;
    o.location = Peek().offset;
    if (AcceptWord("as")) {
      o.kind = SeqOption::kAs;
      auto t = ParseColumnType();
      o.names = t->names;
      o.has_value = true;
    } else if (AcceptWord("cache")) {
      o.kind = SeqOption::kCache;
      number(o);
    } else if (AcceptWord("cycle")) {
      o.kind = SeqOption::kCycle;
      o.cycle = true;
    } else if (IsWord("no") && (IsWord("cycle", 1) || IsWord("minvalue", 1) || IsWord("maxvalue", 1))) {
      Advance();
      const std::string w = Advance().text;
      o.kind = w == "cycle" ? SeqOption::kCycle : w == "minvalue" ? SeqOption::kMinValue : SeqOption::kMaxValue;
    } else if (AcceptWord("increment")) {
      o.kind = SeqOption::kIncrement;
      AcceptWord("by");
      number(o);
    } else if (AcceptWord("maxvalue")) {
      o.kind = SeqOption::kMaxValue;
      number(o);
    } else if (AcceptWord("minvalue")) {
      o.kind = SeqOption::kMinValue;
      number(o);
    } else if (IsWord("owned") && IsWord("by", 1)) {
      pos_ += 2;
      o.kind = SeqOption::kOwnedBy;
      o.names = ParseAnyName();
    } else if (AcceptWord("start")) {
      o.kind = SeqOption::kStart;
      AcceptWord("with");
      number(o);
    } else if (AcceptWord("restart")) {
      o.kind = SeqOption::kRestart;
      if (AcceptWord("with") || Peek().kind == TokKind::kInteger || IsOp("-") || IsOp("+")) number(o);
    } else {
      break;
    }
    out.push_back(std::move(o));
  }
  return out;
}

Statement::Body Parser::ParseCreateSequence(Persistence persistence) {
  ExpectWord("sequence");
  auto s = std::make_shared<CreateSeqStmt>();
  s->persistence = persistence;
  if (IsWord("if") && IsWord("not", 1) && IsWord("exists", 2)) {
    pos_ += 3;
    s->if_not_exists = true;
  }
  s->sequence = ParseQualifiedName();
  s->options = ParseSeqOptions();
  return s;
}

Statement::Body Parser::ParseAlterSequence() {
  ExpectWord("alter");
  ExpectWord("sequence");
  auto s = std::make_shared<AlterSeqStmt>();
  s->missing_ok = AcceptWords("if", "exists");
  s->sequence = ParseQualifiedName();
  if (AcceptWord("rename")) {
    ExpectWord("to");
    s->rename_to = ParseName();
    return s;
  }
  if (IsWord("owner") && IsWord("to", 1)) {
    pos_ += 2;
    s->owner_to = ParseRoleSpec();
    return s;
  }
  s->options = ParseSeqOptions();
  if (s->options.empty()) Fail();
  return s;
}

}  // namespace tusk::sql
