// ARE-to-POSIX translation and matching; see regex.h for what is covered.
#include "sql/functions/regex.h"

#include <regex.h>

#include <cstring>
#include <list>
#include <utility>

#include "sql/functions/text_locale.h"
#include "utils/error.h"
#include "utils/utf8.h"

namespace tusk::sql {
namespace {

constexpr char kInvalidRegex[] = "2201B";
constexpr int kMaxRepeat = 255;  // PostgreSQL's DUPMAX

[[noreturn]] void BadRegex(const std::string& why) {
  throw PgError(kInvalidRegex, "invalid regular expression: " + why);
}

// Runs the C library's regex functions in the C.UTF-8 locale.
class LocaleScope {
 public:
  LocaleScope() {
    if (locale_t loc = CtypeLocale()) old_ = uselocale(loc);
  }
  ~LocaleScope() {
    if (old_) uselocale(old_);
  }
  LocaleScope(const LocaleScope&) = delete;
  LocaleScope& operator=(const LocaleScope&) = delete;

 private:
  locale_t old_ = static_cast<locale_t>(0);
};

size_t Utf8Len(unsigned char c) { return c < 0x80 ? 1 : (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3 : (c & 0xF8) == 0xF0 ? 4 : 1; }

bool IsHex(char c) { return std::isxdigit(static_cast<unsigned char>(c)) != 0; }

}  // namespace

struct Regex::Impl {
  regex_t re;
  size_t ngroups = 0;  // POSIX groups, capturing or not
  ~Impl() { regfree(&re); }
};

Regex::~Regex() = default;

// Recursive-descent translation of one ARE into a POSIX ERE.
class RegexBuilder {
 public:
  explicit RegexBuilder(std::string_view p) : p_(p) {}

  // Translates; returns the ERE. Sets icase when (?i) asks for it.
  std::string Translate(bool* icase, bool* shortest) {
    if (p_.substr(0, 4) == "***=") {
      for (size_t k = 4; k < p_.size();) EmitLiteralChar(&k);
      *shortest = false;
      return out_;
    }
    if (p_.substr(0, 4) == "***:") i_ = 4;
    if (p_.substr(i_, 2) == "(?") {
      size_t k = i_ + 2;
      while (k < p_.size() && std::isalpha(static_cast<unsigned char>(p_[k]))) ++k;
      if (k < p_.size() && p_[k] == ')') {
        for (size_t f = i_ + 2; f < k; ++f) {
          char c = p_[f];
          if (c == 'i') {
            *icase = true;
          } else if (c == 'c') {
            *icase = false;
          } else {
            throw PgError(sqlstate::kFeatureNotSupported,
                          std::string("regular expression option \"") + c + "\" is not supported");
          }
        }
        i_ = k + 1;
      }
    }
    Greed g = ParseRE(0);
    if (i_ < p_.size()) BadRegex("parentheses () not balanced");  // a stray ')'
    *shortest = g == kLazy;
    return out_;
  }

  std::vector<int> capture_map;  // ARE capturing group -> POSIX group
  size_t ngroups = 0;

 private:
  enum Greed { kNone, kGreedy, kLazy };

  Greed ParseRE(int depth) {
    Greed first = ParseBranch();
    int branches = 1;
    while (i_ < p_.size() && p_[i_] == '|') {
      out_ += '|';
      ++i_;
      ParseBranch();
      ++branches;
    }
    if (depth == 0 && i_ < p_.size() && p_[i_] == ')') BadRegex("parentheses () not balanced");
    return branches > 1 ? kGreedy : first;
  }

  Greed ParseBranch() {
    Greed attr = kNone;
    while (i_ < p_.size() && p_[i_] != '|' && p_[i_] != ')') {
      Greed atom = kNone;
      bool quantifiable = ParseAtom(&atom);
      Greed q = atom;
      if (i_ < p_.size() && IsQuantifierStart()) {
        if (!quantifiable) BadRegex("quantifier operand invalid");
        q = ParseQuantifier(atom);
        if (i_ < p_.size() && IsQuantifierStart()) BadRegex("quantifier operand invalid");
      }
      if (attr == kNone) attr = q;
    }
    return attr;
  }

