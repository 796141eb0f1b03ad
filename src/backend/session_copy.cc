// COPY ... FROM STDIN and COPY ... TO STDOUT over the COPY sub-protocol, in
// text and csv formats. Rows coming in feed one execution of a prepared
// INSERT, so defaults, NOT NULL, CHECK, length limits and unique indexes
// apply exactly as for INSERT; rows going out come from a prepared SELECT.
#include <cstring>

#include "backend/session.h"
#include "backend/stored_table.h"
#include "protocol/message.h"
#include "sql/parser/deparse.h"
#include "utils/error.h"

namespace tusk::backend {

struct CopyFormat {
  bool csv = false;
  char delimiter = '\t';
  std::string null_string = "\\N";
  char quote = '"';
  char escape = '"';
  bool header = false;
  bool freeze = false;
};

namespace {


CopyFormat ParseOptions(const sql::CopyStmt& c) {
  CopyFormat f;
  bool delimiter_set = false, null_set = false;
  for (const auto& o : c.options) {
    if (o.name == "format") {
      if (o.arg == "csv") {
        f.csv = true;
      } else if (o.arg != "text") {
        throw MakeError(sqlstate::kInvalidParameterValue, "COPY format \"" + o.arg + "\" not recognized");
      }
    } else if (o.name == "delimiter") {
      if (o.arg.size() != 1)
        throw MakeError(sqlstate::kFeatureNotSupported, "COPY delimiter must be a single one-byte character");
      f.delimiter = o.arg[0];
      delimiter_set = true;
    } else if (o.name == "null") {
      f.null_string = o.arg;
      null_set = true;
    } else if (o.name == "header") {
      f.header = o.arg_kind == sql::DefElem::kNone || o.arg == "true" || o.arg == "on" || o.arg == "1";
    } else if (o.name == "freeze") {
      f.freeze = o.arg_kind == sql::DefElem::kNone || o.arg == "true" || o.arg == "on" || o.arg == "1";
    } else if (o.name == "quote") {
      f.quote = o.arg.empty() ? '"' : o.arg[0];
    } else if (o.name == "escape") {
      f.escape = o.arg.empty() ? '"' : o.arg[0];
    } else if (o.name == "encoding") {
      if (o.arg != "utf8" && o.arg != "UTF8" && o.arg != "utf-8")
        throw MakeError(sqlstate::kFeatureNotSupported, "COPY encoding \"" + o.arg + "\" is not supported; UTF8 is");
    } else if (o.name == "force_not_null" || o.name == "force_null" || o.name == "force_quote") {
      throw MakeError(sqlstate::kFeatureNotSupported, "COPY option \"" + o.name + "\" is not supported yet");
    } else {
      throw MakeError(sqlstate::kSyntaxError, "option \"" + o.name + "\" not recognized");
    }
  }
  if (f.csv) {
    if (!delimiter_set) f.delimiter = ',';
    if (!null_set) f.null_string = "";
  }
  if (f.header && !f.csv) throw MakeError(sqlstate::kFeatureNotSupported, "COPY HEADER available only in CSV mode");
  return f;
}

// One text-format field with escapes, from `i` up to the next unescaped
// delimiter; appends it and returns where the next field starts (past the
// end of the line after the last field).
size_t SplitEscapedField(const std::string& line, size_t i, const CopyFormat& f,
                         std::vector<std::optional<std::string>>* out) {
  std::string field;
  std::string raw;  // the field as written, to compare with the NULL marker
  for (; i < line.size(); ++i) {
    char c = line[i];
    if (c == f.delimiter) break;
    if (c == '\\' && i + 1 < line.size()) {
      char n = line[++i];
      raw += '\\';
      raw += n;
      switch (n) {
        case 'b': field += '\b'; break;
        case 'f': field += '\f'; break;
        case 'n': field += '\n'; break;
        case 'r': field += '\r'; break;
        case 't': field += '\t'; break;
        case 'v': field += '\v'; break;
        case 'x': {
          int v = 0, k = 0;
          while (k < 2 && i + 1 < line.size() && std::isxdigit(static_cast<unsigned char>(line[i + 1]))) {
            char h = line[++i];
            raw += h;
            v = v * 16 + (std::isdigit(static_cast<unsigned char>(h)) ? h - '0' : (std::tolower(h) - 'a' + 10));
            ++k;
          }
          if (k == 0) field += 'x'; else field += static_cast<char>(v);
          break;
        }
        default:
          if (n >= '0' && n <= '7') {
            int v = n - '0', k = 1;
            while (k < 3 && i + 1 < line.size() && line[i + 1] >= '0' && line[i + 1] <= '7') {
              raw += line[i + 1];
              v = v * 8 + (line[++i] - '0');
              ++k;
            }
            field += static_cast<char>(v);
          } else {
            field += n;
          }
      }
      continue;
    }
    raw += c;
    field += c;
  }
  if (raw == f.null_string) {
    out->emplace_back(std::nullopt);
  } else {
    out->emplace_back(std::move(field));
  }
  return i < line.size() ? i + 1 : line.size() + 1;
}

// Splits one text-format line into fields (nullopt = NULL), undoing escapes.
// Fields without a backslash (nearly all) are cut out whole.
// The strings of *out are reused from the previous row where possible.
void SplitText(const std::string& line, const CopyFormat& f, std::vector<std::optional<std::string>>* out) {
  const char delimiter = f.delimiter;
  // A line without a backslash (nearly every one) is cut at its delimiters
  // with memchr; the byte loop looking for both was half of this function.
  const bool plain = std::memchr(line.data(), '\\', line.size()) == nullptr;
  size_t n = 0;  // fields so far
  size_t i = 0;
  for (;;) {
    size_t stop = i;
    if (plain) {
      const void* d = std::memchr(line.data() + i, delimiter, line.size() - i);
      stop = d ? static_cast<size_t>(static_cast<const char*>(d) - line.data()) : line.size();
    } else {
      while (stop < line.size() && line[stop] != delimiter && line[stop] != '\\') ++stop;
    }
    if (stop == line.size()) stop = std::string::npos;
    if (stop == std::string::npos || line[stop] == f.delimiter) {
      std::string_view v(line.data() + i, (stop == std::string::npos ? line.size() : stop) - i);
      if (n == out->size()) out->emplace_back();
      std::optional<std::string>& field = (*out)[n++];
      if (v == f.null_string) {
        field.reset();
      } else if (field) {
        field->assign(v);
      } else {
        field.emplace(v);
      }
      if (stop == std::string::npos) break;
      i = stop + 1;
      continue;
    }
    out->resize(n);
    i = SplitEscapedField(line, i, f, out);
    n = out->size();
    if (i > line.size()) break;
  }
  out->resize(n);
}

// Splits CSV records; *complete is false when a quoted field continues on the next line.
bool SplitCsv(const std::string& record, const CopyFormat& f, std::vector<std::optional<std::string>>* out) {
  out->clear();
  std::string field;
  bool quoted = false, in_quotes = false;
  for (size_t i = 0; i < record.size(); ++i) {
    char c = record[i];
    if (in_quotes) {
      if (c == f.escape && i + 1 < record.size() && record[i + 1] == f.quote) {
        field += f.quote;
        ++i;
      } else if (c == f.quote) {
        in_quotes = false;
      } else {
        field += c;
      }
      continue;
    }
    if (c == f.quote) {
      in_quotes = quoted = true;
    } else if (c == f.delimiter) {
      if (!quoted && field == f.null_string) out->emplace_back(std::nullopt); else out->emplace_back(field);
      field.clear();
      quoted = false;
    } else {
      field += c;
    }
  }
  if (in_quotes) return false;
  if (!quoted && field == f.null_string) out->emplace_back(std::nullopt); else out->emplace_back(field);
  return true;
}

void AppendTextField(const std::string& v, char delimiter, std::string& out) {
  for (char c : v) {
    switch (c) {
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      case '\v': out += "\\v"; break;
      default:
        if (c == delimiter) out += '\\';
        out += c;
    }
  }
}

void AppendCsvField(const std::string& v, const CopyFormat& f, std::string& out) {
  bool need = v.empty() || v.find_first_of(std::string(1, f.delimiter) + f.quote + "\r\n") != std::string::npos ||
              v == f.null_string || v.front() == ' ' || v.back() == ' ';
  if (!need) {
    out += v;
    return;
  }
  out += f.quote;
  for (char c : v) {
    if (c == f.quote || c == f.escape) out += f.escape;
    out += c;
  }
  out += f.quote;
}

std::string TableRef(const sql::RangeVar& rv) {
  return (rv.schema.empty() ? "" : sql::QuoteIdentifier(rv.schema) + ".") + sql::QuoteIdentifier(rv.name);
}

}  // namespace

namespace {

// The rows of COPY FROM STDIN, read from the client as the insert asks for
// them: CopyData messages cut into lines (csv records may span lines), the
// header skipped, `\.` ending text input.
class CopyFeed : public sql::RowFeed {
 public:
  CopyFeed(protocol::Connection& conn, const CopyFormat& f, const std::string& table, size_t ncols,
           const std::vector<std::string>& cols)
      : conn_(conn), f_(f), table_(table), ncols_(ncols), cols_(cols) {}

