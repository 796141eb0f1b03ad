// Internal analyzer state shared by expression analysis (analyze_expr.cc),
// overload resolution (resolve.cc) and query analysis (analyzer.cc).
#pragma once

#include <algorithm>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "sql/analyzer/analyzer.h"
#include "sql/analyzer/coerce.h"
#include "sql/session_context.h"
#include "sql/types/type_io.h"

namespace tusk::sql {

// One column of the query's input row. rte is the FROM entry that
// qualifies it (-1 for merged USING columns); hidden columns (the inputs of
// a USING merge) are reachable only qualified.
struct FuncDef;

struct ScopeColumn {
  std::string name;
  uint32_t type;
  int rte = -1;
  bool hidden = false;
  int32_t typmod = -1;  // a stored column's (varchar(10), numeric(10,2), ...), kept by references
};

// A name usable as a qualifier: a table, subquery, CTE or join alias.
struct RangeEntry {
  std::string name;
  std::string relname;  // the table's own name when `name` is an alias
  std::vector<int> columns;  // input-row indices in * order
  uint32_t table_oid = 0;    // a table's pg_class oid (its tableoid column), 0 for others
};

// TExpr::type_b of a kOuterColumn that stands for an outer query's
// aggregate (index = its aggregate number) until that query's aggregate
// rewrite turns it into a column of the aggregate row.
inline constexpr uint32_t kOuterAggregateRef = 1;

// Output column name of each analyzed scalar subquery ((SELECT x ...) is
// named x), keyed by its parse node.
using SublinkNames = std::map<const Expr*, std::string>;

// A WITH query visible by name; work_table while its own recursive term is analyzed.
struct CteEntry {
  std::string name;
  int id;
  std::vector<std::string> columns;
  std::vector<uint32_t> types;
  std::vector<int32_t> typmods;
  bool work_table = false;
};

class Analyzer {
 public:
  Analyzer(const Statement& stmt, SessionContext& ctx, std::vector<uint32_t> params)
      : stmt_(stmt), sel_(&stmt.select()), ctx_(ctx), own_params_(std::move(params)), params_(own_params_) {
    io_.session = &ctx_;  // literal input (regclass names) before RunSelect too
  }
  // A nested query: parent is the level whose columns it may reference
  // (null for none), lexical the query it is written in.
  // The top level of a statement that is not a SELECT (INSERT, UPDATE,
  // DELETE): `sel` is a SELECT the caller builds to carry its FROM clause.
  Analyzer(const Statement& stmt, const SelectStmt& sel, SessionContext& ctx, std::vector<uint32_t> params)
      : stmt_(stmt), sel_(&sel), ctx_(ctx), own_params_(std::move(params)), params_(own_params_) {
    io_.session = &ctx_;  // column defaults and CHECKs are transformed without RunSelect
  }
  Analyzer(const SelectStmt& sel, Analyzer* parent, Analyzer* lexical)
      : stmt_(lexical->stmt_), sel_(&sel), ctx_(lexical->ctx_), params_(lexical->params_), io_(lexical->io_),
        parent_(parent), lexical_(lexical), next_cte_id_(lexical->next_cte_id_), check_as_(lexical->check_as_) {}

  AnalyzedQuery Run();
  // Analyzes sel_ (set operations, WITH and plain SELECT) without the
  // final parameter checks.
  AnalyzedQuery RunQuery();
  AnalyzedQuery RunSelect();
  // GROUP BY / ORDER BY items by PostgreSQL's SQL92 rules: the output column
  // named `name` (-1 if none; 42702 if several differ), or the output column
  // an integer constant designates (42601 for other constants).
  int FindOutputColumn(const AnalyzedQuery& q, const std::string& name, const char* clause, int location);
  int OutputOrdinal(const AnalyzedQuery& q, const Expr& c, const char* clause);
  // DISTINCT ON: resolves its expressions to targets and extends the sort.
  void AnalyzeDistinctOn(const SelectStmt& s, AnalyzedQuery& q);
  // LIMIT / OFFSET: assignment-coerced to bigint, no columns of this level.
  TExprPtr AnalyzeLimit(const ExprPtr& e, const char* clause);

