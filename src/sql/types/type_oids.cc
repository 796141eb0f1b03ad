// The table of built-in types this engine implements. Names, lengths and
// categories match pg_type so clients and error messages see PostgreSQL's.
#include "sql/types/type_oids.h"

namespace tusk::sql {
namespace {

constexpr TypeInfo kTypes[] = {
    {oid::kBool, "bool", "boolean", 1, TypeCategory::kBool, true, 0, oid::kBoolArray},
    {oid::kBytea, "bytea", "bytea", -1, TypeCategory::kUser, false, 0, oid::kByteaArray},
    {oid::kName, "name", "name", 64, TypeCategory::kString, false, 0, oid::kNameArray},
    {oid::kInt8, "int8", "bigint", 8, TypeCategory::kNumeric, false, 0, oid::kInt8Array},
    {oid::kInt2, "int2", "smallint", 2, TypeCategory::kNumeric, false, 0, oid::kInt2Array},
    {oid::kInt4, "int4", "integer", 4, TypeCategory::kNumeric, false, 0, oid::kInt4Array},
    {oid::kText, "text", "text", -1, TypeCategory::kString, true, 0, oid::kTextArray},
    {oid::kOid, "oid", "oid", 4, TypeCategory::kNumeric, true, 0, oid::kOidArray},
    {oid::kFloat4, "float4", "real", 4, TypeCategory::kNumeric, false, 0, oid::kFloat4Array},
    {oid::kFloat8, "float8", "double precision", 8, TypeCategory::kNumeric, true, 0, oid::kFloat8Array},
    {oid::kUnknown, "unknown", "unknown", -2, TypeCategory::kUnknown, false},
    {oid::kInet, "inet", "inet", -1, TypeCategory::kNetwork, true, 0, oid::kInetArray},
    {oid::kBpchar, "bpchar", "character", -1, TypeCategory::kString, false, 0, oid::kBpcharArray},
    {oid::kVarchar, "varchar", "character varying", -1, TypeCategory::kString, false, 0, oid::kVarcharArray},
    {oid::kDate, "date", "date", 4, TypeCategory::kDateTime, false, 0, oid::kDateArray},
    {oid::kTime, "time", "time without time zone", 8, TypeCategory::kDateTime, false, 0, oid::kTimeArray},
    {oid::kTimestamp, "timestamp", "timestamp without time zone", 8, TypeCategory::kDateTime, false, 0,
     oid::kTimestampArray},
    {oid::kTimestamptz, "timestamptz", "timestamp with time zone", 8, TypeCategory::kDateTime, true, 0,
     oid::kTimestamptzArray},
    {oid::kInterval, "interval", "interval", 16, TypeCategory::kTimespan, true, 0, oid::kIntervalArray},
    {oid::kNumeric, "numeric", "numeric", -1, TypeCategory::kNumeric, false, 0, oid::kNumericArray},
    {oid::kRegtype, "regtype", "regtype", 4, TypeCategory::kNumeric, false, 0, oid::kRegtypeArray},
    {oid::kRegclass, "regclass", "regclass", 4, TypeCategory::kNumeric, false, 0, oid::kRegclassArray},
    {oid::kRegproc, "regproc", "regproc", 4, TypeCategory::kNumeric, false},
    {oid::kRegnamespace, "regnamespace", "regnamespace", 4, TypeCategory::kNumeric, false, 0,
     oid::kRegnamespaceArray},
    {oid::kRegrole, "regrole", "regrole", 4, TypeCategory::kNumeric, false, 0, oid::kRegroleArray},
    {oid::kXid8, "xid8", "xid8", 8, TypeCategory::kUser, false, 0, oid::kXid8Array},
    {oid::kPgLsn, "pg_lsn", "pg_lsn", 8, TypeCategory::kUser, false, 0, oid::kPgLsnArray},
    {oid::kTid, "tid", "tid", 6, TypeCategory::kUser, false, 0, oid::kTidArray},
    {oid::kUuid, "uuid", "uuid", 16, TypeCategory::kUser, false, 0, oid::kUuidArray},
    {oid::kVoid, "void", "void", 4, TypeCategory::kPseudo, false},
    {oid::kRecord, "record", "record", -1, TypeCategory::kPseudo, false},
    {oid::kInt2Vector, "int2vector", "int2vector", -1, TypeCategory::kArray, false, oid::kInt2},
    {oid::kOidVector, "oidvector", "oidvector", -1, TypeCategory::kArray, false, oid::kOid},
    {oid::kBoolArray, "_bool", "boolean[]", -1, TypeCategory::kArray, false, oid::kBool},
    {oid::kByteaArray, "_bytea", "bytea[]", -1, TypeCategory::kArray, false, oid::kBytea},
    {oid::kNameArray, "_name", "name[]", -1, TypeCategory::kArray, false, oid::kName},
    {oid::kInt2Array, "_int2", "smallint[]", -1, TypeCategory::kArray, false, oid::kInt2},
    {oid::kInt4Array, "_int4", "integer[]", -1, TypeCategory::kArray, false, oid::kInt4},
    {oid::kTextArray, "_text", "text[]", -1, TypeCategory::kArray, false, oid::kText},
    {oid::kBpcharArray, "_bpchar", "character[]", -1, TypeCategory::kArray, false, oid::kBpchar},
    {oid::kVarcharArray, "_varchar", "character varying[]", -1, TypeCategory::kArray, false, oid::kVarchar},
    {oid::kInt8Array, "_int8", "bigint[]", -1, TypeCategory::kArray, false, oid::kInt8},
    {oid::kFloat4Array, "_float4", "real[]", -1, TypeCategory::kArray, false, oid::kFloat4},
    {oid::kFloat8Array, "_float8", "double precision[]", -1, TypeCategory::kArray, false, oid::kFloat8},
    {oid::kOidArray, "_oid", "oid[]", -1, TypeCategory::kArray, false, oid::kOid},
    {oid::kInetArray, "_inet", "inet[]", -1, TypeCategory::kArray, false, oid::kInet},
    {oid::kTimestampArray, "_timestamp", "timestamp without time zone[]", -1, TypeCategory::kArray, false,
     oid::kTimestamp},
    {oid::kDateArray, "_date", "date[]", -1, TypeCategory::kArray, false, oid::kDate},
    {oid::kTimeArray, "_time", "time without time zone[]", -1, TypeCategory::kArray, false, oid::kTime},
    {oid::kTimestamptzArray, "_timestamptz", "timestamp with time zone[]", -1, TypeCategory::kArray, false,
     oid::kTimestamptz},
    {oid::kIntervalArray, "_interval", "interval[]", -1, TypeCategory::kArray, false, oid::kInterval},
    {oid::kNumericArray, "_numeric", "numeric[]", -1, TypeCategory::kArray, false, oid::kNumeric},
    {oid::kRegclassArray, "_regclass", "regclass[]", -1, TypeCategory::kArray, false, oid::kRegclass},
    {oid::kRegtypeArray, "_regtype", "regtype[]", -1, TypeCategory::kArray, false, oid::kRegtype},
    {oid::kXid8Array, "_xid8", "xid8[]", -1, TypeCategory::kArray, false, oid::kXid8},
    {oid::kPgLsnArray, "_pg_lsn", "pg_lsn[]", -1, TypeCategory::kArray, false, oid::kPgLsn},
    {oid::kTidArray, "_tid", "tid[]", -1, TypeCategory::kArray, false, oid::kTid},
    {oid::kUuidArray, "_uuid", "uuid[]", -1, TypeCategory::kArray, false, oid::kUuid},
    {oid::kRegnamespaceArray, "_regnamespace", "regnamespace[]", -1, TypeCategory::kArray, false,
     oid::kRegnamespace},
    {oid::kRegroleArray, "_regrole", "regrole[]", -1, TypeCategory::kArray, false, oid::kRegrole},
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
  if (t) return t->sql_name;
  switch (type_oid) {
    case oid::kAnyArray: return "anyarray";
    case oid::kAnyElement: return "anyelement";
    case oid::kAnyNonArray: return "anynonarray";
    case oid::kAnyCompatible: return "anycompatible";
    case oid::kAnyCompatibleArray: return "anycompatiblearray";
    default: return "oid " + std::to_string(type_oid);
  }
}

uint32_t TypeOidFromName(const std::string& name) {
  static const struct {
    const char* alias;
    uint32_t type;
  } kAliases[] = {{"int", oid::kInt4},      {"integer", oid::kInt4},  {"smallint", oid::kInt2},
                  {"bigint", oid::kInt8},   {"float", oid::kFloat8},  {"real", oid::kFloat4},
                  {"decimal", oid::kNumeric}, {"boolean", oid::kBool}, {"char", oid::kBpchar},
                  {"character", oid::kBpchar}, {"timestamp with time zone", oid::kTimestamptz}};
  for (const auto& a : kAliases) {
    if (name == a.alias) return a.type;
  }
  for (const auto& t : kTypes) {
    if (name == t.name || name == t.sql_name) return t.oid;
  }
  return 0;
}

uint32_t ElementTypeOf(uint32_t type_oid) {
  // A switch rather than a table scan: the executor asks this per value.
  switch (type_oid) {
    case oid::kBoolArray: return oid::kBool;
    case oid::kByteaArray: return oid::kBytea;
    case oid::kNameArray: return oid::kName;
    case oid::kInt2Array: return oid::kInt2;
    case oid::kInt2Vector: return oid::kInt2;
    case oid::kOidVector: return oid::kOid;
    case oid::kInt4Array: return oid::kInt4;
    case oid::kTextArray: return oid::kText;
    case oid::kBpcharArray: return oid::kBpchar;
    case oid::kVarcharArray: return oid::kVarchar;
    case oid::kInt8Array: return oid::kInt8;
    case oid::kFloat4Array: return oid::kFloat4;
    case oid::kFloat8Array: return oid::kFloat8;
    case oid::kOidArray: return oid::kOid;
    case oid::kInetArray: return oid::kInet;
    case oid::kTimestampArray: return oid::kTimestamp;
    case oid::kDateArray: return oid::kDate;
    case oid::kTimeArray: return oid::kTime;
    case oid::kTimestamptzArray: return oid::kTimestamptz;
    case oid::kIntervalArray: return oid::kInterval;
    case oid::kNumericArray: return oid::kNumeric;
    case oid::kRegclassArray: return oid::kRegclass;
    case oid::kRegtypeArray: return oid::kRegtype;
    case oid::kPgLsnArray: return oid::kPgLsn;
    case oid::kTidArray: return oid::kTid;
    case oid::kUuidArray: return oid::kUuid;
    case oid::kXid8Array: return oid::kXid8;
    case oid::kRegnamespaceArray: return oid::kRegnamespace;
    case oid::kRegroleArray: return oid::kRegrole;
    default: return 0;
  }
}

uint32_t ArrayTypeOf(uint32_t type_oid) {
  const TypeInfo* t = LookupType(type_oid);
  return t ? t->array_type : 0;
}

}  // namespace tusk::sql