  // True when p_[i_] starts a quantifier: * + ? or a valid {m[,[n]]}.
  bool IsQuantifierStart() const {
    char c = p_[i_];
    if (c == '*' || c == '+' || c == '?') return true;
    return c == '{' && i_ + 1 < p_.size() && std::isdigit(static_cast<unsigned char>(p_[i_ + 1]));
  }

  Greed ParseQuantifier(Greed atom) {
    char c = p_[i_];
    bool fixed = false;
    if (c == '{') {
      size_t k = i_ + 1;
      auto number = [&]() {
        long v = 0;
        size_t start = k;
        while (k < p_.size() && std::isdigit(static_cast<unsigned char>(p_[k]))) {
          v = v * 10 + (p_[k] - '0');
          if (v > 100000) v = 100000;
          ++k;
        }
        return k == start ? -1L : v;
      };
      long lo = number(), hi = lo;
      bool comma = false;
      if (k < p_.size() && p_[k] == ',') {
        comma = true;
        ++k;
        hi = number();
      }
      if (k >= p_.size() || p_[k] != '}') BadRegex("invalid repetition count(s)");
      if (lo > kMaxRepeat || hi > kMaxRepeat || (hi >= 0 && hi < lo)) BadRegex("invalid repetition count(s)");
      fixed = !comma;
      out_ += '{' + std::to_string(lo);
      if (comma) out_ += ',' + (hi >= 0 ? std::to_string(hi) : std::string());
      out_ += '}';
      i_ = k + 1;
    } else {
      out_ += c;
      ++i_;
    }
    bool lazy = i_ < p_.size() && p_[i_] == '?';
    if (lazy) ++i_;
    if (fixed) return atom;  // {m} and {m}? keep the atom's own greediness
    return lazy ? kLazy : kGreedy;
  }

  // One atom (or constraint); false when it cannot take a quantifier.
  bool ParseAtom(Greed* g) {
    char c = p_[i_];
    switch (c) {
      case '(': {
        bool capturing = true;
        if (p_.substr(i_, 3) == "(?:") {
          capturing = false;
          i_ += 3;
        } else if (p_.substr(i_, 2) == "(?") {
          throw PgError(sqlstate::kFeatureNotSupported,
                        "lookahead and lookbehind constraints in regular expressions are not supported");
        } else {
          ++i_;
        }
        ++ngroups;
        if (capturing) capture_map.push_back(static_cast<int>(ngroups));
        out_ += '(';
        *g = ParseRE(1);
        if (i_ >= p_.size() || p_[i_] != ')') BadRegex("parentheses () not balanced");
        ++i_;
        out_ += ')';
        if (capturing) closed_.push_back(static_cast<int>(capture_map.size()));
        return true;
      }
      case '[':
        ParseBracket();
        return true;
      case '.':
        out_ += '.';
        ++i_;
        return true;
      case '^':
      case '$':
        out_ += c;
        ++i_;
        return false;
      case '\\':
        return ParseEscape();
      case '*':
      case '+':
      case '?':
        BadRegex("quantifier operand invalid");
      case '{':
        if (IsQuantifierStart()) BadRegex("quantifier operand invalid");
        out_ += "\\{";
        ++i_;
        return true;
      default:
        EmitLiteralChar(&i_);
        return true;
    }
  }