  // FROM clause (analyze_from.cc)
  void AnalyzeFromClause(AnalyzedQuery& q);
  std::unique_ptr<AnalyzedFrom> AnalyzeFromItem(const FromItem& f, std::vector<int>* star);
  std::unique_ptr<AnalyzedFrom> AnalyzeJoin(const FromItem& f, std::vector<int>* star);
  // A function call in FROM (analyze_function_from.cc).
  std::unique_ptr<AnalyzedFrom> AnalyzeFunctionFrom(const FromItem& f, std::vector<int>* star);
  // 42P01 for a qualifier naming no FROM entry; PostgreSQL's "invalid
  // reference" with a hint when it names an aliased table.
  [[noreturn]] void MissingFromEntry(const std::string& qual, int location);
  // typmods: one per column, or empty (all -1).
  void AddRangeEntry(const std::string& name, const std::vector<std::string>& colnames,
                     const std::vector<std::string>& aliases, const std::vector<uint32_t>& types, AnalyzedFrom& item,
                     std::vector<int>* star, int location, const std::vector<int32_t>& typmods = {});
  TExprPtr ResolveColumnRef(const Expr& e);
  TExprPtr TableOidColumn(const std::string* qual, int location);
  // Resolves at this level: index, -1 when absent; errors for ambiguity.
  int LookupColumn(const std::string* qual, const std::string& col, int location, bool* rte_found) {
    const int idx = FindColumn(qual, col, location, rte_found);
    MarkUsed(idx);
    return idx;
  }
  int FindColumn(const std::string* qual, const std::string& col, int location, bool* rte_found);
  const CteEntry* FindCte(const std::string& name);
  void ExpandStar(const ResTarget& t, AnalyzedQuery& q);
  // Index scans for stored tables from WHERE equalities (choose_index.cc).
  void ChooseIndexScans(AnalyzedFrom& f, const Expr& where);
  // ORDER BY on a stored table's indexed columns: scan the index in that
  // order (forward or backward) and drop the sort.
  void ChooseIndexOrder(AnalyzedQuery& q);
  // Nested loop, hash or merge join for every join of the FROM tree, after
  // the WHERE index choice (choose_join.cc).
  void ChooseJoinMethods(AnalyzedFrom& f);
  // FOR UPDATE / FOR SHARE: the row marks of the stored tables named.
  void AnalyzeLocking(const SelectStmt& s, AnalyzedQuery& q);

  // subqueries, set operations, WITH (analyze_subquery.cc)
  TExprPtr TransformSubLink(const Expr& e);
  TExprPtr TransformAggregate(const Expr& e);  // analyze_agg.cc
  // generate_series / unnest in an expression (analyze_srf.cc): a kSrf
  // node where srf_allowed_, else PostgreSQL's placement errors.
  TExprPtr TransformSrfCall(const Expr& e);
  // CASE and COALESCE evaluate their arguments conditionally, which a
  // ProjectSet cannot (0A000 with PostgreSQL's hint).
  void RefuseSrfIn(const TExpr& e, const char* construct);
  // The test side of `x op ANY/ALL (SELECT ...)`: the comparison would be a set.
  void RefuseSrfInComparison(const TExpr& test, int location);
  // Moves the kSrf calls of GROUP BY keys and targets into ProjectSet steps.
  void PlanSrfs(AnalyzedQuery& q);
  // The aggregate an aggregate call names, with its arguments resolved and
  // coerced (DISTINCT, ORDER BY and FILTER are left to the caller).
  void ResolveAggregateCall(const Expr& e, std::vector<TExprPtr> args, AggCall* call);

