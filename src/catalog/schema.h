// The system catalogs' shapes: PostgreSQL 15's column names, order and type
// OIDs for each catalog Tusk stores as a heap, the built-in types, and one C++
// row struct per catalog that encodes to and decodes from a heap tuple.
#pragma once

#include <climits>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "access/heap/heap_tuple.h"

namespace tusk::catalog {

// Catalog relation OIDs (also their relfilenodes: they never change).
inline constexpr uint32_t kTypeRelationId = 1247;
inline constexpr uint32_t kAttributeRelationId = 1249;
inline constexpr uint32_t kProcRelationId = 1255;
inline constexpr uint32_t kRelationRelationId = 1259;
inline constexpr uint32_t kAuthIdRelationId = 1260;
inline constexpr uint32_t kDatabaseRelationId = 1262;
inline constexpr uint32_t kAttrDefaultRelationId = 2604;
inline constexpr uint32_t kConstraintRelationId = 2606;
inline constexpr uint32_t kIndexRelationId = 2610;
inline constexpr uint32_t kInheritsRelationId = 2611;
inline constexpr uint32_t kDependRelationId = 2608;
inline constexpr uint32_t kNamespaceRelationId = 2615;
inline constexpr uint32_t kRewriteRelationId = 2618;
inline constexpr uint32_t kSequenceRelationId = 2224;
inline constexpr uint32_t kPartitionedTableRelationId = 3350;
inline constexpr uint32_t kDbRoleSettingRelationId = 2964;

// Well-known objects.
inline constexpr uint32_t kPgCatalogNamespace = 11;
inline constexpr uint32_t kPgToastNamespace = 99;
inline constexpr uint32_t kPublicNamespace = 2200;
inline constexpr uint32_t kBootstrapSuperuserId = 10;
// PostgreSQL 15's predefined role that stands for the current database's
// owner; the public schema belongs to it.
inline constexpr uint32_t kDatabaseOwnerRoleId = 6171;
// Below this, objects belong to the system (FirstNormalObjectId).
inline constexpr uint32_t kFirstNormalObjectId = 16384;
inline constexpr uint32_t kTemplate1DbOid = 1;
inline constexpr uint32_t kTemplate0DbOid = 4;
inline constexpr uint32_t kPostgresDbOid = 5;
inline constexpr uint32_t kHeapAmOid = 2;
inline constexpr uint32_t kInternalLanguageOid = 12;
inline constexpr uint32_t kDefaultCollationOid = 100;

// Type OIDs used by the catalogs themselves.
inline constexpr uint32_t kBoolOid = 16, kByteaOid = 17, kCharOid = 18, kNameOid = 19, kInt8Oid = 20,
                          kInt2Oid = 21, kInt2VectorOid = 22, kInt4Oid = 23, kRegprocOid = 24, kTextOid = 25,
                          kOidOid = 26, kXidOid = 28, kOidVectorOid = 30, kPgNodeTreeOid = 194,
                          kFloat4Oid = 700, kFloat8Oid = 701, kUnknownOid = 705, kAclItemArrayOid = 1034,
                          kTextArrayOid = 1009, kInt2ArrayOid = 1005, kCharArrayOid = 1002, kOidArrayOid = 1028,
                          kTimestampTzOid = 1184, kRecordOid = 2249, kAnyArrayOid = 2277, kVoidOid = 2278;

// Fixed width of type `name` (NAMEDATALEN): up to 63 bytes plus a NUL.
inline constexpr size_t kNameDataLen = 64;

// One built-in type: the pg_type columns that matter for storage and for
// clients (typlen, typbyval, typalign, typcategory as PostgreSQL has them).
struct BuiltinType {
  uint32_t oid;
  const char* name;
  int16_t len;         // -1 varlena, -2 C string (pseudo-types)
  bool by_val;
  char type;           // b base, p pseudo
  char category;
  bool preferred;
  uint32_t elem;       // element type of an array (or of name/int2vector/oidvector)
  uint32_t array;      // its array type, 0 if none
  char align;          // c s i d
  char storage;        // p x m
  uint32_t collation;
};
const std::vector<BuiltinType>& BuiltinTypes();
const BuiltinType* FindBuiltinType(uint32_t oid);

// How a column of a type with this typlen/typalign is stored in a heap tuple.
heap::AttrDesc AttrDescFor(int16_t typlen, char typalign, bool by_val);

// One catalog column. Array, int2vector, oidvector, aclitem[] and
// pg_node_tree columns keep PostgreSQL's type OID but hold, for now, their
// external text form (e.g. "1 2" for an int2vector, "{a,b}" for text[]) in a
// varlena: no array type support exists yet.
struct ColumnDef {
  const char* name;
  uint32_t type_oid;
};

struct CatalogDef {
  uint32_t oid;
  const char* name;
  uint32_t rowtype_oid;  // its composite pg_type row (PostgreSQL's OID)
  bool shared;           // global/, one copy for the cluster
  std::vector<ColumnDef> columns;
  std::vector<heap::AttrDesc> attrs;  // derived from the columns' types
};
const std::vector<const CatalogDef*>& AllCatalogs();
const CatalogDef& CatalogById(uint32_t oid);  // XX000 for an unknown OID

// ---- row encoding ----
// A row struct lists its members in column order in Visit(); the member's C++
// type chooses the bytes: bool/char 1, int16_t 2, int32_t/uint32_t/float 4,
// int64_t 8, std::string a name (64 bytes, NUL-padded) or a varlena, by the
// column's typlen; std::optional<T> a nullable column. A mismatch between a
// member and its column's width is an XX000 at the first Encode/Decode.

// CRTP base: Row must define `static constexpr uint32_t kRelationId` and
// `template <class S, class V> static void Visit(S& row, V& v)`.
template <class Row>
struct CatalogRow {
  std::string Encode() const;
  static Row Decode(std::string_view tuple);
};

struct ClassRow : CatalogRow<ClassRow> {
  static constexpr uint32_t kRelationId = kRelationRelationId;
  uint32_t oid = 0;
  std::string relname;
  uint32_t relnamespace = 0, reltype = 0, reloftype = 0, relowner = kBootstrapSuperuserId, relam = kHeapAmOid;
  uint32_t relfilenode = 0, reltablespace = 0;
  int32_t relpages = 0;
  float reltuples = -1;
  int32_t relallvisible = 0;
  uint32_t reltoastrelid = 0;
  bool relhasindex = false, relisshared = false;
  char relpersistence = 'p', relkind = 'r';
  int16_t relnatts = 0, relchecks = 0;
  bool relhasrules = false, relhastriggers = false, relhassubclass = false, relrowsecurity = false,
       relforcerowsecurity = false, relispopulated = true;
  char relreplident = 'd';
  bool relispartition = false;
  uint32_t relrewrite = 0;
  uint32_t relfrozenxid = 0, relminmxid = 0;  // xid is 32-bit in the catalog; Tusk's 64-bit xids never freeze
  std::optional<std::string> relacl, reloptions, relpartbound;