  // Reads a character-entry escape at p_[i_] ('\' already seen at i_ - 1)
  // into *cp; false if it is not one.
  bool CharEntry(uint32_t* cp) {
    char e = p_[i_];
    auto hex = [&](size_t max_digits) {
      uint32_t v = 0;
      size_t k = i_ + 1, n = 0;
      while (k < p_.size() && n < max_digits && IsHex(p_[k])) {
        v = v * 16 + static_cast<uint32_t>(std::isdigit(static_cast<unsigned char>(p_[k])) ? p_[k] - '0'
                                                                                          : (p_[k] | 32) - 'a' + 10);
        ++k;
        ++n;
      }
      if (n == 0) BadRegex("invalid escape \\ sequence");
      i_ = k;
      return v;
    };
    switch (e) {
      case 'a': *cp = 0x07; break;
      case 'b': *cp = 0x08; break;
      case 'B': *cp = '\\'; break;
      case 'e': *cp = 0x1B; break;
      case 'f': *cp = 0x0C; break;
      case 'n': *cp = 0x0A; break;
      case 'r': *cp = 0x0D; break;
      case 't': *cp = 0x09; break;
      case 'v': *cp = 0x0B; break;
      case 'c':
        if (i_ + 1 >= p_.size()) BadRegex("invalid escape \\ sequence");
        *cp = static_cast<unsigned char>(p_[i_ + 1]) & 0x1F;
        i_ += 2;
        return true;
      case 'u': *cp = hex(4); return true;
      case 'U': *cp = hex(8); return true;
      case 'x': *cp = hex(8); return true;
      default: return false;
    }
    ++i_;
    return true;
  }

  bool ParseEscape() {
    ++i_;  // the backslash
    if (i_ >= p_.size()) BadRegex("invalid escape \\ sequence");
    char e = p_[i_];
    static const struct {
      char esc;
      const char* ere;
      bool quantifiable;
    } kClassEscapes[] = {{'d', "[[:digit:]]", true},  {'D', "[^[:digit:]]", true},  {'s', "[[:space:]]", true},
                         {'S', "[^[:space:]]", true},  {'w', "[[:alnum:]_]", true}, {'W', "[^[:alnum:]_]", true},
                         {'m', "\\<", false},          {'M', "\\>", false},         {'y', "\\b", false},
                         {'Y', "\\B", false},          {'A', "^", false},           {'Z', "$", false}};
    for (const auto& ce : kClassEscapes) {
      if (e == ce.esc) {
        out_ += ce.ere;
        ++i_;
        return ce.quantifiable;
      }
    }
    if (e >= '1' && e <= '9') {
      size_t k = i_;
      int n = 0;
      while (k < p_.size() && std::isdigit(static_cast<unsigned char>(p_[k])) && n < 1000) n = n * 10 + (p_[k++] - '0');
      bool known = false;
      for (int c : closed_) known |= c == n;
      if (!known) BadRegex("invalid backreference number");
      int posix = capture_map[static_cast<size_t>(n - 1)];
      if (posix > 9) {
        throw PgError(sqlstate::kFeatureNotSupported, "back references beyond the ninth group are not supported");
      }
      out_ += '\\';
      out_ += static_cast<char>('0' + posix);
      i_ = k;
      return true;
    }
    uint32_t cp;
    if (CharEntry(&cp)) {
      EmitLiteral(cp);
      return true;
    }
    if (std::isalnum(static_cast<unsigned char>(e))) BadRegex("invalid escape \\ sequence");
    EmitLiteralChar(&i_);
    return true;
  }

  // One element of a bracket expression as a code point (plain or escaped);
  // false when it was a class escape already appended to items.
  bool BracketChar(uint32_t* cp, std::string* items) {
    if (p_[i_] == '\\') {
      ++i_;
      if (i_ >= p_.size()) BadRegex("brackets [] not balanced");
      char e = p_[i_];
      if (e == 'd' || e == 's' || e == 'w') {
        *items += e == 'd' ? "[:digit:]" : e == 's' ? "[:space:]" : "[:alnum:]_";
        ++i_;
        return false;
      }
      if (CharEntry(cp)) return true;
      if (std::isalnum(static_cast<unsigned char>(e))) BadRegex("invalid escape \\ sequence");
    }
    size_t len = Utf8Len(static_cast<unsigned char>(p_[i_]));
    std::vector<uint32_t> one = DecodeUtf8(p_.substr(i_, len));
    *cp = one.empty() ? static_cast<unsigned char>(p_[i_]) : one[0];
    i_ += len;
    return true;
  }

