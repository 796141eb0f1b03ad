// Column lists of the stored catalogs (PostgreSQL 15's order and type OIDs),
// the built-in type table, and the tuple codec the row structs share. The
// facts come from PostgreSQL's catalog definitions; the layout is Tusk's.
#include "catalog/schema.h"

#include <cstring>
#include <map>

#include "utils/error.h"

namespace tusk::catalog {

namespace {

// oid, name, len, byval, type, category, preferred, elem, array, align, storage, collation
const std::vector<BuiltinType> kTypes = {
    {16, "bool", 1, true, 'b', 'B', true, 0, 1000, 'c', 'p', 0},
    {17, "bytea", -1, false, 'b', 'U', false, 0, 1001, 'i', 'x', 0},
    {18, "char", 1, true, 'b', 'Z', false, 0, 1002, 'c', 'p', 0},
    {19, "name", 64, false, 'b', 'S', false, 18, 1003, 'c', 'p', 950},
    {20, "int8", 8, true, 'b', 'N', false, 0, 1016, 'd', 'p', 0},
    {21, "int2", 2, true, 'b', 'N', false, 0, 1005, 's', 'p', 0},
    {22, "int2vector", -1, false, 'b', 'A', false, 21, 1006, 'i', 'p', 0},
    {23, "int4", 4, true, 'b', 'N', false, 0, 1007, 'i', 'p', 0},
    {24, "regproc", 4, true, 'b', 'N', false, 0, 1008, 'i', 'p', 0},
    {25, "text", -1, false, 'b', 'S', true, 0, 1009, 'i', 'x', 100},
    {26, "oid", 4, true, 'b', 'N', true, 0, 1028, 'i', 'p', 0},
    {28, "xid", 4, true, 'b', 'U', false, 0, 1011, 'i', 'p', 0},
    {30, "oidvector", -1, false, 'b', 'A', false, 26, 1013, 'i', 'p', 0},
    {194, "pg_node_tree", -1, false, 'b', 'Z', false, 0, 0, 'i', 'x', 100},
    {700, "float4", 4, true, 'b', 'N', false, 0, 1021, 'i', 'p', 0},
    {701, "float8", 8, true, 'b', 'N', true, 0, 1022, 'd', 'p', 0},
    {705, "unknown", -2, false, 'p', 'X', false, 0, 0, 'c', 'p', 0},
    {1000, "_bool", -1, false, 'b', 'A', false, 16, 0, 'i', 'x', 0},
    {1001, "_bytea", -1, false, 'b', 'A', false, 17, 0, 'i', 'x', 0},
    {1002, "_char", -1, false, 'b', 'A', false, 18, 0, 'i', 'x', 0},
    {1005, "_int2", -1, false, 'b', 'A', false, 21, 0, 'i', 'x', 0},
    {1007, "_int4", -1, false, 'b', 'A', false, 23, 0, 'i', 'x', 0},
    {1009, "_text", -1, false, 'b', 'A', false, 25, 0, 'i', 'x', 100},
    {1016, "_int8", -1, false, 'b', 'A', false, 20, 0, 'd', 'x', 0},
    {1028, "_oid", -1, false, 'b', 'A', false, 26, 0, 'i', 'x', 0},
    // The other array types a column can have, with PostgreSQL's OIDs and layout.
    {1003, "_name", -1, false, 'b', 'A', false, 19, 0, 'i', 'x', 950},
    {1014, "_bpchar", -1, false, 'b', 'A', false, 1042, 0, 'i', 'x', 100},
    {1015, "_varchar", -1, false, 'b', 'A', false, 1043, 0, 'i', 'x', 100},
    {1021, "_float4", -1, false, 'b', 'A', false, 700, 0, 'i', 'x', 0},
    {1022, "_float8", -1, false, 'b', 'A', false, 701, 0, 'd', 'x', 0},
    {1041, "_inet", -1, false, 'b', 'A', false, 869, 0, 'i', 'x', 0},
    {1115, "_timestamp", -1, false, 'b', 'A', false, 1114, 0, 'd', 'x', 0},
    {1182, "_date", -1, false, 'b', 'A', false, 1082, 0, 'i', 'x', 0},
    {1183, "_time", -1, false, 'b', 'A', false, 1083, 0, 'd', 'x', 0},
    {1185, "_timestamptz", -1, false, 'b', 'A', false, 1184, 0, 'd', 'x', 0},
    {1187, "_interval", -1, false, 'b', 'A', false, 1186, 0, 'd', 'x', 0},
    {1231, "_numeric", -1, false, 'b', 'A', false, 1700, 0, 'i', 'x', 0},
    {2210, "_regclass", -1, false, 'b', 'A', false, 2205, 0, 'i', 'x', 0},
    {2211, "_regtype", -1, false, 'b', 'A', false, 2206, 0, 'i', 'x', 0},
    {3221, "_pg_lsn", -1, false, 'b', 'A', false, 3220, 0, 'd', 'x', 0},
    {271, "_xid8", -1, false, 'b', 'A', false, 5069, 0, 'd', 'x', 0},
    {4090, "_regnamespace", -1, false, 'b', 'A', false, 4089, 0, 'i', 'x', 0},
    {4097, "_regrole", -1, false, 'b', 'A', false, 4096, 0, 'i', 'x', 0},
    {869, "inet", -1, false, 'b', 'I', true, 0, 1041, 'i', 'm', 0},
    {1033, "aclitem", 12, false, 'b', 'U', false, 0, 1034, 'i', 'p', 0},
    {1034, "_aclitem", -1, false, 'b', 'A', false, 1033, 0, 'i', 'x', 0},
    {1042, "bpchar", -1, false, 'b', 'S', false, 0, 1014, 'i', 'x', 100},
    {1043, "varchar", -1, false, 'b', 'S', false, 0, 1015, 'i', 'x', 100},
    {1082, "date", 4, true, 'b', 'D', false, 0, 1182, 'i', 'p', 0},
    {1083, "time", 8, true, 'b', 'D', false, 0, 1183, 'd', 'p', 0},
    {1114, "timestamp", 8, true, 'b', 'D', false, 0, 1115, 'd', 'p', 0},
    {1184, "timestamptz", 8, true, 'b', 'D', true, 0, 1185, 'd', 'p', 0},
    {1186, "interval", 16, false, 'b', 'T', true, 0, 1187, 'd', 'p', 0},
    {1700, "numeric", -1, false, 'b', 'N', false, 0, 1231, 'i', 'm', 0},
    {2249, "record", -1, false, 'p', 'P', false, 0, 2287, 'd', 'x', 0},
    {2275, "cstring", -2, false, 'p', 'P', false, 0, 1263, 'c', 'p', 0},
    {2277, "anyarray", -1, false, 'p', 'P', false, 0, 0, 'd', 'x', 0},
    {2278, "void", 4, true, 'p', 'P', false, 0, 0, 'i', 'p', 0},
    {2205, "regclass", 4, true, 'b', 'N', false, 0, 2210, 'i', 'p', 0},
    {2206, "regtype", 4, true, 'b', 'N', false, 0, 2211, 'i', 'p', 0},
    {2950, "uuid", 16, false, 'b', 'U', false, 0, 2951, 'c', 'p', 0},
    {2951, "_uuid", -1, false, 'b', 'A', false, 2950, 0, 'i', 'x', 0},
    {3220, "pg_lsn", 8, true, 'b', 'U', false, 0, 3221, 'd', 'p', 0},
    {4089, "regnamespace", 4, true, 'b', 'N', false, 0, 4090, 'i', 'p', 0},
    {4096, "regrole", 4, true, 'b', 'N', false, 0, 4097, 'i', 'p', 0},
    {5069, "xid8", 8, true, 'b', 'U', false, 0, 271, 'd', 'p', 0},
};

CatalogDef MakeDef(uint32_t oid, const char* name, uint32_t rowtype, bool shared, std::vector<ColumnDef> cols) {
  CatalogDef d{oid, name, rowtype, shared, std::move(cols), {}};
  for (const ColumnDef& c : d.columns) {
    const BuiltinType* t = FindBuiltinType(c.type_oid);
    if (t == nullptr) throw PgError(sqlstate::kInternalError, std::string("catalog column type missing: ") + c.name);
    d.attrs.push_back(AttrDescFor(t->len, t->align, t->by_val));
  }
  return d;
}

// Type OIDs, short names for the tables below.
constexpr uint32_t B = kBoolOid, C = kCharOid, N = kNameOid, I2 = kInt2Oid, I8 = kInt8Oid, I4 = kInt4Oid, T = kTextOid,
                   O = kOidOid, F4 = kFloat4Oid, RP = kRegprocOid, X = kXidOid, I2V = kInt2VectorOid,
                   OV = kOidVectorOid, NT = kPgNodeTreeOid, ACL = kAclItemArrayOid, TA = kTextArrayOid,
                   I2A = kInt2ArrayOid, CA = kCharArrayOid, OA = kOidArrayOid, TZ = kTimestampTzOid,
                   AA = kAnyArrayOid;

const std::vector<const CatalogDef*>& Defs() {
  static const std::vector<const CatalogDef*> defs = [] {
    // Owned by a static vector (reserved, so addresses never move) rather
    // than leaked, so leak checkers stay quiet.
    static std::vector<CatalogDef> owned;
    owned.reserve(32);
    std::vector<const CatalogDef*> v;
    v.push_back(&owned.emplace_back(MakeDef(kTypeRelationId, "pg_type", 71, false, {
        {"oid", O}, {"typname", N}, {"typnamespace", O}, {"typowner", O}, {"typlen", I2}, {"typbyval", B},
        {"typtype", C}, {"typcategory", C}, {"typispreferred", B}, {"typisdefined", B}, {"typdelim", C},
        {"typrelid", O}, {"typsubscript", RP}, {"typelem", O}, {"typarray", O}, {"typinput", RP},
        {"typoutput", RP}, {"typreceive", RP}, {"typsend", RP}, {"typmodin", RP}, {"typmodout", RP},
        {"typanalyze", RP}, {"typalign", C}, {"typstorage", C}, {"typnotnull", B}, {"typbasetype", O},
        {"typtypmod", I4}, {"typndims", I4}, {"typcollation", O}, {"typdefaultbin", NT}, {"typdefault", T},
        {"typacl", ACL}})));
    v.push_back(&owned.emplace_back(MakeDef(kAttributeRelationId, "pg_attribute", 75, false, {
        {"attrelid", O}, {"attname", N}, {"atttypid", O}, {"attstattarget", I4}, {"attlen", I2}, {"attnum", I2},
        {"attndims", I4}, {"attcacheoff", I4}, {"atttypmod", I4}, {"attbyval", B}, {"attalign", C},
        {"attstorage", C}, {"attcompression", C}, {"attnotnull", B}, {"atthasdef", B}, {"atthasmissing", B},
        {"attidentity", C}, {"attgenerated", C}, {"attisdropped", B}, {"attislocal", B}, {"attinhcount", I4},
        {"attcollation", O}, {"attacl", ACL}, {"attoptions", TA}, {"attfdwoptions", TA},
        {"attmissingval", AA}})));
    v.push_back(&owned.emplace_back(MakeDef(kProcRelationId, "pg_proc", 81, false, {
        {"oid", O}, {"proname", N}, {"pronamespace", O}, {"proowner", O}, {"prolang", O}, {"procost", F4},
        {"prorows", F4}, {"provariadic", O}, {"prosupport", RP}, {"prokind", C}, {"prosecdef", B},
        {"proleakproof", B}, {"proisstrict", B}, {"proretset", B}, {"provolatile", C}, {"proparallel", C},
        {"pronargs", I2}, {"pronargdefaults", I2}, {"prorettype", O}, {"proargtypes", OV},
        {"proallargtypes", OA}, {"proargmodes", CA}, {"proargnames", TA}, {"proargdefaults", NT},
        {"protrftypes", OA}, {"prosrc", T}, {"probin", T}, {"prosqlbody", NT}, {"proconfig", TA},
        {"proacl", ACL}})));
    v.push_back(&owned.emplace_back(MakeDef(kRelationRelationId, "pg_class", 83, false, {
        {"oid", O}, {"relname", N}, {"relnamespace", O}, {"reltype", O}, {"reloftype", O}, {"relowner", O},
        {"relam", O}, {"relfilenode", O}, {"reltablespace", O}, {"relpages", I4}, {"reltuples", F4},
        {"relallvisible", I4}, {"reltoastrelid", O}, {"relhasindex", B}, {"relisshared", B},
        {"relpersistence", C}, {"relkind", C}, {"relnatts", I2}, {"relchecks", I2}, {"relhasrules", B},
        {"relhastriggers", B}, {"relhassubclass", B}, {"relrowsecurity", B}, {"relforcerowsecurity", B},
        {"relispopulated", B}, {"relreplident", C}, {"relispartition", B}, {"relrewrite", O},
        {"relfrozenxid", X}, {"relminmxid", X}, {"relacl", ACL}, {"reloptions", TA}, {"relpartbound", NT}})));
    v.push_back(&owned.emplace_back(MakeDef(kAuthIdRelationId, "pg_authid", 2842, true, {
        {"oid", O}, {"rolname", N}, {"rolsuper", B}, {"rolinherit", B}, {"rolcreaterole", B},
        {"rolcreatedb", B}, {"rolcanlogin", B}, {"rolreplication", B}, {"rolbypassrls", B},
        {"rolconnlimit", I4}, {"rolpassword", T}, {"rolvaliduntil", TZ}})));
    v.push_back(&owned.emplace_back(MakeDef(kDatabaseRelationId, "pg_database", 1248, true, {
        {"oid", O}, {"datname", N}, {"datdba", O}, {"encoding", I4}, {"datlocprovider", C},
        {"datistemplate", B}, {"datallowconn", B}, {"datconnlimit", I4}, {"datfrozenxid", X},
        {"datminmxid", X}, {"dattablespace", O}, {"datcollate", T}, {"datctype", T}, {"daticulocale", T},
        {"datcollversion", T}, {"datacl", ACL}})));
    v.push_back(&owned.emplace_back(MakeDef(kDbRoleSettingRelationId, "pg_db_role_setting", 10054, true, {
        {"setdatabase", O}, {"setrole", O}, {"setconfig", TA}})));
    v.push_back(&owned.emplace_back(MakeDef(kAttrDefaultRelationId, "pg_attrdef", 10001, false, {
        {"oid", O}, {"adrelid", O}, {"adnum", I2}, {"adbin", NT}})));
    v.push_back(&owned.emplace_back(MakeDef(kConstraintRelationId, "pg_constraint", 10003, false, {
        {"oid", O}, {"conname", N}, {"connamespace", O}, {"contype", C}, {"condeferrable", B},
        {"condeferred", B}, {"convalidated", B}, {"conrelid", O}, {"contypid", O}, {"conindid", O},
        {"conparentid", O}, {"confrelid", O}, {"confupdtype", C}, {"confdeltype", C}, {"confmatchtype", C},
        {"conislocal", B}, {"coninhcount", I4}, {"connoinherit", B}, {"conkey", I2A}, {"confkey", I2A},
        {"conpfeqop", OA}, {"conppeqop", OA}, {"conffeqop", OA}, {"confdelsetcols", I2A}, {"conexclop", OA},
        {"conbin", NT}})));
    v.push_back(&owned.emplace_back(MakeDef(kIndexRelationId, "pg_index", 10007, false, {
        {"indexrelid", O}, {"indrelid", O}, {"indnatts", I2}, {"indnkeyatts", I2}, {"indisunique", B},
        {"indnullsnotdistinct", B}, {"indisprimary", B}, {"indisexclusion", B}, {"indimmediate", B},
        {"indisclustered", B}, {"indisvalid", B}, {"indcheckxmin", B}, {"indisready", B}, {"indislive", B},
        {"indisreplident", B}, {"indkey", I2V}, {"indcollation", OV}, {"indclass", OV}, {"indoption", I2V},
        {"indexprs", NT}, {"indpred", NT}})));
    v.push_back(&owned.emplace_back(MakeDef(kInheritsRelationId, "pg_inherits", 10005, false, {
        {"inhrelid", O}, {"inhparent", O}, {"inhseqno", I4}, {"inhdetachpending", B}})));
    v.push_back(&owned.emplace_back(MakeDef(kNamespaceRelationId, "pg_namespace", 10047, false, {
        {"oid", O}, {"nspname", N}, {"nspowner", O}, {"nspacl", ACL}})));
    v.push_back(&owned.emplace_back(MakeDef(kRewriteRelationId, "pg_rewrite", 10028, false, {
        {"oid", O}, {"rulename", N}, {"ev_class", O}, {"ev_type", C}, {"ev_enabled", C}, {"is_instead", B},
        {"ev_qual", NT}, {"ev_action", NT}})));
    v.push_back(&owned.emplace_back(MakeDef(kSequenceRelationId, "pg_sequence", 10040, false, {
        {"seqrelid", O}, {"seqtypid", O}, {"seqstart", I8}, {"seqincrement", I8}, {"seqmax", I8},
        {"seqmin", I8}, {"seqcache", I8}, {"seqcycle", B}})));
    v.push_back(&owned.emplace_back(MakeDef(kDependRelationId, "pg_depend", 10022, false, {
        {"classid", O}, {"objid", O}, {"objsubid", I4}, {"refclassid", O}, {"refobjid", O},
        {"refobjsubid", I4}, {"deptype", C}})));
    v.push_back(&owned.emplace_back(MakeDef(kPartitionedTableRelationId, "pg_partitioned_table", 10099, false, {
        {"partrelid", O}, {"partstrat", C}, {"partnatts", I2}, {"partdefid", O}, {"partattrs", I2V},
        {"partclass", OV}, {"partcollation", OV}, {"partexprs", NT}})));
    return v;
  }();
  return defs;
}

}  // namespace

const std::vector<BuiltinType>& BuiltinTypes() { return kTypes; }

const BuiltinType* FindBuiltinType(uint32_t oid) {
  for (const BuiltinType& t : kTypes)
    if (t.oid == oid) return &t;
  return nullptr;
}

heap::AttrDesc AttrDescFor(int16_t typlen, char typalign, bool by_val) {
  uint8_t align = typalign == 'd' ? 8 : typalign == 'i' ? 4 : typalign == 's' ? 2 : 1;
  // C strings (typlen -2) only occur for pseudo-types no column has; store them as varlena.
  return heap::AttrDesc{typlen > 0 ? typlen : int16_t{-1}, align, by_val};
}

const std::vector<const CatalogDef*>& AllCatalogs() { return Defs(); }

const CatalogDef& CatalogById(uint32_t oid) {
  for (const CatalogDef* d : Defs())
    if (d->oid == oid) return *d;
  throw PgError(sqlstate::kInternalError, "no stored catalog with OID " + std::to_string(oid));
}

namespace internal {

namespace {
[[noreturn]] void Mismatch(const CatalogDef& def, size_t col, const char* what) {
  std::string name = col < def.columns.size() ? def.columns[col].name : "(past the last column)";
  throw PgError(sqlstate::kInternalError, std::string(def.name) + "." + name + ": " + what);
}
}  // namespace

Encoder::Encoder(const CatalogDef& def) : def_(def) { values_.reserve(def.columns.size()); }

void Encoder::PutFixed(const void* p, size_t n) {
  size_t col = values_.size();
  if (col >= def_.attrs.size() || def_.attrs[col].len != static_cast<int16_t>(n))
    Mismatch(def_, col, "row member does not match the column's width");
  values_.emplace_back(std::string(static_cast<const char*>(p), n));
}

void Encoder::Put(const std::string* v) {
  size_t col = values_.size();
  if (col >= def_.attrs.size()) Mismatch(def_, col, "more row members than columns");
  int16_t len = def_.attrs[col].len;
  if (len == -1) {
    values_.emplace_back(*v);
  } else if (len == static_cast<int16_t>(kNameDataLen)) {
    // A name is NUL-padded to its fixed width; 63 bytes is the longest that fits.
    if (v->size() >= kNameDataLen || v->find('\0') != std::string::npos)
      throw PgError("42622", "name \"" + *v + "\" is too long or contains a NUL byte");
    std::string padded = *v;
    padded.resize(kNameDataLen, '\0');
    values_.emplace_back(std::move(padded));
  } else {
    Mismatch(def_, col, "string member for a fixed-width column");
  }
}

void Encoder::PutNull() {
  if (values_.size() >= def_.attrs.size()) Mismatch(def_, values_.size(), "more row members than columns");
  values_.emplace_back(std::nullopt);
}

std::string Encoder::Finish() {
  if (values_.size() != def_.columns.size()) Mismatch(def_, values_.size(), "fewer row members than columns");
  std::vector<std::optional<std::string_view>> views;
  views.reserve(values_.size());
  for (const auto& v : values_) views.push_back(v ? std::optional<std::string_view>(*v) : std::nullopt);
  return heap::FormTuple(def_.attrs, views);
}

Decoder::Decoder(const CatalogDef& def, std::string_view tuple) : def_(def) {
  heap::DeformTuple(def.attrs, tuple, &values_);
}

bool Decoder::IsNull() const {
  if (next_ >= values_.size()) Mismatch(def_, next_, "more row members than columns");
  return !values_[next_].has_value();
}

void Decoder::GetFixed(void* p, size_t n) {
  if (next_ >= values_.size() || def_.attrs[next_].len != static_cast<int16_t>(n))
    Mismatch(def_, next_, "row member does not match the column's width");
  const auto& v = values_[next_];
  // A NULL in a NOT NULL catalog column reads as zero rather than failing a lookup.
  if (v && v->size() == n) std::memcpy(p, v->data(), n); else std::memset(p, 0, n);
  ++next_;
}

void Decoder::Get(std::string* v, bool) {
  if (next_ >= values_.size()) Mismatch(def_, next_, "more row members than columns");
  const auto& val = values_[next_];
  v->clear();
  if (val) {
    std::string_view s = *val;
    if (def_.attrs[next_].len == static_cast<int16_t>(kNameDataLen)) s = s.substr(0, s.find('\0'));
    v->assign(s);
  }
  ++next_;
}

void Decoder::Done() const {
  if (next_ != values_.size()) Mismatch(def_, next_, "fewer row members than columns");
}

}  // namespace internal

}  // namespace tusk::catalog