  template <class S, class V>
  static void Visit(S& r, V& v) {
    v(r.oid), v(r.relname), v(r.relnamespace), v(r.reltype), v(r.reloftype), v(r.relowner), v(r.relam),
        v(r.relfilenode), v(r.reltablespace), v(r.relpages), v(r.reltuples), v(r.relallvisible),
        v(r.reltoastrelid), v(r.relhasindex), v(r.relisshared), v(r.relpersistence), v(r.relkind), v(r.relnatts),
        v(r.relchecks), v(r.relhasrules), v(r.relhastriggers), v(r.relhassubclass), v(r.relrowsecurity),
        v(r.relforcerowsecurity), v(r.relispopulated), v(r.relreplident), v(r.relispartition), v(r.relrewrite),
        v(r.relfrozenxid), v(r.relminmxid), v(r.relacl), v(r.reloptions), v(r.relpartbound);
  }
};

struct AttributeRow : CatalogRow<AttributeRow> {
  static constexpr uint32_t kRelationId = kAttributeRelationId;
  uint32_t attrelid = 0;
  std::string attname;
  uint32_t atttypid = 0;
  int32_t attstattarget = -1;
  int16_t attlen = 0, attnum = 0;
  int32_t attndims = 0, attcacheoff = -1, atttypmod = -1;
  bool attbyval = false;
  char attalign = 'i', attstorage = 'p', attcompression = '\0';
  bool attnotnull = false, atthasdef = false, atthasmissing = false;
  char attidentity = '\0', attgenerated = '\0';
  bool attisdropped = false, attislocal = true;
  int32_t attinhcount = 0;
  uint32_t attcollation = 0;
  std::optional<std::string> attacl, attoptions, attfdwoptions, attmissingval;

