// SQL cursors: DECLARE, FETCH, MOVE and CLOSE, as PostgreSQL runs them
// (portalcmds.c, pquery.c's DoPortalRunFetch).
//
// A cursor holds its query's open sql::Cursor and reads rows from it only as
// FETCH or MOVE asks, so a client can walk a large result in batches
// without the server holding it all. Where PostgreSQL decides from the plan
// whether a cursor declared without SCROLL may go backward, every such
// cursor here is NO SCROLL: going back needs the rows kept, and keeping them
// by default would cost the memory a cursor exists to save.
#include <algorithm>

#include "access/transam/xact.h"
#include "backend/session.h"
#include "protocol/message.h"

namespace tusk::backend {
namespace {

constexpr int64_t kAll = -1;  // a count meaning "every row in that direction"

PgError CursorMissing(const std::string& name) {
  return MakeError(sqlstate::kInvalidCursorName, "cursor \"" + name + "\" does not exist");
}

PgError ForwardOnly() {
  PgError e = MakeError("55000", "cursor can only scan forward");
  e.data().hint = "Declare it with SCROLL option to enable backward scan.";
  return e;
}

// Result formats spelled out per column: empty means all text, one entry
// applies to every column.
std::vector<int16_t> PerColumn(const std::vector<int16_t>& formats, size_t ncols) {
  if (formats.empty()) return std::vector<int16_t>(ncols, 0);
  if (formats.size() == 1) return std::vector<int16_t>(ncols, formats[0]);
  return formats;
}

// Walks one cursor for one FETCH or MOVE, sending the rows a FETCH returns.
class CursorWalk {
 public:
  using Row = std::vector<std::optional<std::string>>;
  CursorWalk(Session::SqlCursor& c, const std::string& name, std::vector<int16_t> formats, bool emit,
             std::function<void(const Row&)> send)
      : c_(c), name_(name), formats_(std::move(formats)), emit_(emit), send_(std::move(send)) {}

  bool AfterEnd() const { return c_.exhausted && c_.pos > c_.pulled; }
  bool OnRow() const { return c_.pos > 0 && !AfterEnd(); }

  // Up to count rows after the current one (kAll: to the end).
  int64_t Forward(int64_t count, bool emit) {
    int64_t n = 0;
    while (count == kAll || n < count) {
      if (AfterEnd()) break;
      if (!RowAt(c_.pos + 1)) {
        c_.pos = c_.pulled + 1;
        break;
      }
      ++c_.pos;
      ++n;
      if (emit) send_(row_);
    }
    return n;
  }

  // Up to count rows before the current one, nearest first; running off the
  // start leaves the cursor before the first row.
  int64_t Backward(int64_t count, bool emit) {
    if (!c_.scroll) throw ForwardOnly();
    int64_t n = 0;
    while (count == kAll || n < count) {
      if (c_.pos <= 1) {
        c_.pos = 0;
        break;
      }
      --c_.pos;
      RowAt(c_.pos);
      ++n;
      if (emit) send_(row_);
    }
    return n;
  }

  // Back to before the first row: nothing to do for a cursor not yet moved.
  void Rewind() {
    if (c_.pos == 0) return;
    if (!c_.scroll) throw ForwardOnly();
    c_.pos = 0;
  }

  // DoPortalRunFetch: the directions reduced to forward and backward steps.
  int64_t Run(const sql::FetchStmt& f) {
    using D = sql::FetchStmt;
    D::Direction dir = f.direction;
    int64_t count = f.all ? kAll : f.count;
    if (!f.all && count < 0 && (dir == D::kForward || dir == D::kBackward)) {
      dir = dir == D::kForward ? D::kBackward : D::kForward;
      count = -count;
    }
    if (dir == D::kAbsolute) {
      if (count > 0) {
        // Stand on row count-1, then fetch one forward.
        if (count - 1 < c_.pos) {
          if (!c_.scroll) throw ForwardOnly();
          c_.pos = count - 1;  // every row up to here is kept
        } else if (count - 1 > c_.pos) {
          Forward(count - 1 - c_.pos, false);
        }
        return Forward(1, emit_);
      }
      if (count < 0) {
        Forward(kAll, false);
        if (count < -1) Backward(-count - 1, false);
        return Backward(1, emit_);
      }
      Rewind();
      return 0;
    }
    if (dir == D::kRelative) {
      if (count > 0) {
        if (count > 1) Forward(count - 1, false);
        return Forward(1, emit_);
      }
      if (count < 0) {
        if (count < -1) Backward(-count - 1, false);
        return Backward(1, emit_);
      }
      dir = D::kForward;  // RELATIVE 0 is FORWARD 0
    }
    const bool forward = dir == D::kForward;
    if (count == 0) {
      // The current row again, if the cursor is on one.
      if (f.is_move) return OnRow() ? 1 : 0;
      if (OnRow()) {
        Backward(1, false);
        return Forward(1, emit_);
      }
      if (!forward && !c_.scroll) throw ForwardOnly();
      return 0;
    }
    if (!forward && count == kAll && f.is_move) {
      // MOVE BACKWARD ALL counts the rows it passes and rewinds.
      int64_t passed = c_.pos > 0 ? c_.pos - 1 : 0;
      Rewind();
      return passed;
    }
    return forward ? Forward(count, emit_) : Backward(count, emit_);
  }