  bool Next(std::vector<std::optional<std::string>>* fields) override {
    for (;;) {
      if (done_) return false;
      size_t nl = buffer_.find('\n', pos_);
      if (nl != std::string::npos) {
        next_line_.assign(buffer_, pos_, nl - pos_);  // reuses the last line's storage
        pos_ = nl + 1;
        if (Line(fields)) return true;
        continue;
      }
      if (ended_) {
        if (pos_ < buffer_.size()) {
          next_line_.assign(buffer_, pos_);
          pos_ = buffer_.size();
          if (Line(fields)) return true;
          continue;
        }
        if (!pending_record_.empty())
          throw MakeError(sqlstate::kBadCopyFileFormat, "unterminated CSV quoted field");
        return false;
      }
      buffer_.erase(0, pos_);
      pos_ = 0;
      Read();
    }
  }

  // After the rows (or an error): reads what the client still sends up to
  // CopyDone or CopyFail. Returns the CopyFail message, if that came.
  std::optional<std::string> Drain() {
    while (!ended_ && !failed_) Read(/*discard=*/true);
    return fail_message_;
  }

  // "COPY t, line N: "..."" for errors about the current row.
  std::string Context() const {
    return "COPY " + table_ + ", line " + std::to_string(line_no_) + ": \"" + (current_ ? *current_ : std::string()) +
           "\"";
  }