  template <class S, class V>
  static void Visit(S& r, V& v) {
    v(r.attrelid), v(r.attname), v(r.atttypid), v(r.attstattarget), v(r.attlen), v(r.attnum), v(r.attndims),
        v(r.attcacheoff), v(r.atttypmod), v(r.attbyval), v(r.attalign), v(r.attstorage), v(r.attcompression),
        v(r.attnotnull), v(r.atthasdef), v(r.atthasmissing), v(r.attidentity), v(r.attgenerated),
        v(r.attisdropped), v(r.attislocal), v(r.attinhcount), v(r.attcollation), v(r.attacl), v(r.attoptions),
        v(r.attfdwoptions), v(r.attmissingval);
  }
};

struct TypeRow : CatalogRow<TypeRow> {
  static constexpr uint32_t kRelationId = kTypeRelationId;
  uint32_t oid = 0;
  std::string typname;
  uint32_t typnamespace = kPgCatalogNamespace, typowner = kBootstrapSuperuserId;
  int16_t typlen = 0;
  bool typbyval = false;
  char typtype = 'b', typcategory = 'U';
  bool typispreferred = false, typisdefined = true;
  char typdelim = ',';
  uint32_t typrelid = 0, typsubscript = 0, typelem = 0, typarray = 0;
  // regproc columns: 0 until pg_proc holds the I/O functions.
  uint32_t typinput = 0, typoutput = 0, typreceive = 0, typsend = 0, typmodin = 0, typmodout = 0, typanalyze = 0;
  char typalign = 'i', typstorage = 'p';
  bool typnotnull = false;
  uint32_t typbasetype = 0;
  int32_t typtypmod = -1, typndims = 0;
  uint32_t typcollation = 0;
  std::optional<std::string> typdefaultbin, typdefault, typacl;

  template <class S, class V>
  static void Visit(S& r, V& v) {
    v(r.oid), v(r.typname), v(r.typnamespace), v(r.typowner), v(r.typlen), v(r.typbyval), v(r.typtype),
        v(r.typcategory), v(r.typispreferred), v(r.typisdefined), v(r.typdelim), v(r.typrelid), v(r.typsubscript),
        v(r.typelem), v(r.typarray), v(r.typinput), v(r.typoutput), v(r.typreceive), v(r.typsend), v(r.typmodin),
        v(r.typmodout), v(r.typanalyze), v(r.typalign), v(r.typstorage), v(r.typnotnull), v(r.typbasetype),
        v(r.typtypmod), v(r.typndims), v(r.typcollation), v(r.typdefaultbin), v(r.typdefault), v(r.typacl);
  }
};

// The composite pg_type row a table or view gets (named like it, typrelid = it).
inline TypeRow CompositeRowType(uint32_t rowtype_oid, uint32_t relid, const std::string& name, uint32_t namespace_oid) {
  TypeRow rt;
  rt.oid = rowtype_oid;
  rt.typname = name;
  rt.typnamespace = namespace_oid;
  rt.typlen = -1;
  rt.typtype = 'c';
  rt.typcategory = 'C';
  rt.typrelid = relid;
  rt.typalign = 'd';
  rt.typstorage = 'x';
  return rt;
}

// A column's pg_attribute row, its storage taken from its type's pg_type row.
inline AttributeRow AttributeFor(uint32_t relid, const std::string& name, int16_t attnum, const TypeRow& type,
                                 int32_t typmod, bool not_null) {
  AttributeRow a;
  a.attrelid = relid;
  a.attname = name;
  a.atttypid = type.oid;
  a.attlen = type.typlen;
  a.attnum = attnum;
  a.atttypmod = typmod;
  a.attbyval = type.typbyval;
  a.attalign = type.typalign;
  a.attstorage = type.typstorage;
  a.attnotnull = not_null;
  a.attcollation = type.typcollation;
  return a;
}

struct NamespaceRow : CatalogRow<NamespaceRow> {
  static constexpr uint32_t kRelationId = kNamespaceRelationId;
  uint32_t oid = 0;
  std::string nspname;
  uint32_t nspowner = kBootstrapSuperuserId;
  std::optional<std::string> nspacl;

  template <class S, class V>
  static void Visit(S& r, V& v) {
    v(r.oid), v(r.nspname), v(r.nspowner), v(r.nspacl);
  }
};

struct DatabaseRow : CatalogRow<DatabaseRow> {
  static constexpr uint32_t kRelationId = kDatabaseRelationId;
  uint32_t oid = 0;
  std::string datname;
  uint32_t datdba = kBootstrapSuperuserId;
  int32_t encoding = 6;  // UTF8
  char datlocprovider = 'c';
  bool datistemplate = false, datallowconn = true;
  int32_t datconnlimit = -1;
  uint32_t datfrozenxid = 0, datminmxid = 0;
  uint32_t dattablespace = 1663;
  std::string datcollate = "C", datctype = "C";
  std::optional<std::string> daticulocale, datcollversion, datacl;

