#include "backend/builtin_views.h"

#include <map>
#include <utility>

#include "sql/engine.h"
#include "sql/parser/statement.h"
#include "utils/error.h"

namespace tusk::backend {
namespace {

struct Definition {
  const char* schema;
  const char* name;
  const char* sql;  // every output column has an alias: it names the view's column
};

// PostgreSQL 15's definitions (system_views.sql, information_schema.sql),
// shortened where Tusk has no such thing: no privileges filter (the
// information_schema views show what a superuser sees), no domains, no
// typed tables, no updatable views. relkind is text here, not "char".
// An identity column's sequence, for a scalar subquery's FROM and WHERE.
#define SEQ                                                                                       \
  " FROM pg_sequences s WHERE quote_ident(s.schemaname) || '.' || quote_ident(s.sequencename) = " \
  "pg_get_serial_sequence(quote_ident(nc.nspname) || '.' || quote_ident(c.relname), a.attname)"

constexpr Definition kViews[] = {
    {"pg_catalog", "pg_tables",
     "SELECT n.nspname::name AS schemaname, c.relname::name AS tablename, pg_get_userbyid(c.relowner)::name AS "
     "tableowner, t.spcname::name AS tablespace, c.relhasindex AS hasindexes, c.relhasrules AS hasrules, "
     "c.relhastriggers AS hastriggers, c.relrowsecurity AS rowsecurity "
     "FROM pg_class c LEFT JOIN pg_namespace n ON n.oid = c.relnamespace "
     "LEFT JOIN pg_tablespace t ON t.oid = c.reltablespace WHERE c.relkind IN ('r', 'p')"},
    {"pg_catalog", "pg_views",
     "SELECT n.nspname::name AS schemaname, c.relname::name AS viewname, pg_get_userbyid(c.relowner)::name AS "
     "viewowner, pg_get_viewdef(c.oid) AS definition "
     "FROM pg_class c LEFT JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relkind = 'v'"},
    {"pg_catalog", "pg_indexes",
     "SELECT n.nspname::name AS schemaname, c.relname::name AS tablename, i.relname::name AS indexname, "
     "t.spcname::name AS tablespace, pg_get_indexdef(i.oid) AS indexdef "
     "FROM pg_index x JOIN pg_class c ON c.oid = x.indrelid JOIN pg_class i ON i.oid = x.indexrelid "
     "LEFT JOIN pg_namespace n ON n.oid = c.relnamespace LEFT JOIN pg_tablespace t ON t.oid = i.reltablespace "
     "WHERE c.relkind IN ('r', 'm', 'p') AND i.relkind IN ('i', 'I')"},
    {"information_schema", "schemata",
     "SELECT current_database()::name AS catalog_name, n.nspname::name AS schema_name, "
     "pg_get_userbyid(n.nspowner)::name AS schema_owner, NULL::name AS default_character_set_catalog, "
     "NULL::name AS default_character_set_schema, NULL::name AS default_character_set_name, "
     "NULL::varchar AS sql_path FROM pg_namespace n"},
    {"information_schema", "tables",
     "SELECT current_database()::name AS table_catalog, nc.nspname::name AS table_schema, "
     "c.relname::name AS table_name, "
     "(CASE WHEN nc.oid = pg_my_temp_schema() THEN 'LOCAL TEMPORARY' WHEN c.relkind IN ('r', 'p') THEN 'BASE TABLE' "
     "WHEN c.relkind = 'v' THEN 'VIEW' WHEN c.relkind = 'f' THEN 'FOREIGN' END)::varchar AS table_type, "
     "NULL::name AS self_referencing_column_name, NULL::varchar AS reference_generation, "
     "NULL::name AS user_defined_type_catalog, NULL::name AS user_defined_type_schema, "
     "NULL::name AS user_defined_type_name, "
     "(CASE WHEN c.relkind IN ('r', 'p') THEN 'YES' ELSE 'NO' END)::varchar AS is_insertable_into, "
     "'NO'::varchar AS is_typed, "
     "(CASE WHEN nc.oid = pg_my_temp_schema() THEN 'PRESERVE' END)::varchar AS commit_action "
     "FROM pg_namespace nc JOIN pg_class c ON nc.oid = c.relnamespace "
     "WHERE c.relkind IN ('r', 'v', 'f', 'p') AND NOT pg_is_other_temp_schema(nc.oid)"},
    {"information_schema", "views",
     "SELECT current_database()::name AS table_catalog, nc.nspname::name AS table_schema, "
     "c.relname::name AS table_name, pg_get_viewdef(c.oid)::varchar AS view_definition, "
     "'NONE'::varchar AS check_option, 'NO'::varchar AS is_updatable, 'NO'::varchar AS is_insertable_into, "
     "'NO'::varchar AS is_trigger_updatable, 'NO'::varchar AS is_trigger_deletable, "
     "'NO'::varchar AS is_trigger_insertable_into "
     "FROM pg_namespace nc JOIN pg_class c ON nc.oid = c.relnamespace "
     "WHERE c.relkind = 'v' AND NOT pg_is_other_temp_schema(nc.oid)"},
    // Type facts as information_schema's _pg_char_max_length,
    // _pg_char_octet_length (UTF8: 4 bytes a character), _pg_numeric_precision,
    // _pg_numeric_precision_radix, _pg_numeric_scale and _pg_datetime_precision
    // compute them from atttypmod.
    {"information_schema", "columns",
     "SELECT current_database()::name AS table_catalog, nc.nspname::name AS table_schema, "
     "c.relname::name AS table_name, a.attname::name AS column_name, a.attnum::int AS ordinal_position, "
     "(CASE WHEN a.attgenerated = '' THEN pg_get_expr(ad.adbin, ad.adrelid) END)::varchar AS column_default, "
     "(CASE WHEN a.attnotnull THEN 'NO' ELSE 'YES' END)::varchar AS is_nullable, "
     "(CASE WHEN t.typelem <> 0 AND t.typlen = -1 THEN 'ARRAY' WHEN nt.nspname = 'pg_catalog' "
     "THEN format_type(a.atttypid, NULL) ELSE 'USER-DEFINED' END)::varchar AS data_type, "
     "(CASE WHEN a.atttypid IN (1042, 1043) AND a.atttypmod >= 0 THEN a.atttypmod - 4 END)::int "
     "AS character_maximum_length, "
     "(CASE WHEN a.atttypid IN (1042, 1043) AND a.atttypmod >= 0 THEN (a.atttypmod - 4) * 4 "
     "WHEN a.atttypid IN (25, 1042, 1043) THEN 1073741824 END)::int AS character_octet_length, "
     "(CASE a.atttypid WHEN 21 THEN 16 WHEN 23 THEN 32 WHEN 20 THEN 64 WHEN 700 THEN 24 WHEN 701 THEN 53 "
     "WHEN 1700 THEN CASE WHEN a.atttypmod >= 0 THEN ((a.atttypmod - 4) >> 16) & 65535 END END)::int "
     "AS numeric_precision, "
     "(CASE WHEN a.atttypid IN (21, 23, 20, 700, 701) THEN 2 WHEN a.atttypid = 1700 THEN 10 END)::int "
     "AS numeric_precision_radix, "
     "(CASE WHEN a.atttypid IN (21, 23, 20) THEN 0 WHEN a.atttypid = 1700 AND a.atttypmod >= 0 "
     "THEN (a.atttypmod - 4) & 65535 END)::int AS numeric_scale, "
     "(CASE WHEN a.atttypid = 1082 THEN 0 WHEN a.atttypid IN (1083, 1114, 1184, 1266) "
     "THEN CASE WHEN a.atttypmod < 0 THEN 6 ELSE a.atttypmod END "
     "WHEN a.atttypid = 1186 THEN CASE WHEN a.atttypmod < 0 OR a.atttypmod & 65535 = 65535 THEN 6 "
     "ELSE a.atttypmod & 65535 END END)::int AS datetime_precision, "
     "NULL::varchar AS interval_type, NULL::int AS interval_precision, NULL::name AS character_set_catalog, "
     "NULL::name AS character_set_schema, NULL::name AS character_set_name, NULL::name AS collation_catalog, "
     "NULL::name AS collation_schema, NULL::name AS collation_name, NULL::name AS domain_catalog, "
     "NULL::name AS domain_schema, NULL::name AS domain_name, current_database()::name AS udt_catalog, "
     "nt.nspname::name AS udt_schema, t.typname::name AS udt_name, NULL::name AS scope_catalog, "
     "NULL::name AS scope_schema, NULL::name AS scope_name, NULL::int AS maximum_cardinality, "
     "a.attnum::text::name AS dtd_identifier, 'NO'::varchar AS is_self_referencing, "
     "(CASE WHEN a.attidentity IN ('a', 'd') THEN 'YES' ELSE 'NO' END)::varchar AS is_identity, "
     "(CASE a.attidentity WHEN 'a' THEN 'ALWAYS' WHEN 'd' THEN 'BY DEFAULT' END)::varchar AS identity_generation, "
     "(CASE WHEN a.attidentity IN ('a', 'd') THEN (SELECT s.start_value" SEQ ") END)::varchar AS identity_start, "
     "(CASE WHEN a.attidentity IN ('a', 'd') THEN (SELECT s.increment_by" SEQ ") END)::varchar AS identity_increment, "
     "(CASE WHEN a.attidentity IN ('a', 'd') THEN (SELECT s.max_value" SEQ ") END)::varchar AS identity_maximum, "
     "(CASE WHEN a.attidentity IN ('a', 'd') THEN (SELECT s.min_value" SEQ ") END)::varchar AS identity_minimum, "
     "(CASE WHEN a.attidentity IN ('a', 'd') AND (SELECT s.cycle" SEQ ") THEN 'YES' ELSE 'NO' END)::varchar "
     "AS identity_cycle, "
     "(CASE WHEN a.attgenerated = '' THEN 'NEVER' ELSE 'ALWAYS' END)::varchar AS is_generated, "
     "(CASE WHEN a.attgenerated <> '' THEN pg_get_expr(ad.adbin, ad.adrelid) END)::varchar "
     "AS generation_expression, "
     "(CASE WHEN c.relkind IN ('r', 'p') THEN 'YES' ELSE 'NO' END)::varchar AS is_updatable "
     "FROM pg_attribute a LEFT JOIN pg_attrdef ad ON a.attrelid = ad.adrelid AND a.attnum = ad.adnum "
     "JOIN pg_class c ON a.attrelid = c.oid JOIN pg_namespace nc ON c.relnamespace = nc.oid "
     "JOIN pg_type t ON a.atttypid = t.oid JOIN pg_namespace nt ON t.typnamespace = nt.oid "
     "WHERE NOT pg_is_other_temp_schema(nc.oid) AND a.attnum > 0 AND NOT a.attisdropped "
     "AND c.relkind IN ('r', 'v', 'f', 'p')"},
};

#undef SEQ

std::shared_ptr<const sql::ViewDef> Parse(const Definition& d) {
  auto stmts = sql::ParseQuery(d.sql);
  auto def = std::make_shared<sql::ViewDef>();
  def->query = std::shared_ptr<const sql::Statement>(std::move(stmts.at(0)));
  for (const auto& t : def->query->select().targets) {
    if (!t.alias) throw PgError(sqlstate::kInternalError, std::string("unnamed column in system view ") + d.name);
    def->columns.push_back(*t.alias);
  }
  return def;
}

}  // namespace

std::shared_ptr<const sql::ViewDef> BuiltinView(const std::string& schema, const std::string& name) {
  static std::map<std::pair<std::string, std::string>, std::shared_ptr<const sql::ViewDef>> parsed;
  const std::string& in = schema.empty() ? std::string("pg_catalog") : schema;
  for (const Definition& d : kViews) {
    if (in != d.schema || name != d.name) continue;
    auto& slot = parsed[{d.schema, d.name}];
    if (!slot) slot = Parse(d);
    return slot;
  }
  return nullptr;
}

}  // namespace tusk::backend
