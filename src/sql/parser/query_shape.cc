#include "sql/parser/query_shape.h"

#include <cerrno>
#include <cstdlib>

#include "sql/parser/lexer.h"
#include "sql/parser/parser_impl.h"
#include "sql/types/type_oids.h"

namespace tusk::sql {

namespace {

constexpr size_t kMaxQueryBytes = 8192;  // longer texts are rarely repeated shapes
constexpr size_t kMaxParams = 64;

bool IsPunct(const Token& t, char c) { return t.kind == TokKind::kPunct && t.text.size() == 1 && t.text[0] == c; }
bool IsWord(const Token& t, std::string_view w) { return t.kind == TokKind::kIdent && t.text == w; }

// Keywords after which an expression starts, so a constant there is a value.
bool StartsExpression(const Token& t, bool string) {
  if (t.kind != TokKind::kIdent) return false;
  static constexpr std::string_view kBoth[] = {"and", "or", "then", "else", "when", "between", "where", "having"};
  for (auto w : kBoth) {
    if (t.text == w) return true;
  }
  if (string) return t.text == "like" || t.text == "ilike";
  // A select-list number types the column int4/int8/numeric either way;
  // a select-list string would lose its unknown-to-text resolution.
  return t.text == "select" || t.text == "limit" || t.text == "offset";
}

// The token before a constant makes it a value that a parameter can replace.
bool ValueContext(const Token& prev, bool string, bool ordinal_risk) {
  if (prev.kind == TokKind::kOp) return true;
  if (IsPunct(prev, '(') || IsPunct(prev, ',')) return string || !ordinal_risk;
  if (IsPunct(prev, '[')) return true;
  return StartsExpression(prev, string);
}

// Whether a '-' or '+' after this token is binary: the token ends an operand
// (a column, a constant, a closing bracket). Otherwise the sign is unary and
// PostgreSQL folds it into the constant; some tokens leave it open.
enum class SignRole { kBinary, kUnary, kUnclear };
SignRole SignAfter(const Token& before) {
  switch (before.kind) {
    case TokKind::kOp: return SignRole::kUnary;
    case TokKind::kPunct:
      if (IsPunct(before, '(') || IsPunct(before, ',') || IsPunct(before, '[')) return SignRole::kUnary;
      return IsPunct(before, ')') || IsPunct(before, ']') ? SignRole::kBinary : SignRole::kUnclear;
    case TokKind::kIdent:
      if (IsReservedKeyword(before.text)) return SignRole::kUnary;
      // Unreserved keywords that take an expression after them.
      return before.text == "between" || before.text == "escape" ? SignRole::kUnclear : SignRole::kBinary;
    case TokKind::kQuotedIdent:
    case TokKind::kInteger:
    case TokKind::kNumeric:
    case TokKind::kString: return SignRole::kBinary;
    default: return SignRole::kUnclear;
  }
}

// PostgreSQL's make_const: an integer that fits int4 is int4, else int8,
// else numeric; anything with a point or exponent is numeric.
uint32_t NumericConstType(const std::string& text, TokKind kind) {
  if (kind == TokKind::kNumeric) return oid::kNumeric;
  errno = 0;
  char* end = nullptr;
  long long v = std::strtoll(text.c_str(), &end, 10);
  if (errno != 0 || *end != '\0') return oid::kNumeric;
  return v == static_cast<int32_t>(v) ? oid::kInt4 : oid::kInt8;
}

}  // namespace

std::string QueryShape::Key() const {
  std::string key = text;
  key.push_back('\0');
  for (uint32_t t : types) key += std::to_string(t) + ",";
  return key;
}

bool ShapeOf(std::string_view query, QueryShape* shape) {
  if (query.size() > kMaxQueryBytes) return false;
  std::vector<Token> toks = Tokenize(query);
  const Token& first = toks.front();
  if (!(IsWord(first, "select") || IsWord(first, "insert") || IsWord(first, "update") || IsWord(first, "delete")))
    return false;
  bool ordinal_risk = false;
  for (size_t i = 0; i + 1 < toks.size(); ++i) {
    const Token& t = toks[i];
    if (t.kind == TokKind::kParam || t.kind == TokKind::kError) return false;
    if (IsPunct(t, ';') && toks[i + 1].kind != TokKind::kEnd) return false;  // several statements
    if (IsWord(t, "by") || IsWord(t, "distinct")) ordinal_risk = true;
  }
  shape->text.clear();
  shape->values.clear();
  shape->types.clear();
  size_t copied = 0;  // bytes of query already in shape->text
  for (size_t i = 1; i + 1 < toks.size(); ++i) {
    const Token& t = toks[i];
    const Token& prev = toks[i - 1];
    int start = t.offset;
    std::string value;
    uint32_t type;
    if (t.kind == TokKind::kInteger || t.kind == TokKind::kNumeric) {
      const bool sign = prev.kind == TokKind::kOp && (prev.text == "-" || prev.text == "+");
      const SignRole role = sign ? SignAfter(toks[i - 2]) : SignRole::kBinary;
      if (role == SignRole::kUnclear) continue;  // folding or not would change the constant's type
      if (sign && role == SignRole::kUnary) {
        if (!ValueContext(toks[i - 2], false, ordinal_risk)) continue;
        start = prev.offset;
        if (prev.text == "-") value = "-";
      } else if (!ValueContext(prev, false, ordinal_risk)) {
        continue;
      }
      value += t.text;
      type = NumericConstType(value, t.kind);
    } else if (t.kind == TokKind::kString) {
      if (query[t.offset] != '\'' || !ValueContext(prev, true, ordinal_risk)) continue;
      value = t.text;
      type = 0;
    } else {
      continue;
    }
    if (shape->values.size() == kMaxParams) return false;
    shape->text.append(query.substr(copied, start - copied));
    shape->values.push_back(std::move(value));
    shape->types.push_back(type);
    shape->text += "$" + std::to_string(shape->values.size());
    copied = t.end;
  }
  if (shape->values.empty()) return false;
  shape->text.append(query.substr(copied));
  return true;
}

}  // namespace tusk::sql