 private:
  // Row k (1-based) into row_: kept, or read from the query when it is the
  // next one. False when the query has no row k.
  bool RowAt(int64_t k) {
    row_.clear();
    if (k <= c_.pulled) {
      if (k < c_.first_buffered)
        throw MakeError(sqlstate::kInternalError, "cursor \"" + name_ + "\" did not keep row " + std::to_string(k));
      if (PerColumn(formats_, c_.query->Columns().size()) != c_.buffered_formats)
        throw MakeError(sqlstate::kFeatureNotSupported,
                        "fetching rows of cursor \"" + name_ + "\" again in another format is not supported");
      row_ = c_.rows[static_cast<size_t>(k - c_.first_buffered)];
      return true;
    }
    if (c_.exhausted || !c_.cursor) return false;
    xact::QuerySnapshotScope as_declared(&c_.snapshot);
    if (!c_.cursor->Next(formats_, &row_)) {
      c_.exhausted = true;
      c_.cursor.reset();  // lets go of its scans now
      return false;
    }
    ++c_.pulled;
    if (c_.scroll) {
      std::vector<int16_t> per = PerColumn(formats_, c_.query->Columns().size());
      if (c_.rows.empty()) {
        c_.buffered_formats = per;
      } else if (per != c_.buffered_formats) {
        throw MakeError(sqlstate::kFeatureNotSupported,
                        "fetching rows of cursor \"" + name_ + "\" in another format is not supported");
      }
      c_.rows.push_back(row_);
    }
    return true;
  }