  static std::string RangeEnd(uint32_t cp) {
    if (cp == ']' || cp == '-' || cp == '^' || cp == '[') return std::string("[.") + static_cast<char>(cp) + ".]";
    std::string s;
    AppendUtf8(s, cp);
    return s;
  }

  void ParseBracket() {
    ++i_;
    bool neg = false;
    if (i_ < p_.size() && p_[i_] == '^') {
      neg = true;
      ++i_;
    }
    bool rbracket = false, dash = false, caret = false, first = true;
    std::string items;
    for (;;) {
      if (i_ >= p_.size()) BadRegex("brackets [] not balanced");
      char c = p_[i_];
      if (c == ']' && !first) {
        ++i_;
        break;
      }
      first = false;
      if (c == '[' && i_ + 1 < p_.size() && (p_[i_ + 1] == ':' || p_[i_ + 1] == '.' || p_[i_ + 1] == '=')) {
        char kind = p_[i_ + 1];
        size_t close = p_.find(std::string(1, kind) + "]", i_ + 2);
        if (close == std::string_view::npos) BadRegex("brackets [] not balanced");
        std::string name(p_.substr(i_ + 2, close - i_ - 2));
        if (kind == ':') {
          static const char* kClasses[] = {"alnum", "alpha", "blank", "cntrl", "digit", "graph",
                                           "lower", "print", "punct", "space", "upper", "xdigit"};
          bool ok = false;
          for (const char* k : kClasses) ok |= name == k;
          if (!ok) BadRegex("invalid character class");
        }
        items += std::string("[") + kind + name + kind + "]";
        i_ = close + 2;
        continue;
      }
      uint32_t lo;
      if (!BracketChar(&lo, &items)) continue;
      if (i_ + 1 < p_.size() && p_[i_] == '-' && p_[i_ + 1] != ']') {
        ++i_;
        uint32_t hi;
        if (!BracketChar(&hi, &items)) BadRegex("invalid character range");
        if (hi < lo) BadRegex("invalid character range");
        items += RangeEnd(lo) + "-" + RangeEnd(hi);
        continue;
      }
      if (lo == ']') {
        rbracket = true;
      } else if (lo == '-') {
        dash = true;
      } else if (lo == '^') {
        caret = true;
      } else if (lo == '[') {
        items += "[.[.]";
      } else {
        AppendUtf8(items, lo);
      }
    }
    if (!neg && !rbracket && items.empty() && caret) {
      // A set of only ^ (and -): ^ must not come first.
      out_ += dash ? "[-^]" : "\\^";
      return;
    }
    out_ += '[';
    if (neg) out_ += '^';
    if (rbracket) out_ += ']';
    out_ += items;
    if (caret) out_ += '^';
    if (dash) out_ += '-';
    out_ += ']';
  }

  void EmitLiteral(uint32_t cp) {
    if (cp < 0x80 && std::strchr(".[]()*+?{}|^$\\", static_cast<char>(cp)) && cp != 0) {
      out_ += '\\';
      out_ += static_cast<char>(cp);
      return;
    }
    AppendUtf8(out_, cp);
  }

  // Copies the (possibly multibyte) character at p_[*k] as a literal.
  void EmitLiteralChar(size_t* k) {
    unsigned char c = static_cast<unsigned char>(p_[*k]);
    if (c < 0x80) {
      EmitLiteral(c);
      ++*k;
      return;
    }
    size_t len = std::min(Utf8Len(c), p_.size() - *k);
    out_.append(p_.substr(*k, len));
    *k += len;
  }

