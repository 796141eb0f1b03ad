// DML grammar: INSERT (VALUES / SELECT / DEFAULT VALUES, ON CONFLICT,
// RETURNING), UPDATE (multi-column SET, FROM), DELETE (USING) and COPY in
// both the option-list and the pre-9.0 keyword syntax.
#include "sql/parser/parser_impl.h"
#include "utils/error.h"

namespace tusk::sql {
namespace {

std::vector<SetClause> ParseSetClauses(Parser& p) {
  std::vector<SetClause> out;
  do {
    SetClause c;
    c.location = p.Peek().offset;
    if (p.AcceptPunct('(')) {
      do {
        c.column_locations.push_back(p.Peek().offset);
        c.columns.push_back(p.ParseName());
      } while (p.AcceptPunct(','));
      p.ExpectPunct(')');
      if (!p.IsOp("=")) p.Fail();
      p.Advance();
      ExprPtr rhs = p.ParseExpr();
      if (rhs->kind == ExprKind::kRow) {
        c.values = std::move(rhs->args);
      } else if (rhs->kind == ExprKind::kSubLink && rhs->sublink == SubLinkKind::kExpr) {
        c.subquery = rhs->subquery;
      } else {
        c.values.push_back(std::move(rhs));
      }
    } else {
      c.column_locations.push_back(p.Peek().offset);
      c.columns.push_back(p.ParseName());
      if (p.IsPunct('[')) {
        p.Advance();
        if (!p.IsPunct(':')) c.subscript = p.ParseExpr();
        if (p.AcceptPunct(':')) {
          c.slice = true;
          if (!p.IsPunct(']')) c.subscript_upper = p.ParseExpr();
        }
        p.ExpectPunct(']');
      }
      if (p.IsPunct('.') || p.IsPunct('[')) {
        p.NotSupported("assignment to a field or array element", p.Peek().offset);
      }
      if (!p.IsOp("=")) p.Fail();
      p.Advance();
      c.values.push_back(p.ParseExpr());
    }
    out.push_back(std::move(c));
  } while (p.AcceptPunct(','));
  return out;
}

// [AS] alias after the target of UPDATE/DELETE; SET never starts an alias.
void ParseTargetAlias(Parser& p, RangeVar& rv) {
  if (p.AcceptWord("as")) {
    rv.alias = p.ParseName();
  } else if ((p.Peek().kind == TokKind::kIdent && !IsReservedKeyword(p.Peek().text) && !p.IsWord("set")) ||
             p.Peek().kind == TokKind::kQuotedIdent) {
    rv.alias = p.Advance().text;
  }
}

}  // namespace

Statement::Body Parser::ParseInsert(std::shared_ptr<WithClause> with) {
  ExpectWord("insert");
  ExpectWord("into");
  auto s = std::make_shared<InsertStmt>();
  s->with = std::move(with);
  s->relation = ParseQualifiedName();
  if (AcceptWord("as")) s->relation.alias = ParseName();
  if (IsPunct('(') && !AtSelectStart(1) && !IsPunct('(', 1)) {
    Advance();
    do {
      s->column_locations.push_back(Peek().offset);
      s->columns.push_back(ParseName());
    } while (AcceptPunct(','));
    ExpectPunct(')');
  }
  if (AcceptWord("overriding")) {
    if (!AcceptWord("system")) ExpectWord("user");
    s->overriding = toks_[pos_ - 1].text + " value";
    ExpectWord("value");
  }
  if (AcceptWords("default", "values")) {
    s->default_values = true;
  } else if (IsPunct('(') || AtSelectStart()) {
    s->source = ParseSelect();
  } else {
    Fail();
  }
  if (IsWord("on") && IsWord("conflict", 1)) {
    OnConflictClause oc;
    oc.location = Peek().offset;
    pos_ += 2;
    if (IsPunct('(')) {
      oc.target = ParseIndexElems();
      if (AcceptWord("where")) oc.target_where = ParseExpr();
    } else if (AcceptWords("on", "constraint")) {
      oc.constraint = ParseName();
    }
    ExpectWord("do");
    if (AcceptWord("nothing")) {
      oc.action = OnConflictClause::kNothing;
    } else {
      ExpectWord("update");
      if (oc.target.empty() && oc.constraint.empty()) {
        throw PgError(sqlstate::kSyntaxError, "ON CONFLICT DO UPDATE requires inference specification or constraint name")
            .Hint("For example, ON CONFLICT (column_name).")
            .Position(CharPosition(q_, oc.location));
      }
      ExpectWord("set");
      oc.action = OnConflictClause::kUpdate;
      oc.set = ParseSetClauses(*this);
      if (AcceptWord("where")) oc.where = ParseExpr();
    }
    s->on_conflict = std::move(oc);
  }
  s->returning = ParseReturning();
  return s;
}

Statement::Body Parser::ParseUpdate(std::shared_ptr<WithClause> with) {
  ExpectWord("update");
  auto s = std::make_shared<UpdateStmt>();
  s->with = std::move(with);
  s->only = AcceptWord("only");
  s->relation = ParseQualifiedName();
  if (IsOp("*")) Advance();
  ParseTargetAlias(*this, s->relation);
  ExpectWord("set");
  s->set = ParseSetClauses(*this);
  if (AcceptWord("from")) ParseFromList(s->from);
  if (AcceptWord("where")) {
    if (IsWord("current") && IsWord("of", 1)) NotSupported("WHERE CURRENT OF", Peek().offset);
    s->where = ParseExpr();
  }
  s->returning = ParseReturning();
  return s;
}

Statement::Body Parser::ParseDelete(std::shared_ptr<WithClause> with) {
  ExpectWord("delete");
  ExpectWord("from");
  auto s = std::make_shared<DeleteStmt>();
  s->with = std::move(with);
  s->only = AcceptWord("only");
  s->relation = ParseQualifiedName();
  if (IsOp("*")) Advance();
  ParseTargetAlias(*this, s->relation);
  if (AcceptWord("using")) ParseFromList(s->using_);
  if (AcceptWord("where")) {
    if (IsWord("current") && IsWord("of", 1)) NotSupported("WHERE CURRENT OF", Peek().offset);
    s->where = ParseExpr();
  }
  s->returning = ParseReturning();
  return s;
}

Statement::Body Parser::ParseCopy() {
  auto s = std::make_shared<CopyStmt>();
  s->location = Peek().offset;
  ExpectWord("copy");
  auto option = [&](const std::string& name, DefElem::ArgKind kind, const std::string& arg, int loc) {
    DefElem d;
    d.name = name;
    d.arg_kind = kind;
    d.arg = arg;
    d.location = loc;
    s->options.push_back(std::move(d));
  };
  if (IsPunct('(')) {
    Advance();
    s->query_start = Peek().offset;
    s->query = ParseSelect();
    s->query_end = Peek().offset;
    ExpectPunct(')');
    ExpectWord("to");
  } else {
    if (IsWord("binary")) option("format", DefElem::kIdent, "binary", Advance().offset);
    s->relation = ParseQualifiedName();
    if (IsPunct('(')) s->columns = ParseParenNameList();
    if (AcceptWord("from")) {
      s->is_from = true;
    } else {
      ExpectWord("to");
    }
  }
  s->is_program = AcceptWord("program");
  if (Peek().kind == TokKind::kString) {
    s->filename = Advance().text;
  } else if (s->is_program || !(AcceptWord("stdin") || AcceptWord("stdout"))) {
    Fail();
  }
  if (AcceptWord("using") || IsWord("delimiters")) {
    ExpectWord("delimiters");
    if (Peek().kind != TokKind::kString) Fail();
    option("delimiter", DefElem::kString, Peek().text, Advance().offset);
  }
  AcceptWord("with");
  if (IsPunct('(')) {
    Advance();
    do s->options.push_back(ParseDefElem(false));
    while (AcceptPunct(','));
    ExpectPunct(')');
  } else {
    // Pre-9.0 keyword options.
    for (;;) {
      int loc = Peek().offset;
      auto string_arg = [&](const char* name) {
        AcceptWord("as");
        if (Peek().kind != TokKind::kString) Fail();
        option(name, DefElem::kString, Advance().text, loc);
      };
      if (AcceptWord("binary")) {
        option("format", DefElem::kIdent, "binary", loc);
      } else if (AcceptWord("csv")) {
        option("format", DefElem::kIdent, "csv", loc);
      } else if (AcceptWord("freeze") || AcceptWord("header")) {
        option(toks_[pos_ - 1].text, DefElem::kNone, "", loc);
      } else if (AcceptWord("delimiter")) {
        string_arg("delimiter");
      } else if (AcceptWord("null")) {
        string_arg("null");
      } else if (AcceptWord("quote")) {
        string_arg("quote");
      } else if (AcceptWord("escape")) {
        string_arg("escape");
      } else if (AcceptWord("encoding")) {
        string_arg("encoding");
      } else if (AcceptWord("force")) {
        DefElem d;
        d.location = loc;
        if (AcceptWord("quote")) {
          d.name = "force_quote";
        } else {
          d.name = AcceptWords("not", "null") ? "force_not_null" : (ExpectWord("null"), "force_null");
        }
        if (d.name == "force_quote" && IsOp("*")) {
          Advance();
          d.arg_kind = DefElem::kIdent;
          d.arg = "*";
        } else {
          d.arg_kind = DefElem::kList;
          do d.list.push_back(ParseName());
          while (AcceptPunct(','));
        }
        s->options.push_back(std::move(d));
      } else {
        break;
      }
    }
  }
  if (AcceptWord("where")) {
    if (!s->is_from) Fail();
    s->where = ParseExpr();
  }
  return s;
}

}  // namespace tusk::sql