  Session::SqlCursor& c_;
  const std::string& name_;
  std::vector<int16_t> formats_;
  bool emit_;
  std::function<void(const Row&)> send_;
  Row row_;
};

// PostgreSQL's PersistHoldablePortal: reads the rest of the cursor's rows
// and lets go of its query. A SCROLL cursor keeps every row (it has them all
// already), a NO SCROLL one only the rows still ahead.
void Hold(const std::string& name, Session::SqlCursor& c) {
  if (!c.scroll) {
    c.rows.clear();
    c.first_buffered = c.pulled + 1;
  }
  std::vector<int16_t> fmt = c.binary ? std::vector<int16_t>{1} : std::vector<int16_t>{};
  std::vector<int16_t> per = PerColumn(fmt, c.query->Columns().size());
  if (!c.rows.empty() && per != c.buffered_formats)
    throw MakeError(sqlstate::kFeatureNotSupported,
                    "holding cursor \"" + name + "\" with rows fetched in another format is not supported");
  c.buffered_formats = per;
  std::vector<std::optional<std::string>> row;
  xact::QuerySnapshotScope as_declared(&c.snapshot);
  while (c.cursor && !c.exhausted) {
    row.clear();
    if (!c.cursor->Next(fmt, &row)) break;
    ++c.pulled;
    c.rows.push_back(std::move(row));
  }
  c.exhausted = true;
  c.cursor.reset();
  c.held = true;
}

}  // namespace

std::string Session::RunDeclareCursor(const sql::Statement& stmt, const CursorParams* params) {
  const sql::DeclareCursorStmt& d = stmt.declare_cursor();
  // The order of PostgreSQL's checks: the options and the query at parse
  // analysis, then the transaction block, then the name.
  if (d.scroll && d.no_scroll) throw MakeError("42P11", "cannot specify both SCROLL and NO SCROLL");
  if (d.asensitive && d.insensitive) throw MakeError("42P11", "cannot specify both ASENSITIVE and INSENSITIVE");
  auto c = std::make_unique<SqlCursor>();
  c->stmt = d.query;
  c->query = sql::Prepare(*d.query, params ? *params->types : std::vector<uint32_t>{}, *this);
  if (!d.hold && !InTransactionBlock())
    throw MakeError(sqlstate::kNoActiveSqlTransaction, "DECLARE CURSOR can only be used in transaction blocks");
  // SQL cursors and protocol portals share PostgreSQL's one portal namespace.
  if (cursors_.count(d.name) || portals_.count(d.name))
    throw MakeError("42P03", "cursor \"" + d.name + "\" already exists");
  c->scroll = d.scroll;
  c->hold = d.hold;
  c->binary = d.binary;
  c->level = savepoints_.size();
  c->snapshot = xact::QuerySnapshot();
  xact::QuerySnapshotScope as_declared(&c->snapshot);
  c->cursor = params ? c->query->Open(*params->values, *params->formats, *this) : c->query->Open({}, {}, *this);
  // Outside a transaction block the statement's own transaction commits
  // right after it, and PostgreSQL holds the cursor then, before the
  // statement completes: an error reading the rows is the DECLARE's.
  if (c->hold && !InTransactionBlock()) Hold(d.name, *c);
  cursors_[d.name] = std::move(c);
  return "DECLARE CURSOR";
}

std::string Session::RunFetch(const sql::FetchStmt& f, const std::vector<int16_t>& formats, bool simple_protocol) {
  auto it = cursors_.find(f.name);
  if (it == cursors_.end()) throw CursorMissing(f.name);
  SqlCursor& c = *it->second;
  if (c.failed) throw MakeError("55000", "portal \"" + f.name + "\" cannot be run");
  std::vector<int16_t> fmt = formats;
  if (simple_protocol && c.binary) fmt = {1};  // as PostgreSQL's exec_simple_query does for BINARY cursors
  if (simple_protocol && !f.is_move) AppendRowDescription(c.query->Columns(), fmt);
  auto send = [this](const CursorWalk::Row& values) {
    protocol::AppendDataRow(&conn_.out(), values);  // whole before any flush
    conn_.MaybeFlush();
  };
  // MOVE reads rows in the formats a FETCH of the same cursor would.
  if (f.is_move) fmt = c.binary ? std::vector<int16_t>{1} : std::vector<int16_t>{};
  int64_t n;
  try {
    n = CursorWalk(c, f.name, fmt, !f.is_move, send).Run(f);
  } catch (const PgError&) {
    // A cursor whose FETCH failed cannot be used again (PostgreSQL marks
    // its portal failed); its query stops now, while its scans' pins are
    // still held.
    c.cursor.reset();
    c.failed = true;
    throw;
  }
  return std::string(f.is_move ? "MOVE " : "FETCH ") + std::to_string(n);
}

std::string Session::RunClosePortal(const sql::ClosePortalStmt& cl) {
  if (cl.all) {
    cursors_.clear();
    return "CLOSE CURSOR ALL";
  }
  if (cursors_.erase(cl.name) == 0) throw CursorMissing(cl.name);
  return "CLOSE CURSOR";
}

const std::vector<sql::ColumnDesc>* Session::FetchColumns(const sql::Statement* stmt) {
  if (!stmt || stmt->kind() != sql::StmtKind::kFetch || stmt->fetch().is_move) return nullptr;
  auto it = cursors_.find(stmt->fetch().name);
  return it == cursors_.end() ? nullptr : &it->second->query->Columns();
}

void Session::CursorsAtCommit() {
  for (auto it = cursors_.begin(); it != cursors_.end();) {
    SqlCursor& c = *it->second;
    if (!c.hold || (c.failed && !c.held)) {
      it = cursors_.erase(it);
      continue;
    }
    if (!c.held) Hold(it->first, c);
    c.new_in_xact = false;
    ++it;
  }
}

void Session::CursorsAtAbort() {
  for (auto it = cursors_.begin(); it != cursors_.end();)
    it = it->second->held && !it->second->new_in_xact ? ++it : cursors_.erase(it);
}

void Session::CursorsAtError() {
  // Only a cursor with a running query has pins to give back; PostgreSQL
  // keeps the others usable after ROLLBACK TO SAVEPOINT, and so do we.
  for (auto& entry : cursors_) {
    if (!entry.second->cursor) continue;
    entry.second->cursor.reset();
    entry.second->failed = true;
  }
}

void Session::CursorsAtRollbackTo(size_t index) {
  for (auto it = cursors_.begin(); it != cursors_.end();)
    it = !it->second->held && it->second->level > index ? cursors_.erase(it) : ++it;
}

void Session::CursorsAtRelease(size_t index) {
  for (auto& entry : cursors_)
    if (!entry.second->held) entry.second->level = std::min(entry.second->level, index);
}

}  // namespace tusk::backend
