// Catalog information functions psql's meta-commands call: role names by OID,
// encoding names and numbers, tablespace locations and object comments.
#include <cctype>
#include <cstring>

#include "sql/functions/registry.h"
#include "sql/session_context.h"
#include "sql/types/type_oids.h"
#include "utils/error.h"

namespace tusk::sql {
namespace {

// Server encodings by number, as pg_encoding_to_char numbers them (pg_enc).
constexpr const char* kEncodings[] = {
    "SQL_ASCII", "EUC_JP",     "EUC_CN",     "EUC_KR",     "EUC_TW",     "EUC_JIS_2004", "UTF8",
    "MULE_INTERNAL", "LATIN1", "LATIN2",     "LATIN3",     "LATIN4",     "LATIN5",     "LATIN6",
    "LATIN7",    "LATIN8",     "LATIN9",     "LATIN10",    "WIN1256",    "WIN1258",    "WIN866",
    "WIN874",    "KOI8R",      "WIN1251",    "WIN1252",    "ISO_8859_5", "ISO_8859_6", "ISO_8859_7",
    "ISO_8859_8", "WIN1250",   "WIN1253",    "WIN1254",    "WIN1255",    "WIN1257",    "KOI8U",
    "SJIS",      "BIG5",       "GBK",        "UHC",        "GB18030",    "JOHAB",      "SHIFT_JIS_2004",
};
constexpr int kNumEncodings = sizeof(kEncodings) / sizeof(kEncodings[0]);

// Lower case without punctuation: "ISO-8859-1" and "iso88591" are one name.
std::string CleanEncodingName(const std::string& s) {
  std::string out;
  for (unsigned char c : s)
    if (std::isalnum(c)) out.push_back(static_cast<char>(std::tolower(c)));
  return out;
}

// Other spellings of the encodings above (cleaned), as pg_char_to_encoding accepts them.
struct Alias {
  const char* name;
  int encoding;
};
constexpr Alias kAliases[] = {
    {"unicode", 6},     {"utf8", 6},        {"iso88591", 8},    {"iso88592", 9},    {"iso88593", 10},
    {"iso88594", 11},   {"iso88599", 12},   {"iso885910", 13},  {"iso885913", 14},  {"iso885914", 15},
    {"iso885915", 16},  {"iso885916", 17},  {"iso88595", 25},   {"iso88596", 26},   {"iso88597", 27},
    {"iso88598", 28},   {"win", 23},        {"alt", 20},        {"koi8", 22},       {"tcvn", 19},
    {"tcvn5712", 19},   {"abc", 19},        {"vscii", 19},      {"mskanji", 35},    {"shiftjis", 35},
    {"cp932", 35},      {"cp936", 37},      {"cp949", 38},      {"cp866", 20},      {"cp874", 21},
    {"cp1250", 29},     {"cp1251", 23},     {"cp1252", 24},     {"cp1253", 30},     {"cp1254", 31},
    {"cp1255", 32},     {"cp1256", 18},     {"cp1257", 33},     {"cp1258", 19},     {"windows866", 20},
    {"windows874", 21}, {"windows1250", 29}, {"windows1251", 23}, {"windows1252", 24}, {"windows1253", 30},
    {"windows1254", 31}, {"windows1255", 32}, {"windows1256", 18}, {"windows1257", 33}, {"windows1258", 19},
    {"euccn", 2},       {"eucjp", 1},       {"euckr", 3},       {"euctw", 4},       {"eucjis2004", 5},
    {"shiftjis2004", 41}, {"big5", 36},     {"gbk", 37},        {"uhc", 38},        {"gb18030", 39},
    {"johab", 40},      {"sjis", 35},       {"koi8r", 22},      {"koi8u", 34},      {"mic", 7},
    {"muleinternal", 7}, {"sqlascii", 0},
};

int EncodingByName(const std::string& name) {
  std::string key = CleanEncodingName(name);
  if (key.empty()) return -1;
  for (int i = 0; i < kNumEncodings; ++i)
    if (CleanEncodingName(kEncodings[i]) == key) return i;
  for (const Alias& a : kAliases)
    if (key == a.name) return a.encoding;
  return -1;
}

// pg_get_userbyid(oid): the role's name, or "unknown (OID=n)".
void GetUserById(const Step&, const Datum* const* a, Datum& out, ExecContext& ctx) {
  uint32_t role = static_cast<uint32_t>(a[0]->i);
  auto name = ctx.session->RoleName(role);
  out.s = name ? *name : "unknown (OID=" + std::to_string(role) + ")";
}

// pg_encoding_to_char(int): "" for a number that is no encoding.
void EncodingToChar(const Step&, const Datum* const* a, Datum& out, ExecContext&) {
  int64_t n = a[0]->i;
  out.s = n >= 0 && n < kNumEncodings ? kEncodings[n] : "";
}

// pg_char_to_encoding(name): -1 for an unknown name.
void CharToEncoding(const Step&, const Datum* const* a, Datum& out, ExecContext&) { out.i = EncodingByName(a[0]->s); }

// pg_tablespace_location(oid): "" for the built-in tablespaces (and 0, the
// database's default); Tusk has no others, so any other OID has no link.
void TablespaceLocation(const Step&, const Datum* const* a, Datum& out, ExecContext&) {
  uint32_t spc = static_cast<uint32_t>(a[0]->i);
  if (spc == 0 || spc == 1663 || spc == 1664) {
    out.s.clear();
    return;
  }
  throw PgError("58P01", "could not stat file \"pg_tblspc/" + std::to_string(spc) + "\": No such file or directory");
}

// obj_description / shobj_description / col_description: Tusk stores no
// comments (pg_description and pg_shdescription are empty).
void NoComment(const Step&, const Datum* const*, Datum& out, ExecContext&) { out.null = true; }

void MyTempSchema(const Step&, const Datum* const*, Datum& out, ExecContext& ctx) {
  out.i = ctx.session ? ctx.session->MyTempNamespace() : 0;
}

// True for another session's pg_temp_N or pg_toast_temp_N, whether or not
// that session is still alive (PostgreSQL's isOtherTempNamespace).
void IsOtherTempSchema(const Step&, const Datum* const* a, Datum& out, ExecContext& ctx) {
  const uint32_t nsp = static_cast<uint32_t>(a[0]->i);
  std::optional<std::string> name = ctx.session ? ctx.session->NamespaceName(nsp) : std::nullopt;
  auto numbered = [&](const std::string& prefix) {
    return name && name->size() > prefix.size() && name->compare(0, prefix.size(), prefix) == 0 &&
           name->find_first_not_of("0123456789", prefix.size()) == std::string::npos;
  };
  const uint32_t mine = ctx.session ? ctx.session->MyTempNamespace() : 0;
  bool own = false;
  if (mine != 0 && (nsp == mine || (numbered("pg_toast_temp_") && ctx.session->NamespaceName(mine) ==
                                                                     "pg_temp_" + name->substr(14))))
    own = true;
  out.b = !own && (numbered("pg_temp_") || numbered("pg_toast_temp_"));
}

}  // namespace

void AddCatalogBuiltins(std::vector<FuncDef>& f) {
  constexpr uint32_t kOid = oid::kOid, kName = oid::kName, kText = oid::kText, kI4 = oid::kInt4;
  f.push_back({"pg_get_userbyid", {kOid}, kName, GetUserById});
  f.push_back({"pg_encoding_to_char", {kI4}, kName, EncodingToChar});
  f.push_back({"pg_char_to_encoding", {kName}, kI4, CharToEncoding});
  f.push_back({"pg_tablespace_location", {kOid}, kText, TablespaceLocation});
  f.push_back({"obj_description", {kOid, kName}, kText, NoComment});
  f.push_back({"obj_description", {kOid}, kText, NoComment});
  f.push_back({"shobj_description", {kOid, kName}, kText, NoComment});
  f.push_back({"col_description", {kOid, kI4}, kText, NoComment});
  f.push_back({"pg_my_temp_schema", {}, kOid, MyTempSchema, true, false, 0});
  f.push_back({"pg_is_other_temp_schema", {kOid}, oid::kBool, IsOtherTempSchema});
}

}  // namespace tusk::sql