  template <class S, class V>
  static void Visit(S& r, V& v) {
    v(r.oid), v(r.datname), v(r.datdba), v(r.encoding), v(r.datlocprovider), v(r.datistemplate),
        v(r.datallowconn), v(r.datconnlimit), v(r.datfrozenxid), v(r.datminmxid), v(r.dattablespace),
        v(r.datcollate), v(r.datctype), v(r.daticulocale), v(r.datcollversion), v(r.datacl);
  }
};

struct AuthIdRow : CatalogRow<AuthIdRow> {
  static constexpr uint32_t kRelationId = kAuthIdRelationId;
  uint32_t oid = 0;
  std::string rolname;
  bool rolsuper = false, rolinherit = true, rolcreaterole = false, rolcreatedb = false, rolcanlogin = false,
       rolreplication = false, rolbypassrls = false;
  int32_t rolconnlimit = -1;
  std::optional<std::string> rolpassword;   // SCRAM verifier
  std::optional<int64_t> rolvaliduntil;     // timestamptz, microseconds since 2000-01-01

  template <class S, class V>
  static void Visit(S& r, V& v) {
    v(r.oid), v(r.rolname), v(r.rolsuper), v(r.rolinherit), v(r.rolcreaterole), v(r.rolcreatedb),
        v(r.rolcanlogin), v(r.rolreplication), v(r.rolbypassrls), v(r.rolconnlimit), v(r.rolpassword),
        v(r.rolvaliduntil);
  }
};

// Settings of ALTER DATABASE/ROLE ... SET: one row per (database, role),
// 0 standing for every database or every role. setconfig holds the
// "name=value" entries in array text form, like the other array columns.
struct DbRoleSettingRow : CatalogRow<DbRoleSettingRow> {
  static constexpr uint32_t kRelationId = kDbRoleSettingRelationId;
  uint32_t setdatabase = 0, setrole = 0;
  std::optional<std::string> setconfig;

  template <class S, class V>
  static void Visit(S& r, V& v) {
    v(r.setdatabase), v(r.setrole), v(r.setconfig);
  }
};

struct IndexRow : CatalogRow<IndexRow> {
  static constexpr uint32_t kRelationId = kIndexRelationId;
  uint32_t indexrelid = 0, indrelid = 0;
  int16_t indnatts = 0, indnkeyatts = 0;
  bool indisunique = false, indnullsnotdistinct = false, indisprimary = false, indisexclusion = false,
       indimmediate = true, indisclustered = false, indisvalid = true, indcheckxmin = false, indisready = true,
       indislive = true, indisreplident = false;
  std::string indkey, indcollation, indclass, indoption;  // vectors, as text
  std::optional<std::string> indexprs, indpred;

  template <class S, class V>
  static void Visit(S& r, V& v) {
    v(r.indexrelid), v(r.indrelid), v(r.indnatts), v(r.indnkeyatts), v(r.indisunique), v(r.indnullsnotdistinct),
        v(r.indisprimary), v(r.indisexclusion), v(r.indimmediate), v(r.indisclustered), v(r.indisvalid),
        v(r.indcheckxmin), v(r.indisready), v(r.indislive), v(r.indisreplident), v(r.indkey), v(r.indcollation),
        v(r.indclass), v(r.indoption), v(r.indexprs), v(r.indpred);
  }
};

struct ConstraintRow : CatalogRow<ConstraintRow> {
  static constexpr uint32_t kRelationId = kConstraintRelationId;
  uint32_t oid = 0;
  std::string conname;
  uint32_t connamespace = 0;
  char contype = 'c';
  bool condeferrable = false, condeferred = false, convalidated = true;
  uint32_t conrelid = 0, contypid = 0, conindid = 0, conparentid = 0, confrelid = 0;
  char confupdtype = ' ', confdeltype = ' ', confmatchtype = ' ';
  bool conislocal = true;
  int32_t coninhcount = 0;
  bool connoinherit = false;
  std::optional<std::string> conkey, confkey, conpfeqop, conppeqop, conffeqop, confdelsetcols, conexclop, conbin;