  std::string_view p_;
  size_t i_ = 0;
  std::string out_;
  std::vector<int> closed_;  // capturing groups closed so far (ARE numbers)
};

std::shared_ptr<const Regex> Regex::Get(std::string_view pattern, bool icase) {
  // A small per-thread cache, most recently used first, like PostgreSQL's.
  thread_local std::list<std::pair<std::string, std::shared_ptr<const Regex>>> cache;
  std::string key = std::string(icase ? "i" : "c") + std::string(pattern);
  for (auto it = cache.begin(); it != cache.end(); ++it) {
    if (it->first == key) {
      cache.splice(cache.begin(), cache, it);
      return cache.front().second;
    }
  }
  RegexBuilder b(pattern);
  bool shortest = false;
  std::string ere = b.Translate(&icase, &shortest);
  std::shared_ptr<Regex> r(new Regex());
  r->impl_ = std::make_unique<Impl>();
  r->capture_map_ = b.capture_map;
  r->shortest_ = shortest;
  r->impl_->ngroups = b.ngroups;
  {
    LocaleScope scope;
    int rc = regcomp(&r->impl_->re, ere.c_str(), REG_EXTENDED | (icase ? REG_ICASE : 0));
    if (rc != 0) {
      r->impl_.reset();  // nothing to free
      switch (rc) {
        case REG_EPAREN: BadRegex("parentheses () not balanced");
        case REG_EBRACK: BadRegex("brackets [] not balanced");
        case REG_EBRACE:
        case REG_BADBR: BadRegex("invalid repetition count(s)");
        case REG_BADRPT: BadRegex("quantifier operand invalid");
        case REG_ECTYPE: BadRegex("invalid character class");
        case REG_ERANGE: BadRegex("invalid character range");
        case REG_ESUBREG: BadRegex("invalid backreference number");
        case REG_EESCAPE: BadRegex("invalid escape \\ sequence");
        case REG_ECOLLATE: BadRegex("invalid collating element");
        case REG_ESPACE: BadRegex("out of memory");
        default: BadRegex("invalid argument to regex function");
      }
    }
  }
  cache.emplace_front(std::move(key), r);
  if (cache.size() > 32) cache.pop_back();
  return r;
}

bool Regex::SearchFrom(std::string_view text, size_t from, std::vector<RegexSpan>* spans) const {
  LocaleScope scope;
  size_t n = impl_->ngroups + 1;
  std::vector<regmatch_t> m(n);
  m[0].rm_so = static_cast<regoff_t>(from);
  m[0].rm_eo = static_cast<regoff_t>(text.size());
  if (regexec(&impl_->re, text.data(), n, m.data(), REG_STARTEND) != 0) return false;
  if (shortest_) {
    // The RE prefers the shortest match: same start, first end that works.
    regoff_t s = m[0].rm_so;
    for (regoff_t e = s; e <= m[0].rm_eo;) {
      std::vector<regmatch_t> t(n);
      t[0].rm_so = s;
      t[0].rm_eo = e;
      int flags = REG_STARTEND | (static_cast<size_t>(e) < text.size() ? REG_NOTEOL : 0);
      if (regexec(&impl_->re, text.data(), n, t.data(), flags) == 0 && t[0].rm_so == s && t[0].rm_eo == e) {
        m = std::move(t);
        break;
      }
      if (static_cast<size_t>(e) >= text.size()) break;
      e += static_cast<regoff_t>(Utf8Len(static_cast<unsigned char>(text[static_cast<size_t>(e)])));
    }
  }
  if (spans) {
    spans->assign(1 + capture_map_.size(), RegexSpan{});
    (*spans)[0] = {m[0].rm_so, m[0].rm_eo};
    for (size_t g = 0; g < capture_map_.size(); ++g) {
      const regmatch_t& x = m[static_cast<size_t>(capture_map_[g])];
      if (x.rm_so >= 0) (*spans)[g + 1] = {x.rm_so, x.rm_eo};
    }
  }
  return true;
}

std::string SimilarToRegex(std::string_view pattern, bool has_escape, std::string_view escape,
                           std::vector<std::string>* parts) {
  std::vector<uint32_t> esc = DecodeUtf8(escape);
  if (has_escape && esc.size() > 1) {
    throw PgError("22025", "invalid escape string").Hint("Escape string must be empty or one character.");
  }
  has_escape = has_escape && !esc.empty();
  std::vector<uint32_t> p = DecodeUtf8(pattern);
  std::string r = "^(?:";
  std::vector<std::string> pieces(1);
  int nquotes = 0, class_depth = 0, class_start = 0;
  bool after_escape = false;
  auto put = [&](const std::string& s) {
    r += s;
    pieces.back() += s;
  };
  for (uint32_t c : p) {
    std::string ch;
    AppendUtf8(ch, c);
    if (after_escape) {
      after_escape = false;
      if (c == '"' && class_depth < 1) {
        if (nquotes >= 2) {
          throw PgError("2200C", "SQL regular expression may not contain more than two escape-double-quote separators");
        }
        r += nquotes == 0 ? "){1,1}?(" : "){1,1}(?:";
        pieces.emplace_back();
        ++nquotes;
      } else {
        put("\\" + ch);  // any character may be escaped, even \d
      }
    } else if (has_escape && c == esc[0]) {
      after_escape = true;
    } else if (class_depth > 0) {
      put(c == '\\' ? "\\\\" : ch);
      // A ] right after [ or [^ is a literal, not the end of the class.
      if (c == ']' && class_start > 2) {
        --class_depth;
      } else if (c == '[') {
        ++class_depth;
      }
      class_start = c == '^' ? class_start + 1 : 3;
    } else if (c == '[') {
      put("[");
      ++class_depth;
      class_start = 1;
    } else if (c == '%') {
      put(".*");
    } else if (c == '_') {
      put(".");
    } else if (c == '(') {
      put("(?:");
    } else if (c == '\\' || c == '.' || c == '^' || c == '$') {
      put("\\" + ch);
    } else {
      put(ch);
    }
  }
  r += ")$";
  if (parts) {
    parts->clear();
    if (nquotes > 0) {
      pieces.resize(3);
      *parts = std::move(pieces);
    }
  }
  return r;
}

bool SimilarSubstring(std::string_view text, std::string_view pattern, bool has_escape, std::string_view escape,
                      std::string* out) {
  std::vector<std::string> parts;
  std::string whole = SimilarToRegex(pattern, has_escape, escape, &parts);
  if (parts.empty()) {
    if (!Regex::Get(whole, false)->Search(text, nullptr)) return false;
    *out = std::string(text);
    return true;
  }
  // ^(?:p1){1,1}?(p2){1,1}(?:p3)$: the first part as short as possible, then
  // the wanted part as long as possible.
  auto head = Regex::Get("^(?:" + parts[0] + ")$", false);
  auto tail = Regex::Get("^(" + parts[1] + ")(?:" + parts[2] + ")$", false);
  for (size_t k = 0; k <= text.size();) {
    std::vector<RegexSpan> spans;
    if (head->Search(text.substr(0, k), nullptr) && tail->Search(text.substr(k), &spans)) {
      *out = std::string(text.substr(k + static_cast<size_t>(spans[1].so),
                                     static_cast<size_t>(spans[1].eo - spans[1].so)));
      return true;
    }
    if (k == text.size()) break;
    k += Utf8Len(static_cast<unsigned char>(text[k]));
  }
  return false;
}

void ParseRegexFlags(std::string_view flags, bool* global, bool* icase) {
  for (char c : flags) {
    if (c == 'g') {
      *global = true;
    } else if (c == 'i') {
      *icase = true;
    } else if (c != 'c') {
      throw PgError(sqlstate::kInvalidParameterValue, std::string("invalid regular expression option: \"") + c + "\"");
    }
  }
}

}  // namespace tusk::sql
