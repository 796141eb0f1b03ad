// OID alias type I/O and format_type (see regtypes.h).
#include "sql/types/regtypes.h"

#include <algorithm>
#include <cctype>

#include "sql/functions/registry.h"
#include "sql/session_context.h"
#include "sql/types/type_io.h"
#include "sql/types/type_oids.h"
#include "utils/error.h"

namespace tusk::sql {
namespace {

bool IsBlank(char c) { return std::isspace(static_cast<unsigned char>(c)) != 0; }

[[noreturn]] void InvalidNameSyntax() { throw PgError("42602", "invalid name syntax"); }

bool AllDigits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

std::string JoinNames(const std::vector<std::string>& names) {
  std::string s;
  for (size_t i = 0; i < names.size(); ++i) s += (i ? "." : "") + names[i];
  return s;
}

uint32_t RegclassIn(std::string_view text, SessionContext* session, bool missing_ok) {
  std::vector<std::string> names = SplitQualifiedName(text);
  std::string schema, rel;
  if (names.size() == 1) {
    rel = names[0];
  } else if (names.size() == 2) {
    schema = names[0];
    rel = names[1];
  } else if (names.size() == 3) {
    std::string db = session ? session->CurrentDatabase() : std::string();
    if (names[0] != db) {
      throw PgError(sqlstate::kFeatureNotSupported,
                    "cross-database references are not implemented: \"" + JoinNames(names) + "\"");
    }
    schema = names[1];
    rel = names[2];
  } else {
    throw PgError(sqlstate::kSyntaxError, "improper relation name (too many dotted names): " + JoinNames(names));
  }
  uint32_t relid = 0;
  if (session) {
    if (!schema.empty() && schema != "pg_temp" && session->NamespaceOid(schema) == 0) {
      if (missing_ok) return 0;
      throw PgError("3F000", "schema \"" + schema + "\" does not exist");
    }
    relid = session->ResolveRelationOid(schema, rel);
  }
  if (relid == 0 && !missing_ok) {
    throw PgError("42P01", "relation \"" + (schema.empty() ? rel : schema + "." + rel) + "\" does not exist");
  }
  return relid;
}

// regtype input: a type name as the builtin table knows it (typname, SQL
// spelling or a common alias), optionally pg_catalog-qualified.
uint32_t RegtypeIn(std::string_view text, bool missing_ok) {
  size_t b = 0, e = text.size();
  while (b < e && IsBlank(text[b])) ++b;
  while (e > b && IsBlank(text[e - 1])) --e;
  std::string_view t = text.substr(b, e - b);
  std::string name;
  bool space = false;
  bool quoted = !t.empty() && t.front() == '"';
  if (quoted) {
    // A quoted identifier is the typname itself, case kept.
    auto names = SplitQualifiedName(t);
    if (names.size() != 1) InvalidNameSyntax();
    name = names[0];
    const TypeInfo* ti = LookupTypeByName(name);
    if (ti) return ti->oid;
  } else {
    for (char c : t) {
      if (IsBlank(c)) {
        space = true;
        continue;
      }
      if (space && !name.empty()) name.push_back(' ');
      space = false;
      name.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
    }
    if (name.size() > 11 && name.compare(0, 11, "pg_catalog.") == 0) name.erase(0, 11);
    if (uint32_t type = TypeOidFromName(name)) return type;
  }
  if (missing_ok) return 0;
  throw PgError(sqlstate::kUndefinedObject, "type \"" + std::string(t) + "\" does not exist");
}

uint32_t SingleNameIn(uint32_t type, std::string_view text, SessionContext* session, bool missing_ok) {
  std::vector<std::string> names = SplitQualifiedName(text);
  if (names.size() != 1) InvalidNameSyntax();
  uint32_t v = 0;
  if (session) v = type == oid::kRegnamespace ? session->NamespaceOid(names[0]) : session->RoleOid(names[0]);
  if (v == 0 && !missing_ok) {
    if (type == oid::kRegnamespace) throw PgError("3F000", "schema \"" + names[0] + "\" does not exist");
    throw PgError(sqlstate::kUndefinedObject, "role \"" + names[0] + "\" does not exist");
  }
  return v;
}

}  // namespace

std::vector<std::string> SplitQualifiedName(std::string_view text) {
  std::vector<std::string> out;
  size_t i = 0, n = text.size();
  while (i < n && IsBlank(text[i])) ++i;
  if (i == n) InvalidNameSyntax();  // an empty string names nothing
  for (;;) {
    std::string name;
    if (i < n && text[i] == '"') {
      ++i;
      for (;;) {
        if (i >= n) InvalidNameSyntax();  // unterminated quote
        if (text[i] == '"') {
          if (i + 1 < n && text[i + 1] == '"') {
            name.push_back('"');
            i += 2;
            continue;
          }
          ++i;
          break;
        }
        name.push_back(text[i++]);
      }
      if (name.empty()) InvalidNameSyntax();  // "" is not a name
    } else {
      size_t start = i;
      while (i < n && text[i] != '.' && !IsBlank(text[i])) ++i;
      if (i == start) InvalidNameSyntax();
      for (size_t k = start; k < i; ++k) {
        char c = text[k];
        name.push_back(c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c);
      }
    }
    if (name.size() > 63) name.resize(63);
    out.push_back(std::move(name));
    while (i < n && IsBlank(text[i])) ++i;
    if (i == n) break;
    if (text[i] != '.') InvalidNameSyntax();
    ++i;
    while (i < n && IsBlank(text[i])) ++i;
  }
  return out;
}

uint32_t RegIn(uint32_t type, std::string_view text, SessionContext* session, bool missing_ok) {
  if (text == "-") return 0;
  if (AllDigits(text)) return static_cast<uint32_t>(ParseInteger(text, oid::kOid));
  switch (type) {
    case oid::kRegclass: return RegclassIn(text, session, missing_ok);
    case oid::kRegtype: return RegtypeIn(text, missing_ok);
    case oid::kRegnamespace:
    case oid::kRegrole: return SingleNameIn(type, text, session, missing_ok);
    default: {
      // regproc/regprocedure: builtins have no OIDs here; only numbers.
      if (missing_ok) return 0;
      std::string name(text);
      if (type == oid::kRegproc) throw PgError("42883", "function \"" + name + "\" does not exist");
      throw PgError(sqlstate::kSyntaxError, "expected a left parenthesis");
    }
  }
}

std::string RegOut(uint32_t type, uint32_t value, SessionContext* session) {
  if (value == 0) return "-";
  switch (type) {
    case oid::kRegclass:
      if (session) {
        if (auto r = session->RelationByOid(value)) {
          return r->visible ? QuoteIdent(r->name) : QuoteIdent(r->schema) + "." + QuoteIdent(r->name);
        }
      }
      break;
    case oid::kRegtype:
      if (LookupType(value)) return TypeSqlName(value);
      break;
    case oid::kRegnamespace:
      if (session) {
        if (auto n = session->NamespaceName(value)) return QuoteIdent(*n);
      }
      break;
    case oid::kRegrole:
      if (session) {
        if (auto n = session->RoleName(value)) return QuoteIdent(*n);
      }
      break;
    default: break;
  }
  return std::to_string(value);
}

std::string FormatTypeWithTypmod(uint32_t type, int32_t typmod, bool typmod_given) {
  if (uint32_t elem = ElementTypeOf(type)) return FormatTypeWithTypmod(elem, typmod, typmod_given) + "[]";
  const TypeInfo* ti = LookupType(type);
  if (!ti) return "???";
  bool with = typmod_given && typmod >= 0;
  switch (type) {
    case oid::kBpchar:
      // bpchar with typmod -1 is not character(1): PostgreSQL spells it bpchar.
      return with ? "character(" + std::to_string(typmod - 4) + ")" : typmod_given ? "bpchar" : "character";
    case oid::kVarchar:
      return with ? "character varying(" + std::to_string(typmod - 4) + ")" : "character varying";
    case oid::kNumeric:
      if (with) {
        int32_t m = typmod - 4;
        return "numeric(" + std::to_string(NumericTypmodPrecision(m)) + "," + std::to_string(NumericTypmodScale(m)) +
               ")";
      }
      return "numeric";
    case oid::kTimestamp:
      return with ? "timestamp(" + std::to_string(typmod) + ") without time zone" : "timestamp without time zone";
    case oid::kTimestamptz:
      return with ? "timestamp(" + std::to_string(typmod) + ") with time zone" : "timestamp with time zone";
    case oid::kTime:
      return with ? "time(" + std::to_string(typmod) + ") without time zone" : "time without time zone";
    default: return TypeSqlName(type);
  }
}

}  // namespace tusk::sql
