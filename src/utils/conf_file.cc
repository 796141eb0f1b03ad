// Tokenizer and line grammar for configuration files, matching PostgreSQL's
// guc-file lexer (longest match, earlier rule wins a tie), plus the include
// directives and PostgreSQL's error texts for them.
#include "utils/conf_file.h"

#include <dirent.h>
#include <strings.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

namespace tusk::guc {
namespace {

// SQLSTATEs for file access problems (errcode_for_file_access).
constexpr char kUndefinedFile[] = "58P01";
constexpr char kIoError[] = "58030";

enum class Tok { kEof, kEol, kId, kQualifiedId, kString, kUnquoted, kInteger, kReal, kEquals, kJunk };

bool IsLetter(unsigned char c) { return std::isalpha(c) || c == '_' || c >= 0x80; }
bool IsLetterOrDigit(unsigned char c) { return IsLetter(c) || std::isdigit(c); }

class Lexer {
 public:
  explicit Lexer(std::string_view text) : s_(text) {}

  // Returns the next token; text() is its spelling. Line numbers advance
  // when the end-of-line token is returned.
  Tok Next() {
    for (;;) {
      if (pos_ >= s_.size()) {
        text_.clear();
        return Tok::kEof;
      }
      const char c = s_[pos_];
      if (c == '\n') {
        pos_++;
        line_++;
        text_ = "\n";
        return Tok::kEol;
      }
      if (c == ' ' || c == '\t' || c == '\r') {
        pos_++;
        continue;
      }
      if (c == '#') {
        while (pos_ < s_.size() && s_[pos_] != '\n') pos_++;
        continue;
      }
      break;
    }
    // Candidate lengths in rule order; the longest wins, ties to the first.
    const size_t lens[] = {MatchId(pos_), MatchQualifiedId(), MatchString(), MatchUnquoted(),
                           MatchInteger(), MatchReal(), s_[pos_] == '=' ? size_t{1} : 0};
    const Tok toks[] = {Tok::kId,      Tok::kQualifiedId, Tok::kString, Tok::kUnquoted,
                        Tok::kInteger, Tok::kReal,        Tok::kEquals};
    size_t best = 0;
    Tok tok = Tok::kJunk;
    for (size_t i = 0; i < std::size(lens); ++i) {
      if (lens[i] > best) {
        best = lens[i];
        tok = toks[i];
      }
    }
    if (best == 0) best = 1;  // any other single character is junk
    text_ = std::string(s_.substr(pos_, best));
    pos_ += best;
    return tok;
  }

  const std::string& text() const { return text_; }
  int line() const { return line_; }

 private:
  unsigned char At(size_t i) const { return i < s_.size() ? static_cast<unsigned char>(s_[i]) : 0; }

  size_t MatchId(size_t from) const {
    if (!IsLetter(At(from)) || from >= s_.size()) return 0;
    size_t i = from + 1;
    while (i < s_.size() && IsLetterOrDigit(At(i))) i++;
    return i - from;
  }
  size_t MatchQualifiedId() const {
    size_t a = MatchId(pos_);
    if (a == 0 || At(pos_ + a) != '.') return 0;
    size_t b = MatchId(pos_ + a + 1);
    return b == 0 ? 0 : a + 1 + b;
  }
  size_t MatchString() const {
    if (At(pos_) != '\'') return 0;
    size_t i = pos_ + 1;
    while (i < s_.size()) {
      const char c = s_[i];
      if (c == '\n') return 0;
      if (c == '\\') {
        if (i + 1 >= s_.size() || s_[i + 1] == '\n') return 0;
        i += 2;
      } else if (c == '\'') {
        if (At(i + 1) == '\'') i += 2;
        else return i + 1 - pos_;
      } else {
        i++;
      }
    }
    return 0;
  }
  size_t MatchUnquoted() const {
    if (pos_ >= s_.size() || !IsLetter(At(pos_))) return 0;
    size_t i = pos_ + 1;
    while (i < s_.size() && (IsLetterOrDigit(At(i)) || std::strchr("-._:/", s_[i]))) i++;
    return i - pos_;
  }
  size_t MatchInteger() const {
    size_t i = pos_;
    if (At(i) == '+' || At(i) == '-') i++;
    size_t best = 0;
    auto letters = [&](size_t j) {
      while (j < s_.size() && std::isalpha(At(j))) j++;
      return j;
    };
    size_t j = i;
    while (j < s_.size() && std::isdigit(At(j))) j++;
    if (j > i) best = letters(j) - pos_;
    if (At(i) == '0' && (At(i + 1) == 'x') && std::isxdigit(At(i + 2))) {
      size_t k = i + 2;
      while (k < s_.size() && std::isxdigit(At(k))) k++;
      best = std::max(best, letters(k) - pos_);
    }
    return best;
  }
  size_t MatchReal() const {
    size_t i = pos_;
    if (At(i) == '+' || At(i) == '-') i++;
    while (i < s_.size() && std::isdigit(At(i))) i++;
    if (At(i) != '.' || i >= s_.size()) return 0;
    i++;
    while (i < s_.size() && std::isdigit(At(i))) i++;
    if (At(i) == 'e' || At(i) == 'E') {
      size_t k = i + 1;
      if (At(k) == '+' || At(k) == '-') k++;
      size_t digits = k;
      while (k < s_.size() && std::isdigit(At(k))) k++;
      if (k > digits) i = k;
    }
    return i - pos_;
  }

