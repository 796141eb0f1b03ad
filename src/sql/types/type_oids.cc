// The table of built-in types this engine implements. Names, lengths and
// categories match pg_type so clients and error messages see PostgreSQL's.
#include "sql/types/type_oids.h"

namespace tusk::sql {
namespace {

constexpr TypeInfo kTypes[] = {
    {oid::kBool, "bool", "boolean", 1, TypeCategory::kBool, true},
    {oid::kName, "name", "name", 64, TypeCategory::kString, false},
    {oid::kInt8, "int8", "bigint", 8, TypeCategory::kNumeric, false},
    {oid::kInt2, "int2", "smallint", 2, TypeCategory::kNumeric, false},
    {oid::kInt4, "int4", "integer", 4, TypeCategory::kNumeric, false},
    {oid::kText, "text", "text", -1, TypeCategory::kString, true},
    {oid::kOid, "oid", "oid", 4, TypeCategory::kNumeric, true},
    {oid::kFloat4, "float4", "real", 4, TypeCategory::kNumeric, false},
    {oid::kFloat8, "float8", "double precision", 8, TypeCategory::kNumeric, true},
    {oid::kUnknown, "unknown", "unknown", -2, TypeCategory::kUnknown, false},
    {oid::kInet, "inet", "inet", -1, TypeCategory::kNetwork, true},
    {oid::kTextArray, "_text", "text[]", -1, TypeCategory::kArray, false},
    {oid::kBpchar, "bpchar", "character", -1, TypeCategory::kString, false},
    {oid::kVarchar, "varchar", "character varying", -1, TypeCategory::kString, false},
    {oid::kDate, "date", "date", 4, TypeCategory::kDateTime, false},
    {oid::kTimestamp, "timestamp", "timestamp without time zone", 8, TypeCategory::kDateTime, false},
    {oid::kTimestamptz, "timestamptz", "timestamp with time zone", 8, TypeCategory::kDateTime, true},
    {oid::kInterval, "interval", "interval", 16, TypeCategory::kTimespan, true},
    {oid::kNumeric, "numeric", "numeric", -1, TypeCategory::kNumeric, false},
    {oid::kVoid, "void", "void", 4, TypeCategory::kPseudo, false},
};

}  // namespace

const TypeInfo* LookupType(uint32_t type_oid) {
  for (const auto& t : kTypes) {
    if (t.oid == type_oid) return &t;
  }
  return nullptr;
}

const TypeInfo* LookupTypeByName(const std::string& name) {
  for (const auto& t : kTypes) {
    if (name == t.name) return &t;
  }
  return nullptr;
}

std::string TypeSqlName(uint32_t type_oid) {
  const TypeInfo* t = LookupType(type_oid);
  return t ? t->sql_name : "oid " + std::to_string(type_oid);
}

}  // namespace tusk::sql