  template <class S, class V>
  static void Visit(S& r, V& v) {
    v(r.oid), v(r.conname), v(r.connamespace), v(r.contype), v(r.condeferrable), v(r.condeferred),
        v(r.convalidated), v(r.conrelid), v(r.contypid), v(r.conindid), v(r.conparentid), v(r.confrelid),
        v(r.confupdtype), v(r.confdeltype), v(r.confmatchtype), v(r.conislocal), v(r.coninhcount),
        v(r.connoinherit), v(r.conkey), v(r.confkey), v(r.conpfeqop), v(r.conppeqop), v(r.conffeqop),
        v(r.confdelsetcols), v(r.conexclop), v(r.conbin);
  }
};

struct InheritsRow : CatalogRow<InheritsRow> {
  static constexpr uint32_t kRelationId = kInheritsRelationId;
  uint32_t inhrelid = 0, inhparent = 0;
  int32_t inhseqno = 1;
  bool inhdetachpending = false;

  template <class S, class V>
  static void Visit(S& r, V& v) {
    v(r.inhrelid), v(r.inhparent), v(r.inhseqno), v(r.inhdetachpending);
  }
};

struct PartitionedTableRow : CatalogRow<PartitionedTableRow> {
  static constexpr uint32_t kRelationId = kPartitionedTableRelationId;
  uint32_t partrelid = 0;
  char partstrat = 'r';
  int16_t partnatts = 0;
  uint32_t partdefid = 0;
  std::string partattrs, partclass, partcollation;  // vectors, as text
  std::optional<std::string> partexprs;

  template <class S, class V>
  static void Visit(S& r, V& v) {
    v(r.partrelid), v(r.partstrat), v(r.partnatts), v(r.partdefid), v(r.partattrs), v(r.partclass),
        v(r.partcollation), v(r.partexprs);
  }
};

struct AttrDefRow : CatalogRow<AttrDefRow> {
  static constexpr uint32_t kRelationId = kAttrDefaultRelationId;
  uint32_t oid = 0, adrelid = 0;
  int16_t adnum = 0;
  std::string adbin;  // the default expression's text until expression trees are stored

  template <class S, class V>
  static void Visit(S& r, V& v) {
    v(r.oid), v(r.adrelid), v(r.adnum), v(r.adbin);
  }
};

// A view's rule: ev_action holds the view's query as SQL text until query
// trees are stored (the same deviation as pg_attrdef.adbin).
struct RewriteRow : CatalogRow<RewriteRow> {
  static constexpr uint32_t kRelationId = kRewriteRelationId;
  uint32_t oid = 0;
  std::string rulename = "_RETURN";
  uint32_t ev_class = 0;
  char ev_type = '1';  // SELECT
  char ev_enabled = 'O';
  bool is_instead = true;
  std::string ev_qual = "<>";
  std::string ev_action;

  template <class S, class V>
  static void Visit(S& r, V& v) {
    v(r.oid), v(r.rulename), v(r.ev_class), v(r.ev_type), v(r.ev_enabled), v(r.is_instead), v(r.ev_qual),
        v(r.ev_action);
  }
};

// A sequence's parameters (PostgreSQL 10+'s pg_sequence); its current state
// lives in the sequence relation's own page (access/sequence).
struct SequenceRow : CatalogRow<SequenceRow> {
  static constexpr uint32_t kRelationId = kSequenceRelationId;
  uint32_t seqrelid = 0, seqtypid = kInt8Oid;
  int64_t seqstart = 1, seqincrement = 1, seqmax = INT64_MAX, seqmin = 1, seqcache = 1;
  bool seqcycle = false;

  template <class S, class V>
  static void Visit(S& r, V& v) {
    v(r.seqrelid), v(r.seqtypid), v(r.seqstart), v(r.seqincrement), v(r.seqmax), v(r.seqmin), v(r.seqcache),
        v(r.seqcycle);
  }
};

// A dependency between two objects (PostgreSQL's pg_depend). Tusk records
// only what sequences need: a sequence OWNED BY a column (deptype 'a', the
// sequence on the column) and a column default that names a sequence
// (deptype 'n', the pg_attrdef row on the sequence).
struct DependRow : CatalogRow<DependRow> {
  static constexpr uint32_t kRelationId = kDependRelationId;
  uint32_t classid = 0, objid = 0;
  int32_t objsubid = 0;
  uint32_t refclassid = 0, refobjid = 0;
  int32_t refobjsubid = 0;
  char deptype = 'n';

