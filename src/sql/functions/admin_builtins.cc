// Administration functions and the pg_lsn operators: WAL positions and
// segment names, OID alias helpers (to_regclass, format_type, visibility),
// relation and database sizes, pg_size_pretty/pg_size_bytes, server clocks,
// log rotation, connection addresses and transaction ids. Everything that
// needs server state asks the SessionContext.
#include <cctype>
#include <cstdio>
#include <cstring>

#include "sql/functions/registry.h"
#include "sql/session_context.h"
#include "sql/types/array.h"
#include "sql/types/datetime.h"
#include "sql/types/pg_lsn.h"
#include "sql/types/regtypes.h"
#include "sql/types/type_oids.h"
#include "utils/error.h"

namespace tusk::sql {
namespace {

constexpr uint32_t kText = oid::kText, kBool = oid::kBool, kI4 = oid::kInt4, kI8 = oid::kInt8, kOid = oid::kOid,
                   kLsn = oid::kPgLsn, kNum = oid::kNumeric, kRegclass = oid::kRegclass, kTz = oid::kTimestamptz;

// WAL segments: 16 MB on timeline 1, as the WAL layer writes them.
constexpr uint64_t kWalSegmentSize = 16u * 1024 * 1024;
constexpr uint64_t kWalSegmentsPerId = 0x100000000ull / kWalSegmentSize;
constexpr uint32_t kWalTimeline = 1;

uint64_t Lsn(const Datum& d) { return static_cast<uint64_t>(d.i); }

// ---- pg_lsn ----

void LsnMinusLsn(const Step&, const Datum* const* a, Datum& out, ExecContext&) {
  uint64_t x = Lsn(*a[0]), y = Lsn(*a[1]);
  out.n = x >= y ? LsnToNumeric(x - y) : LsnToNumeric(y - x).Neg();
}

// aux 0: lsn + numeric, 1: numeric + lsn, 2: lsn - numeric
void LsnArith(const Step& st, const Datum* const* a, Datum& out, ExecContext&) {
  const Datum& lsn = st.aux == 1 ? *a[1] : *a[0];
  const Numeric& n = st.aux == 1 ? a[0]->n : a[1]->n;
  if (n.is_nan()) {
    throw PgError(sqlstate::kFeatureNotSupported,
                  st.aux == 2 ? "cannot subtract NaN from pg_lsn" : "cannot add NaN to pg_lsn");
  }
  Numeric base = LsnToNumeric(Lsn(lsn));
  out.i = static_cast<int64_t>(NumericToLsn(st.aux == 2 ? base.Sub(n) : base.Add(n)));
}

void NumericToLsnFn(const Step&, const Datum* const* a, Datum& out, ExecContext&) {
  out.i = static_cast<int64_t>(NumericToLsn(a[0]->n));
}

// aux 0: pg_current_wal_lsn (written = flushed here), 1: insert, 2: flush
void CurrentWal(const Step& st, const Datum* const*, Datum& out, ExecContext& ctx) {
  out.i = static_cast<int64_t>(ctx.session->WalPosition(st.aux == 1 ? 0 : 1));
}

void WalfileName(const Step&, const Datum* const* a, Datum& out, ExecContext&) {
  // The segment holding the byte before the position (XLByteToPrevSeg).
  uint64_t segno = (Lsn(*a[0]) - 1) / kWalSegmentSize;
  char buf[32];
  std::snprintf(buf, sizeof buf, "%08X%08X%08X", kWalTimeline, static_cast<unsigned>(segno / kWalSegmentsPerId),
                static_cast<unsigned>(segno % kWalSegmentsPerId));
  out.s = buf;
}

// ---- OID aliases ----

void ToReg(const Step& st, const Datum* const* a, Datum& out, ExecContext& ctx) {
  // Unlike the input functions these take no numbers: every string is a name.
  uint32_t v = 0;
  std::string_view text = a[0]->s;
  bool digits = !text.empty() && text.find_first_not_of("0123456789") == std::string_view::npos;
  if (!digits && text != "-") v = RegIn(st.aux, text, ctx.session, true);
  if (v == 0) {
    out.null = true;
    return;
  }
  out.i = v;
}

void TableIsVisible(const Step&, const Datum* const* a, Datum& out, ExecContext& ctx) {
  auto r = ctx.session->RelationByOid(static_cast<uint32_t>(a[0]->i));
  if (!r) {
    out.null = true;
    return;
  }
  out.b = r->visible;
}

void TypeIsVisible(const Step&, const Datum* const* a, Datum& out, ExecContext&) {
  // Every type this engine knows lives in pg_catalog, which is always searched.
  if (!LookupType(static_cast<uint32_t>(a[0]->i))) {
    out.null = true;
    return;
  }
  out.b = true;
}

// pg_<kind>_is_visible for objects that exist only in pg_catalog (always on
// the search path): true if the catalog (kVisibleCatalogs[aux]) has the oid,
// NULL otherwise, as PostgreSQL answers for an oid that names nothing.
constexpr const char* kVisibleCatalogs[] = {"pg_collation", "pg_statistic_ext", "pg_ts_config", "pg_ts_dict",
                                            "pg_ts_parser", "pg_ts_template",   "pg_conversion"};

void CatalogObjectIsVisible(const Step& st, const Datum* const* a, Datum& out, ExecContext& ctx) {
  out = Datum::Null();
  VirtualTable* catalog = ctx.session->LookupRelation("pg_catalog", kVisibleCatalogs[st.aux]);
  if (!catalog) return;
  const std::string wanted = std::to_string(a[0]->i);
  for (const auto& row : catalog->Rows())
    if (!row.empty() && row[0] == wanted) out = Datum::Bool(true);
}

// aux 0: pg_function_is_visible, 1: pg_get_function_result, 2: pg_get_function_arguments
// (types only: builtin pg_proc rows have no argument names or defaults).
void FunctionFacts(const Step& st, const Datum* const* a, Datum& out, ExecContext& ctx) {
  auto f = ctx.session->FunctionByOid(static_cast<uint32_t>(a[0]->i));
  if (!f) {
    out = Datum::Null();
    return;
  }
  if (st.aux == 0) {
    out = Datum::Bool(f->visible);
  } else if (st.aux == 1) {
    out = Datum::Text(FormatTypeWithTypmod(f->result_type, -1, false));
  } else {
    std::string args;
    for (uint32_t t : f->arg_types) args += (args.empty() ? "" : ", ") + FormatTypeWithTypmod(t, -1, false);
    out = Datum::Text(args);
  }
}

void FormatType(const Step&, const Datum* const* a, Datum& out, ExecContext&) {
  if (a[0]->null) {
    out.null = true;
    return;
  }
  out.null = false;
  bool given = !a[1]->null;
  out.s = FormatTypeWithTypmod(static_cast<uint32_t>(a[0]->i), given ? static_cast<int32_t>(a[1]->i) : -1, given);
}

// ---- sizes ----

enum Fork { kMainFork, kFsmFork, kVmFork, kInitFork };

int ForkNumber(const std::string& name) {
  if (name == "main") return kMainFork;
  if (name == "fsm") return kFsmFork;
  if (name == "vm") return kVmFork;
  if (name == "init") return kInitFork;
  throw MakeError(sqlstate::kInvalidParameterValue, "invalid fork name",
                  "", "Valid fork names are \"main\", \"fsm\", \"vm\", and \"init\".");
}

int64_t AllForks(SessionContext& s, uint32_t relid) {
  int64_t total = 0;
  for (int f = kMainFork; f <= kInitFork; ++f) total += s.RelationForkSize(relid, f);
  return total;
}

int64_t TableSize(SessionContext& s, const RelationFacts& r) {
  int64_t total = AllForks(s, r.oid);
  if (r.toast_oid) {
    total += AllForks(s, r.toast_oid);
    if (auto t = s.RelationByOid(r.toast_oid)) {
      for (uint32_t ix : t->indexes) total += AllForks(s, ix);
    }
  }
  return total;
}

int64_t IndexesSize(SessionContext& s, const RelationFacts& r) {
  int64_t total = 0;
  for (uint32_t ix : r.indexes) total += AllForks(s, ix);
  return total;
}

// aux 0 pg_relation_size, 1 pg_table_size, 2 pg_indexes_size, 3 pg_total_relation_size
void RelationSize(const Step& st, const Datum* const* a, Datum& out, ExecContext& ctx) {
  SessionContext& s = *ctx.session;
  int fork = st.aux == 0 && st.args.size() > 1 ? ForkNumber(a[1]->s) : kMainFork;
  auto r = s.RelationByOid(static_cast<uint32_t>(a[0]->i));
  if (!r) {
    out.null = true;
    return;
  }
  switch (st.aux) {
    case 0: out.i = s.RelationForkSize(r->oid, fork); break;
    case 1: out.i = TableSize(s, *r); break;
    case 2: out.i = IndexesSize(s, *r); break;
    default: out.i = TableSize(s, *r) + IndexesSize(s, *r); break;
  }
}

// aux 0: by name, 1: by OID
void DatabaseSize(const Step& st, const Datum* const* a, Datum& out, ExecContext& ctx) {
  uint32_t db = 0;
  if (st.aux == 0) {
    db = ctx.session->DatabaseOid(a[0]->s);
    if (!db) throw PgError(sqlstate::kInvalidCatalogName, "database \"" + a[0]->s + "\" does not exist");
  } else {
    db = static_cast<uint32_t>(a[0]->i);
  }
  auto size = ctx.session->DatabaseSize(db);
  if (!size) {
    out.null = true;
    return;
  }
  out.i = *size;
}

void RelationFilenode(const Step&, const Datum* const* a, Datum& out, ExecContext& ctx) {
  auto r = ctx.session->RelationByOid(static_cast<uint32_t>(a[0]->i));
  if (!r || r->relfilenode == 0) {
    out.null = true;
    return;
  }
  out.i = r->relfilenode;
}

void RelationFilepath(const Step&, const Datum* const* a, Datum& out, ExecContext& ctx) {
  auto p = ctx.session->RelationFilePath(static_cast<uint32_t>(a[0]->i));
  if (!p) {
    out.null = true;
    return;
  }
  out.s = *p;
}

// The units pg_size_pretty and pg_size_bytes share: a value stays in a unit
// while its magnitude is under `limit`; `round` units are half-rounded.
struct SizeUnit {
  const char* name;
  int64_t limit;
  bool round;
  int bits;
};
constexpr SizeUnit kSizeUnits[] = {{"bytes", 10 * 1024, false, 0}, {"kB", 20 * 1024 - 1, true, 10},
                                   {"MB", 20 * 1024 - 1, true, 20},  {"GB", 20 * 1024 - 1, true, 30},
                                   {"TB", 20 * 1024 - 1, true, 40},  {"PB", 20 * 1024 - 1, true, 50}};
constexpr int kNumSizeUnits = sizeof kSizeUnits / sizeof kSizeUnits[0];

int ShiftBits(int u) {
  // One bit less when the next unit half-rounds, one more when this one does.
  return kSizeUnits[u + 1].bits - kSizeUnits[u].bits - (kSizeUnits[u + 1].round ? 1 : 0) +
         (kSizeUnits[u].round ? 1 : 0);
}

void SizePrettyInt(const Step&, const Datum* const* a, Datum& out, ExecContext&) {
  int64_t size = a[0]->i;
  for (int u = 0; u < kNumSizeUnits; ++u) {
    uint64_t mag = size < 0 ? 0 - static_cast<uint64_t>(size) : static_cast<uint64_t>(size);
    if (u + 1 == kNumSizeUnits || mag < static_cast<uint64_t>(kSizeUnits[u].limit)) {
      if (kSizeUnits[u].round) size = (size + (size < 0 ? -1 : 1)) / 2;
      out.s = std::to_string(size) + " " + kSizeUnits[u].name;
      return;
    }
    size /= int64_t{1} << ShiftBits(u);
  }
}

void SizePrettyNumeric(const Step&, const Datum* const* a, Datum& out, ExecContext&) {
  Numeric size = a[0]->n;
  for (int u = 0; u < kNumSizeUnits; ++u) {
    if (u + 1 == kNumSizeUnits || size.Abs().Compare(Numeric::FromInt(kSizeUnits[u].limit)) < 0) {
      if (kSizeUnits[u].round) {
        Numeric one = Numeric::FromInt(size.negative() ? -1 : 1);
        size = size.Add(one).DivTrunc(Numeric::FromInt(2));
      }
      out.s = size.ToString() + " " + kSizeUnits[u].name;
      return;
    }
    size = size.DivTrunc(Numeric::FromInt(int64_t{1} << ShiftBits(u)));
  }
}

bool Blank(char c) { return std::isspace(static_cast<unsigned char>(c)) != 0; }
bool Digit(char c) { return c >= '0' && c <= '9'; }

void SizeBytes(const Step&, const Datum* const* a, Datum& out, ExecContext&) {
  const std::string& str = a[0]->s;
  auto invalid = [&]() { return MakeError(sqlstate::kInvalidParameterValue, "invalid size: \"" + str + "\""); };
  size_t p = 0, n = str.size();
  while (p < n && Blank(str[p])) ++p;
  size_t start = p, end = p;
  if (end < n && (str[end] == '-' || str[end] == '+')) ++end;
  bool digits = false;
  while (end < n && Digit(str[end])) ++end, digits = true;
  if (end < n && str[end] == '.') {
    ++end;
    while (end < n && Digit(str[end])) ++end, digits = true;
  }
  if (!digits) throw invalid();
  if (end < n && (str[end] == 'e' || str[end] == 'E')) {
    // An exponent only when digits follow; otherwise the rest is the unit.
    size_t q = end + 1;
    if (q < n && (str[q] == '+' || str[q] == '-')) ++q;
    size_t d = q;
    while (d < n && Digit(str[d])) ++d;
    if (d > q) end = d;
  }
  Numeric num = Numeric::Parse(std::string_view(str).substr(start, end - start));
  p = end;
  while (p < n && Blank(str[p])) ++p;
  if (p < n) {
    size_t e = n;
    while (e > p && Blank(str[e - 1])) --e;
    std::string unit = str.substr(p, e - p);
    int found = -1;
    for (int u = 0; u < kNumSizeUnits; ++u) {
      if (strcasecmp(unit.c_str(), kSizeUnits[u].name) == 0) found = u;
    }
    if (found < 0) {
      PgError err = invalid();
      err.data().detail = "Invalid size unit: \"" + unit + "\".";
      err.data().hint = "Valid units are \"bytes\", \"kB\", \"MB\", \"GB\", \"TB\", and \"PB\".";
      throw err;
    }
    if (kSizeUnits[found].bits > 0) num = num.Mul(Numeric::FromInt(int64_t{1} << kSizeUnits[found].bits));
  }
  out.i = num.ToInt64(INT64_MIN, INT64_MAX, "bigint");
}

// ---- server state ----

// aux 0: postmaster start, 1: configuration load
void ServerTime(const Step& st, const Datum* const*, Datum& out, ExecContext& ctx) {
  out.i = UnixMicrosToPg(st.aux == 0 ? ctx.session->PostmasterStartMicros() : ctx.session->ConfLoadMicros());
}

void RotateLogfile(const Step&, const Datum* const*, Datum& out, ExecContext& ctx) {
  out.b = ctx.session->RotateLogfile();
}

void CurrentLogfile(const Step& st, const Datum* const* a, Datum& out, ExecContext& ctx) {
  if (!st.args.empty() && a[0]->null) {
    out.null = true;
    return;
  }
  auto f = ctx.session->CurrentLogfile(st.args.empty() ? std::string() : a[0]->s);
  out.null = !f;
  if (f) out.s = *f;
}

// aux 0 server addr, 1 server port, 2 client addr, 3 client port
void InetFn(const Step& st, const Datum* const*, Datum& out, ExecContext& ctx) {
  SessionContext& s = *ctx.session;
  if (st.aux == 0 || st.aux == 2) {
    auto v = st.aux == 0 ? s.ServerAddr() : s.ClientAddr();
    out.null = !v;
    if (v) out.s = *v;
  } else {
    auto v = st.aux == 1 ? s.ServerPort() : s.ClientPort();
    out.null = !v;
    if (v) out.i = *v;
  }
}

void CurrentXid(const Step&, const Datum* const*, Datum& out, ExecContext& ctx) {
  out.i = static_cast<int64_t>(ctx.session->CurrentXid());
}

void SwitchWal(const Step&, const Datum* const*, Datum& out, ExecContext& ctx) {
  out.i = static_cast<int64_t>(ctx.session->SwitchWal());
}

void SuspendFn(const Step& st, const Datum* const* a, Datum& out, ExecContext& ctx) {
  if (st.aux == 1) ctx.session->ResumeServer();
  else ctx.session->SuspendServer(st.args.empty() ? 60 : static_cast<int>(a[0]->i));
  out.b = true;
}

void PromoteFn(const Step& st, const Datum* const* a, Datum& out, ExecContext& ctx) {
  const bool wait = st.args.empty() || a[0]->b;
  out.b = ctx.session->Promote(wait, st.args.size() > 1 ? static_cast<int>(a[1]->i) : 60);
}

void BackupStart(const Step& st, const Datum* const* a, Datum& out, ExecContext& ctx) {
  out.i = static_cast<int64_t>(ctx.session->BackupStart(a[0]->s, st.args.size() > 1 && a[1]->b));
}

// A record field as record_out writes it: quoted when empty or holding
// quotes, backslashes, parentheses, commas or spaces.
void AppendRecordField(std::string& out, const std::string& v) {
  bool quote = v.empty();
  for (char c : v)
    if (c == '"' || c == '\\' || c == '(' || c == ')' || c == ',' || std::isspace(static_cast<unsigned char>(c))) quote = true;
  if (!quote) {
    out += v;
    return;
  }
  out += '"';
  for (char c : v) {
    if (c == '"' || c == '\\') out += c;
    out += c;
  }
  out += '"';
}

// pg_backup_stop() in an expression: its record in record_out's text form
// (in FROM it is a row of lsn, labelfile, spcmapfile).
void BackupStopRecord(const Step& st, const Datum* const* a, Datum& out, ExecContext& ctx) {
  SessionContext::BackupStopInfo info = ctx.session->BackupStop(st.args.empty() || a[0]->b);
  std::string rec = "(";
  AppendRecordField(rec, FormatPgLsn(info.lsn));
  rec += ',';
  AppendRecordField(rec, info.label_file);
  rec += ',';
  AppendRecordField(rec, info.spcmap_file);
  out.s = rec + ")";
}

}  // namespace

void AddAdminBuiltins(std::vector<OperDef>& ops, std::vector<FuncDef>& f) {
  ops.push_back({"-", kLsn, kLsn, kNum, LsnMinusLsn});
  ops.push_back({"+", kLsn, kNum, kLsn, LsnArith, 0});
  ops.push_back({"+", kNum, kLsn, kLsn, LsnArith, 1});
  ops.push_back({"-", kLsn, kNum, kLsn, LsnArith, 2});
  f.push_back({"pg_lsn", {kNum}, kLsn, NumericToLsnFn});
  f.push_back({"pg_current_wal_lsn", {}, kLsn, CurrentWal, true, false, 0});
  f.push_back({"pg_current_wal_insert_lsn", {}, kLsn, CurrentWal, true, false, 1});
  f.push_back({"pg_current_wal_flush_lsn", {}, kLsn, CurrentWal, true, false, 2});
  f.push_back({"pg_walfile_name", {kLsn}, kText, WalfileName});
  f.push_back({"pg_wal_lsn_diff", {kLsn, kLsn}, kNum, LsnMinusLsn});

  f.push_back({"to_regclass", {kText}, kRegclass, ToReg, true, false, static_cast<int>(oid::kRegclass)});
  f.push_back({"to_regtype", {kText}, oid::kRegtype, ToReg, true, false, static_cast<int>(oid::kRegtype)});
  f.push_back({"to_regnamespace", {kText}, oid::kRegnamespace, ToReg, true, false,
               static_cast<int>(oid::kRegnamespace)});
  f.push_back({"to_regrole", {kText}, oid::kRegrole, ToReg, true, false, static_cast<int>(oid::kRegrole)});
  f.push_back({"pg_table_is_visible", {kOid}, kBool, TableIsVisible});
  f.push_back({"pg_type_is_visible", {kOid}, kBool, TypeIsVisible});
  f.push_back({"pg_function_is_visible", {kOid}, kBool, FunctionFacts, true, false, 0});
  f.push_back({"pg_collation_is_visible", {kOid}, kBool, CatalogObjectIsVisible, true, false, 0});
  f.push_back({"pg_statistics_obj_is_visible", {kOid}, kBool, CatalogObjectIsVisible, true, false, 1});
  f.push_back({"pg_ts_config_is_visible", {kOid}, kBool, CatalogObjectIsVisible, true, false, 2});
  f.push_back({"pg_ts_dict_is_visible", {kOid}, kBool, CatalogObjectIsVisible, true, false, 3});
  f.push_back({"pg_ts_parser_is_visible", {kOid}, kBool, CatalogObjectIsVisible, true, false, 4});
  f.push_back({"pg_ts_template_is_visible", {kOid}, kBool, CatalogObjectIsVisible, true, false, 5});
  f.push_back({"pg_conversion_is_visible", {kOid}, kBool, CatalogObjectIsVisible, true, false, 6});
  f.push_back({"pg_get_function_result", {kOid}, kText, FunctionFacts, true, false, 1});
  f.push_back({"pg_get_function_arguments", {kOid}, kText, FunctionFacts, true, false, 2});
  f.push_back({"format_type", {kOid, kI4}, kText, FormatType, false});

  f.push_back({"pg_relation_size", {kRegclass}, kI8, RelationSize, true, false, 0});
  f.push_back({"pg_relation_size", {kRegclass, kText}, kI8, RelationSize, true, false, 0});
  f.push_back({"pg_table_size", {kRegclass}, kI8, RelationSize, true, false, 1});
  f.push_back({"pg_indexes_size", {kRegclass}, kI8, RelationSize, true, false, 2});
  f.push_back({"pg_total_relation_size", {kRegclass}, kI8, RelationSize, true, false, 3});
  f.push_back({"pg_database_size", {oid::kName}, kI8, DatabaseSize, true, false, 0});
  f.push_back({"pg_database_size", {kOid}, kI8, DatabaseSize, true, false, 1});
  f.push_back({"pg_size_pretty", {kI8}, kText, SizePrettyInt});
  f.push_back({"pg_size_pretty", {kNum}, kText, SizePrettyNumeric});
  f.push_back({"pg_size_bytes", {kText}, kI8, SizeBytes});
  f.push_back({"pg_relation_filenode", {kRegclass}, kOid, RelationFilenode});
  f.push_back({"pg_relation_filepath", {kRegclass}, kText, RelationFilepath});

  f.push_back({"pg_postmaster_start_time", {}, kTz, ServerTime, true, false, 0});
  f.push_back({"pg_conf_load_time", {}, kTz, ServerTime, true, false, 1});
  f.push_back({"pg_rotate_logfile", {}, kBool, RotateLogfile});
  f.push_back({"pg_current_logfile", {}, kText, CurrentLogfile, false});
  f.push_back({"pg_current_logfile", {kText}, kText, CurrentLogfile, false});
  f.push_back({"inet_server_addr", {}, oid::kInet, InetFn, true, false, 0});
  f.push_back({"inet_server_port", {}, kI4, InetFn, true, false, 1});
  f.push_back({"inet_client_addr", {}, oid::kInet, InetFn, true, false, 2});
  f.push_back({"inet_client_port", {}, kI4, InetFn, true, false, 3});
  f.push_back({"txid_current", {}, kI8, CurrentXid});
  f.push_back({"pg_switch_wal", {}, kLsn, SwitchWal});
  f.push_back({"pg_suspend", {}, kBool, SuspendFn, true, false, 0});
  f.push_back({"pg_suspend", {kI4}, kBool, SuspendFn, true, false, 0});
  f.push_back({"pg_resume", {}, kBool, SuspendFn, true, false, 1});
  f.push_back({"pg_promote", {}, kBool, PromoteFn});
  f.push_back({"pg_promote", {kBool}, kBool, PromoteFn});
  f.push_back({"pg_promote", {kBool, kI4}, kBool, PromoteFn});
  f.push_back({"pg_backup_start", {kText}, kLsn, BackupStart});
  f.push_back({"pg_backup_start", {kText, kBool}, kLsn, BackupStart});
  f.push_back({"pg_backup_stop", {}, kText, BackupStopRecord});
  f.push_back({"pg_backup_stop", {kBool}, kText, BackupStopRecord});
  f.push_back({"pg_current_xact_id", {}, oid::kXid8, CurrentXid});
}

}  // namespace tusk::sql
