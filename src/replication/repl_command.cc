// A small lexer and recursive-descent parser for the replication commands.
#include "replication/repl_command.h"

#include <cctype>

#include "utils/error.h"

namespace tusk::replication {
namespace {

enum class Tok { kEnd, kKeyword, kIdent, kString, kNumber, kLsn, kPunct };

struct Token {
  Tok kind = Tok::kEnd;
  std::string text;  // keyword as written, identifier folded, string unescaped, punctuation char
};

constexpr const char* kCommandKeywords[] = {"IDENTIFY_SYSTEM",         "SHOW",
                                            "TIMELINE_HISTORY",        "CREATE_REPLICATION_SLOT",
                                            "DROP_REPLICATION_SLOT",   "READ_REPLICATION_SLOT",
                                            "BASE_BACKUP",             "START_REPLICATION"};
constexpr const char* kOtherKeywords[] = {
    "TEMPORARY", "PHYSICAL",   "LOGICAL",          "RESERVE_WAL",       "EXPORT_SNAPSHOT",
    "NOEXPORT_SNAPSHOT",       "USE_SNAPSHOT",     "TWO_PHASE",         "WAIT",
    "SLOT",      "TIMELINE",   "LABEL",            "PROGRESS",          "FAST",
    "WAL",       "NOWAIT",     "MAX_RATE",         "TABLESPACE_MAP",    "NOVERIFY_CHECKSUMS",
    "MANIFEST",  "MANIFEST_CHECKSUMS"};

bool IsHex(char c) { return std::isxdigit(static_cast<unsigned char>(c)) != 0; }
bool IdentStart(char c) { return std::isalpha(static_cast<unsigned char>(c)) || c == '_' || (c & 0x80); }
bool IdentCont(char c) { return IdentStart(c) || std::isdigit(static_cast<unsigned char>(c)) || c == '$'; }

[[noreturn]] void SyntaxError() { throw MakeError(sqlstate::kSyntaxError, "syntax error"); }

class Lexer {
 public:
  explicit Lexer(std::string_view s) : s_(s) {}

  Token Next() {
    while (pos_ < s_.size() && std::isspace(static_cast<unsigned char>(s_[pos_]))) ++pos_;
    Token t;
    if (pos_ >= s_.size()) return t;
    const char c = s_[pos_];
    // HEX/HEX wins over a number or identifier starting the same way (longest match).
    if (IsHex(c)) {
      size_t p = pos_;
      while (p < s_.size() && IsHex(s_[p])) ++p;
      if (p < s_.size() && s_[p] == '/' && p + 1 < s_.size() && IsHex(s_[p + 1])) {
        size_t q = p + 1;
        while (q < s_.size() && IsHex(s_[q])) ++q;
        t.kind = Tok::kLsn;
        t.text = std::string(s_.substr(pos_, q - pos_));
        pos_ = q;
        return t;
      }
    }
    if (std::isdigit(static_cast<unsigned char>(c)) ||
        (c == '-' && pos_ + 1 < s_.size() && std::isdigit(static_cast<unsigned char>(s_[pos_ + 1])))) {
      size_t p = pos_ + 1;
      while (p < s_.size() && (std::isdigit(static_cast<unsigned char>(s_[p])) || s_[p] == '.')) ++p;
      t.kind = Tok::kNumber;
      t.text = std::string(s_.substr(pos_, p - pos_));
      pos_ = p;
      return t;
    }
    if (c == '\'' || c == '"') {
      std::string out;
      size_t p = pos_ + 1;
      for (;;) {
        if (p >= s_.size()) SyntaxError();  // unterminated
        if (s_[p] == c) {
          if (p + 1 < s_.size() && s_[p + 1] == c) {
            out += c;
            p += 2;
            continue;
          }
          break;
        }
        out += s_[p++];
      }
      pos_ = p + 1;
      if (c == '"' && out.empty()) SyntaxError();  // zero-length delimited identifier
      t.kind = c == '\'' ? Tok::kString : Tok::kIdent;
      t.text = std::move(out);
      return t;
    }
    if (IdentStart(c)) {
      size_t p = pos_;
      while (p < s_.size() && IdentCont(s_[p])) ++p;
      std::string word(s_.substr(pos_, p - pos_));
      pos_ = p;
      for (const char* k : kCommandKeywords)
        if (word == k) return Token{Tok::kKeyword, word};
      for (const char* k : kOtherKeywords)
        if (word == k) return Token{Tok::kKeyword, word};
      for (char& ch : word) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
      return Token{Tok::kIdent, word};
    }
    if (c == '(' || c == ')' || c == ',' || c == ';' || c == '.') {
      ++pos_;
      return Token{Tok::kPunct, std::string(1, c)};
    }
    SyntaxError();
  }