  // The error is about an earlier row, still in the ring of recent rows.
  void PointAtRow(int64_t n) override {
    if (n < 0 || n >= rows_ || rows_ - n > static_cast<int64_t>(kRecent)) return;
    const Recent& r = recent_[static_cast<size_t>(n) % kRecent];
    line_no_ = r.line_no;
    current_ = &r.text;
  }
  bool failed() const { return failed_; }

 private:
  void Read(bool discard = false) {
    char type;
    std::string body;
    if (!conn_.ReadMessage(&type, &body))
      throw MakeFatal(sqlstate::kConnectionFailure, "unexpected EOF on client connection with an open transaction");
    if (type == 'd') {
      if (!discard) buffer_ += body;
    } else if (type == 'c') {
      ended_ = true;
    } else if (type == 'f') {
      protocol::MessageReader r(body);
      fail_message_ = std::string(r.CString());
      failed_ = true;
      if (!discard) throw MakeError(sqlstate::kQueryCanceled, "COPY from stdin failed: " + *fail_message_);
    } else if (type != 'H' && type != 'S') {
      throw MakeError(sqlstate::kProtocolViolation,
                      "unexpected message type 0x" + std::to_string(static_cast<int>(type)) + " during COPY from stdin");
    }
  }

  // One input line (next_line_); true if it completed a row in *fields.
  bool Line(std::vector<std::optional<std::string>>* fields) {
    std::string& line = next_line_;
    ++line_no_;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (f_.csv) {
      if (!pending_record_.empty()) line = pending_record_ + "\n" + line;
      if (!SplitCsv(line, f_, fields)) {
        pending_record_ = line;
        fields->clear();
        return false;
      }
      pending_record_.clear();
      if (f_.header && !header_done_) {
        header_done_ = true;
        fields->clear();
        return false;
      }
    } else {
      if (line == "\\.") {
        done_ = true;
        return false;
      }
      SplitText(line, f_, fields);
    }
    // Rows are written in batches: each row's text stays in the ring until
    // it surely was (the slot's old storage serves the next line).
    Recent& r = recent_[static_cast<size_t>(rows_++) % kRecent];
    r.line_no = line_no_;
    r.text.swap(line);
    current_ = &r.text;
    if (fields->size() < ncols_)
      throw MakeError(sqlstate::kBadCopyFileFormat, "missing data for column \"" + cols_[fields->size()] + "\"")
          .Context(Context());
    if (fields->size() > ncols_)
      throw MakeError(sqlstate::kBadCopyFileFormat, "extra data after last expected column").Context(Context());
    return true;
  }