  // records (analyze_record.cc): ROW(...) as a value, (expr).name, and
  // (expr).* in a select list
  TExprPtr TransformRow(const Expr& e);
  TExprPtr TransformFieldSelect(const Expr& e);
  TExprPtr TransformFieldBase(const Expr& e);
  TExprPtr SelectField(TExprPtr base, size_t field, int location);
  void ExpandFieldStar(const Expr& e, AnalyzedQuery& q);
  // A FROM entry named where no column is: its row as a record (nullptr if none).
  TExprPtr WholeRowReference(const std::string& name, int location);

  // window functions (analyze_window.cc)
  TExprPtr TransformWindowFunc(const Expr& e);
  // The window of an OVER clause (index into windows_), analyzing it and the
  // WINDOW entries it copies on first use.
  int ResolveWindow(const WindowDef& over);
  int AnalyzeNamedWindow(size_t entry);
  int AnalyzeWindowDef(const WindowDef& def, size_t visible_entries);
  TExprPtr AnalyzeFrameOffset(const WindowDef& def, const FrameBound& b, const WindowClause& wc);
  // At the end of RunSelect: the unused WINDOW entries (for their errors),
  // the aggregate rewrite, window result columns, and the window node order.
  void FinishWindows(AnalyzedQuery& q);
  // After the aggregate rewrite: window function references become window
  // row columns; the windows' node order (PostgreSQL's
  // select_active_windows) and sorts; whether ORDER BY needs a sort of its own.
  void PlanWindows(AnalyzedQuery& q);
  [[noreturn]] void WindowNotAllowed(int location);
  AnalyzedQuery AnalyzeSetOp(const SelectStmt& s);
  void AnalyzeWith(const WithClause& w, AnalyzedQuery& q);
  std::shared_ptr<AnalyzedQuery> AnalyzeChild(const SelectStmt& s, Analyzer* parent, bool keep_unknown,
                                              bool* correlated);

  // expressions (analyze_expr.cc)
  TExprPtr Transform(const Expr& e);
  TExprPtr Coerce(TExprPtr e, uint32_t target, int32_t typmod, CoercionContext cc, int location);
  TExprPtr CoerceToBool(TExprPtr e, const char* construct);
  // ROW(a...) op ROW(b...) for = <> < <= > >=, expanded pairwise like
  // PostgreSQL's row comparison (lexicographic for the orderings).
  TExprPtr TransformRowCompare(const std::string& op, const Expr& l, const Expr& r, int location);
  // The same comparison over n pairs whose sides left(i)/right(i) build
  // (each call a fresh tree).
  TExprPtr RowCompare(const std::string& op, size_t n, const std::function<TExprPtr(size_t)>& left,
                      const std::function<TExprPtr(size_t)>& right, int location);
  // Resolves a set of expressions to one type (CASE, COALESCE, VALUES...).
  // With construct == nullptr: 0 instead of the error when the types have no
  // common one (PostgreSQL's select_common_type without a context).
  uint32_t CommonType(const std::vector<TExpr*>& exprs, const char* construct);
  TExprPtr MakeCall(FnImpl fn, uint32_t result, std::vector<TExprPtr> args, bool strict, int aux, int loc);

  // resolution (resolve.cc)
  TExprPtr ResolveOperator(const std::string& name, TExprPtr left, TExprPtr right, int location);
  // pool: the candidates (default: AllFunctions(); set-returning ones for FROM).
  TExprPtr ResolveFunction(const Expr& call, std::vector<TExprPtr> args, const std::vector<FuncDef>* pool = nullptr);

  void CheckOperatorSchema(const Expr& e, uint32_t lt, uint32_t rt);
  void CheckCollationName(const std::vector<std::string>& names, int location);
  [[noreturn]] void Error(const char* state, const std::string& msg, int location, const std::string& hint = "");
  int Pos(int location) const;
  std::string TypeList(const std::vector<TExprPtr>& args) const;