 private:
  std::string_view s_;
  size_t pos_ = 0;
};

class Parser {
 public:
  explicit Parser(std::string_view text) : lex_(text) {}

  std::optional<Command> Parse() {
    try {
      Advance();
    } catch (const PgError&) {
      return std::nullopt;  // not even a first token: SQL, as far as we are concerned
    }
    if (cur_.kind != Tok::kKeyword || !IsCommandKeyword(cur_.text)) return std::nullopt;
    Command cmd;
    const std::string verb = cur_.text;
    Advance();
    if (verb == "IDENTIFY_SYSTEM") {
      cmd.kind = CommandKind::kIdentifySystem;
    } else if (verb == "SHOW") {
      cmd.kind = CommandKind::kShow;
      cmd.name = VarName();
    } else if (verb == "TIMELINE_HISTORY") {
      cmd.kind = CommandKind::kTimelineHistory;
      cmd.timeline = Timeline();
    } else if (verb == "READ_REPLICATION_SLOT") {
      cmd.kind = CommandKind::kReadSlot;
      cmd.name = VarName();
    } else if (verb == "DROP_REPLICATION_SLOT") {
      cmd.kind = CommandKind::kDropSlot;
      cmd.name = Ident();
      if (Accept("WAIT")) cmd.wait = true;
    } else if (verb == "CREATE_REPLICATION_SLOT") {
      cmd.kind = CommandKind::kCreateSlot;
      cmd.name = Ident();
      if (Accept("TEMPORARY")) cmd.temporary = true;
      if (Accept("LOGICAL")) {
        cmd.logical = true;
        Ident();  // output plugin
      } else if (!Accept("PHYSICAL")) {
        SyntaxError();
      }
      SlotOptions(&cmd);
    } else if (verb == "START_REPLICATION") {
      cmd.kind = CommandKind::kStartReplication;
      if (Accept("SLOT")) {
        cmd.has_slot = true;
        cmd.name = Ident();
      }
      if (Accept("LOGICAL")) {
        cmd.logical = true;
        if (!cmd.has_slot) SyntaxError();
      } else {
        Accept("PHYSICAL");
      }
      if (cur_.kind != Tok::kLsn || !ParseLsn(cur_.text, &cmd.lsn)) SyntaxError();
      Advance();
      if (cmd.logical) {
        if (IsPunct("(")) SkipParenthesised();
      } else if (Accept("TIMELINE")) {
        cmd.timeline = Timeline();
      }
    } else {  // BASE_BACKUP
      cmd.kind = CommandKind::kBaseBackup;
      if (IsPunct("(")) {
        GenericOptions(&cmd.options);
      } else {
        LegacyBackupOptions(&cmd.options);
      }
    }
    if (IsPunct(";")) Advance();
    if (cur_.kind != Tok::kEnd) SyntaxError();
    return cmd;
  }

