// Regular-expression operators and functions: ~ ~* !~ !~*, substring(s FROM
// pattern), substring(s SIMILAR pattern ESCAPE e) (also spelled substring(s
// FROM pattern FOR e)) and similar_to_escape, which SIMILAR TO uses.
#include "sql/functions/regex.h"
#include "sql/functions/registry.h"
#include "sql/types/type_oids.h"
#include "utils/error.h"

namespace tusk::sql {
namespace {

constexpr uint32_t kText = oid::kText;

// aux bit 0: case-insensitive, bit 1: negated.
void RegexMatchOp(const Step& st, const Datum* const* a, Datum& out, ExecContext&) {
  bool m = Regex::Get(a[1]->s, (st.aux & 1) != 0)->Search(a[0]->s, nullptr);
  out.b = (st.aux & 2) ? !m : m;
}

// substring(text FROM pattern): the first parenthesized group's match (NULL
// when it took no part), else the whole match; NULL without a match.
void RegexSubstring(const Step&, const Datum* const* a, Datum& out, ExecContext&) {
  auto re = Regex::Get(a[1]->s, false);
  std::vector<RegexSpan> spans;
  if (!re->Search(a[0]->s, &spans)) {
    out.null = true;
    return;
  }
  const RegexSpan& s = spans.size() > 1 ? spans[1] : spans[0];
  if (s.so < 0) {
    out.null = true;
    return;
  }
  out.s = a[0]->s.substr(static_cast<size_t>(s.so), static_cast<size_t>(s.eo - s.so));
}

void SimilarSubstringFn(const Step&, const Datum* const* a, Datum& out, ExecContext&) {
  if (!SimilarSubstring(a[0]->s, a[1]->s, true, a[2]->s, &out.s)) out.null = true;
}

// regexp_replace(source, pattern, replacement [, flags]): flags g (every
// match) and i (case-insensitive); \1..\9 and \& in the replacement insert
// the groups and the whole match.
void RegexpReplace(const Step& st, const Datum* const* a, Datum& out, ExecContext&) {
  bool global = false, icase = false;
  if (st.args.size() > 3) ParseRegexFlags(a[3]->s, &global, &icase);
  auto re = Regex::Get(a[1]->s, icase);
  const std::string& src = a[0]->s;
  const std::string& rep = a[2]->s;
  out.s.clear();
  size_t pos = 0;
  while (pos <= src.size()) {
    std::string_view rest(src.data(), src.size());
    // Search from pos: the text before it is context only.
    std::vector<RegexSpan> found;
    if (!re->SearchFrom(rest, pos, &found)) break;
    size_t so = static_cast<size_t>(found[0].so), eo = static_cast<size_t>(found[0].eo);
    out.s.append(src, pos, so - pos);
    for (size_t k = 0; k < rep.size(); ++k) {
      if (rep[k] == '\\' && k + 1 < rep.size()) {
        char n = rep[k + 1];
        if (n >= '1' && n <= '9') {
          size_t g = static_cast<size_t>(n - '0');
          if (g < found.size() && found[g].so >= 0) {
            out.s.append(src, static_cast<size_t>(found[g].so), static_cast<size_t>(found[g].eo - found[g].so));
          }
          ++k;
          continue;
        }
        if (n == '&') {
          out.s.append(src, so, eo - so);
          ++k;
          continue;
        }
        if (n == '\\') {
          out.s += '\\';
          ++k;
          continue;
        }
      }
      out.s += rep[k];
    }
    pos = eo;
    if (eo == so) {
      // An empty match: copy one character and go on after it.
      if (so >= src.size()) break;
      size_t len = 1;
      while (so + len < src.size() && (static_cast<unsigned char>(src[so + len]) & 0xC0) == 0x80) ++len;
      out.s.append(src, so, len);
      pos = so + len;
    }
    if (!global) break;
  }
  if (pos <= src.size()) out.s.append(src, pos, std::string::npos);
}

void SimilarToEscape(const Step& st, const Datum* const* a, Datum& out, ExecContext&) {
  out.s = SimilarToRegex(a[0]->s, true, st.args.size() > 1 ? std::string_view(a[1]->s) : std::string_view("\\"));
}

}  // namespace

void AddRegexBuiltins(std::vector<OperDef>& ops, std::vector<FuncDef>& f) {
  ops.push_back({"~", kText, kText, oid::kBool, RegexMatchOp, 0});
  ops.push_back({"~*", kText, kText, oid::kBool, RegexMatchOp, 1});
  ops.push_back({"!~", kText, kText, oid::kBool, RegexMatchOp, 2});
  ops.push_back({"!~*", kText, kText, oid::kBool, RegexMatchOp, 3});
  f.push_back({"substring", {kText, kText}, kText, RegexSubstring});
  f.push_back({"substring", {kText, kText, kText}, kText, SimilarSubstringFn});
  f.push_back({"regexp_replace", {kText, kText, kText}, kText, RegexpReplace});
  f.push_back({"regexp_replace", {kText, kText, kText, kText}, kText, RegexpReplace});
  f.push_back({"similar_to_escape", {kText}, kText, SimilarToEscape});
  f.push_back({"similar_to_escape", {kText, kText}, kText, SimilarToEscape});
}

}  // namespace tusk::sql