  const Statement& stmt_;
  const SelectStmt* sel_;
  SessionContext& ctx_;
  std::vector<uint32_t> own_params_;
  std::vector<uint32_t>& params_;  // shared by every level of the statement
  IoContext io_;
  Analyzer* parent_ = nullptr;     // enclosing level for column references
  Analyzer* lexical_ = nullptr;    // enclosing level in the query text
  int own_cte_id_ = 0;
  int& next_cte_id_ = own_cte_id_;
  bool correlated_ = false;        // references a level above this one
  bool keep_unknown_ = false;      // set-operation branch: unknown outputs stay unknown
  std::vector<RangeEntry> rtes_;
  std::vector<int> star_;          // * expansion of the FROM clause
  std::vector<CteEntry> ctes_;
  int visible_lo_ = 0, visible_hi_ = 1 << 30;  // JOIN ON may see only its own items
  std::vector<ScopeColumn> scope_;
  // Input columns some expression of the query reads (by scope_ index):
  // a stored table's scan leaves the others undecoded.
  std::vector<bool> used_;
  // Privileges are checked for this role (0: the current user); a view's
  // query is analyzed as its owner.
  uint32_t check_as_ = 0;
  // The next stored table of this level's FROM clause is the target of
  // INSERT, UPDATE or DELETE, whose privileges the statement checks itself.
  bool target_unchecked_ = false;
  void MarkUsed(int idx) {
    if (idx < 0) return;
    if (used_.size() <= static_cast<size_t>(idx)) used_.resize(static_cast<size_t>(idx) + 1, false);
    used_[static_cast<size_t>(idx)] = true;
  }
  void MarkNeededColumns(AnalyzedFrom& f) const;
  bool agg_allowed_ = false;
  bool in_agg_ = false;
  const char* agg_forbidden_clause_ = "WHERE";
  bool srf_allowed_ = false;            // select list, GROUP BY, ORDER BY, DISTINCT ON
  const char* srf_clause_ = "WHERE";    // named in the error where they are not allowed
  std::vector<AggCall> aggs_;
  // Window functions are allowed only where win_clause_ is null (the select
  // list, ORDER BY, DISTINCT ON); else "window functions are not allowed in
  // <win_clause_>".
  const char* win_clause_ = "WHERE";
  bool in_win_ = false;            // inside a window function's arguments
  std::vector<WindowClause> windows_;
  std::vector<WindowFuncCall> win_funcs_;
  std::vector<int> named_windows_;  // per WINDOW entry of sel_: index in windows_, -1 before analysis
  std::vector<bool> named_busy_;    // WINDOW entries being analyzed
  SublinkNames sublink_names_;
  std::vector<std::shared_ptr<const ViewDef>> views_;  // keeps expanded views' query trees alive
};

// srf_clause_ for a function's arguments in FROM, whose error differs.
inline constexpr char kSrfInFrom[] = "FROM";
// The first set-returning call in e outside subqueries, or nullptr.
const TExpr* FindSrf(const TExpr& e);
// generate_series or unnest called in an expression (analyze_srf.cc).
bool IsSrfCall(const Expr& e);

// Refuses a join whose inputs include a lateral function item it cannot run
// (analyze_function_from.cc).
void CheckLateralFunction(const AnalyzedFrom& join);

// The aggregate `name` whose argument types best fit `actual` (PostgreSQL's
// candidate selection); nullptr if none, *ambiguous when several tie.
const AggDef* LookupAggregate(const std::string& name, const std::vector<uint32_t>& actual, bool* ambiguous);

// True for the names of the window functions proper (row_number, rank,
// lag, ...; analyze_window.cc).
bool IsWindowFunctionName(const std::string& name);

// Output column name as PostgreSQL's FigureColname derives it; sublinks
// holds the output names of the scalar subqueries already analyzed.
std::string FigureColname(const Expr& e, const SublinkNames* sublinks = nullptr);

}  // namespace tusk::sql
