// Executes sqllogictest records over libpq. Each record runs in autocommit;
// an unexpected error fails the record and the run goes on. A lost connection
// is re-established once; if that fails the rest of the file is abandoned.
#include "slt_runner.h"

#include <libpq-fe.h>

#include <iostream>
#include <map>
#include <mutex>
#include <regex>
#include <sstream>

#include "slt_result.h"

namespace slt {
namespace {

std::mutex g_output_mutex;

void NoticeSink(void*, const char*) {}

// Connects to `conninfo`, optionally overriding its database name.
PGconn* Connect(const std::string& conninfo, const std::string& dbname) {
  const char* keys[] = {"dbname", "dbname", "fallback_application_name",
                        nullptr};
  const char* vals[] = {conninfo.c_str(),
                        dbname.empty() ? nullptr : dbname.c_str(), "tusk_slt",
                        nullptr};
  if (dbname.empty()) {
    keys[1] = "fallback_application_name";
    vals[1] = "tusk_slt";
    keys[2] = nullptr;
    vals[2] = nullptr;
  }
  PGconn* conn = PQconnectdbParams(keys, vals, 1);
  if (PQstatus(conn) != CONNECTION_OK) return conn;
  PQsetNoticeProcessor(conn, NoticeSink, nullptr);
  return conn;
}

bool Exec(PGconn* conn, const std::string& sql, std::string* error) {
  PGresult* res = PQexec(conn, sql.c_str());
  ExecStatusType st = PQresultStatus(res);
  bool ok = st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK;
  if (!ok && error) *error = PQerrorMessage(conn);
  PQclear(res);
  return ok;
}

std::string FirstLine(std::string s) {
  size_t nl = s.find('\n');
  if (nl != std::string::npos) s.resize(nl);
  return s;
}

void DropCreatedObjects(PGconn* conn, const std::vector<std::string>& objects) {
  // Views first (they depend on tables), then indexes, tables, sequences.
  for (const char* kind : {"view", "index", "table", "sequence"}) {
    for (const std::string& o : objects) {
      size_t colon = o.find(':');
      if (o.compare(0, colon, kind) != 0) continue;
      std::string upper = kind == std::string("view")       ? "VIEW"
                          : kind == std::string("index")    ? "INDEX"
                          : kind == std::string("sequence") ? "SEQUENCE"
                                                            : "TABLE";
      std::string sql = "DROP " + upper + " IF EXISTS " + o.substr(colon + 1);
      if (upper != "INDEX") sql += " CASCADE";
      Exec(conn, sql, nullptr);
    }
  }
}

class FileRun {
 public:
  FileRun(const Script& script, int index, ServerOptions& opts)
      : script_(script), index_(index), opts_(opts) {}

  ~FileRun() {
    if (conn_) PQfinish(conn_);
  }

  FileStats Run();

 private:
  bool Open();
  bool OpenSession();
  void Close();
  void RunRecord(const Record& rec);
  void Fail(const Record& rec, const std::string& why,
            const std::vector<std::string>& got);