  std::string_view s_;
  size_t pos_ = 0;
  int line_ = 1;
  std::string text_;
};

// Strips the quotes of a quoted value and processes '' and backslash escapes.
std::string Deescape(const std::string& quoted) {
  std::string out;
  const size_t end = quoted.size() - 1;
  for (size_t i = 1; i < end; ++i) {
    char c = quoted[i];
    if (c == '\\' && i + 1 < end) {
      c = quoted[++i];
      switch (c) {
        case 'b': out += '\b'; break;
        case 'f': out += '\f'; break;
        case 'n': out += '\n'; break;
        case 'r': out += '\r'; break;
        case 't': out += '\t'; break;
        case '0': case '1': case '2': case '3': case '4': case '5': case '6': case '7': {
          int v = c - '0';
          for (int k = 0; k < 2 && i + 1 < end && quoted[i + 1] >= '0' && quoted[i + 1] <= '7'; ++k)
            v = v * 8 + (quoted[++i] - '0');
          out += static_cast<char>(v);
          break;
        }
        default: out += c; break;
      }
    } else if (c == '\'' && i + 1 < end && quoted[i + 1] == '\'') {
      out += '\'';
      ++i;
    } else {
      out += c;
    }
  }
  return out;
}

void Report(std::vector<ErrorData>* messages, ErrLevel level, const char* state, std::string text) {
  ErrorData e;
  e.level = level;
  e.sqlstate = state;
  e.message = std::move(text);
  messages->push_back(std::move(e));
}

}  // namespace

std::string AbsoluteConfigPath(const std::string& path, const std::string& calling_file) {
  if (!path.empty() && path[0] == '/') return path;
  if (!calling_file.empty()) {
    const auto slash = calling_file.rfind('/');
    if (slash != std::string::npos) return calling_file.substr(0, slash + 1) + path;
  }
  return path;
}

bool ParseConfigFile(const std::string& path, const std::string& calling_file, bool strict,
                     int depth, ErrLevel elevel, std::vector<ConfigItem>* items,
                     std::vector<ErrorData>* messages) {
  const std::string abs = AbsoluteConfigPath(path, calling_file);
  if (depth > kMaxIncludeDepth) {
    Report(messages, elevel, sqlstate::kProgramLimitExceeded,
           "could not open configuration file \"" + abs + "\": maximum nesting depth exceeded");
    return false;
  }
  std::ifstream in(abs, std::ios::binary);
  if (!in) {
    const int err = errno;
    if (!strict && err == ENOENT) {
      Report(messages, ErrLevel::kDebug, sqlstate::kSuccessfulCompletion,
             "skipping missing configuration file \"" + abs + "\"");
      return true;
    }
    Report(messages, elevel, err == ENOENT ? kUndefinedFile : kIoError,
           "could not open configuration file \"" + abs + "\": " + std::strerror(err));
    return false;
  }
  std::stringstream buf;
  buf << in.rdbuf();
  return ParseConfigText(buf.str(), abs, depth, elevel, items, messages);
}

bool ParseConfigText(std::string_view text, const std::string& filename, int depth,
                     ErrLevel elevel, std::vector<ConfigItem>* items,
                     std::vector<ErrorData>* messages) {
  Lexer lex(text);
  bool ok = true;
  int error_count = 0;
  Tok tok;
  while ((tok = lex.Next()) != Tok::kEof) {
    if (tok == Tok::kEol) continue;
    bool syntax_error = true;
    std::string name, value;
    int line = lex.line();
    do {
      if (tok != Tok::kId && tok != Tok::kQualifiedId) break;
      name = lex.text();
      tok = lex.Next();
      if (tok == Tok::kEquals) tok = lex.Next();
      if (tok != Tok::kId && tok != Tok::kString && tok != Tok::kInteger && tok != Tok::kReal &&
          tok != Tok::kUnquoted)
        break;
      value = tok == Tok::kString ? Deescape(lex.text()) : lex.text();
      tok = lex.Next();
      if (tok != Tok::kEol && tok != Tok::kEof) break;
      syntax_error = false;
    } while (false);

    if (syntax_error) {
      if (tok == Tok::kEol || tok == Tok::kEof) {
        // The end-of-line token has already advanced the line counter.
        const int at = tok == Tok::kEol ? lex.line() - 1 : lex.line();
        Report(messages, elevel, sqlstate::kSyntaxError,
               "syntax error in file \"" + filename + "\" line " + std::to_string(at) +
                   ", near end of line");
      } else {
        Report(messages, elevel, sqlstate::kSyntaxError,
               "syntax error in file \"" + filename + "\" line " + std::to_string(lex.line()) +
                   ", near token \"" + lex.text() + "\"");
      }
      ok = false;
      if (++error_count >= 100 || elevel <= ErrLevel::kDebug) {
        Report(messages, elevel, sqlstate::kSyntaxError,
               "too many syntax errors found, abandoning file \"" + filename + "\"");
        break;
      }
      while (tok != Tok::kEol && tok != Tok::kEof) tok = lex.Next();  // resync
      if (tok == Tok::kEof) break;
      continue;
    }

    if (strcasecmp(name.c_str(), "include_dir") == 0) {
      if (!ParseConfigDirectory(value, filename, depth + 1, elevel, items, messages)) ok = false;
    } else if (strcasecmp(name.c_str(), "include_if_exists") == 0) {
      if (!ParseConfigFile(value, filename, false, depth + 1, elevel, items, messages)) ok = false;
    } else if (strcasecmp(name.c_str(), "include") == 0) {
      if (!ParseConfigFile(value, filename, true, depth + 1, elevel, items, messages)) ok = false;
    } else {
      items->push_back(ConfigItem{name, value, filename, line, false});
    }
    if (tok == Tok::kEof) break;
  }
  return ok;
}

bool ParseConfigDirectory(const std::string& dir, const std::string& calling_file, int depth,
                          ErrLevel elevel, std::vector<ConfigItem>* items,
                          std::vector<ErrorData>* messages) {
  const std::string abs = AbsoluteConfigPath(dir, calling_file);
  DIR* d = opendir(abs.c_str());
  if (!d) {
    const int err = errno;
    Report(messages, elevel, err == ENOENT ? kUndefinedFile : kIoError,
           "could not open configuration directory \"" + abs + "\": " + std::strerror(err));
    return false;
  }
  std::vector<std::string> files;
  bool ok = true;
  while (dirent* e = readdir(d)) {
    const std::string n = e->d_name;
    if (n.empty() || n[0] == '.' || n.size() < 6 || n.compare(n.size() - 5, 5, ".conf") != 0)
      continue;
    const std::string full = abs + "/" + n;
    struct stat st;
    if (stat(full.c_str(), &st) != 0) {
      // Files vanishing mid-scan are skipped, as PostgreSQL does.
      if (errno == ENOENT) continue;
      Report(messages, elevel, kIoError,
             "could not stat file \"" + full + "\": " + std::strerror(errno));
      ok = false;
      continue;
    }
    if (S_ISREG(st.st_mode)) files.push_back(full);
  }
  closedir(d);
  std::sort(files.begin(), files.end());
  for (const auto& f : files)
    if (!ParseConfigFile(f, abs, true, depth, elevel, items, messages)) ok = false;
  return ok;
}

}  // namespace tusk::guc
