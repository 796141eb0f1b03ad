// The bootstrap catalog contents and the template copies. Everything goes
// through the ordinary heap code and WAL, so a crash during or after initdb
// replays the catalog like any other table.
#include "catalog/bootstrap.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <string>
#include <vector>

#include "access/heap/heapam.h"
#include "access/wal/wal_dbase.h"
#include "catalog/acl.h"
#include "catalog/catalog.h"
#include "catalog/schema.h"
#include "storage/buffer/buffer.h"
#include "storage/file/smgr.h"
#include "storage/file/vfs.h"
#include "utils/error.h"

namespace tusk::catalog {

namespace {

void MakeDir(const std::string& relative) {
  const std::string path = smgr::FullPath(relative);
  if (vfs::Mkdir(path, 0700) != 0 && errno != EEXIST)
    throw PgError(sqlstate::kIoError, "could not create directory \"" + path + "\": " + std::strerror(errno));
}

TypeRow BuiltinTypeRow(const BuiltinType& t) {
  TypeRow r;
  r.oid = t.oid;
  r.typname = t.name;
  r.typlen = t.len;
  r.typbyval = t.by_val;
  r.typtype = t.type;
  r.typcategory = t.category;
  r.typispreferred = t.preferred;
  r.typelem = t.elem;
  r.typarray = t.array;
  r.typalign = t.align;
  r.typstorage = t.storage;
  r.typcollation = t.collation;
  return r;
}

// A catalog's composite row type, as PostgreSQL gives every table one.
TypeRow RowTypeRow(const CatalogDef& def) {
  TypeRow r;
  r.oid = def.rowtype_oid;
  r.typname = def.name;
  r.typlen = -1;
  r.typtype = 'c';
  r.typcategory = 'C';
  r.typrelid = def.oid;
  r.typalign = 'd';
  r.typstorage = 'x';
  return r;
}

ClassRow CatalogClassRow(const CatalogDef& def) {
  ClassRow r;
  r.oid = def.oid;
  r.relname = def.name;
  r.relnamespace = kPgCatalogNamespace;
  r.reltype = def.rowtype_oid;
  r.relfilenode = def.oid;
  r.reltablespace = def.shared ? smgr::kGlobalTablespace : 0;  // 0: the database's default
  r.relisshared = def.shared;
  r.relnatts = static_cast<int16_t>(def.columns.size());
  r.relreplident = 'n';
  return r;
}

std::vector<AttributeRow> CatalogAttributeRows(const CatalogDef& def) {
  std::vector<AttributeRow> rows;
  for (size_t i = 0; i < def.columns.size(); ++i) {
    const BuiltinType* t = FindBuiltinType(def.columns[i].type_oid);
    AttributeRow a;
    a.attrelid = def.oid;
    a.attname = def.columns[i].name;
    a.atttypid = t->oid;
    a.attstattarget = 0;
    a.attlen = t->len;
    a.attnum = static_cast<int16_t>(i + 1);
    a.attbyval = t->by_val;
    a.attalign = t->align;
    a.attstorage = t->storage;
    // Fixed-width catalog columns are always filled; variable-width ones may be NULL.
    a.attnotnull = t->len > 0;
    a.attcollation = t->collation;
    rows.push_back(std::move(a));
  }
  return rows;
}

ProcRow Proc(uint32_t oid, const char* name, uint32_t rettype, const std::string& argtypes, char volatility) {
  ProcRow p;
  p.oid = oid;
  p.proname = name;
  p.prorettype = rettype;
  p.proargtypes = argtypes;
  p.pronargs = static_cast<int16_t>(argtypes.empty() ? 0 : 1 + std::count(argtypes.begin(), argtypes.end(), ' '));
  p.provolatile = volatility;
  p.prosrc = name;
  return p;
}

std::vector<ProcRow> BuiltinProcs() {
  // The functions clients call on connect and psql's \d needs first.
  return {
      Proc(89, "version", kTextOid, "", 's'),
      Proc(861, "current_database", kNameOid, "", 's'),
      Proc(1081, "format_type", kTextOid, "26 23", 's'),
      Proc(1299, "now", kTimestampTzOid, "", 's'),
      Proc(1402, "current_schema", kNameOid, "", 's'),
      Proc(1642, "pg_get_userbyid", kNameOid, "26", 's'),
      Proc(2026, "pg_backend_pid", kInt4Oid, "", 's'),
      Proc(2077, "current_setting", kTextOid, "25", 's'),
      Proc(2079, "pg_table_is_visible", kBoolOid, "26", 's'),
  };
}

DatabaseRow Database(uint32_t oid, const char* name, bool is_template, bool allow_conn,
                     const BootstrapOptions& o) {
  DatabaseRow d;
  d.oid = oid;
  d.datname = name;
  d.encoding = o.encoding;
  d.datistemplate = is_template;
  d.datallowconn = allow_conn;
  d.datconnlimit = -1;
  d.datcollate = o.locale;
  d.datctype = o.locale;
  return d;
}

}  // namespace

void BootstrapCatalog(const BootstrapOptions& options) {
  SetCurrentDatabase(kTemplate1DbOid);
  MakeDir("base");
  MakeDir("base/1");
  MakeDir("global");
  heap::XactContext x = CurrentXactContext();

  for (const CatalogDef* def : AllCatalogs()) heap::CreateStorage(CatalogRelation(def->oid).loc);

  for (const BuiltinType& t : BuiltinTypes()) InsertCatalogRow(BuiltinTypeRow(t), x);
  for (const CatalogDef* def : AllCatalogs()) {
    InsertCatalogRow(RowTypeRow(*def), x);
    InsertCatalogRow(CatalogClassRow(*def), x);
    for (const AttributeRow& a : CatalogAttributeRows(*def)) InsertCatalogRow(a, x);
  }

  for (auto [oid, name] : {std::pair{kPgCatalogNamespace, "pg_catalog"}, std::pair{kPgToastNamespace, "pg_toast"},
                           std::pair{kPublicNamespace, "public"}}) {
    NamespaceRow n;
    n.oid = oid;
    n.nspname = name;
    // PostgreSQL 15's: everyone may look up names in pg_catalog and public,
    // and only the database's owner may create in public.
    if (oid == kPgCatalogNamespace)
      n.nspacl = FormatAcl({{options.superuser, options.superuser, kAclUsage | kAclCreate, 0},
                            {"", options.superuser, kAclUsage, 0}});
    if (oid == kPublicNamespace) {
      n.nspowner = kDatabaseOwnerRoleId;
      n.nspacl = "{pg_database_owner=UC/pg_database_owner,=U/pg_database_owner}";
    }
    InsertCatalogRow(n, x);
  }
  for (const ProcRow& p : BuiltinProcs()) InsertCatalogRow(p, x);

  InsertCatalogRow(Database(kTemplate1DbOid, "template1", true, true, options), x);
  InsertCatalogRow(Database(kTemplate0DbOid, "template0", true, false, options), x);
  InsertCatalogRow(Database(kPostgresDbOid, "postgres", false, true, options), x);

  AuthIdRow su;
  su.oid = kBootstrapSuperuserId;
  su.rolname = options.superuser;
  su.rolsuper = su.rolinherit = su.rolcreaterole = su.rolcreatedb = su.rolcanlogin = su.rolreplication =
      su.rolbypassrls = true;
  su.rolpassword = options.password_verifier;
  InsertCatalogRow(su, x);
  AuthIdRow owner;
  owner.oid = kDatabaseOwnerRoleId;
  owner.rolname = "pg_database_owner";
  InsertCatalogRow(owner, x);
}

void CreateTemplateCopies() {
  // The copies are read from disk, so every page must be there first.
  buffer::FlushAllDirtyBuffers();
  for (uint32_t db : {kTemplate0DbOid, kPostgresDbOid}) wal::CopyDatabaseDirectory(kTemplate1DbOid, db);
}

}  // namespace tusk::catalog