  const Script& script_;
  int index_;
  ServerOptions& opts_;
  PGconn* conn_ = nullptr;
  std::string dbname_;  // empty when reusing the conninfo's database
  std::vector<std::string> objects_;
  std::map<std::string, std::string> label_hashes_;
  long hash_threshold_ = 0;
  FileStats stats_;
};

bool FileRun::Open() {
  objects_ = CreatedObjects(script_);
  if (!opts_.reuse_db) {
    PGconn* admin = Connect(opts_.conninfo, "postgres");
    std::string name = "slt_" + std::to_string(index_);
    std::string err = PQstatus(admin) == CONNECTION_OK
                          ? ""
                          : "no maintenance database: " +
                                FirstLine(PQerrorMessage(admin));
    if (err.empty() && Exec(admin, "DROP DATABASE IF EXISTS " + name, &err) &&
        Exec(admin, "CREATE DATABASE " + name, &err)) {
      dbname_ = name;
    } else {
      std::lock_guard<std::mutex> lock(g_output_mutex);
      std::cerr << "tusk_slt: " << opts_.label
                << ": CREATE DATABASE failed (" << FirstLine(err)
                << "); using --reuse-db from now on\n";
      opts_.reuse_db = true;
    }
    PQfinish(admin);
  }
  if (!OpenSession()) return false;
  if (dbname_.empty()) DropCreatedObjects(conn_, objects_);
  return true;
}

bool FileRun::OpenSession() {
  if (conn_) PQfinish(conn_);
  conn_ = Connect(opts_.conninfo, dbname_);
  if (PQstatus(conn_) != CONNECTION_OK) {
    stats_.note = "cannot connect: " + FirstLine(PQerrorMessage(conn_));
    return false;
  }
  if (opts_.timeout_ms > 0)
    Exec(conn_, "SET statement_timeout = " + std::to_string(opts_.timeout_ms),
         nullptr);
  return true;
}

void FileRun::Close() {
  if (!conn_) return;
  if (dbname_.empty() && PQstatus(conn_) == CONNECTION_OK)
    DropCreatedObjects(conn_, objects_);
  PQfinish(conn_);
  conn_ = nullptr;
  if (!dbname_.empty()) {
    PGconn* admin = Connect(opts_.conninfo, "postgres");
    if (PQstatus(admin) == CONNECTION_OK)
      Exec(admin, "DROP DATABASE IF EXISTS " + dbname_, nullptr);
    PQfinish(admin);
  }
}

void FileRun::Fail(const Record& rec, const std::string& why,
                   const std::vector<std::string>& got) {
  ++stats_.failed;
  if (!opts_.verbose) return;
  std::ostringstream out;
  out << script_.path << ":" << rec.line << ": ";
  if (!opts_.label.empty()) out << "[" << opts_.label << "] ";
  out << why << "\n  " << rec.header << "\n";
  std::istringstream sql(rec.sql);
  for (std::string l; std::getline(sql, l);) out << "    " << l << "\n";
  if (rec.kind == RecordKind::kQuery) {
    out << "  expected:\n";
    for (const auto& e : rec.expected) out << "    " << e << "\n";
    out << "  got:\n";
    for (const auto& g : got) out << "    " << g << "\n";
  }
  std::lock_guard<std::mutex> lock(g_output_mutex);
  std::cerr << out.str();
}

// The first line of the error message followed by its SQLSTATE and, when
// the server sent one, the cursor position:
//   ERROR:  column "x" does not exist (SQLSTATE 42703, position 8)
// so `statement error` patterns can pin the code and position too.
std::string ErrorText(PGconn* conn, const PGresult* res) {
  std::string err = FirstLine(PQerrorMessage(conn));
  const char* state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : nullptr;
  if (!state) return err;
  err += std::string(" (SQLSTATE ") + state;
  if (const char* pos = PQresultErrorField(res, PG_DIAG_STATEMENT_POSITION)) err += std::string(", position ") + pos;
  return err + ")";
}

void FileRun::RunRecord(const Record& rec) {
  ++stats_.run;
  PGresult* res = PQexec(conn_, rec.sql.c_str());
  ExecStatusType st = PQresultStatus(res);
  bool ok = st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK;
  std::string err = ok ? "" : ErrorText(conn_, res);

  if (rec.kind == RecordKind::kStatement) {
    PQclear(res);
    if (rec.expect_error) {
      if (ok) return Fail(rec, "statement succeeded, an error was expected", {});
      if (!rec.error_pattern.empty()) {
        try {
          std::regex re(rec.error_pattern);
          if (!std::regex_search(err, re))
            return Fail(rec, "error does not match /" + rec.error_pattern +
                                 "/: " + err, {});
        } catch (const std::regex_error&) {
          // Not a usable regex: any error will do.
        }
      }
      ++stats_.passed;
      return;
    }
    if (!ok) return Fail(rec, "statement failed: " + err, {});
    ++stats_.passed;
    return;
  }

  // Query.
  if (!ok) {
    PQclear(res);
    return Fail(rec, "query failed: " + err, {});
  }
  int ncols = PQnfields(res);
  if (ncols != static_cast<int>(rec.types.size())) {
    PQclear(res);
    return Fail(rec, "query returned " + std::to_string(ncols) +
                         " columns, expected " + std::to_string(rec.types.size()),
                {});
  }
  std::vector<Row> rows(PQntuples(res));
  for (int r = 0; r < PQntuples(res); ++r) {
    rows[r].resize(ncols);
    for (int c = 0; c < ncols; ++c) {
      rows[r][c].is_null = PQgetisnull(res, r, c);
      rows[r][c].text.assign(PQgetvalue(res, r, c), PQgetlength(res, r, c));
    }
  }
  PQclear(res);
  std::vector<std::vector<std::string>> formatted;
  std::vector<std::string> values =
      CanonicalValues(rows, rec.types, rec.sort_mode, &formatted);
  Comparison cmp = Compare(values, formatted, rec.expected, hash_threshold_);
  if (!cmp.match) return Fail(rec, "wrong result", cmp.got);
  if (!rec.label.empty()) {
    std::string h = HashValues(values);
    auto [it, inserted] = label_hashes_.emplace(rec.label, h);
    if (!inserted && it->second != h)
      return Fail(rec, "result differs from earlier query labelled " + rec.label,
                  {HashLine(values)});
  }
  ++stats_.passed;
}

FileStats FileRun::Run() {
  if (!Open()) {
    // Everything that would have run counts as failed.
    stats_.failed = CountRunnable(script_, opts_.engine);
    stats_.run = stats_.failed;
    stats_.aborted = true;
    return stats_;
  }
  const auto& recs = script_.records;
  for (size_t i = 0; i < recs.size(); ++i) {
    const Record& rec = recs[i];
    if (rec.kind == RecordKind::kHashThreshold) {
      hash_threshold_ = rec.threshold;
      continue;
    }
    if (rec.kind == RecordKind::kUnknown) {
      std::lock_guard<std::mutex> lock(g_output_mutex);
      std::cerr << script_.path << ":" << rec.line
                << ": unknown record ignored: " << rec.header << "\n";
      continue;
    }
    if (!rec.AppliesTo(opts_.engine)) {
      if (rec.kind != RecordKind::kHalt) ++stats_.skipped;
      continue;
    }
    if (rec.kind == RecordKind::kHalt) break;
    if (std::chrono::steady_clock::now() > opts_.deadline) {
      stats_.aborted = stats_.timed_out = true;
      stats_.note = "time limit reached";
      break;
    }
    if (PQstatus(conn_) != CONNECTION_OK && !OpenSession()) {
      stats_.aborted = true;
      break;
    }
    int failed_before = stats_.failed;
    RunRecord(rec);
    if (stats_.failed > failed_before && opts_.stop_on_error) {
      stats_.aborted = true;
      stats_.note = "stopped at first failure";
      break;
    }
  }
  if (stats_.aborted && !stats_.timed_out && stats_.note.empty())
    stats_.note = "connection lost";
  Close();
  return stats_;
}

}  // namespace

FileStats RunScript(const Script& script, int index, ServerOptions& opts) {
  FileRun run(script, index, opts);
  return run.Run();
}

}  // namespace slt