  protocol::Connection& conn_;
  const CopyFormat& f_;
  std::string table_;
  size_t ncols_;
  const std::vector<std::string>& cols_;
  std::string buffer_;
  size_t pos_ = 0;
  std::string pending_record_;  // csv record spanning lines
  std::string next_line_;       // the line being split
  const std::string* current_ = nullptr;  // the current row's text (in recent_)
  int64_t line_no_ = 0;
  struct Recent {
    int64_t line_no = 0;
    std::string text;
  };
  static constexpr size_t kRecent = sql::StoredTable::kMaxHeldRows + 1;
  std::vector<Recent> recent_ = std::vector<Recent>(kRecent);  // row n at n % kRecent
  int64_t rows_ = 0;  // rows returned so far
  bool done_ = false, ended_ = false, failed_ = false, header_done_ = false;
  std::optional<std::string> fail_message_;
};

}  // namespace

std::string Session::RunCopy(const sql::CopyStmt& c) {
  if (c.filename || c.is_program)
    throw MakeError(sqlstate::kFeatureNotSupported, "COPY to or from a file is not supported; use STDIN/STDOUT");
  if (c.where) throw MakeError(sqlstate::kFeatureNotSupported, "COPY FROM ... WHERE is not supported yet");
  CopyFormat f = ParseOptions(c);
  return c.is_from ? CopyFrom(c, f) : CopyTo(c, f);
}

std::string Session::CopyFrom(const sql::CopyStmt& c, const CopyFormat& f) {
  if (!c.relation) throw MakeError(sqlstate::kSyntaxError, "COPY FROM needs a table");
  auto table = OpenStoredTable(c.relation->schema, c.relation->name);
  if (!table) throw MakeError(sqlstate::kUndefinedTable, "relation \"" + c.relation->name + "\" does not exist");
  if (table->relkind == 'S') throw MakeError("42809", "cannot copy to sequence \"" + table->name + "\"");
  std::vector<std::string> cols = c.columns;
  if (cols.empty())
    for (const auto& col : table->columns) cols.push_back(col.name);
  // COPY bypasses PostgreSQL's rewriter: values for GENERATED ALWAYS
  // identity columns are taken as given.
  bool identity = false;
  for (const auto& col : table->columns) identity |= col.identity != '\0';
  std::string sql = "INSERT INTO " + TableRef(*c.relation) + " (";
  std::string values;
  for (size_t i = 0; i < cols.size(); ++i) {
    sql += (i ? ", " : "") + sql::QuoteIdentifier(cols[i]);
    values += (i ? ", $" : "$") + std::to_string(i + 1);
  }
  sql += std::string(")") + (identity ? " OVERRIDING SYSTEM VALUE" : "") + " VALUES (" + values + ")";
  auto stmts = sql::ParseQuery(sql);
  std::unique_ptr<sql::PreparedQuery> insert = sql::Prepare(*stmts[0], {}, *this);

  // CopyInResponse: text format, one entry per column.
  {
    protocol::MessageWriter w(&conn_.out(), 'G');
    w.Byte(0).Int16(static_cast<int16_t>(cols.size()));
    for (size_t i = 0; i < cols.size(); ++i) w.Int16(0);
  }
  conn_.Flush();

  CopyFeed feed(conn_, f, c.relation->name, cols.size(), cols);
  int64_t count = 0;
  try {
    // As in PostgreSQL, FREEZE writes the rows frozen (visible to every
    // snapshot once committed: no later pass has to hint or freeze them),
    // allowed only for storage new in this subtransaction, so an abort
    // takes the rows with it. Checked as there once COPY has begun.
    if (f.freeze && !HasNewRelfilenodeInCurrentSubtransaction(table->oid))
      throw MakeError("55000",
                      "cannot perform COPY FREEZE because the table was not created or truncated in the current "
                      "subtransaction");
    count = insert->InsertRows(feed, *this, f.freeze);
  } catch (PgError& e) {
    if (e.data().level >= ErrLevel::kFatal) throw;
    if (e.data().context.empty() && e.data().sqlstate != "55000" && !feed.failed()) e.Context(feed.Context());
    std::optional<std::string> failed = feed.Drain();
    if (failed && !feed.failed()) throw MakeError(sqlstate::kQueryCanceled, "COPY from stdin failed: " + *failed);
    throw;
  }
  if (std::optional<std::string> failed = feed.Drain())
    throw MakeError(sqlstate::kQueryCanceled, "COPY from stdin failed: " + *failed);
  return "COPY " + std::to_string(count);
}

std::string Session::CopyTo(const sql::CopyStmt& c, const CopyFormat& f) {
  const bool csv = f.csv, header = f.header;
  const char delimiter = f.delimiter;
  const std::string& null_string = f.null_string;
  std::vector<std::unique_ptr<sql::Statement>> stmts;
  const sql::Statement* query = nullptr;
  if (c.relation) {
    auto table = OpenStoredTable(c.relation->schema, c.relation->name);
    if (table && table->relkind == 'S')
      throw MakeError("42809", "cannot copy from sequence \"" + table->name + "\"")
          .Hint("Try the COPY (SELECT ...) TO variant.");
    std::string sql = "SELECT ";
    if (c.columns.empty()) {
      sql += "*";
    } else {
      for (size_t i = 0; i < c.columns.size(); ++i) sql += (i ? ", " : "") + sql::QuoteIdentifier(c.columns[i]);
    }
    sql += " FROM " + TableRef(*c.relation);
    stmts = sql::ParseQuery(sql);
    query = stmts[0].get();
  } else {
    const std::string& text = copy_stmt_text_;
    if (c.query_start < 0 || c.query_end < c.query_start || static_cast<size_t>(c.query_end) > text.size())
      throw MakeError(sqlstate::kInternalError, "could not find the COPY query's text");
    stmts = sql::ParseQuery(text.substr(static_cast<size_t>(c.query_start),
                                        static_cast<size_t>(c.query_end - c.query_start)));
    if (stmts.size() != 1 || !sql::ReturnsRows(*stmts[0]))
      throw MakeError(sqlstate::kSyntaxError, "COPY query must be a SELECT or VALUES");
    query = stmts[0].get();
  }
  std::unique_ptr<sql::PreparedQuery> prepared = sql::Prepare(*query, {}, *this);
  const auto& columns = prepared->Columns();
  {
    protocol::MessageWriter w(&conn_.out(), 'H');
    w.Byte(0).Int16(static_cast<int16_t>(columns.size()));
    for (size_t i = 0; i < columns.size(); ++i) w.Int16(0);
  }
  std::string line;
  if (header && csv) {
    for (size_t i = 0; i < columns.size(); ++i) {
      if (i) line += delimiter;
      AppendCsvField(columns[i].name, f, line);
    }
    line += '\n';
    protocol::MessageWriter(&conn_.out(), 'd').Bytes(line);
  }
  std::unique_ptr<sql::Cursor> cur = prepared->Open({}, {}, *this);
  std::vector<std::optional<std::string>> values;
  int64_t n = 0;
  for (;;) {
    values.clear();
    if (!cur->Next({}, &values)) break;
    line.clear();
    for (size_t i = 0; i < values.size(); ++i) {
      if (i) line += delimiter;
      if (!values[i]) {
        line += null_string;
      } else if (csv) {
        AppendCsvField(*values[i], f, line);
      } else {
        AppendTextField(*values[i], delimiter, line);
      }
    }
    line += '\n';
    protocol::MessageWriter(&conn_.out(), 'd').Bytes(line);
    ++n;
    conn_.MaybeFlush();
  }
  protocol::MessageWriter(&conn_.out(), 'c');
  return "COPY " + std::to_string(n);
}

}  // namespace tusk::backend
