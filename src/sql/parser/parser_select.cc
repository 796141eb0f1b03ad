// SELECT grammar: WITH, set operations (INTERSECT binds tighter than UNION
// and EXCEPT), target lists, FROM items with joins/LATERAL/functions, ORDER BY,
// LIMIT/OFFSET/FETCH, WINDOW and locking clauses.
#include "sql/parser/parser_impl.h"
#include "utils/error.h"

namespace tusk::sql {
namespace {

SetOpKind SetOpOf(const std::string& w) {
  return w == "union" ? SetOpKind::kUnion : w == "intersect" ? SetOpKind::kIntersect : SetOpKind::kExcept;
}

}  // namespace

std::shared_ptr<WithClause> Parser::ParseWithClause() {
  auto w = std::make_shared<WithClause>();
  w->location = Peek().offset;
  ExpectWord("with");
  w->recursive = AcceptWord("recursive");
  do {
    CommonTableExpr cte;
    cte.location = Peek().offset;
    cte.name = ParseName();
    if (IsPunct('(')) cte.columns = ParseParenNameList();
    ExpectWord("as");
    if (AcceptWord("materialized")) {
      cte.materialized = true;
    } else if (IsWord("not") && IsWord("materialized", 1)) {
      pos_ += 2;
      cte.materialized = false;
    }
    ExpectPunct('(');
    cte.query = ParseSelect();
    ExpectPunct(')');
    w->ctes.push_back(std::move(cte));
  } while (AcceptPunct(','));
  return w;
}

std::shared_ptr<SelectStmt> Parser::ParseSelect() {
  std::shared_ptr<WithClause> with;
  if (IsWord("with")) with = ParseWithClause();
  auto s = ParseSetOperand(0);
  if (with) {
    if (s->with) {
      throw PgError(sqlstate::kSyntaxError, "multiple WITH clauses not allowed")
          .Position(CharPosition(q_, s->with->location));
    }
    s->with = std::move(with);
  }
  ParseSelectTail(*s);
  return s;
}

std::shared_ptr<SelectStmt> Parser::ParseSetOperand(int min_prec) {
  auto left = ParseSimpleSelect();
  for (;;) {
    int prec = IsWord("union") || IsWord("except") ? 1 : IsWord("intersect") ? 2 : 0;
    if (prec == 0 || prec < min_prec) break;
    auto node = std::make_shared<SelectStmt>();
    node->location = Peek().offset;
    node->op = SetOpOf(Advance().text);
    node->set_all = AcceptWord("all");
    if (!node->set_all) AcceptWord("distinct");
    node->larg = std::move(left);
    node->rarg = ParseSetOperand(prec + 1);
    left = std::move(node);
  }
  return left;
}

std::shared_ptr<SelectStmt> Parser::ParseSimpleSelect() {
  if (AcceptPunct('(')) {
    auto inner = ParseSelect();
    ExpectPunct(')');
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
    return s;
  }
  if (AcceptWord("table")) {  // TABLE t = SELECT * FROM t
    s->targets.emplace_back();
    s->targets.back().location = s->location;
    FromItem f;
    f.location = Peek().offset;
    RangeVar rv = ParseQualifiedName();
    f.schema = rv.schema;
    f.name = rv.name;
    s->from.push_back(std::move(f));
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
  ParseTargetList(s->targets);
  if (AcceptWord("from")) ParseFromList(s->from);
  if (AcceptWord("where")) s->where = ParseExpr();
  if (IsWord("group")) {
    Advance();
    ExpectWord("by");
    if (!AcceptWord("all")) AcceptWord("distinct");
    s->group_by = ParseExprList();
  }
  if (AcceptWord("having")) s->having = ParseExpr();
  if (AcceptWord("window")) {
    do {
      std::string name = ParseName();
      ExpectWord("as");
      auto w = ParseWindowSpec();  // located at its '(' as in PostgreSQL
      w->name = name;
      s->windows.push_back(std::move(*w));
    } while (AcceptPunct(','));
  }
  return s;
}

std::vector<SortBy> Parser::ParseSortList() {
  std::vector<SortBy> out;
  do {
    SortBy sb;
    sb.location = Peek().offset;
    sb.expr = ParseExpr();
    if (AcceptWord("desc")) {
      sb.desc = true;
    } else if (!AcceptWord("asc") && AcceptWord("using")) {
      if (Peek().kind != TokKind::kOp) Fail();
      sb.desc = Advance().text == ">";
    }
    if (AcceptWord("nulls")) {
      if (AcceptWord("first")) {
        sb.nulls_first = true;
      } else {
        ExpectWord("last");
        sb.nulls_first = false;
      }
    }
    out.push_back(std::move(sb));
  } while (AcceptPunct(','));
  return out;
}

void Parser::ParseSelectTail(SelectStmt& s) {
  auto multiple = [&](const char* what, int loc) {
    throw PgError(sqlstate::kSyntaxError, std::string("multiple ") + what + " clauses not allowed")
        .Position(CharPosition(q_, loc));
  };
  if (IsWord("order")) {
    Advance();
    ExpectWord("by");
    if (!s.order_by.empty()) multiple("ORDER BY", Peek().offset);
    s.order_by = ParseSortList();
  }
  bool saw_limit = false, saw_offset = false;
  for (;;) {
    int loc = Peek().offset;
    if (AcceptWord("limit")) {
      if (saw_limit || s.limit) multiple("LIMIT", loc);
      saw_limit = true;
      if (AcceptWord("all")) {
        s.limit.reset();
      } else {
        s.limit = ParseExpr();
      }
    } else if (AcceptWord("offset")) {
      if (saw_offset || s.offset) multiple("OFFSET", loc);
      saw_offset = true;
      s.offset = ParseExpr();
      if (!AcceptWord("rows")) AcceptWord("row");
    } else if (AcceptWord("fetch")) {
      if (saw_limit || s.limit) multiple("LIMIT", loc);
      saw_limit = true;
      if (!AcceptWord("first")) ExpectWord("next");
      if (IsWord("row") || IsWord("rows")) {
        auto one = std::make_unique<Expr>(ExprKind::kConst, Peek().offset);
        one->const_kind = ConstKind::kInteger;
        one->str = "1";
        s.limit = std::move(one);
      } else {
        s.limit = ParseExpr();
      }
      if (!AcceptWord("rows")) ExpectWord("row");
      if (AcceptWord("with")) {
        ExpectWord("ties");
        s.limit_with_ties = true;
      } else {
        ExpectWord("only");
      }
    } else if (IsWord("for") && (IsWord("update", 1) || IsWord("share", 1) || IsWord("no", 1) || IsWord("key", 1))) {
      Advance();
      LockingClause lc;
      lc.location = loc;
      if (AcceptWord("update")) {
        lc.strength = LockingClause::kUpdate;
      } else if (AcceptWord("share")) {
        lc.strength = LockingClause::kShare;
      } else if (AcceptWord("no")) {
        ExpectWord("key");
        ExpectWord("update");
        lc.strength = LockingClause::kNoKeyUpdate;
      } else {
        ExpectWord("key");
        ExpectWord("share");
        lc.strength = LockingClause::kKeyShare;
      }
      if (AcceptWord("of")) {
        do {
          RangeVar rv = ParseQualifiedName();
          lc.relations.push_back(rv.schema.empty() ? rv.name : rv.schema + "." + rv.name);
        } while (AcceptPunct(','));
      }
      if (AcceptWord("nowait")) {
        lc.wait = LockingClause::kNowait;
      } else if (AcceptWords("skip", "locked")) {
        lc.wait = LockingClause::kSkipLocked;
      }
      s.locking.push_back(std::move(lc));
    } else {
      break;
    }
  }
}

void Parser::ParseTargetList(std::vector<ResTarget>& out) {
  // An empty target list is legal ("SELECT;", "SELECT FROM t").
  static const char* kStops[] = {"from",  "where",  "group",     "having", "order",  "limit",  "offset",
                                 "union", "except", "intersect", "window", "fetch",  "into"};
  if (Peek().kind == TokKind::kEnd || IsPunct(';') || IsPunct(')')) return;
  for (const char* w : kStops) {
    if (IsWord(w)) return;
  }
  if (IsWord("for") && (IsWord("update", 1) || IsWord("share", 1))) return;
  do {
    ResTarget rt;
    rt.location = Peek().offset;
    if (IsOp("*")) {
      Advance();
      out.push_back(std::move(rt));
      continue;
    }
    rt.expr = ParseExpr();
    if (AcceptWord("as")) {
      rt.alias = ParseColLabel();
    } else if (Peek().kind == TokKind::kQuotedIdent ||
               (Peek().kind == TokKind::kIdent && !IsReservedKeyword(Peek().text))) {
      rt.alias = Advance().text;
    }
    out.push_back(std::move(rt));
  } while (AcceptPunct(','));
}

std::vector<ResTarget> Parser::ParseReturning() {
  std::vector<ResTarget> out;
  if (AcceptWord("returning")) {
    if (Peek().kind == TokKind::kEnd || IsPunct(';') || IsPunct(')')) Fail();
    ParseTargetList(out);
  }
  return out;
}

void Parser::ParseFromList(std::vector<FromItem>& out) {
  do {
    out.push_back(ParseFromItem());
  } while (AcceptPunct(','));
}

void Parser::ParseAlias(std::optional<std::string>* alias, std::vector<std::string>* cols) {
  if (AcceptWord("as")) {
    *alias = ParseName();
  } else if (Peek().kind == TokKind::kQuotedIdent ||
             (Peek().kind == TokKind::kIdent && !IsReservedKeyword(Peek().text))) {
    *alias = Advance().text;
  } else {
    return;
  }
  if (cols && IsPunct('(')) *cols = ParseParenNameList();
}

FromItem Parser::ParseFromPrimary() {
  FromItem item;
  item.location = Peek().offset;
  item.lateral = AcceptWord("lateral");
  if (IsPunct('(')) {
    if (AtSelectStart(1) || IsPunct('(', 1)) {
      // "((SELECT ...))" and "((a JOIN b) ...)" both start with two parens;
      // a select is recognized by looking past the opening parentheses.
      size_t k = 1;
      while (IsPunct('(', k)) ++k;
      if (AtSelectStart(k)) {
        Advance();
        item.kind = FromKind::kSubquery;
        item.subquery = ParseSelect();
        ExpectPunct(')');
        ParseAlias(&item.alias, &item.column_aliases);
        return item;
      }
    }
    if (item.lateral) Fail();
    Advance();
    item = ParseFromItem();
    ExpectPunct(')');
    if (item.kind == FromKind::kJoin) ParseAlias(&item.alias, nullptr);
    return item;
  }
  // SQL value functions without parentheses (current_schema, current_user,
  // ...) are function items too, as in PostgreSQL's func_expr_common_subexpr.
  if (Peek().kind == TokKind::kIdent && !IsPunct('(', 1)) {
    bool handled = false;
    int loc = Peek().offset;
    size_t saved = pos_;
    ExprPtr value = ParseSpecialFunc(Peek().text, loc, &handled);
    if (handled && value && value->kind == ExprKind::kSqlValue) {
      item.kind = FromKind::kFunction;
      item.func = std::move(value);
      if (AcceptWords("with", "ordinality")) item.with_ordinality = true;
      ParseAlias(&item.alias, &item.column_aliases);
      return item;
    }
    pos_ = saved;
  }
  // A function call in FROM: name[.name](...)
  size_t k = 0;
  while (Peek(k).kind == TokKind::kIdent || Peek(k).kind == TokKind::kQuotedIdent) {
    if (IsPunct('(', k + 1)) {
      item.kind = FromKind::kFunction;
      item.func = ParseExpr();
      if (item.func->kind != ExprKind::kFunc && item.func->kind != ExprKind::kSqlValue &&
          item.func->kind != ExprKind::kCoalesce) {
        ThrowSyntaxErrorMsg(q_, "syntax error at or near \"" + Peek().text + "\"", Peek().offset, Peek().end);
      }
      if (AcceptWords("with", "ordinality")) item.with_ordinality = true;
      ParseAlias(&item.alias, &item.column_aliases);
      return item;
    }
    if (!IsPunct('.', k + 1)) break;
    k += 2;
  }
  if (item.lateral) Fail();
  item.only = AcceptWord("only");
  RangeVar rv = ParseQualifiedName();
  item.schema = rv.schema;
  item.name = rv.name;
  if (IsOp("*")) Advance();
  ParseAlias(&item.alias, &item.column_aliases);
  return item;
}

FromItem Parser::ParseFromItem() { return ParseJoinChain(ParseFromPrimary()); }

FromItem Parser::ParseJoinChain(FromItem item) {
  // Joins chain left-associatively.
  for (;;) {
    std::string jt;
    int loc = Peek().offset;
    bool natural = false;
    if (AcceptWord("cross")) {
      ExpectWord("join");
      jt = "cross";
    } else {
      if (IsWord("natural")) {
        Advance();
        natural = true;
      }
      if (AcceptWord("join")) {
        jt = "inner";
      } else if (AcceptWord("inner")) {
        ExpectWord("join");
        jt = "inner";
      } else if (IsWord("left") || IsWord("right") || IsWord("full")) {
        jt = Advance().text;
        AcceptWord("outer");
        ExpectWord("join");
      } else if (natural) {
        Fail();
      } else {
        break;
      }
    }
    FromItem join;
    join.kind = FromKind::kJoin;
    join.join_type = jt;
    join.natural = natural;
    join.location = loc;
    join.left = std::make_unique<FromItem>(std::move(item));
    FromItem right = ParseFromPrimary();
    bool needs_qual = jt != "cross" && !natural;
    if (needs_qual && !IsWord("on") && !IsWord("using")) right = ParseJoinChain(std::move(right));
    join.right = std::make_unique<FromItem>(std::move(right));
    if (needs_qual) {
      if (AcceptWord("on")) {
        join.join_cond = ParseExpr();
      } else if (AcceptWord("using")) {
        join.join_using = ParseParenNameList();
        if (AcceptWord("as")) join.join_using_alias = ParseName();
      } else {
        Fail();
      }
    }
    item = std::move(join);
  }
  return item;
}

std::shared_ptr<WindowDef> Parser::ParseWindowSpec() {
  auto w = std::make_shared<WindowDef>();
  w->location = Peek().offset;
  ExpectPunct('(');
  if ((Peek().kind == TokKind::kIdent || Peek().kind == TokKind::kQuotedIdent) && !IsWord("partition") &&
      !IsWord("order") && !IsWord("rows") && !IsWord("range") && !IsWord("groups")) {
    w->ref_name = ParseName();
  }
  if (IsWord("partition")) {
    Advance();
    ExpectWord("by");
    w->partition_by = ParseExprList();
  }
  if (IsWord("order")) {
    Advance();
    ExpectWord("by");
    w->order_by = ParseSortList();
  }
  if (IsWord("rows") || IsWord("range") || IsWord("groups")) {
    std::string mode = Advance().text;
    w->has_frame = true;
    w->mode = mode == "rows" ? FrameMode::kRows : mode == "range" ? FrameMode::kRange : FrameMode::kGroups;
    auto bound = [&](FrameBound& b) {
      b.location = Peek().offset;
      if (AcceptWord("unbounded")) {
        if (AcceptWord("preceding")) {
          b.kind = FrameBoundKind::kUnboundedPreceding;
        } else {
          ExpectWord("following");
          b.kind = FrameBoundKind::kUnboundedFollowing;
        }
      } else if (AcceptWords("current", "row")) {
        b.kind = FrameBoundKind::kCurrentRow;
      } else {
        b.offset = ParseExpr();
        if (AcceptWord("preceding")) {
          b.kind = FrameBoundKind::kOffsetPreceding;
        } else {
          ExpectWord("following");
          b.kind = FrameBoundKind::kOffsetFollowing;
        }
      }
    };
    auto frame_error = [&](const char* msg, int location) {
      throw PgError("42P20", msg).Position(CharPosition(q_, location));
    };
    if (AcceptWord("between")) {
      bound(w->start);
      ExpectWord("and");
      bound(w->end);
      // gram.y's checks, in its order.
      FrameBoundKind s = w->start.kind, e = w->end.kind;
      if (s == FrameBoundKind::kUnboundedFollowing)
        frame_error("frame start cannot be UNBOUNDED FOLLOWING", w->start.location);
      if (e == FrameBoundKind::kUnboundedPreceding)
        frame_error("frame end cannot be UNBOUNDED PRECEDING", w->end.location);
      if (s == FrameBoundKind::kCurrentRow && e == FrameBoundKind::kOffsetPreceding)
        frame_error("frame starting from current row cannot have preceding rows", w->end.location);
      if (s == FrameBoundKind::kOffsetFollowing &&
          (e == FrameBoundKind::kOffsetPreceding || e == FrameBoundKind::kCurrentRow))
        frame_error("frame starting from following row cannot have preceding rows", w->end.location);
    } else {
      bound(w->start);
      if (w->start.kind == FrameBoundKind::kUnboundedFollowing)
        frame_error("frame start cannot be UNBOUNDED FOLLOWING", w->start.location);
      if (w->start.kind == FrameBoundKind::kOffsetFollowing)
        frame_error("frame starting from following row cannot end with current row", w->start.location);
      w->end.kind = FrameBoundKind::kCurrentRow;
      w->end.location = w->start.location;
    }
    if (AcceptWord("exclude")) {
      if (AcceptWords("current", "row")) {
        w->exclude = FrameExclusion::kCurrentRow;
      } else if (AcceptWord("group")) {
        w->exclude = FrameExclusion::kGroup;
      } else if (AcceptWord("ties")) {
        w->exclude = FrameExclusion::kTies;
      } else {
        ExpectWord("no");
        ExpectWord("others");
      }
    }
  }
  ExpectPunct(')');
  return w;
}

}  // namespace tusk::sql
