// The OID alias types regclass, regtype, regproc, regnamespace and regrole:
// input resolves a name (search path, quoted identifiers, schema
// qualification) or accepts a number; output prints the object's name,
// schema-qualified only when it is not visible, or the number when no such
// object exists. "-" is OID 0 both ways. Catalog lookups go through the
// SessionContext; without one only numbers and "-" are understood.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace tusk::sql {

class SessionContext;

// PostgreSQL's stringToQualifiedNameList: dot-separated identifiers, quoted
// ones kept as written ("" for a quote), the rest lower-cased; blanks around
// names are allowed. Raises 42602 "invalid name syntax".
std::vector<std::string> SplitQualifiedName(std::string_view text);

// Input of type `type` (one of IsRegType). missing_ok: an unknown name gives
// 0 instead of the "does not exist" error (to_regclass, to_regtype).
uint32_t RegIn(uint32_t type, std::string_view text, SessionContext* session, bool missing_ok = false);
std::string RegOut(uint32_t type, uint32_t value, SessionContext* session);

// format_type(type, typmod): PostgreSQL's SQL spelling with the typmod
// (character varying(10), numeric(10,2), timestamp(3) with time zone...);
// typmod -1 for none; typmod_given false for format_type(t, NULL), which
// spells bpchar "character". Unknown types print "???".
std::string FormatTypeWithTypmod(uint32_t type, int32_t typmod, bool typmod_given = true);

}  // namespace tusk::sql
