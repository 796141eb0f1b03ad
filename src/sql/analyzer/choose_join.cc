// Join method choice (nested loop, hash join, merge join). There is no cost
// model; the rule, in order of preference, among the methods the session's
// enable_mergejoin / enable_hashjoin / enable_nestloop allow:
//   1. merge join when both inputs can come in join-key order from index
//      scans on stored tables (no sort), on the longest such key prefix;
//   2. hash join on the hashable keys;
//   3. merge join with a sort under each input that no index scan orders,
//      when the keys are mergeable and the join is FULL, or could have been
//      a hash join, or nested loops are off;
//   4. nested loop.
// When every applicable method is off, the first applicable one is used
// anyway (PostgreSQL only makes disabled methods expensive). The whole ON
// condition is still checked on every candidate pair, so the choice never
// changes a result.
#include "sql/analyzer/analyzer_impl.h"
#include "sql/table_access.h"

namespace tusk::sql {
namespace {

// One way a stored-table input can come ordered: an index scan (forward or
// backward) whose columns, after its equality prefix, are `cols`.
struct IndexOrder {
  int index = -1;
  bool backward = false;
  std::vector<int> cols;  // table column positions, in scan order
};

std::vector<IndexOrder> OrdersOf(const AnalyzedFrom& f) {
  std::vector<IndexOrder> out;
  if (f.kind != AnalyzedFrom::kTable || !f.stored || !f.index_in.empty()) return out;
  auto add = [&](int i, size_t skip) {
    const StoredIndex& ix = f.stored->indexes[i];
    if (skip >= ix.columns.size() || ix.columns[skip] < 0) return;
    auto desc = [&](size_t c) { return c < ix.descending.size() && ix.descending[c]; };
    IndexOrder o;
    o.index = i;
    o.backward = desc(skip);
    // One direction for every key column; NULLs may sit anywhere (rows
    // with a NULL key are never matched, and skipped in place).
    for (size_t c = skip; c < ix.columns.size() && ix.columns[c] >= 0 && desc(c) == o.backward; ++c)
      o.cols.push_back(ix.columns[c]);
    out.push_back(std::move(o));
  };
  if (f.index >= 0) {
    add(f.index, f.index_eq.size());  // the scan WHERE chose: ordered after its equality prefix
  } else {
    for (size_t i = 0; i < f.stored->indexes.size(); ++i) add(static_cast<int>(i), 0);
  }
  return out;
}

// The table column a key is, or -1 when it is not a plain column of `f`.
int ColumnOf(const TExpr& key, const AnalyzedFrom& f) {
  if (key.kind != TKind::kColumn || f.kind != AnalyzedFrom::kTable || !f.stored) return -1;
  int pos = key.index - f.start;
  return pos >= 0 && pos < static_cast<int>(f.stored->columns.size()) ? pos : -1;
}

bool Enabled(SessionContext& ctx, const char* name) {
  auto v = ctx.GetConfig(name, true);
  return !v || (*v != "off" && *v != "false" && *v != "0");
}

}  // namespace

void Analyzer::ChooseJoinMethods(AnalyzedFrom& f) {
  if (f.kind != AnalyzedFrom::kJoin) return;
  ChooseJoinMethods(*f.left);
  ChooseJoinMethods(*f.right);

  // Mergeable keys, with their column in each input (-1: not a column).
  std::vector<const JoinKey*> mkeys;
  bool hashable = false;
  for (const JoinKey& k : f.join_keys) {
    hashable = hashable || k.hashable;
    if (k.mergeable) mkeys.push_back(&k);
  }
  if (f.right->lateral) hashable = false;
  const bool mergeable = !mkeys.empty() && !f.right->lateral;
  std::vector<int> lcol, rcol;
  for (const JoinKey* k : mkeys) {
    lcol.push_back(ColumnOf(*k->left, *f.left));
    rcol.push_back(ColumnOf(*k->right, *f.right));
  }

  // Longest run of keys both inputs deliver in order: keys[i] is the i-th
  // column of a left index order and of a right one.
  struct Pick {
    std::vector<size_t> keys;  // into mkeys
    const IndexOrder* left = nullptr;
    const IndexOrder* right = nullptr;
  };
  std::vector<IndexOrder> lorders, rorders;
  if (mergeable) {
    lorders = OrdersOf(*f.left);
    rorders = OrdersOf(*f.right);
  }
  // Matches keys to the columns of one or two orders (null = any column).
  auto match = [&](const IndexOrder* lo, const IndexOrder* ro) {
    std::vector<size_t> keys;
    for (size_t n = 0;; ++n) {
      if ((lo && n >= lo->cols.size()) || (ro && n >= ro->cols.size())) break;
      size_t found = mkeys.size();
      for (size_t k = 0; k < mkeys.size() && found == mkeys.size(); ++k) {
        if (std::find(keys.begin(), keys.end(), k) != keys.end()) continue;
        if ((!lo || lcol[k] == lo->cols[n]) && (!ro || rcol[k] == ro->cols[n])) found = k;
      }
      if (found == mkeys.size()) break;
      keys.push_back(found);
    }
    return keys;
  };
  Pick both;
  for (const IndexOrder& lo : lorders) {
    for (const IndexOrder& ro : rorders) {
      std::vector<size_t> keys = match(&lo, &ro);
      if (keys.size() > both.keys.size()) both = {std::move(keys), &lo, &ro};
    }
  }

  enum Method { kOrderedMerge, kHash, kSortedMerge, kNestLoop };
  std::vector<Method> applicable;
  if (!both.keys.empty()) applicable.push_back(kOrderedMerge);
  if (hashable) applicable.push_back(kHash);
  const bool nest_on = Enabled(ctx_, "enable_nestloop");
  if (mergeable && (f.join == JoinKind::kFull || hashable || !nest_on)) applicable.push_back(kSortedMerge);
  applicable.push_back(kNestLoop);
  const bool merge_on = Enabled(ctx_, "enable_mergejoin"), hash_on = Enabled(ctx_, "enable_hashjoin");
  Method method = applicable.front();
  for (Method m : applicable) {
    bool on = m == kHash ? hash_on : m == kNestLoop ? nest_on : merge_on;
    if (on) {
      method = m;
      break;
    }
  }

  f.left_keys.clear();
  f.right_keys.clear();
  f.left_key_text.clear();
  f.right_key_text.clear();
  f.merge = f.sort_left = f.sort_right = false;
  std::vector<bool> used(f.conjuncts.size(), false);
  auto use = [&](const JoinKey& k) {
    f.left_keys.push_back(k.left->Clone());
    f.right_keys.push_back(k.right->Clone());
    f.left_key_text.push_back(k.left_text);
    f.right_key_text.push_back(k.right_text);
    if (k.conjunct >= 0) used[k.conjunct] = true;
  };
  auto scan_in_order = [](AnalyzedFrom& side, const IndexOrder& o) {
    side.index = o.index;
    side.index_backward = o.backward;
  };
  switch (method) {
    case kOrderedMerge:
      f.merge = true;
      for (size_t k : both.keys) use(*mkeys[k]);
      scan_in_order(*f.left, *both.left);
      scan_in_order(*f.right, *both.right);
      break;
    case kHash:
      for (const JoinKey& k : f.join_keys)
        if (k.hashable) use(k);
      break;
    case kSortedMerge: {
      f.merge = true;
      // One input may still come ordered by an index on a key prefix; the
      // other is sorted by the same keys.
      Pick one;
      bool left_side = true;
      for (const IndexOrder& lo : lorders) {
        std::vector<size_t> keys = match(&lo, nullptr);
        if (keys.size() > one.keys.size()) one = {std::move(keys), &lo, nullptr};
      }
      for (const IndexOrder& ro : rorders) {
        std::vector<size_t> keys = match(nullptr, &ro);
        if (keys.size() > one.keys.size()) {
          one = {std::move(keys), nullptr, &ro};
          left_side = false;
        }
      }
      if (one.keys.empty()) {
        for (const JoinKey* k : mkeys) use(*k);
        f.sort_left = f.sort_right = true;
      } else {
        for (size_t k : one.keys) use(*mkeys[k]);
        if (left_side) {
          scan_in_order(*f.left, *one.left);
          f.sort_right = true;
        } else {
          scan_in_order(*f.right, *one.right);
          f.sort_left = true;
        }
      }
      break;
    }
    case kNestLoop: break;
  }
  // EXPLAIN: what the keys do not cover is the join filter.
  f.join_filter.clear();
  if (!f.left_keys.empty()) {
    size_t n = 0;
    for (size_t i = 0; i < f.conjuncts.size(); ++i) {
      if (used[i]) continue;
      f.join_filter += (n++ ? " AND " : "") + f.conjuncts[i];
    }
    if (n > 1) f.join_filter = "(" + f.join_filter + ")";
  }
}

}  // namespace tusk::sql