 private:
  static bool IsCommandKeyword(const std::string& w) {
    for (const char* k : kCommandKeywords)
      if (w == k) return true;
    return false;
  }
  void Advance() { cur_ = lex_.Next(); }
  bool IsPunct(const char* p) const { return cur_.kind == Tok::kPunct && cur_.text == p; }
  bool Accept(const char* keyword) {
    if (cur_.kind != Tok::kKeyword || cur_.text != keyword) return false;
    Advance();
    return true;
  }
  void Expect(const char* punct) {
    if (!IsPunct(punct)) SyntaxError();
    Advance();
  }
  std::string Ident() {
    if (cur_.kind != Tok::kIdent) SyntaxError();
    std::string s = cur_.text;
    Advance();
    return s;
  }
  // IDENT ('.' IDENT)*, as SHOW's and READ_REPLICATION_SLOT's var_name.
  std::string VarName() {
    std::string s = Ident();
    while (IsPunct(".")) {
      Advance();
      s += "." + Ident();
    }
    return s;
  }
  uint32_t Timeline() {
    if (cur_.kind != Tok::kNumber || cur_.text.find_first_not_of("0123456789") != std::string::npos ||
        cur_.text.size() > 10)
      SyntaxError();
    const unsigned long long v = std::stoull(cur_.text);
    if (v > 0xffffffffull) SyntaxError();
    Advance();
    return static_cast<uint32_t>(v);
  }
  // '(' name [value] {, name [value]} ')'; names are identifiers or keywords, folded.
  void GenericOptions(std::vector<GenericOption>* out) {
    Expect("(");
    for (;;) {
      GenericOption o;
      if (cur_.kind == Tok::kIdent) {
        o.name = cur_.text;
      } else if (cur_.kind == Tok::kKeyword) {
        o.name = cur_.text;
        for (char& ch : o.name) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
      } else {
        SyntaxError();
      }
      Advance();
      if (cur_.kind == Tok::kString || cur_.kind == Tok::kNumber || cur_.kind == Tok::kIdent) {
        o.value = cur_.text;
        Advance();
      } else if (cur_.kind == Tok::kKeyword) {
        o.value = cur_.text;
        for (char& ch : *o.value) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
        Advance();
      }
      out->push_back(std::move(o));
      if (IsPunct(",")) {
        Advance();
        continue;
      }
      Expect(")");
      return;
    }
  }
  void SlotOptions(Command* cmd) {
    if (IsPunct("(")) {
      GenericOptions(&cmd->options);
      return;
    }
    for (;;) {
      if (Accept("RESERVE_WAL")) {
        cmd->options.push_back({"reserve_wal", std::nullopt});
      } else if (Accept("EXPORT_SNAPSHOT")) {
        cmd->options.push_back({"snapshot", "export"});
      } else if (Accept("NOEXPORT_SNAPSHOT")) {
        cmd->options.push_back({"snapshot", "nothing"});
      } else if (Accept("USE_SNAPSHOT")) {
        cmd->options.push_back({"snapshot", "use"});
      } else if (Accept("TWO_PHASE")) {
        cmd->options.push_back({"two_phase", std::nullopt});
      } else {
        return;
      }
    }
  }
  std::string StringConst() {
    if (cur_.kind != Tok::kString) SyntaxError();
    std::string s = cur_.text;
    Advance();
    return s;
  }
  void LegacyBackupOptions(std::vector<GenericOption>* out) {
    for (;;) {
      if (Accept("LABEL")) {
        out->push_back({"label", StringConst()});
      } else if (Accept("PROGRESS")) {
        out->push_back({"progress", std::nullopt});
      } else if (Accept("FAST")) {
        out->push_back({"checkpoint", "fast"});
      } else if (Accept("WAL")) {
        out->push_back({"wal", std::nullopt});
      } else if (Accept("NOWAIT")) {
        out->push_back({"wait", "false"});
      } else if (Accept("MAX_RATE")) {
        if (cur_.kind != Tok::kNumber) SyntaxError();
        out->push_back({"max_rate", cur_.text});
        Advance();
      } else if (Accept("TABLESPACE_MAP")) {
        out->push_back({"tablespace_map", std::nullopt});
      } else if (Accept("NOVERIFY_CHECKSUMS")) {
        out->push_back({"verify_checksums", "false"});
      } else if (Accept("MANIFEST")) {
        out->push_back({"manifest", StringConst()});
      } else if (Accept("MANIFEST_CHECKSUMS")) {
        out->push_back({"manifest_checksums", StringConst()});
      } else {
        return;
      }
    }
  }
  void SkipParenthesised() {
    int depth = 0;
    do {
      if (cur_.kind == Tok::kEnd) SyntaxError();
      if (IsPunct("(")) ++depth;
      if (IsPunct(")")) --depth;
      Advance();
    } while (depth > 0);
  }

  Lexer lex_;
  Token cur_;
};

}  // namespace

bool ParseLsn(std::string_view text, wal::Lsn* out) {
  const size_t slash = text.find('/');
  if (slash == std::string_view::npos || slash == 0 || slash + 1 >= text.size() || slash > 8 ||
      text.size() - slash - 1 > 8)
    return false;
  uint64_t hi = 0, lo = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    if (i == slash) continue;
    const char c = text[i];
    if (!IsHex(c)) return false;
    const uint64_t d = static_cast<uint64_t>(std::isdigit(static_cast<unsigned char>(c))
                                                 ? c - '0'
                                                 : std::tolower(static_cast<unsigned char>(c)) - 'a' + 10);
    (i < slash ? hi : lo) = (i < slash ? hi : lo) * 16 + d;
  }
  *out = (hi << 32) | lo;
  return true;
}

std::optional<Command> ParseCommand(std::string_view text) {
  Parser p(text);
  return p.Parse();
}

}  // namespace tusk::replication
