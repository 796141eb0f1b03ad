// PostgreSQL's regular expressions (ARE flavour) for ~, ~*, substring(s
// FROM pattern) and SIMILAR TO, run by the C library's POSIX engine in the
// C.UTF-8 locale. Patterns are translated to POSIX ERE first:
//  - class escapes (\d \s \w and negations), word anchors (\m \M \y \Y),
//    character-entry escapes (\n \t \x41 \u00e9 ...) and bracket contents
//    follow ARE rules;
//  - (?:...) groups are non-capturing (group numbers are mapped back), and
//    back references \N use ARE numbering;
//  - non-greedy quantifiers (*? +? ?? {m,n}?) make the whole match the
//    shortest one when they decide the RE's greediness (ARE's rule), found
//    by trying ends from the left;
//  - ***= (literal pattern), ***: and leading (?i) / (?c) options.
// Lookahead/lookbehind constraints are refused with 0A000. Errors use
// PostgreSQL's messages ("invalid regular expression: ...", 2201B).
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace tusk::sql {

class CompiledRegex;

// Byte span of a match or group; so = -1 when a group did not participate.
struct RegexSpan {
  long so = -1;
  long eo = -1;
};

class Regex {
 public:
  // Compiled (and cached per thread) form of `pattern`.
  static std::shared_ptr<const Regex> Get(std::string_view pattern, bool icase);
  ~Regex();

  // First match in text: [0] the whole match, then one per capturing group.
  bool Search(std::string_view text, std::vector<RegexSpan>* spans) const { return SearchFrom(text, 0, spans); }
  // The first match starting at byte `from` or later (text before it still
  // decides ^ and word boundaries); spans are offsets into text.
  bool SearchFrom(std::string_view text, size_t from, std::vector<RegexSpan>* spans) const;
  size_t groups() const { return capture_map_.size(); }

 private:
  Regex() = default;
  struct Impl;
  std::unique_ptr<Impl> impl_;
  std::vector<int> capture_map_;  // capturing group i+1 -> POSIX group number
  bool shortest_ = false;
  friend class RegexBuilder;
};

// The flags argument of regexp_replace/regexp_matches/regexp_split_*: g
// (every match) and i; c is the default. Anything else is PostgreSQL's
// 22023 "invalid regular expression option".
void ParseRegexFlags(std::string_view flags, bool* global, bool* icase);

// SQL regular expression (SIMILAR TO) to an ARE, as PostgreSQL's
// similar_to_escape does: anchored, % -> .*, _ -> ., non-capturing groups.
// has_escape false means no escape character (ESCAPE ''). When the
// pattern has two escape-double-quote separators, `parts` (if given)
// receives the three ARE fragments (prefix, wanted part, suffix).
std::string SimilarToRegex(std::string_view pattern, bool has_escape, std::string_view escape,
                           std::vector<std::string>* parts = nullptr);

// substring(text SIMILAR pattern ESCAPE esc): the part between the escaped
// double quotes (or the whole match); false when it does not match.
bool SimilarSubstring(std::string_view text, std::string_view pattern, bool has_escape, std::string_view escape,
                      std::string* out);

}  // namespace tusk::sql
