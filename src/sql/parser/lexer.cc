// Tokenizer implementation: comments, identifiers, numbers, the string
// literal family (standard, E'', U&'', B'', X'', dollar-quoted) and operators.
// Error messages and positions mirror PostgreSQL's scanner.
#include "utils/utf8.h"
#include "sql/parser/lexer.h"

#include <cctype>
#include <cstring>
#include <optional>

#include "utils/error.h"

namespace tusk::sql {
namespace {

constexpr size_t kMaxIdentLen = 63;  // NAMEDATALEN - 1

bool IsIdentStart(unsigned char c) { return c == '_' || std::isalpha(c) || c >= 0x80; }
bool IsIdentCont(unsigned char c) { return IsIdentStart(c) || std::isdigit(c) || c == '$'; }
bool IsOpChar(char c) { return c && std::strchr("+-*/<>=~!@#%^&|`?", c) != nullptr; }
bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }


int HexVal(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

class Lexer {
 public:
  explicit Lexer(std::string_view q) : q_(q) {}

  std::vector<Token> Run() {
    std::vector<Token> out;
    for (;;) {
      size_t start = pos_;
      try {
        SkipSpaceAndComments();
        if (pos_ >= q_.size()) break;
        out.push_back(Next());
      } catch (const PgError& e) {
        Token err{TokKind::kError, e.data().message, e.data().position, static_cast<int>(start),
                  static_cast<int>(q_.size())};
        out.push_back(err);
        break;
      }
      // Adjacent string literals separated by whitespace that includes a
      // newline are one literal (SQL standard continuation).
      Token& t = out.back();
      if (t.kind == TokKind::kString && last_was_continuable_) MergeContinuations(t);
    }
    Token end{TokKind::kEnd, "", 0, static_cast<int>(q_.size()), static_cast<int>(q_.size())};
    out.push_back(end);
    return out;
  }

 private:
  char At(size_t i) const { return i < q_.size() ? q_[i] : '\0'; }

  [[noreturn]] void Fail(const std::string& msg, size_t start) {
    ThrowSyntaxErrorMsg(q_, msg, static_cast<int>(start), static_cast<int>(q_.size()));
  }

  void SkipSpaceAndComments() {
    while (pos_ < q_.size()) {
      char c = q_[pos_];
      if (IsSpace(c)) {
        ++pos_;
      } else if (c == '-' && At(pos_ + 1) == '-') {
        while (pos_ < q_.size() && q_[pos_] != '\n' && q_[pos_] != '\r') ++pos_;
      } else if (c == '/' && At(pos_ + 1) == '*') {
        SkipBlockComment();
      } else {
        break;
      }
    }
  }

  void SkipBlockComment() {
    size_t start = pos_;
    int depth = 0;
    while (pos_ < q_.size()) {
      if (q_[pos_] == '/' && At(pos_ + 1) == '*') {
        ++depth;
        pos_ += 2;
      } else if (q_[pos_] == '*' && At(pos_ + 1) == '/') {
        pos_ += 2;
        if (--depth == 0) return;
      } else {
        ++pos_;
      }
    }
    Fail("unterminated /* comment", start);
  }

  Token Make(TokKind k, size_t start, std::string text) {
    Token t{k, std::move(text), 0, static_cast<int>(start), static_cast<int>(pos_)};
    return t;
  }

  Token Next() {
    last_was_continuable_ = false;
    size_t start = pos_;
    char c = q_[pos_];
    unsigned char uc = static_cast<unsigned char>(c);
    // String literal prefixes must be checked before identifiers.
    if ((c == 'e' || c == 'E') && At(pos_ + 1) == '\'') {
      pos_ += 1;
      return QuotedString(start, /*escapes=*/true);
    }
    if ((c == 'b' || c == 'B' || c == 'x' || c == 'X') && At(pos_ + 1) == '\'') {
      pos_ += 1;
      Token t = QuotedString(start, false);
      t.kind = TokKind::kBitString;
      bool hex = (c == 'x' || c == 'X');
      for (char d : t.text) {
        if (hex ? HexVal(d) < 0 : (d != '0' && d != '1')) {
          ThrowSyntaxErrorMsg(q_, std::string("\"") + d + "\" is not a valid " +
                                      (hex ? "hexadecimal" : "binary") + " digit",
                              static_cast<int>(start), static_cast<int>(pos_));
        }
      }
      t.text = (hex ? "x" : "b") + t.text;
      return t;
    }
    if ((c == 'u' || c == 'U') && At(pos_ + 1) == '&' && (At(pos_ + 2) == '\'' || At(pos_ + 2) == '"')) {
      pos_ += 2;
      bool ident = q_[pos_] == '"';
      Token t = ident ? QuotedIdent(start) : QuotedString(start, false);
      t.text = DecodeUnicodeEscapes(t.text, start);
      return t;
    }
    if (c == '\'') return QuotedString(start, false);
    if (c == '"') return QuotedIdent(start);
    if (c == '$') {
      if (std::isdigit(static_cast<unsigned char>(At(pos_ + 1)))) {
        ++pos_;
        int64_t n = 0;
        while (std::isdigit(static_cast<unsigned char>(At(pos_)))) {
          n = n * 10 + (q_[pos_] - '0');
          if (n > INT32_MAX) n = INT32_MAX;
          ++pos_;
        }
        Token t = Make(TokKind::kParam, start, std::string(q_.substr(start, pos_ - start)));
        t.ival = n;
        return t;
      }
      if (auto t = TryDollarQuote(start)) return *t;
      ++pos_;
      return Make(TokKind::kPunct, start, "$");  // parser rejects it
    }
    if (IsIdentStart(uc)) {
      while (pos_ < q_.size() && IsIdentCont(static_cast<unsigned char>(q_[pos_]))) ++pos_;
      std::string id = FoldIdentifier(q_.substr(start, pos_ - start));
      if (id.size() > kMaxIdentLen) id.resize(kMaxIdentLen);
      return Make(TokKind::kIdent, start, std::move(id));
    }
    if (std::isdigit(uc) || (c == '.' && std::isdigit(static_cast<unsigned char>(At(pos_ + 1))))) return Number(start);
    if (c == ':' && At(pos_ + 1) == ':') {
      pos_ += 2;
      return Make(TokKind::kTypecast, start, "::");
    }
    if (c == ':' && At(pos_ + 1) == '=') {
      pos_ += 2;
      return Make(TokKind::kColonEquals, start, ":=");
    }
    if (c == '=' && At(pos_ + 1) == '>') {
      pos_ += 2;
      return Make(TokKind::kEqualsGreater, start, "=>");
    }
    if (std::strchr("()[],;.:", c)) {
      ++pos_;
      return Make(TokKind::kPunct, start, std::string(1, c));
    }
    if (IsOpChar(c)) return Operator(start);
    ++pos_;
    ThrowSyntaxErrorMsg(q_, "syntax error", static_cast<int>(start), static_cast<int>(pos_));
  }

  Token Operator(size_t start) {
    size_t end = start;
    while (end < q_.size() && IsOpChar(q_[end])) {
      // A comment start ends the operator.
      if (end > start && ((q_[end] == '-' && At(end + 1) == '-') || (q_[end] == '/' && At(end + 1) == '*'))) break;
      if (end == start && ((q_[end] == '-' && At(end + 1) == '-') || (q_[end] == '/' && At(end + 1) == '*'))) break;
      ++end;
    }
    if (end == start) end = start + 1;
    // Trailing + or - is only part of a multi-character operator when the
    // operator contains a character that cannot start an SQL-standard
    // operator; this lets "a=-1" lex as "=" "-" "1".
    size_t len = end - start;
    if (len > 1 && (q_[end - 1] == '+' || q_[end - 1] == '-')) {
      bool keep = false;
      for (size_t i = start; i < end; ++i) {
        if (std::strchr("~!@#%^&|`?", q_[i])) keep = true;
      }
      if (!keep) {
        while (len > 1 && (q_[start + len - 1] == '+' || q_[start + len - 1] == '-')) --len;
      }
    }
    pos_ = start + len;
    std::string op(q_.substr(start, len));
    if (op == "!=") op = "<>";
    return Make(TokKind::kOp, start, std::move(op));
  }

  Token Number(size_t start) {
    bool is_numeric = false;
    while (std::isdigit(static_cast<unsigned char>(At(pos_)))) ++pos_;
    // "1..2" must lex as 1 followed by "..", so a second dot ends the number.
    if (At(pos_) == '.' && At(pos_ + 1) != '.') {
      is_numeric = true;
      ++pos_;
      while (std::isdigit(static_cast<unsigned char>(At(pos_)))) ++pos_;
    }
    if (At(pos_) == 'e' || At(pos_) == 'E') {
      size_t save = pos_;
      ++pos_;
      if (At(pos_) == '+' || At(pos_) == '-') ++pos_;
      if (!std::isdigit(static_cast<unsigned char>(At(pos_)))) {
        // PostgreSQL 15 rejects "1e" / "1e+" as trailing junk.
        pos_ = save + 1;
        if (At(pos_) == '+' || At(pos_) == '-') ++pos_;
        ThrowSyntaxErrorMsg(q_, "trailing junk after numeric literal", static_cast<int>(start),
                            static_cast<int>(pos_));
      }
      while (std::isdigit(static_cast<unsigned char>(At(pos_)))) ++pos_;
      is_numeric = true;
    }
    return Make(is_numeric ? TokKind::kNumeric : TokKind::kInteger, start,
                std::string(q_.substr(start, pos_ - start)));
  }

  Token QuotedString(size_t start, bool escapes) {
    // pos_ is at the opening quote.
    ++pos_;
    std::string val;
    for (;;) {
      if (pos_ >= q_.size()) Fail("unterminated quoted string", start);
      char c = q_[pos_];
      if (c == '\'') {
        if (At(pos_ + 1) == '\'') {
          val += '\'';
          pos_ += 2;
          continue;
        }
        ++pos_;
        break;
      }
      if (escapes && c == '\\') {
        if (pos_ + 1 >= q_.size()) Fail("unterminated quoted string", start);
        ParseBackslash(val, start);
        continue;
      }
      val += c;
      ++pos_;
    }
    last_was_continuable_ = true;
    last_escapes_ = escapes;
    return Make(TokKind::kString, start, std::move(val));
  }

  void ParseBackslash(std::string& val, size_t start) {
    char e = q_[pos_ + 1];
    pos_ += 2;
    switch (e) {
      case 'b': val += '\b'; return;
      case 'f': val += '\f'; return;
      case 'n': val += '\n'; return;
      case 'r': val += '\r'; return;
      case 't': val += '\t'; return;
      case 'x': {
        int v = 0, n = 0;
        while (n < 2 && HexVal(At(pos_)) >= 0) v = v * 16 + HexVal(q_[pos_++]), ++n;
        if (n == 0) { val += 'x'; return; }
        val += static_cast<char>(v);
        return;
      }
      case 'u':
      case 'U': {
        int want = e == 'u' ? 4 : 8;
        uint32_t cp = 0;
        for (int i = 0; i < want; ++i) {
          if (HexVal(At(pos_)) < 0) {
            ThrowSyntaxErrorMsg(q_, "invalid Unicode escape", static_cast<int>(pos_ - 2 - i),
                                static_cast<int>(pos_));
          }
          cp = cp * 16 + HexVal(q_[pos_++]);
        }
        AppendUtf8(val, cp);
        return;
      }
      default:
        if (e >= '0' && e <= '7') {
          int v = e - '0', n = 1;
          while (n < 3 && At(pos_) >= '0' && At(pos_) <= '7') v = v * 8 + (q_[pos_++] - '0'), ++n;
          val += static_cast<char>(v & 0xFF);
          return;
        }
        val += e;  // unknown escapes stand for the character itself
    }
    (void)start;
  }

  void MergeContinuations(Token& t) {
    for (;;) {
      size_t p = pos_;
      bool newline = false;
      while (p < q_.size() && IsSpace(q_[p])) newline |= (q_[p++] == '\n');
      // Comments between the pieces are allowed by PostgreSQL only as "--".
      if (!newline || At(p) != '\'') return;
      bool esc = last_escapes_;
      pos_ = p;
      Token more = QuotedString(p, esc);
      t.text += more.text;
      t.end = more.end;
    }
  }

  Token QuotedIdent(size_t start) {
    ++pos_;
    std::string val;
    for (;;) {
      if (pos_ >= q_.size()) Fail("unterminated quoted identifier", start);
      char c = q_[pos_];
      if (c == '"') {
        if (At(pos_ + 1) == '"') {
          val += '"';
          pos_ += 2;
          continue;
        }
        ++pos_;
        break;
      }
      val += c;
      ++pos_;
    }
    if (val.empty()) {
      ThrowSyntaxErrorMsg(q_, "zero-length delimited identifier", static_cast<int>(start),
                          static_cast<int>(pos_));
    }
    if (val.size() > kMaxIdentLen) val.resize(kMaxIdentLen);
    return Make(TokKind::kQuotedIdent, start, std::move(val));
  }

  std::string DecodeUnicodeEscapes(const std::string& in, size_t start) {
    std::string out;
    for (size_t i = 0; i < in.size(); ++i) {
      if (in[i] != '\\') {
        out += in[i];
        continue;
      }
      if (i + 1 < in.size() && in[i + 1] == '\\') {
        out += '\\';
        ++i;
        continue;
      }
      int want = (i + 1 < in.size() && in[i + 1] == '+') ? 6 : 4;
      size_t d = i + 1 + (want == 6 ? 1 : 0);
      uint32_t cp = 0;
      for (int k = 0; k < want; ++k) {
        if (d + k >= in.size() || HexVal(in[d + k]) < 0) {
          ThrowSyntaxErrorMsg(q_, "invalid Unicode escape", static_cast<int>(start), static_cast<int>(pos_));
        }
        cp = cp * 16 + HexVal(in[d + k]);
      }
      AppendUtf8(out, cp);
      i = d + want - 1;
    }
    return out;
  }

  std::optional<Token> TryDollarQuote(size_t start) {
    size_t p = pos_ + 1;
    if (p < q_.size() && q_[p] != '$') {
      if (!IsIdentStart(static_cast<unsigned char>(q_[p]))) return std::nullopt;
      while (p < q_.size() && q_[p] != '$' && IsIdentCont(static_cast<unsigned char>(q_[p])) ) ++p;
      if (At(p) != '$') return std::nullopt;
    }
    if (At(p) != '$') return std::nullopt;
    std::string tag(q_.substr(pos_, p + 1 - pos_));
    size_t body = p + 1;
    size_t close = q_.find(tag, body);
    if (close == std::string_view::npos) Fail("unterminated dollar-quoted string", start);
    pos_ = close + tag.size();
    return Make(TokKind::kString, start, std::string(q_.substr(body, close - body)));
  }

  std::string_view q_;
  size_t pos_ = 0;
  bool last_was_continuable_ = false;
  bool last_escapes_ = false;
};

}  // namespace

std::string FoldIdentifier(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

int CharPosition(std::string_view query, int byte_offset) {
  int chars = 0;
  for (int i = 0; i < byte_offset && i < static_cast<int>(query.size()); ++i) {
    if ((static_cast<unsigned char>(query[i]) & 0xC0) != 0x80) ++chars;
  }
  if (byte_offset > static_cast<int>(query.size())) chars += byte_offset - static_cast<int>(query.size());
  return chars + 1;
}

void ThrowSyntaxErrorMsg(std::string_view query, const std::string& msg, int byte_offset, int byte_end) {
  std::string full = msg;
  if (byte_offset >= static_cast<int>(query.size())) {
    full += " at end of input";
  } else {
    full += " at or near \"" + std::string(query.substr(byte_offset, byte_end - byte_offset)) + "\"";
  }
  throw PgError(sqlstate::kSyntaxError, full).Position(CharPosition(query, byte_offset));
}

void ThrowIfError(const Token& tok) {
  if (tok.kind == TokKind::kError) throw PgError(sqlstate::kSyntaxError, tok.text).Position(static_cast<int>(tok.ival));
}

void ThrowSyntaxError(std::string_view query, const Token& tok) {
  ThrowSyntaxErrorMsg(query, "syntax error", tok.offset, tok.end);
}

std::vector<Token> Tokenize(std::string_view query) { return Lexer(query).Run(); }

}  // namespace tusk::sql
