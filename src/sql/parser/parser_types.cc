// Type names as written in casts and column definitions: SQL-standard
// spellings (double precision, character varying, timestamp with time zone)
// mapped to internal names, type modifiers and array bounds.
#include "sql/parser/parser_impl.h"
#include "utils/error.h"

namespace tusk::sql {

std::unique_ptr<TypeName> Parser::ParseTypeName() {
  auto tn = std::make_unique<TypeName>();
  tn->location = Peek().offset;
  auto typmods = [&]() {
    if (!AcceptPunct('(')) return;
    do tn->typmods.push_back(std::stoi(ParseIntegerText()));
    while (AcceptPunct(','));
    ExpectPunct(')');
  };
  auto with_tz = [&](const char* with_name, const char* without_name) {
    typmods();
    const char* name = without_name;
    if (IsWord("with") && IsWord("time", 1) && IsWord("zone", 2)) {
      pos_ += 3;
      name = with_name;
    } else if (IsWord("without") && IsWord("time", 1) && IsWord("zone", 2)) {
      pos_ += 3;
    }
    tn->names = {name};
  };
  if (Peek().kind != TokKind::kIdent && Peek().kind != TokKind::kQuotedIdent) Fail();
  bool quoted = Peek().kind == TokKind::kQuotedIdent;
  std::string w = Advance().text;
  if (quoted) {
    tn->names = {w};
  } else if (w == "double") {
    ExpectWord("precision");
    tn->names = {"float8"};
  } else if (w == "real") {
    tn->names = {"float4"};
  } else if (w == "float") {
    tn->names = {"float8"};
    if (AcceptPunct('(')) {
      int p = std::stoi(ParseIntegerText());
      ExpectPunct(')');
      if (p < 1) throw PgError(sqlstate::kInvalidParameterValue, "precision for type float must be at least 1 bit");
      if (p > 53) throw PgError(sqlstate::kInvalidParameterValue, "precision for type float must be less than 54 bits");
      tn->names = {p <= 24 ? "float4" : "float8"};
    }
  } else if (w == "int" || w == "integer") {
    tn->names = {"int4"};
  } else if (w == "smallint") {
    tn->names = {"int2"};
  } else if (w == "bigint") {
    tn->names = {"int8"};
  } else if (w == "boolean") {
    tn->names = {"bool"};
  } else if (w == "decimal" || w == "dec" || w == "numeric") {
    tn->names = {"numeric"};
    typmods();
  } else if (w == "char" || w == "character" || w == "nchar" || w == "national") {
    if (w == "national") AcceptWord("character") || AcceptWord("char");
    bool varying = AcceptWord("varying");
    tn->names = {varying ? "varchar" : "bpchar"};
    typmods();
    if (!varying && tn->typmods.empty()) tn->typmods.push_back(1);
  } else if (w == "varchar") {
    tn->names = {"varchar"};
    typmods();
  } else if (w == "timestamp") {
    with_tz("timestamptz", "timestamp");
  } else if (w == "time") {
    with_tz("timetz", "time");
  } else if (w == "interval") {
    tn->names = {"interval"};
    typmods();
  } else if (w == "bit") {
    bool varying = AcceptWord("varying");
    tn->names = {varying ? "varbit" : "bit"};
    typmods();
  } else {
    tn->names = {w};
    while (AcceptPunct('.')) tn->names.push_back(ParseColLabel());
    typmods();
  }
  while (IsPunct('[')) {
    Advance();
    tn->array_bounds.push_back(Peek().kind == TokKind::kInteger ? std::stoi(Advance().text) : -1);
    ExpectPunct(']');
    tn->array = true;
  }
  if (IsWord("array")) {  // int ARRAY / int ARRAY[3]
    Advance();
    int bound = -1;
    if (AcceptPunct('[')) {
      if (Peek().kind != TokKind::kInteger) Fail();
      bound = std::stoi(Advance().text);
      ExpectPunct(']');
    }
    tn->array_bounds.push_back(bound);
    tn->array = true;
  }
  return tn;
}

}  // namespace tusk::sql
