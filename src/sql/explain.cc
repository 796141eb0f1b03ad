// EXPLAIN plan drawing (see explain.h).
#include "sql/explain.h"

#include "sql/analyzer/analyzer.h"
#include "sql/executor/parallel_scan.h"
#include "sql/parser/deparse.h"
#include "sql/table_access.h"
#include "utils/error.h"

namespace tusk::sql {
namespace {

struct Node {
  std::string title;
  std::vector<std::string> details;
  std::vector<Node> children;
};

std::string Text(const Expr& e) {
  try {
    return DeparseExpr(e);
  } catch (const PgError&) {
    return "(...)";
  }
}

std::string Paren(std::string s) { return s.empty() || s.front() == '(' ? s : "(" + s + ")"; }

Node FromNode(const AnalyzedFrom& f) {
  Node n;
  switch (f.kind) {
    case AnalyzedFrom::kTable:
      if (f.stored && f.index >= 0) {
        n.title = std::string(f.index_backward ? "Index Scan Backward using " : "Index Scan using ") +
                  f.stored->indexes[f.index].name + " on " + f.label;
        if (!f.index_cond.empty()) n.details.push_back("Index Cond: " + Paren(f.index_cond));
      } else if (f.stored) {
        n.title = "Seq Scan on " + f.label;
      } else {
        n.title = "Function Scan on " + f.label;  // a view over process memory
      }
      break;
    case AnalyzedFrom::kSubquery: n.title = "Subquery Scan"; break;
    case AnalyzedFrom::kCte: n.title = "CTE Scan"; break;
    case AnalyzedFrom::kWorkTable: n.title = "WorkTable Scan"; break;
    case AnalyzedFrom::kFunction: n.title = "Function Scan on " + f.label; break;
    case AnalyzedFrom::kJoin: {
      const char* kind = f.join == JoinKind::kLeft ? "Left " : f.join == JoinKind::kRight ? "Right "
                         : f.join == JoinKind::kFull ? "Full " : "";
      Node left = FromNode(*f.left), right = FromNode(*f.right);
      if (f.left_keys.empty()) {
        n.title = f.join == JoinKind::kInner ? std::string("Nested Loop") : std::string("Nested Loop ") + kind + "Join";
        if (!f.join_cond.empty()) n.details.push_back("Join Filter: " + Paren(f.join_cond));
        n.children.push_back(std::move(left));
        n.children.push_back(std::move(right));
        break;
      }
      // Hash / Merge Cond: the keys, left input's side first; the rest of ON is the join filter.
      std::string cond;
      for (size_t i = 0; i < f.left_keys.size(); ++i)
        cond += (i ? " AND " : "") + ("(" + f.left_key_text[i] + " = " + f.right_key_text[i] + ")");
      if (f.left_keys.size() > 1) cond = "(" + cond + ")";
      n.title = std::string(f.merge ? "Merge " : "Hash ") + kind + "Join";
      n.details.push_back(std::string(f.merge ? "Merge Cond: " : "Hash Cond: ") + cond);
      if (!f.join_filter.empty()) n.details.push_back("Join Filter: " + Paren(f.join_filter));
      if (f.merge) {
        auto sorted = [](Node child, const std::vector<std::string>& keys) {
          Node s;
          s.title = "Sort";
          std::string text;
          for (size_t i = 0; i < keys.size(); ++i) text += (i ? ", " : "") + keys[i];
          s.details.push_back("Sort Key: " + text);
          s.children.push_back(std::move(child));
          return s;
        };
        n.children.push_back(f.sort_left ? sorted(std::move(left), f.left_key_text) : std::move(left));
        n.children.push_back(f.sort_right ? sorted(std::move(right), f.right_key_text) : std::move(right));
      } else {
        Node h;
        h.title = "Hash";
        h.children.push_back(std::move(right));
        n.children.push_back(std::move(left));
        n.children.push_back(std::move(h));
      }
      break;
    }
  }
  return n;
}

// WHERE as the scan's Filter, unless the index condition is all of it.
void AddFilter(Node& n, const AnalyzedFrom& f, const Expr* where) {
  if (!where) return;
  std::string text = Paren(Text(*where));
  if (f.kind == AnalyzedFrom::kTable && f.index >= 0 && text == Paren(f.index_cond)) return;
  n.details.push_back("Filter: " + text);
}

// One ProjectSet per step of set-returning calls, and a Result above them
// when expressions compute over the calls' values.
Node WithProjectSets(Node n, const std::vector<SrfLevel>& levels, bool result = false) {
  for (size_t i = 0; i < levels.size(); ++i) {
    Node p;
    p.title = "ProjectSet";
    p.children.push_back(std::move(n));
    n = std::move(p);
  }
  if (result) {
    Node r;
    r.title = "Result";
    r.children.push_back(std::move(n));
    n = std::move(r);
  }
  return n;
}

// PostgreSQL's Gather over a Parallel Seq Scan (and its Partial and
// Finalize aggregates), when the executor would scan in parallel.
Node Gather(Node n, int workers) {
  Node g;
  g.title = "Gather";
  g.details.push_back("Workers Planned: " + std::to_string(workers));
  g.children.push_back(std::move(n));
  return g;
}

Node SelectNode(const SelectStmt& s, const AnalyzedQuery& q, int workers, bool partial) {
  Node n;
  if (q.from) {
    n = FromNode(*q.from);
    // The shared scan: the item's own, or a hash join's left input.
    if (workers > 0) {
      std::string& title = q.from->kind == AnalyzedFrom::kJoin ? n.children[0].title : n.title;
      title = "Parallel " + title;
    }
    AddFilter(n, *q.from, s.where.get());
    if (workers > 0 && !partial) n = Gather(std::move(n), workers);
  } else if (!s.values.empty()) {
    n.title = "Values Scan on \"*VALUES*\"";
  } else {
    n.title = "Result";
  }
  n = WithProjectSets(std::move(n), q.group_srf_levels, q.group_srf_result);
  if (q.aggregated) {
    const std::string kind = q.group_keys.empty() ? "Aggregate" : "HashAggregate";
    std::string keys;
    for (size_t i = 0; i < s.group_by.size(); ++i) keys += (i ? ", " : "") + Text(*s.group_by[i]);
    if (partial) {
      Node part;
      part.title = "Partial " + kind;
      if (!keys.empty()) part.details.push_back("Group Key: " + keys);
      part.children.push_back(std::move(n));
      n = Gather(std::move(part), workers);
    }
    Node agg;
    agg.title = (partial ? "Finalize " : "") + kind;
    if (!keys.empty()) agg.details.push_back("Group Key: " + keys);
    if (s.having) agg.details.push_back("Filter: " + Paren(Text(*s.having)));
    agg.children.push_back(std::move(n));
    n = std::move(agg);
  }
  for (const WindowStep& w : q.window_steps) {
    if (w.sort) {
      Node sort;
      sort.title = "Sort";
      std::string keys;
      for (size_t i = 0; i < w.key_text.size(); ++i) keys += (i ? ", " : "") + w.key_text[i];
      sort.details.push_back("Sort Key: " + keys);
      sort.children.push_back(std::move(n));
      n = std::move(sort);
    }
    Node agg;
    agg.title = "WindowAgg";
    agg.children.push_back(std::move(n));
    n = std::move(agg);
  }
  n = WithProjectSets(std::move(n), q.srf_levels, q.srf_result);
  if (q.distinct) {
    Node d;
    d.title = "HashAggregate";
    d.children.push_back(std::move(n));
    n = std::move(d);
  }
  if (!s.order_by.empty() && !q.sorted_by_index && !q.sorted_by_window) {
    Node sort;
    sort.title = "Sort";
    std::string keys;
    for (size_t i = 0; i < s.order_by.size(); ++i)
      keys += (i ? ", " : "") + Text(*s.order_by[i].expr) + (s.order_by[i].desc ? " DESC" : "");
    sort.details.push_back("Sort Key: " + keys);
    sort.children.push_back(std::move(n));
    n = std::move(sort);
  }
  if (s.limit || s.offset) {
    Node l;
    l.title = "Limit";
    l.children.push_back(std::move(n));
    n = std::move(l);
  }
  return n;
}

void Draw(const Node& n, int depth, std::vector<std::string>* out) {
  std::string indent = depth == 0 ? "" : std::string(static_cast<size_t>(depth - 1) * 6 + 2, ' ') + "->  ";
  out->push_back(indent + n.title);
  std::string detail_indent = depth == 0 ? "  " : std::string(static_cast<size_t>(depth - 1) * 6 + 8, ' ');
  for (const auto& d : n.details) out->push_back(detail_indent + d);
  for (const auto& c : n.children) Draw(c, depth + 1, out);
}

}  // namespace

std::vector<std::string> ExplainLines(const Statement& stmt, SessionContext& ctx) {
  Node root;
  switch (stmt.kind()) {
    case StmtKind::kSelect:
    case StmtKind::kValues: {
      const SelectStmt& s = stmt.select();
      if (s.op != SetOpKind::kNone) {
        root.title = s.op == SetOpKind::kUnion ? "Append" : "SetOp";
        break;
      }
      AnalyzedQuery q = AnalyzeSelect(stmt, {}, ctx);
      bool partial = false;
      const CompiledQuery c = CompileQuery(q);
      TopN top;
      const bool top_n = !c.sort.empty() && !c.sorted_by_index && !c.sorted_by_window && !c.limit.empty() &&
                         TopNOverInput(c, &top);
      const int workers = PlanParallelScan(c, ctx, top_n, &partial);
      root = SelectNode(s, q, workers, partial);
      break;
    }
    case StmtKind::kInsert:
    case StmtKind::kUpdate:
    case StmtKind::kDelete: {
      AnalyzedModify m = AnalyzeModify(stmt, {}, ctx);
      const char* verb = m.kind == AnalyzedModify::kInsert ? "Insert on " : m.kind == AnalyzedModify::kUpdate ? "Update on " : "Delete on ";
      root.title = verb + m.table->name;
      Node child;
      if (m.kind == AnalyzedModify::kInsert) {
        child.title = m.source.from ? "Subquery Scan" : m.source.values.size() > 1 ? "Values Scan on \"*VALUES*\"" : "Result";
        child = WithProjectSets(std::move(child), m.source.srf_levels);
      } else {
        child = FromNode(*m.source.from);
        const Expr* where = m.kind == AnalyzedModify::kUpdate ? stmt.update().where.get() : stmt.delete_().where.get();
        AddFilter(child, *m.source.from, where);
      }
      root.children.push_back(std::move(child));
      break;
    }
    default:
      throw PgError(sqlstate::kFeatureNotSupported, "EXPLAIN of this statement is not supported yet");
  }
  std::vector<std::string> out;
  Draw(root, 0, &out);
  return out;
}

}  // namespace tusk::sql
