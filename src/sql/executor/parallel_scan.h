// Parallel sequential scans (PostgreSQL's Gather over a Parallel Seq Scan,
// with Partial and Finalize Aggregate when the query aggregates).
//
// A query qualifies when its one FROM item is a sequential scan of a stored,
// non-temporary table, its WHERE (and, aggregated, its grouping keys and
// aggregate arguments) are parallel-safe programs, its aggregates can be
// combined, and the session grants workers for the table's size. The node
// then replaces the scan and WHERE, and the Aggregate when there is one:
// every participant (the leader and each worker) takes blocks from one
// shared counter; workers ship back either the rows that pass WHERE (only
// the columns the query reads) or, aggregated, one partial state per group,
// which the leader combines with its own.
#pragma once

#include <functional>
#include <memory>
#include <string_view>

#include "sql/executor/plan.h"

namespace tusk::sql {

// The parallel node for q (the scan and WHERE, or also the aggregation when
// *aggregated comes back true), or nullptr when q does not qualify.
// With `top` (ORDER BY ... LIMIT sorted below the projection), each worker
// sends only its own top rows; the leader's Sort above picks among them.
std::unique_ptr<PlanNode> MaybeParallelScan(const CompiledQuery& q, ExecState& st, bool* aggregated,
                                            const TopN* top);

// EXPLAIN's decision: the workers planned for q, 0 for a serial plan;
// *partial: the aggregation is split too. top_n: the query sorts its input
// rows for ORDER BY ... LIMIT. MaybeParallelScan decides the same, except
// that it plans no workers where this execution could never launch any
// (EXPLAIN still shows them then).
int PlanParallelScan(const CompiledQuery& q, SessionContext& ctx, bool top_n, bool* partial);
// Whether a top-N sort of q's input rows can be split among the workers
// (no aggregation, window or set-returning step between scan and sort).
bool CanSplitTopN(const CompiledQuery& q);

// A worker's whole task: `work` as the leader encoded it, over the blocks
// of table `relid` next_block hands out; `open` gives the tables it reads
// (it throws if one is gone); each message goes to `send`.
void RunParallelWorker(std::string_view work, const std::function<std::shared_ptr<StoredTable>(uint32_t)>& open,
                       uint32_t relid, std::function<bool(uint32_t*)> next_block, SessionContext& ctx,
                       const std::function<void(std::string_view)>& send);

}  // namespace tusk::sql
