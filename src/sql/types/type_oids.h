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
inline constexpr uint32_t kTextArray = 1009;
inline constexpr uint32_t kBpchar = 1042;
inline constexpr uint32_t kVarchar = 1043;
inline constexpr uint32_t kDate = 1082;
inline constexpr uint32_t kTimestamp = 1114;
inline constexpr uint32_t kTimestamptz = 1184;
inline constexpr uint32_t kInterval = 1186;
inline constexpr uint32_t kNumeric = 1700;
inline constexpr uint32_t kRegclass = 2205;
inline constexpr uint32_t kVoid = 2278;
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
};

// nullptr for OIDs this engine does not know.
const TypeInfo* LookupType(uint32_t type_oid);
// By typname (int4, float8, ...); nullptr if unknown.
const TypeInfo* LookupTypeByName(const std::string& name);
// format_type() name for messages: "integer", "text", "double precision".
std::string TypeSqlName(uint32_t type_oid);

}  // namespace tusk::sql