  template <class S, class V>
  static void Visit(S& r, V& v) {
    v(r.classid), v(r.objid), v(r.objsubid), v(r.refclassid), v(r.refobjid), v(r.refobjsubid), v(r.deptype);
  }
};

struct ProcRow : CatalogRow<ProcRow> {
  static constexpr uint32_t kRelationId = kProcRelationId;
  uint32_t oid = 0;
  std::string proname;
  uint32_t pronamespace = kPgCatalogNamespace, proowner = kBootstrapSuperuserId, prolang = kInternalLanguageOid;
  float procost = 1, prorows = 0;
  uint32_t provariadic = 0, prosupport = 0;
  char prokind = 'f';
  bool prosecdef = false, proleakproof = false, proisstrict = true, proretset = false;
  char provolatile = 's', proparallel = 's';
  int16_t pronargs = 0, pronargdefaults = 0;
  uint32_t prorettype = 0;
  std::string proargtypes;  // oidvector, as text
  std::optional<std::string> proallargtypes, proargmodes, proargnames, proargdefaults, protrftypes;
  std::string prosrc;
  std::optional<std::string> probin, prosqlbody, proconfig, proacl;

  template <class S, class V>
  static void Visit(S& r, V& v) {
    v(r.oid), v(r.proname), v(r.pronamespace), v(r.proowner), v(r.prolang), v(r.procost), v(r.prorows),
        v(r.provariadic), v(r.prosupport), v(r.prokind), v(r.prosecdef), v(r.proleakproof), v(r.proisstrict),
        v(r.proretset), v(r.provolatile), v(r.proparallel), v(r.pronargs), v(r.pronargdefaults), v(r.prorettype),
        v(r.proargtypes), v(r.proallargtypes), v(r.proargmodes), v(r.proargnames), v(r.proargdefaults),
        v(r.protrftypes), v(r.prosrc), v(r.probin), v(r.prosqlbody), v(r.proconfig), v(r.proacl);
  }
};

// ---- the codec behind CatalogRow ----
namespace internal {

class Encoder {
 public:
  explicit Encoder(const CatalogDef& def);
  template <class T>
  void operator()(const T& v) { Put(&v); }
  template <class T>
  void operator()(const std::optional<T>& v) {
    if (v) Put(&*v); else PutNull();
  }
  std::string Finish();

 private:
  void Put(const bool* v) { PutFixed(v, 1); }
  void Put(const char* v) { PutFixed(v, 1); }
  void Put(const int16_t* v) { PutFixed(v, 2); }
  void Put(const int32_t* v) { PutFixed(v, 4); }
  void Put(const uint32_t* v) { PutFixed(v, 4); }
  void Put(const float* v) { PutFixed(v, 4); }
  void Put(const int64_t* v) { PutFixed(v, 8); }
  void Put(const std::string* v);
  void PutFixed(const void* p, size_t n);
  void PutNull();
  const CatalogDef& def_;
  std::vector<std::optional<std::string>> values_;
};

class Decoder {
 public:
  Decoder(const CatalogDef& def, std::string_view tuple);
  template <class T>
  void operator()(T& v) { Get(&v, false); }
  template <class T>
  void operator()(std::optional<T>& v) {
    if (IsNull()) { v.reset(); ++next_; return; }
    v.emplace();
    Get(&*v, true);
  }
  void Done() const;

 private:
  bool IsNull() const;
  void Get(bool* v, bool) { GetFixed(v, 1); }
  void Get(char* v, bool) { GetFixed(v, 1); }
  void Get(int16_t* v, bool) { GetFixed(v, 2); }
  void Get(int32_t* v, bool) { GetFixed(v, 4); }
  void Get(uint32_t* v, bool) { GetFixed(v, 4); }
  void Get(float* v, bool) { GetFixed(v, 4); }
  void Get(int64_t* v, bool) { GetFixed(v, 8); }
  void Get(std::string* v, bool);
  void GetFixed(void* p, size_t n);
  const CatalogDef& def_;
  std::vector<std::optional<std::string_view>> values_;
  size_t next_ = 0;
};

}  // namespace internal

template <class Row>
std::string CatalogRow<Row>::Encode() const {
  const CatalogDef& def = CatalogById(Row::kRelationId);
  internal::Encoder enc(def);
  Row::Visit(static_cast<const Row&>(*this), enc);
  return enc.Finish();
}

template <class Row>
Row CatalogRow<Row>::Decode(std::string_view tuple) {
  Row row;
  internal::Decoder dec(CatalogById(Row::kRelationId), tuple);
  Row::Visit(row, dec);
  dec.Done();
  return row;
}

}  // namespace tusk::catalog
