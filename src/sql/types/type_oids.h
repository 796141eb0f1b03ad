// Built-in type OIDs (PostgreSQL's pg_type values, which clients hard-code)
// and the per-type facts the analyzer needs: name, length, category.
#pragma once

#include <cstdint>
#include <string>

namespace tusk::sql {

namespace oid {
inline constexpr uint32_t kBool = 16;
inline constexpr uint32_t kBytea = 17;
inline constexpr uint32_t kName = 19;
inline constexpr uint32_t kInt8 = 20;
inline constexpr uint32_t kInt2 = 21;
inline constexpr uint32_t kInt4 = 23;
inline constexpr uint32_t kRegproc = 24;
inline constexpr uint32_t kText = 25;
inline constexpr uint32_t kOid = 26;
inline constexpr uint32_t kFloat4 = 700;
inline constexpr uint32_t kFloat8 = 701;
inline constexpr uint32_t kUnknown = 705;
inline constexpr uint32_t kInet = 869;
inline constexpr uint32_t kBpchar = 1042;
inline constexpr uint32_t kVarchar = 1043;
inline constexpr uint32_t kDate = 1082;
inline constexpr uint32_t kTime = 1083;
inline constexpr uint32_t kTimestamp = 1114;
inline constexpr uint32_t kTimestamptz = 1184;
inline constexpr uint32_t kInterval = 1186;
inline constexpr uint32_t kNumeric = 1700;
inline constexpr uint32_t kRegclass = 2205;
inline constexpr uint32_t kRegtype = 2206;
inline constexpr uint32_t kVoid = 2278;
inline constexpr uint32_t kRegprocedure = 2202;
inline constexpr uint32_t kUuid = 2950;
inline constexpr uint32_t kPgLsn = 3220;
inline constexpr uint32_t kTid = 27;  // a row's address: block << 16 | offset in Datum::i
inline constexpr uint32_t kRegnamespace = 4089;
inline constexpr uint32_t kRegrole = 4096;
inline constexpr uint32_t kXid8 = 5069;

// Array types (typcategory 'A'), one per supported element type.
inline constexpr uint32_t kBoolArray = 1000;
inline constexpr uint32_t kByteaArray = 1001;
inline constexpr uint32_t kNameArray = 1003;
inline constexpr uint32_t kInt2Array = 1005;
inline constexpr uint32_t kInt4Array = 1007;
inline constexpr uint32_t kTextArray = 1009;
inline constexpr uint32_t kBpcharArray = 1014;
inline constexpr uint32_t kVarcharArray = 1015;
inline constexpr uint32_t kInt8Array = 1016;
inline constexpr uint32_t kFloat4Array = 1021;
inline constexpr uint32_t kFloat8Array = 1022;
inline constexpr uint32_t kOidArray = 1028;
inline constexpr uint32_t kInetArray = 1041;
inline constexpr uint32_t kTimestampArray = 1115;
inline constexpr uint32_t kDateArray = 1182;
inline constexpr uint32_t kTimeArray = 1183;
inline constexpr uint32_t kTimestamptzArray = 1185;
inline constexpr uint32_t kIntervalArray = 1187;
inline constexpr uint32_t kNumericArray = 1231;
inline constexpr uint32_t kRegclassArray = 2210;
inline constexpr uint32_t kRegtypeArray = 2211;
inline constexpr uint32_t kUuidArray = 2951;
inline constexpr uint32_t kPgLsnArray = 3221;
inline constexpr uint32_t kTidArray = 1010;
inline constexpr uint32_t kXid8Array = 271;
inline constexpr uint32_t kRegnamespaceArray = 4090;
inline constexpr uint32_t kRegroleArray = 4097;
// The catalogs' vector types: arrays of int2 / oid with lower bound 0 whose
// text form is the elements separated by spaces.
inline constexpr uint32_t kInt2Vector = 22;
inline constexpr uint32_t kOidVector = 30;
// Anonymous records; an expression's typmod names its fields (RecordDescOf).
inline constexpr uint32_t kRecord = 2249;
inline constexpr uint32_t kRecordArray = 2287;

// Polymorphic pseudo-types used only in builtin function signatures; they
// are not in the type table (no value ever has one of these types).
inline constexpr uint32_t kAnyArray = 2277;
inline constexpr uint32_t kAnyElement = 2283;
inline constexpr uint32_t kAnyNonArray = 2776;
inline constexpr uint32_t kAnyCompatible = 5077;
inline constexpr uint32_t kAnyCompatibleArray = 5078;
}  // namespace oid

// PostgreSQL's typcategory letters.
enum class TypeCategory : char {
  kBool = 'B',
  kNumeric = 'N',
  kString = 'S',
  kDateTime = 'D',
  kTimespan = 'T',
  kNetwork = 'I',
  kUnknown = 'X',
  kPseudo = 'P',
  kArray = 'A',
  kUser = 'U',
};

struct TypeInfo {
  uint32_t oid;
  const char* name;     // pg_type.typname (also the cast result column name)
  const char* sql_name; // format_type() spelling used in error messages
  int16_t len;          // typlen: -1 varlena, -2 cstring
  TypeCategory category;
  bool preferred;
  uint32_t elem = 0;        // typelem of an array type, else 0
  uint32_t array_type = 0;  // typarray: the array type of this element type, 0 if none
};

// nullptr for OIDs this engine does not know.
const TypeInfo* LookupType(uint32_t type_oid);
// By typname (int4, float8, ...); nullptr if unknown.
const TypeInfo* LookupTypeByName(const std::string& name);
// format_type() name for messages: "integer", "text", "double precision".
std::string TypeSqlName(uint32_t type_oid);
// A type named as regtype input accepts it: typname, format_type spelling
// or a common alias (int, float, decimal, char, ...); 0 if unknown.
uint32_t TypeOidFromName(const std::string& name);

// Element type of an array type; 0 when type_oid is not an array type.
uint32_t ElementTypeOf(uint32_t type_oid);
inline bool IsArrayType(uint32_t type_oid) { return ElementTypeOf(type_oid) != 0; }
// Array type whose elements are type_oid; 0 when there is none.
uint32_t ArrayTypeOf(uint32_t type_oid);
// The OID alias types (regclass, regtype, regproc, regprocedure,
// regnamespace, regrole): an oid shown and read as an object's name.
inline bool IsRegType(uint32_t t) {
  return t == oid::kRegclass || t == oid::kRegtype || t == oid::kRegproc || t == oid::kRegprocedure ||
         t == oid::kRegnamespace || t == oid::kRegrole;
}
inline bool IsPolymorphic(uint32_t t) {
  return t == oid::kAnyArray || t == oid::kAnyElement || t == oid::kAnyNonArray || t == oid::kAnyCompatible ||
         t == oid::kAnyCompatibleArray;
}

}  // namespace tusk::sql
