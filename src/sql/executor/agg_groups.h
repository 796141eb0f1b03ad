// The groups of an aggregation and their transition states, in the order of
// each group's first row: what the Aggregate node builds from its input, and
// what each participant of a parallel aggregation builds from its share
// (parallel_scan.cc, where the leader also folds the workers' groups into
// its own). One per execution; defined here so that the per-row code
// inlines into both.
#pragma once

#include <algorithm>
#include <string>
#include <unordered_map>
#include <vector>

#include "sql/executor/agg_state.h"
#include "sql/executor/plan.h"
#include "sql/functions/registry.h"

namespace tusk::sql {

class AggGroups {
 public:
  // Bound programs: one per GROUP BY key, and per aggregate call its
  // argument, second argument and FILTER; orders: per call its ORDER BY
  // keys (empty for none), or nullptr when no call has any. They stay the
  // caller's (Eval writes their registers) and must outlive this.
  AggGroups(std::vector<ExprProgram>& keys, std::vector<ExprProgram>& args, std::vector<ExprProgram>& args2,
            std::vector<ExprProgram>& filters, std::vector<std::vector<ExprProgram>>* orders,
            const std::vector<AggSpec>& aggs)
      : keys_(keys), args_(args), args2_(args2), filters_(filters), aggs_(aggs) {
    if (orders && std::any_of(orders->begin(), orders->end(), [](const auto& o) { return !o.empty(); }))
      orders_ = orders;
    // Without GROUP BY there is one group, also for no input (one row out).
    if (keys_.empty()) AddGroup(Row());
  }
  AggGroups(const AggGroups&) = delete;
  AggGroups& operator=(const AggGroups&) = delete;

  size_t size() const { return groups_.size(); }

  // One input row into its group (added if new).
  void Add(const Row& row, ExecContext& ctx) {
    Group& g = groups_[keys_.empty() ? 0 : GroupOf(row, ctx)];
    // The arguments are read where the programs leave them (their own
    // registers, or the row): copying a Datum per row was a tenth of a scan.
    static const Datum kNone;
    for (size_t i = 0; i < aggs_.size(); ++i) {
      const AggSpec& a = aggs_[i];
      if (a.has_filter) {
        const Datum& f = filters_[i].Eval(row.data(), ctx);
        if (f.null || !f.b) continue;
      }
      const Datum* v = a.def->kind == AggKind::kCountStar ? &kNone : &args_[i].Eval(row.data(), ctx);
      const Datum* v2 = a.def->arg2 ? &args2_[i].Eval(row.data(), ctx) : &kNone;
      if (orders_ && !(*orders_)[i].empty()) {
        // Kept until Final, which feeds them in the call's order.
        Row buf{*v, *v2};
        for (ExprProgram& k : (*orders_)[i]) buf.push_back(k.Eval(row.data(), ctx));
        g.states[i].sorted.push_back(std::move(buf));
        continue;
      }
      AggAccumulate(a, g.states[i], *v, *v2, ctx);
    }
  }

  // The group whose GROUP BY values are `keys` (as Keys gives them), added
  // if new.
  size_t GroupWithKeys(Row keys, ExecContext& ctx) {
    if (keys_.empty()) return 0;
    key_.clear();
    for (size_t i = 0; i < keys.size(); ++i) AppendKey(keys_[i].type, keys[i], ctx.io, key_);
    auto [it, added] = index_.try_emplace(key_, groups_.size());
    if (added) AddGroup(std::move(keys));
    return it->second;
  }

  const Row& Keys(size_t g) const { return groups_[g].keys; }
  AggState& State(size_t g, size_t agg) { return groups_[g].states[agg]; }

  // Group g's output row: its keys, then each aggregate's value. Calls with
  // ORDER BY use up their kept inputs here, so once per group.
  void Final(size_t g, Row* out, ExecContext& ctx) {
    Group& gr = groups_[g];
    *out = gr.keys;
    for (size_t i = 0; i < aggs_.size(); ++i) {
      if (!aggs_[i].order_types.empty()) Replay(aggs_[i], gr.states[i], ctx);
      out->push_back(AggFinal(aggs_[i], gr.states[i]));
    }
  }

 private:
  struct Group {
    Row keys;
    std::vector<AggState> states;
  };

  void AddGroup(Row keys) { groups_.push_back({std::move(keys), std::vector<AggState>(aggs_.size())}); }

  size_t GroupOf(const Row& row, ExecContext& ctx) {
    key_.clear();
    for (ExprProgram& p : keys_) AppendKey(p.type, p.Eval(row.data(), ctx), ctx.io, key_);
    auto [it, added] = index_.try_emplace(key_, groups_.size());
    if (added) {
      Row keys;
      for (ExprProgram& p : keys_) keys.push_back(p.Eval(row.data(), ctx));
      AddGroup(std::move(keys));
    }
    return it->second;
  }

  // Feeds the kept inputs of a call with ORDER BY in that order.
  static void Replay(const AggSpec& a, AggState& s, ExecContext& ctx) {
    std::vector<Row> rows = std::move(s.sorted);
    s.sorted.clear();
    std::stable_sort(rows.begin(), rows.end(), [&](const Row& x, const Row& y) {
      for (size_t k = 0; k < a.order_types.size(); ++k) {
        const Datum& l = x[k + 2];
        const Datum& r = y[k + 2];
        if (l.null || r.null) {
          if (l.null == r.null) continue;
          return l.null == a.order_nulls_first[k];
        }
        int c = CompareDatum(a.order_types[k], l, r);
        if (c) return a.order_desc[k] ? c > 0 : c < 0;
      }
      return false;
    });
    for (const Row& row : rows) AggAccumulate(a, s, row[0], row[1], ctx);
  }

  std::vector<ExprProgram>& keys_;
  std::vector<ExprProgram>& args_;
  std::vector<ExprProgram>& args2_;
  std::vector<ExprProgram>& filters_;
  std::vector<std::vector<ExprProgram>>* orders_ = nullptr;
  const std::vector<AggSpec>& aggs_;
  std::vector<Group> groups_;
  std::unordered_map<std::string, size_t> index_;  // by AppendKey's encoding of the keys
  std::string key_;
};

}  // namespace tusk::sql
