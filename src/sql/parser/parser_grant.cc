// GRANT and REVOKE of privileges on tables, sequences, databases and
// schemas. Privilege words are checked against the object kind when the
// statement runs (PostgreSQL's grammar takes any identifier there too).
// Role membership, column lists and other object kinds are 0A000.
#include <cctype>

#include "sql/parser/parser_impl.h"
#include "utils/error.h"

namespace tusk::sql {

Statement::Body Parser::ParseGrant() {
  auto g = std::make_shared<GrantStmt>();
  const int start = Peek().offset;
  g->is_grant = Advance().text == "grant";
  if (!g->is_grant && IsWord("grant") && IsWord("option", 1) && IsWord("for", 2)) {
    pos_ += 3;
    g->grant_option = true;
  }
  if (AcceptWord("all")) {
    AcceptWord("privileges");
  } else {
    do {
      const Token& t = Peek();
      if (t.kind != TokKind::kIdent && t.kind != TokKind::kQuotedIdent) Fail();
      g->privilege_locations.push_back(t.offset);
      std::string word = Advance().text;
      for (char& c : word) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      g->privileges.push_back(std::move(word));
    } while (AcceptPunct(','));
  }
  if (IsPunct('('))
    throw PgError(sqlstate::kFeatureNotSupported, "column privileges are not supported yet")
        .Position(CharPosition(q_, Peek().offset));
  if (!IsWord("on")) {
    if (IsWord("to") || IsWord("from")) NotSupported("GRANT and REVOKE of role membership", start);
    Fail();
  }
  Advance();
  if (AcceptWord("all")) {
    if (AcceptWord("tables")) {
      g->target = GrantStmt::kTable;
    } else if (AcceptWord("sequences")) {
      g->target = GrantStmt::kSequence;
    } else {
      NotSupported("this GRANT target", Peek().offset);
    }
    ExpectWord("in");
    ExpectWord("schema");
    g->all_in_schema = true;
    do g->names.push_back(ParseName());
    while (AcceptPunct(','));
  } else if (AcceptWord("database")) {
    g->target = GrantStmt::kDatabase;
    do g->names.push_back(ParseName());
    while (AcceptPunct(','));
  } else if (AcceptWord("schema")) {
    g->target = GrantStmt::kSchema;
    do g->names.push_back(ParseName());
    while (AcceptPunct(','));
  } else {
    for (const char* other : {"function", "functions", "procedure", "procedures", "routine", "routines", "language",
                              "type", "domain", "foreign", "large", "tablespace", "parameter"}) {
      if (IsWord(other)) NotSupported("GRANT on " + std::string(other) + " objects", Peek().offset);
    }
    if (AcceptWord("sequence")) {
      g->target = GrantStmt::kSequence;
    } else {
      AcceptWord("table");
    }
    do g->relations.push_back(ParseQualifiedName());
    while (AcceptPunct(','));
  }
  if (g->is_grant) {
    ExpectWord("to");
  } else {
    ExpectWord("from");
  }
  do {
    if (IsWord("group")) Advance();  // GROUP is noise, as in PostgreSQL
    g->grantees.push_back(ParseRoleSpec());
  } while (AcceptPunct(','));
  if (g->is_grant && IsWord("with") && IsWord("grant", 1) && IsWord("option", 2)) {
    pos_ += 3;
    g->grant_option = true;
  }
  if (IsWord("granted") && IsWord("by", 1)) {
    pos_ += 2;
    g->granted_by = ParseRoleSpec();
  }
  if (!g->is_grant) {
    if (AcceptWord("cascade")) {
      g->cascade = true;
    } else {
      AcceptWord("restrict");
    }
  }
  return g;
}

}  // namespace tusk::sql
