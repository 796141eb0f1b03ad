// Functions answered by the backend through SessionContext: identity,
// settings, signalling other backends, transaction/statement clocks,
// pg_notify and the advisory locks.
#include <chrono>

#include "sql/functions/registry.h"
#include "sql/session_context.h"
#include "sql/types/datetime.h"
#include "sql/types/type_oids.h"
#include "utils/version.h"
#include "utils/error.h"
#include "access/transam/known_xids.h"

namespace tusk::sql {
namespace {

constexpr uint32_t kText = oid::kText, kName = oid::kName, kBool = oid::kBool, kI4 = oid::kInt4, kTz = oid::kTimestamptz;

void PgSleep(const Step&, const Datum* const* a, Datum&, ExecContext& ctx) { ctx.session->SleepInterruptibly(a[0]->f); }
void BackendPid(const Step&, const Datum* const*, Datum& out, ExecContext& ctx) { out.i = ctx.session->BackendPid(); }
void CancelBackend(const Step&, const Datum* const* a, Datum& out, ExecContext& ctx) {
  out.b = ctx.session->CancelBackend(static_cast<int>(a[0]->i));
}
void TerminateBackend(const Step& st, const Datum* const* a, Datum& out, ExecContext& ctx) {
  if (st.args.size() > 1 && a[1]->i < 0) {
    throw PgError(sqlstate::kInvalidParameterValue, "\"timeout\" must not be negative");
  }
  out.b = ctx.session->TerminateBackend(static_cast<int>(a[0]->i));
}
void ReloadConf(const Step&, const Datum* const*, Datum& out, ExecContext& ctx) { out.b = ctx.session->ReloadConf(); }
void Version(const Step&, const Datum* const*, Datum& out, ExecContext&) { out.s = tusk::kVersionString; }

// A void function's result: not NULL (its text form is empty), as in PostgreSQL.
Datum VoidValue() {
  Datum d;
  d.null = false;
  return d;
}

// pg_notify(channel, payload): not strict, as PostgreSQL's (a NULL channel is
// an empty one, a NULL payload no payload).
void PgNotify(const Step&, const Datum* const* a, Datum& out, ExecContext& ctx) {
  ctx.session->Notify(a[0]->null ? std::string() : a[0]->s, a[1]->null ? std::string() : a[1]->s);
  out = VoidValue();
}

// The advisory functions' aux: which flavour of lock or unlock.
enum AdvisoryFlags : int { kShared = 1, kXact = 2, kTry = 4, kUnlock = 8 };

SessionContext::AdvisoryKey KeyOf(const Step& st, const Datum* const* a) {
  SessionContext::AdvisoryKey k;
  if (st.args.size() == 1) {  // one bigint: its halves, kind 1
    const auto v = static_cast<uint64_t>(a[0]->i);
    k.high = static_cast<uint32_t>(v >> 32);
    k.low = static_cast<uint32_t>(v);
    k.kind = 1;
  } else {  // two int4 keys, kind 2
    k.high = static_cast<uint32_t>(a[0]->i);
    k.low = static_cast<uint32_t>(a[1]->i);
    k.kind = 2;
  }
  return k;
}

void Advisory(const Step& st, const Datum* const* a, Datum& out, ExecContext& ctx) {
  const bool shared = st.aux & kShared;
  if (st.aux & kUnlock) {
    out = Datum::Bool(ctx.session->AdvisoryUnlock(KeyOf(st, a), shared));
    return;
  }
  const bool got = ctx.session->AdvisoryLock(KeyOf(st, a), shared, st.aux & kXact, !(st.aux & kTry));
  out = st.aux & kTry ? Datum::Bool(got) : VoidValue();
}

void AdvisoryUnlockAll(const Step&, const Datum* const*, Datum& out, ExecContext& ctx) {
  ctx.session->AdvisoryUnlockAll();
  out = VoidValue();
}

void ForceNextStatsFlush(const Step&, const Datum* const*, Datum& out, ExecContext& ctx) {
  ctx.session->ForceNextStatsFlush();
  out = VoidValue();
}

void AddAdvisory(std::vector<FuncDef>& f, const std::string& name, int flags) {
  const uint32_t result = flags & (kTry | kUnlock) ? oid::kBool : oid::kVoid;
  f.push_back({name, {oid::kInt8}, result, Advisory, true, false, flags});
  f.push_back({name, {oid::kInt4, oid::kInt4}, result, Advisory, true, false, flags});
}

void CurrentSetting(const Step& st, const Datum* const* a, Datum& out, ExecContext& ctx) {
  bool missing_ok = st.args.size() > 1 && a[1]->b;
  auto v = ctx.session->GetConfig(a[0]->s, missing_ok);
  if (!v) {
    out.null = true;
    return;
  }
  out.s = *v;
}

// getdatabaseencoding(): the database's encoding is the server's (server_encoding).
void DatabaseEncoding(const Step&, const Datum* const*, Datum& out, ExecContext& ctx) {
  auto v = ctx.session->GetConfig("server_encoding", true);
  out = v ? Datum::Text(*v) : Datum::Null();
}

void SetConfig(const Step&, const Datum* const* a, Datum& out, ExecContext& ctx) {
  if (a[0]->null) throw PgError(sqlstate::kNullValueNotAllowed, "SET requires parameter name");
  std::string value = a[1]->null ? "" : a[1]->s;
  bool is_local = !a[2]->null && a[2]->b;
  out.s = ctx.session->SetConfig(a[0]->s, value, is_local);
  // The session zone may have changed; later outputs in this query use it.
  if (a[0]->s == "timezone" || a[0]->s == "TimeZone") {
    if (auto tz = ctx.session->GetConfig("timezone", true)) ctx.io.timezone = *tz;
  }
}

// aux: 0 current_user, 1 session_user, 2 current_database
void Identity(const Step& st, const Datum* const*, Datum& out, ExecContext& ctx) {
  switch (st.aux) {
    case 0: out.s = ctx.session->CurrentUser(); break;
    case 1: out.s = ctx.session->SessionUser(); break;
    default: out.s = ctx.session->CurrentDatabase(); break;
  }
}

int64_t ClockMicros() {
  return std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// aux: 0 transaction start, 1 statement start, 2 clock
void Now(const Step& st, const Datum* const*, Datum& out, ExecContext& ctx) {
  int64_t unix_us = st.aux == 0   ? ctx.session->TransactionStartMicros()
                    : st.aux == 1 ? ctx.session->StatementStartMicros()
                                  : ClockMicros();
  out.i = UnixMicrosToPg(unix_us);
}

// localtimestamp / current_date: transaction start in the session zone.
void LocalNow(const Step& st, const Datum* const*, Datum& out, ExecContext& ctx) {
  int64_t ts = UnixMicrosToPg(ctx.session->TransactionStartMicros());
  int64_t local = ts + UtcOffsetAt(ctx.io.timezone, ts) * kUsecPerSec;
  out.i = st.aux == 0 ? local : (local >= 0 ? local / kUsecPerDay : (local - kUsecPerDay + 1) / kUsecPerDay);
}

void TimeOfDay(const Step&, const Datum* const*, Datum& out, ExecContext& ctx) {
  out.s = FormatTimestamptz(UnixMicrosToPg(ClockMicros()), ctx.io.timezone);
}

// A hot standby replaying the primary's WAL (contract 10).
void InRecovery(const Step&, const Datum* const*, Datum& out, ExecContext&) { out.b = transam::KnownXidsActive(); }

}  // namespace

void PgTypeofFn(const Step& st, const Datum* const*, Datum& out, ExecContext&) { out.i = st.aux; }

void AddSessionBuiltins(std::vector<FuncDef>& f) {
  f.push_back({"pg_notify", {kText, kText}, oid::kVoid, PgNotify, false});
  AddAdvisory(f, "pg_advisory_lock", 0);
  AddAdvisory(f, "pg_advisory_lock_shared", kShared);
  AddAdvisory(f, "pg_try_advisory_lock", kTry);
  AddAdvisory(f, "pg_try_advisory_lock_shared", kTry | kShared);
  AddAdvisory(f, "pg_advisory_xact_lock", kXact);
  AddAdvisory(f, "pg_advisory_xact_lock_shared", kXact | kShared);
  AddAdvisory(f, "pg_try_advisory_xact_lock", kXact | kTry);
  AddAdvisory(f, "pg_try_advisory_xact_lock_shared", kXact | kTry | kShared);
  AddAdvisory(f, "pg_advisory_unlock", kUnlock);
  AddAdvisory(f, "pg_advisory_unlock_shared", kUnlock | kShared);
  f.push_back({"pg_advisory_unlock_all", {}, oid::kVoid, AdvisoryUnlockAll});
  f.push_back({"pg_sleep", {oid::kFloat8}, oid::kVoid, PgSleep});
  f.push_back({"pg_stat_force_next_flush", {}, oid::kVoid, ForceNextStatsFlush});
  f.push_back({"pg_backend_pid", {}, kI4, BackendPid});
  f.push_back({"pg_cancel_backend", {kI4}, kBool, CancelBackend});
  f.push_back({"pg_terminate_backend", {kI4}, kBool, TerminateBackend});
  f.push_back({"pg_terminate_backend", {kI4, oid::kInt8}, kBool, TerminateBackend});
  f.push_back({"pg_reload_conf", {}, kBool, ReloadConf});
  f.push_back({"version", {}, kText, Version});
  f.push_back({"current_setting", {kText}, kText, CurrentSetting});
  f.push_back({"current_setting", {kText, kBool}, kText, CurrentSetting});
  f.push_back({"set_config", {kText, kText, kBool}, kText, SetConfig, false});
  f.push_back({"getdatabaseencoding", {}, kName, DatabaseEncoding});
  f.push_back({"current_user", {}, kName, Identity, true, false, 0});
  f.push_back({"session_user", {}, kName, Identity, true, false, 1});
  f.push_back({"current_database", {}, kName, Identity, true, false, 2});
  f.push_back({"now", {}, kTz, Now, true, false, 0});
  f.push_back({"transaction_timestamp", {}, kTz, Now, true, false, 0});
  f.push_back({"statement_timestamp", {}, kTz, Now, true, false, 1});
  f.push_back({"clock_timestamp", {}, kTz, Now, true, false, 2});
  f.push_back({"localtimestamp", {}, oid::kTimestamp, LocalNow, true, false, 0});
  f.push_back({"current_date", {}, oid::kDate, LocalNow, true, false, 1});
  f.push_back({"timeofday", {}, kText, TimeOfDay});
  f.push_back({"pg_is_in_recovery", {}, kBool, InRecovery});
  f.push_back({"pg_typeof", {kAnyArg}, oid::kRegtype, PgTypeofFn, false});
}

}  // namespace tusk::sql
