// Sequences in the backend: CREATE/ALTER SEQUENCE (PostgreSQL's
// DefineSequence / AlterSequence / init_params / process_owned_by), serial
// columns' sequences, and the session's side of nextval, currval, setval,
// lastval and pg_get_serial_sequence (PostgreSQL's SeqTable: per-session
// cached values and currval state). The page itself is access/sequence.
#include <cerrno>
#include <cstdlib>
#include <unordered_map>

#include "access/sequence/sequence.h"
#include "access/transam/snapshot.h"
#include "access/transam/xact.h"
#include "backend/sequence_ddl.h"
#include "backend/session.h"
#include "backend/stored_table.h"
#include "catalog/catalog.h"
#include "catalog/temp_namespace.h"
#include "catalog/table_ddl.h"
#include "sql/engine.h"
#include "sql/functions/registry.h"
#include "sql/parser/deparse.h"
#include "sql/types/regtypes.h"
#include "sql/types/type_oids.h"
#include "storage/ipc/sinval.h"
#include "storage/lmgr/lock.h"
#include "utils/error.h"

namespace tusk::backend {
namespace {

constexpr uint32_t kInt2 = 21, kInt4 = 23, kInt8 = 20;

heap::XactContext WriteXact() {
  heap::XactContext x = catalog::CurrentXactContext();
  x.cid = xact::CurrentCommandId();
  return x;
}

smgr::RelFileLocator SeqLoc(uint32_t relfilenode) {
  return {smgr::kDefaultTablespace, catalog::CurrentDatabase(), relfilenode};
}

std::string TypeSqlName(uint32_t t) { return t == kInt2 ? "smallint" : t == kInt4 ? "integer" : "bigint"; }

// defGetInt64: the number as written, 22003 past bigint.
int64_t OptionInt64(const sql::SeqOption& o) {
  errno = 0;
  char* end = nullptr;
  long long v = std::strtoll(o.value.c_str(), &end, 10);
  if (errno == ERANGE || end == o.value.c_str() || *end != '\0')
    throw MakeError(sqlstate::kNumericValueOutOfRange, "value \"" + o.value + "\" is out of range for type bigint");
  return v;
}

struct Options {
  const sql::SeqOption* as = nullptr;
  const sql::SeqOption* increment = nullptr;
  const sql::SeqOption* min = nullptr;
  const sql::SeqOption* max = nullptr;
  const sql::SeqOption* start = nullptr;
  const sql::SeqOption* restart = nullptr;
  const sql::SeqOption* cache = nullptr;
  const sql::SeqOption* cycle = nullptr;
  const sql::SeqOption* owned_by = nullptr;
};

Options CollectOptions(const std::vector<sql::SeqOption>& list) {
  Options o;
  for (const auto& opt : list) {
    const sql::SeqOption** slot = nullptr;
    switch (opt.kind) {
      case sql::SeqOption::kAs: slot = &o.as; break;
      case sql::SeqOption::kIncrement: slot = &o.increment; break;
      case sql::SeqOption::kMinValue: slot = &o.min; break;
      case sql::SeqOption::kMaxValue: slot = &o.max; break;
      case sql::SeqOption::kStart: slot = &o.start; break;
      case sql::SeqOption::kRestart: slot = &o.restart; break;
      case sql::SeqOption::kCache: slot = &o.cache; break;
      case sql::SeqOption::kCycle: slot = &o.cycle; break;
      case sql::SeqOption::kOwnedBy: slot = &o.owned_by; break;
    }
    if (*slot) throw MakeError(sqlstate::kSyntaxError, "conflicting or redundant options");
    *slot = &opt;
  }
  return o;
}

uint32_t ResolveSeqType(const sql::SeqOption& o, bool for_identity) {
  const sql::TypeInfo* ti = sql::LookupTypeByName(o.names.back());
  if (!ti) throw MakeError(sqlstate::kUndefinedObject, "type \"" + o.names.back() + "\" does not exist");
  if (ti->oid != kInt2 && ti->oid != kInt4 && ti->oid != kInt8)
    throw MakeError(sqlstate::kInvalidParameterValue, for_identity
                                                          ? "identity column type must be smallint, integer, or bigint"
                                                          : "sequence type must be smallint, integer, or bigint");
  return ti->oid;
}

void TypeBounds(uint32_t t, int64_t* lo, int64_t* hi) {
  if (t == kInt2) {
    *lo = INT16_MIN;
    *hi = INT16_MAX;
  } else if (t == kInt4) {
    *lo = INT32_MIN;
    *hi = INT32_MAX;
  } else {
    *lo = INT64_MIN;
    *hi = INT64_MAX;
  }
}

// PostgreSQL 15's init_params: fills `form` (pg_sequence) and `data` (the
// page's state) from the options, with its defaults and checks in its order.
void InitParams(const Options& o, bool is_init, bool for_identity, catalog::SequenceRow& form,
                sequence::State& data, bool* need_rewrite) {
  *need_rewrite = o.as || o.increment || o.min || o.max || o.start || o.restart || o.cache || o.cycle;
  bool reset_max = false, reset_min = false;
  if (o.as) {
    uint32_t t = ResolveSeqType(*o.as, for_identity);
    if (!is_init) {
      int64_t lo, hi;
      TypeBounds(form.seqtypid, &lo, &hi);
      if (form.seqmax == hi) reset_max = true;
      if (form.seqmin == lo) reset_min = true;
    }
    form.seqtypid = t;
  } else if (is_init) {
    form.seqtypid = kInt8;
  }
  if (o.increment) {
    form.seqincrement = OptionInt64(*o.increment);
    if (form.seqincrement == 0) throw MakeError(sqlstate::kInvalidParameterValue, "INCREMENT must not be zero");
    data.log_cnt = 0;
  } else if (is_init) {
    form.seqincrement = 1;
  }
  if (o.cycle) {
    form.seqcycle = o.cycle->cycle;
    data.log_cnt = 0;
  } else if (is_init) {
    form.seqcycle = false;
  }
  int64_t lo, hi;
  TypeBounds(form.seqtypid, &lo, &hi);
  if (o.max && o.max->has_value) {
    form.seqmax = OptionInt64(*o.max);
    data.log_cnt = 0;
  } else if (is_init || o.max || reset_max) {
    form.seqmax = form.seqincrement > 0 || reset_max ? hi : -1;
    data.log_cnt = 0;
  }
  if (form.seqmax < lo || form.seqmax > hi)
    throw MakeError(sqlstate::kInvalidParameterValue, "MAXVALUE (" + std::to_string(form.seqmax) +
                                                          ") is out of range for sequence data type " +
                                                          TypeSqlName(form.seqtypid));
  if (o.min && o.min->has_value) {
    form.seqmin = OptionInt64(*o.min);
    data.log_cnt = 0;
  } else if (is_init || o.min || reset_min) {
    form.seqmin = form.seqincrement < 0 || reset_min ? lo : 1;
    data.log_cnt = 0;
  }
  if (form.seqmin < lo || form.seqmin > hi)
    throw MakeError(sqlstate::kInvalidParameterValue, "MINVALUE (" + std::to_string(form.seqmin) +
                                                          ") is out of range for sequence data type " +
                                                          TypeSqlName(form.seqtypid));
  if (form.seqmin >= form.seqmax)
    throw MakeError(sqlstate::kInvalidParameterValue, "MINVALUE (" + std::to_string(form.seqmin) +
                                                          ") must be less than MAXVALUE (" +
                                                          std::to_string(form.seqmax) + ")");
  if (o.start) {
    form.seqstart = OptionInt64(*o.start);
  } else if (is_init) {
    form.seqstart = form.seqincrement > 0 ? form.seqmin : form.seqmax;
  }
  if (form.seqstart < form.seqmin)
    throw MakeError(sqlstate::kInvalidParameterValue, "START value (" + std::to_string(form.seqstart) +
                                                          ") cannot be less than MINVALUE (" +
                                                          std::to_string(form.seqmin) + ")");
  if (form.seqstart > form.seqmax)
    throw MakeError(sqlstate::kInvalidParameterValue, "START value (" + std::to_string(form.seqstart) +
                                                          ") cannot be greater than MAXVALUE (" +
                                                          std::to_string(form.seqmax) + ")");
  if (o.restart) {
    data.last_value = o.restart->has_value ? OptionInt64(*o.restart) : form.seqstart;
    data.is_called = false;
    data.log_cnt = 0;
  } else if (is_init) {
    data.last_value = form.seqstart;
    data.is_called = false;
  }
  if (data.last_value < form.seqmin)
    throw MakeError(sqlstate::kInvalidParameterValue, "RESTART value (" + std::to_string(data.last_value) +
                                                          ") cannot be less than MINVALUE (" +
                                                          std::to_string(form.seqmin) + ")");
  if (data.last_value > form.seqmax)
    throw MakeError(sqlstate::kInvalidParameterValue, "RESTART value (" + std::to_string(data.last_value) +
                                                          ") cannot be greater than MAXVALUE (" +
                                                          std::to_string(form.seqmax) + ")");
  if (o.cache) {
    form.seqcache = OptionInt64(*o.cache);
    if (form.seqcache <= 0)
      throw MakeError(sqlstate::kInvalidParameterValue,
                      "CACHE (" + std::to_string(form.seqcache) + ") must be greater than zero");
    data.log_cnt = 0;
  } else if (is_init) {
    form.seqcache = 1;
  }
}

const char* RelkindNotSupportedDetail(char relkind) {
  switch (relkind) {
    case 'S': return "This operation is not supported for sequences.";
    case 'i': return "This operation is not supported for indexes.";
    case 't': return "This operation is not supported for TOAST tables.";
    default: return "";
  }
}

// PostgreSQL's process_owned_by: OWNED BY table.column or NONE.
void ProcessOwnedBy(const catalog::ClassRow& seq, const std::vector<std::string>& names, heap::XactContext& x) {
  for (const auto& d : catalog::FindDependencies([&](const catalog::DependRow& d) {
         return d.classid == catalog::kRelationRelationId && d.objid == seq.oid && d.deptype == 'i';
       }, x.snapshot, x.Me())) {
    auto table = catalog::LookupRelationByOid(d.refobjid, x.snapshot, x.Me());
    throw MakeError(sqlstate::kFeatureNotSupported, "cannot change ownership of identity sequence")
        .Detail("Sequence \"" + seq.relname + "\" is linked to table \"" + (table ? table->relname : "") + "\".");
  }
  auto drop_old = [&] {
    catalog::DeleteDependencies([&](const catalog::DependRow& d) {
      return d.classid == catalog::kRelationRelationId && d.objid == seq.oid &&
             d.refclassid == catalog::kRelationRelationId && d.deptype == 'a';
    }, x);
  };
  if (names.size() == 1) {
    if (names[0] != "none")
      throw MakeError(sqlstate::kSyntaxError, "invalid OWNED BY option")
          .Hint("Specify OWNED BY table.column or OWNED BY NONE.");
    drop_old();
    return;
  }
  const std::string column = names.back();
  const std::string table = names[names.size() - 2];
  const std::string schema = names.size() > 2 ? names[names.size() - 3] : "";
  auto cls = catalog::ResolveRelation(schema, table, x.snapshot, x.Me());
  if (!cls) throw MakeError(sqlstate::kUndefinedTable, "relation \"" + table + "\" does not exist");
  if (cls->relkind != 'r' && cls->relkind != 'v' && cls->relkind != 'f' && cls->relkind != 'p')
    throw MakeError("42809", "sequence cannot be owned by relation \"" + table + "\"")
        .Detail(RelkindNotSupportedDetail(cls->relkind));
  if (cls->relnamespace != seq.relnamespace)
    throw MakeError(sqlstate::kObjectNotInPrerequisiteState, "sequence must be in same schema as table it is linked to");
  int16_t attnum = 0;
  for (const auto& a : catalog::RelationAttributes(cls->oid, x.snapshot, x.Me()))
    if (a.attname == column) attnum = a.attnum;
  if (attnum == 0)
    throw MakeError(sqlstate::kUndefinedColumn,
                    "column \"" + column + "\" of relation \"" + table + "\" does not exist");
  drop_old();
  SetSequenceOwner(seq.oid, cls->oid, attnum, x);
}

// ---- the session's sequences (PostgreSQL's SeqTable) ----

struct SessionSeq {
  uint32_t filenode = 0;   // the relfilenode the cached values came from
  bool last_valid = false; // currval is defined
  int64_t last = 0;        // currval
  int64_t cached = 0;      // last value fetched into the cache (== last: nothing cached)
  int64_t increment = 0;
  wal::Lsn covered_by = wal::kInvalidLsn;  // the record covering the cached values
};
std::unordered_map<uint32_t, SessionSeq> g_session_seqs;
uint32_t g_last_used = 0;  // lastval's sequence

// A relation as nextval needs it, cached until the catalog version moves.
struct SeqInfo {
  uint32_t oid = 0;
  std::string name;
  char relkind = 'r';
  uint32_t relfilenode = 0;
  uint32_t owner = 0;
  std::optional<std::string> acl;
  sequence::Params params;
};
std::unordered_map<uint32_t, SeqInfo> g_seq_info;
uint64_t g_seq_info_version = 0;

// Read with a fresh snapshot (PostgreSQL reads the syscache): after the
// relation lock, what the transaction holding it before us committed counts,
// also in REPEATABLE READ.
std::optional<SeqInfo> FetchSeqInfo(uint32_t relid) {
  const uint64_t version = sinval::CatalogVersion();
  const bool cacheable = StoredTablesEpoch() != 0;  // 0: this transaction changed the catalog
  if (version != g_seq_info_version || !cacheable) {
    g_seq_info.clear();
    g_seq_info_version = version;
  }
  auto it = g_seq_info.find(relid);
  if (it != g_seq_info.end()) return it->second;
  transam::Snapshot snap = transam::GetSnapshot();
  snap.curcid = xact::CurrentCommandId();
  const transam::CurrentXact me = xact::CurrentXactForVisibility();
  auto cls = catalog::LookupRelationByOid(relid, snap, me);
  if (!cls) return std::nullopt;
  SeqInfo info;
  info.oid = relid;
  info.name = cls->relname;
  info.relkind = cls->relkind;
  info.relfilenode = cls->relfilenode;
  info.owner = cls->relowner;
  info.acl = cls->relacl;
  if (cls->relkind == 'S') {
    auto row = catalog::LookupSequence(relid, snap, me);
    if (!row) throw MakeError(sqlstate::kInternalError, "cache lookup failed for sequence " + std::to_string(relid));
    info.params.type_oid = row->seqtypid;
    info.params.start = row->seqstart;
    info.params.increment = row->seqincrement;
    info.params.max = row->seqmax;
    info.params.min = row->seqmin;
    info.params.cache = row->seqcache;
    info.params.cycle = row->seqcycle;
  }
  if (cacheable) g_seq_info[relid] = info;
  return info;
}

// PostgreSQL's init_sequence: the lock, the relation, and this session's entry.
SeqInfo OpenSequence(uint32_t relid, lmgr::LockMode mode) {
  lmgr::Acquire(lmgr::LockTag::Relation(catalog::CurrentDatabase(), relid), mode, false);
  auto info = FetchSeqInfo(relid);
  if (!info) throw MakeError(sqlstate::kInternalError, "could not open relation with OID " + std::to_string(relid));
  if (info->relkind != 'S') throw MakeError("42809", "\"" + info->name + "\" is not a sequence");
  SessionSeq& elm = g_session_seqs[relid];
  if (elm.filenode != info->relfilenode) {
    // Transactionally replaced (ALTER SEQUENCE): cached values are void;
    // currval stays.
    elm.filenode = info->relfilenode;
    elm.cached = elm.last;
  }
  return *info;
}

}  // namespace

void DiscardSequences() {
  g_session_seqs.clear();
  g_last_used = 0;
}

uint32_t SerialIntegerType(const sql::TypeName& type) {
  if (type.names.size() > 2 || !type.array_bounds.empty() || !type.typmods.empty()) return 0;
  if (type.names.size() == 2 && type.names[0] != "pg_catalog") return 0;
  const std::string& n = type.names.back();
  if (n == "serial" || n == "serial4") return kInt4;
  if (n == "bigserial" || n == "serial8") return kInt8;
  if (n == "smallserial" || n == "serial2") return kInt2;
  return 0;
}

uint32_t CreateSerialSequence(uint32_t namespace_oid, const std::string& table, const std::string& column,
                              uint32_t int_type, std::set<std::string>& taken, std::string* default_sql,
                              heap::XactContext& x, const std::vector<sql::SeqOption>* identity_options,
                              bool for_identity) {
  // PostgreSQL's ChooseRelationName(table, column, "seq"): a name no
  // relation of the namespace has.
  std::set<std::string> used = taken;
  for (auto& r : catalog::ScanCatalog<catalog::ClassRow>(x.snapshot, x.Me(), [&](const catalog::ClassRow& r) {
         return r.relnamespace == namespace_oid;
       }))
    used.insert(r.relname);
  std::string base = table + "_" + column + "_seq";
  if (base.size() > 63) base.resize(63);
  std::string name = base;
  for (int n = 1; used.count(name); ++n) {
    std::string suffix = std::to_string(n);
    name = base.substr(0, std::min(base.size(), 63 - suffix.size())) + suffix;
  }
  taken.insert(name);
  catalog::SequenceRow form;
  sequence::State data;
  // AS the column's type first, then the identity column's options (an AS
  // among them is "conflicting or redundant", as in PostgreSQL).
  std::vector<sql::SeqOption> list(1);
  list[0].kind = sql::SeqOption::kAs;
  list[0].has_value = true;
  const sql::TypeInfo* ti = sql::LookupType(int_type);
  list[0].names = {ti ? std::string(ti->name) : std::string("int8")};
  if (identity_options) list.insert(list.end(), identity_options->begin(), identity_options->end());
  Options o = CollectOptions(list);
  if (o.owned_by) throw MakeError(sqlstate::kSyntaxError, "conflicting or redundant options");
  bool rewrite = false;
  InitParams(o, true, for_identity, form, data, &rewrite);
  uint32_t oid = catalog::CreateSequenceRows(namespace_oid, name, form, x);
  sequence::InitStorage(SeqLoc(oid), data, x.xid);
  // regclass output: qualified only when the namespace is not the first on the path.
  std::string text = sql::QuoteIdentifier(name);
  auto path = catalog::SearchPath(x.snapshot, x.Me(), false);
  if (path.empty() || path[0] != namespace_oid) {
    for (auto& nsp : catalog::ScanCatalog<catalog::NamespaceRow>(x.snapshot, x.Me(), [&](const catalog::NamespaceRow& r) {
           return r.oid == namespace_oid;
         }))
      text = sql::QuoteIdentifier(nsp.nspname) + "." + text;
  }
  *default_sql = "nextval(" + sql::QuoteLiteral(text) + "::regclass)";
  return oid;
}

void SetSequenceOwner(uint32_t seq, uint32_t relid, int16_t attnum, heap::XactContext& x, char deptype) {
  catalog::DependRow d;
  d.classid = catalog::kRelationRelationId;
  d.objid = seq;
  d.refclassid = catalog::kRelationRelationId;
  d.refobjid = relid;
  d.refobjsubid = attnum;
  d.deptype = deptype;
  catalog::AddDependency(d, x);
}

namespace {

void CollectRegclassNames(const sql::Expr& e, std::vector<std::string>& out) {
  auto literal = [](const sql::Expr* a) {
    return a && a->kind == sql::ExprKind::kConst && a->const_kind == sql::ConstKind::kString;
  };
  if (e.kind == sql::ExprKind::kCast && e.type && e.type->names.back() == "regclass" && !e.args.empty() &&
      literal(e.args[0].get()))
    out.push_back(e.args[0]->str);
  if (e.kind == sql::ExprKind::kFunc && !e.names.empty() &&
      (e.names.back() == "nextval" || e.names.back() == "currval" || e.names.back() == "setval") &&
      !e.args.empty() && literal(e.args[0].get()))
    out.push_back(e.args[0]->str);
  for (const auto& a : e.args)
    if (a) CollectRegclassNames(*a, out);
  if (e.case_arg) CollectRegclassNames(*e.case_arg, out);
  if (e.case_else) CollectRegclassNames(*e.case_else, out);
}

}  // namespace

void RecordDefaultDependencies(uint32_t attrdef, const std::string& expr_sql, heap::XactContext& x) {
  if (attrdef == 0 || (expr_sql.find("val") == std::string::npos && expr_sql.find("regclass") == std::string::npos))
    return;
  std::vector<std::string> names;
  try {
    auto stmts = sql::ParseQuery("SELECT " + expr_sql);
    if (stmts.size() != 1 || stmts[0]->kind() != sql::StmtKind::kSelect) return;
    for (const auto& t : stmts[0]->select().targets)
      if (t.expr) CollectRegclassNames(*t.expr, names);
  } catch (const PgError&) {
    return;
  }
  std::set<uint32_t> done;
  for (const auto& text : names) {
    std::vector<std::string> parts;
    try {
      parts = sql::SplitQualifiedName(text);
    } catch (const PgError&) {
      continue;
    }
    if (parts.empty() || parts.size() > 2) continue;
    auto cls = catalog::ResolveRelation(parts.size() == 2 ? parts[0] : "", parts.back(), x.snapshot, x.Me());
    if (!cls || cls->relkind != 'S' || !done.insert(cls->oid).second) continue;
    catalog::DependRow d;
    d.classid = catalog::kAttrDefaultRelationId;
    d.objid = attrdef;
    d.refclassid = catalog::kRelationRelationId;
    d.refobjid = cls->oid;
    d.deptype = 'n';
    catalog::AddDependency(d, x);
  }
}

void RestartOwnedSequences(uint32_t relid, heap::XactContext& x) {
  for (uint32_t seq : catalog::OwnedSequences(relid, 0, x.snapshot, x.Me())) {
    lmgr::Acquire(lmgr::LockTag::Relation(catalog::CurrentDatabase(), seq), lmgr::LockMode::kAccessExclusive, false);
    auto form = catalog::LookupSequence(seq, x.snapshot, x.Me());
    if (!form) continue;
    uint32_t node = catalog::SetNewRelfilenode(seq, x);
    NoteNewRelfilenode(seq);
    sequence::InitStorage(SeqLoc(node), sequence::State{form->seqstart, 0, false}, x.xid);
  }
}

std::string Session::RunCreateSequence(const sql::CreateSeqStmt& s) {
  if (s.persistence == sql::Persistence::kUnlogged)
    throw MakeError(sqlstate::kFeatureNotSupported, "unlogged sequences are not supported yet");
  xact::CheckWritable("CREATE SEQUENCE");
  heap::XactContext x = WriteXact();
  // TEMP (or a pg_temp schema) puts it in this session's pg_temp_N, dropped
  // with the session like a temporary table.
  bool temp = false;
  uint32_t nsp = catalog::CreationNamespaceFor(s.sequence.schema, s.persistence == sql::Persistence::kTemp, x, &temp);
  CheckCreateInNamespace(nsp);  // PostgreSQL gives no position here
  if (temp) {
    xact::CommandCounterIncrement();  // the new pg_temp_N must be visible to what follows
    x = WriteXact();
  }
  const std::string& name = s.sequence.name;
  if (catalog::LookupRelation(nsp, name, x.snapshot, x.Me())) {
    if (s.if_not_exists) {
      EmitNotice(MakeNotice(ErrLevel::kNotice, "42P07", "relation \"" + name + "\" already exists, skipping"));
      return "CREATE SEQUENCE";
    }
    throw MakeError("42P07", "relation \"" + name + "\" already exists");
  }
  Options o = CollectOptions(s.options);
  catalog::SequenceRow form;
  sequence::State data;
  bool rewrite = false;
  InitParams(o, true, false, form, data, &rewrite);
  uint32_t oid = catalog::CreateSequenceRows(nsp, name, form, x);
  sequence::InitStorage(SeqLoc(oid), data, x.xid);
  xact::CommandCounterIncrement();
  x = WriteXact();
  StoredTablesCatalogWritten();
  if (o.owned_by) {
    auto cls = catalog::LookupRelationByOid(oid, x.snapshot, x.Me());
    if (!cls) throw MakeError(sqlstate::kInternalError, "could not read back the new sequence");
    ProcessOwnedBy(*cls, o.owned_by->names, x);
  }
  return "CREATE SEQUENCE";
}

std::string Session::RunAlterSequence(const sql::AlterSeqStmt& s) {
  xact::CheckWritable("ALTER SEQUENCE");
  heap::XactContext x = WriteXact();
  auto cls = catalog::ResolveRelation(s.sequence.schema, s.sequence.name, x.snapshot, x.Me());
  if (!cls) {
    if (s.missing_ok) {
      EmitNotice(MakeNotice(ErrLevel::kNotice, sqlstate::kSuccessfulCompletion,
                            "relation \"" + s.sequence.name + "\" does not exist, skipping"));
      return "ALTER SEQUENCE";
    }
    throw MakeError(sqlstate::kUndefinedTable, "relation \"" + s.sequence.name + "\" does not exist");
  }
  if (cls->relkind != 'S') throw MakeError("42809", "\"" + cls->relname + "\" is not a sequence");
  CheckRelationOwner(*cls);
  const uint32_t relid = cls->oid;
  if (s.owner_to) {
    ChangeRelationOwner(*cls, *s.owner_to);
    return "ALTER SEQUENCE";
  }
  if (!s.rename_to.empty()) {
    lmgr::Acquire(lmgr::LockTag::Relation(catalog::CurrentDatabase(), relid), lmgr::LockMode::kAccessExclusive, false);
    if (catalog::LookupRelation(cls->relnamespace, s.rename_to, x.snapshot, x.Me()))
      throw MakeError("42P07", "relation \"" + s.rename_to + "\" already exists");
    catalog::UpdateClassRow(relid, [&](catalog::ClassRow& r) { r.relname = s.rename_to; }, x);
    StoredTablesCatalogWritten();
    return "ALTER SEQUENCE";
  }
  lmgr::Acquire(lmgr::LockTag::Relation(catalog::CurrentDatabase(), relid), lmgr::LockMode::kShareRowExclusive, false);
  // Re-read under the lock: a transaction that held it may have changed it.
  x.snapshot = transam::GetSnapshot();
  x.snapshot.curcid = x.cid;
  cls = catalog::LookupRelationByOid(relid, x.snapshot, x.Me());
  auto form = catalog::LookupSequence(relid, x.snapshot, x.Me());
  if (!cls || !form) throw MakeError(sqlstate::kUndefinedTable, "relation \"" + s.sequence.name + "\" does not exist");
  sequence::State data = sequence::ReadState(SeqLoc(cls->relfilenode));
  Options o = CollectOptions(s.options);
  bool rewrite = false;
  InitParams(o, false, false, *form, data, &rewrite);
  // This session's cached values are void; currval stays.
  auto it = g_session_seqs.find(relid);
  if (it != g_session_seqs.end()) it->second.cached = it->second.last;
  if (rewrite) {
    // A new file makes the change transactional: an abort keeps the old one.
    uint32_t node = catalog::SetNewRelfilenode(relid, x);
    NoteNewRelfilenode(relid);
    sequence::InitStorage(SeqLoc(node), data, x.xid);
    catalog::UpdateSequenceRow(*form, x);
  }
  xact::CommandCounterIncrement();
  x = WriteXact();
  StoredTablesCatalogWritten();
  if (o.owned_by) ProcessOwnedBy(*cls, o.owned_by->names, x);
  return "ALTER SEQUENCE";
}

// ---- nextval and friends ----

int64_t Session::SequenceNextval(uint32_t relid) {
  SeqInfo info = OpenSequence(relid, lmgr::LockMode::kRowExclusive);
  if (!(RelationPrivilegesHeld('S', info.owner, info.acl, 0) & (sql::kPrivUsage | sql::kPrivUpdate)))
    throw RelationPermissionDenied('S', info.name);
  xact::CheckWritable("nextval()");
  SessionSeq& elm = g_session_seqs[relid];
  if (elm.last != elm.cached) {
    // A value this session fetched earlier (CACHE > 1).
    elm.last += elm.increment;
    xact::RequireWalFlushAtCommit(elm.covered_by);
    g_last_used = relid;
    return elm.last;
  }
  sequence::Fetched f = sequence::Next(SeqLoc(info.relfilenode), info.params, info.name, xact::GetTopXid());
  xact::RequireWalFlushAtCommit(f.covered_by);
  g_last_used = relid;  // only a nextval that returned a value counts for lastval
  elm.increment = info.params.increment;
  elm.last = f.first;
  elm.cached = f.last;
  elm.last_valid = true;
  elm.covered_by = f.covered_by;
  return f.first;
}

int64_t Session::SequenceCurrval(uint32_t relid) {
  SeqInfo info = OpenSequence(relid, lmgr::LockMode::kRowExclusive);
  if (!(RelationPrivilegesHeld('S', info.owner, info.acl, 0) & (sql::kPrivUsage | sql::kPrivSelect)))
    throw RelationPermissionDenied('S', info.name);
  const SessionSeq& elm = g_session_seqs[relid];
  if (!elm.last_valid)
    throw MakeError(sqlstate::kObjectNotInPrerequisiteState,
                    "currval of sequence \"" + info.name + "\" is not yet defined in this session");
  return elm.last;
}

int64_t Session::SequenceSetval(uint32_t relid, int64_t value, bool is_called) {
  SeqInfo info = OpenSequence(relid, lmgr::LockMode::kRowExclusive);
  CheckRelationPrivilege('S', info.name, info.owner, info.acl, sql::kPrivUpdate, 0);
  xact::CheckWritable("setval()");
  if (value < info.params.min || value > info.params.max)
    throw MakeError(sqlstate::kNumericValueOutOfRange,
                    "setval: value " + std::to_string(value) + " is out of bounds for sequence \"" + info.name + "\" (" +
                        std::to_string(info.params.min) + ".." + std::to_string(info.params.max) + ")");
  SessionSeq& elm = g_session_seqs[relid];
  wal::Lsn lsn = sequence::Set(SeqLoc(info.relfilenode), value, is_called, xact::GetTopXid());
  xact::RequireWalFlushAtCommit(lsn);
  if (is_called) {
    elm.last = value;
    elm.last_valid = true;
  }
  elm.cached = elm.last;
  return value;
}

int64_t Session::SequenceLastval() {
  if (g_last_used == 0)
    throw MakeError(sqlstate::kObjectNotInPrerequisiteState, "lastval is not yet defined in this session");
  const uint32_t relid = g_last_used;
  lmgr::Acquire(lmgr::LockTag::Relation(catalog::CurrentDatabase(), relid), lmgr::LockMode::kAccessShare, false);
  auto info = FetchSeqInfo(relid);
  if (!info || info->relkind != 'S')  // dropped since
    throw MakeError(sqlstate::kObjectNotInPrerequisiteState, "lastval is not yet defined in this session");
  if (!(RelationPrivilegesHeld('S', info->owner, info->acl, 0) & (sql::kPrivUsage | sql::kPrivSelect)))
    throw RelationPermissionDenied('S', info->name);
  const SessionSeq& elm = g_session_seqs[relid];
  if (!elm.last_valid)
    throw MakeError(sqlstate::kObjectNotInPrerequisiteState,
                    "currval of sequence \"" + info->name + "\" is not yet defined in this session");
  return elm.last;
}

std::optional<std::string> Session::SerialSequence(const std::string& table, const std::string& column) {
  std::vector<std::string> parts = sql::SplitQualifiedName(table);
  if (parts.empty() || parts.size() > 3)
    throw MakeError(sqlstate::kSyntaxError, "improper relation name (too many dotted names): " + table);
  const transam::Snapshot& snap = xact::GetTransactionSnapshot();
  const transam::CurrentXact me = xact::CurrentXactForVisibility();
  std::string schema = parts.size() >= 2 ? parts[parts.size() - 2] : "";
  auto cls = catalog::ResolveRelation(schema, parts.back(), snap, me);
  if (!cls) {
    std::string shown = schema.empty() ? parts.back() : schema + "." + parts.back();
    throw MakeError(sqlstate::kUndefinedTable, "relation \"" + shown + "\" does not exist");
  }
  int16_t attnum = 0;
  for (const auto& a : catalog::RelationAttributes(cls->oid, snap, me))
    if (a.attname == column) attnum = a.attnum;
  if (attnum == 0)
    throw MakeError(sqlstate::kUndefinedColumn,
                    "column \"" + column + "\" of relation \"" + cls->relname + "\" does not exist");
  auto seqs = catalog::OwnedSequences(cls->oid, attnum, snap, me);
  if (seqs.empty()) return std::nullopt;
  auto seq = catalog::LookupRelationByOid(seqs[0], snap, me);
  if (!seq) return std::nullopt;
  std::string nspname;
  for (auto& n : catalog::ScanCatalog<catalog::NamespaceRow>(snap, me, [&](const catalog::NamespaceRow& r) {
         return r.oid == seq->relnamespace;
       }))
    nspname = n.nspname;
  return sql::QuoteIdentifier(nspname) + "." + sql::QuoteIdentifier(seq->relname);
}

}  // namespace tusk::backend
