// Sequence functions: nextval, currval, setval, lastval and
// pg_get_serial_sequence. The work is the session's (SessionContext), which
// keeps the per-session state PostgreSQL's SeqTable holds.
#include "sql/functions/registry.h"
#include "sql/session_context.h"
#include "sql/types/type_oids.h"

namespace tusk::sql {
namespace {

uint32_t Relid(const Datum& d) { return static_cast<uint32_t>(d.i); }

void Nextval(const Step&, const Datum* const* a, Datum& out, ExecContext& ctx) {
  out = Datum::Int(ctx.session->SequenceNextval(Relid(*a[0])));
}

void Currval(const Step&, const Datum* const* a, Datum& out, ExecContext& ctx) {
  out = Datum::Int(ctx.session->SequenceCurrval(Relid(*a[0])));
}

// aux 0: setval(regclass, bigint), 1: setval(regclass, bigint, bool)
void Setval(const Step& st, const Datum* const* a, Datum& out, ExecContext& ctx) {
  out = Datum::Int(ctx.session->SequenceSetval(Relid(*a[0]), a[1]->i, st.aux == 1 ? a[2]->b : true));
}

void Lastval(const Step&, const Datum* const*, Datum& out, ExecContext& ctx) {
  out = Datum::Int(ctx.session->SequenceLastval());
}

void SerialSequence(const Step&, const Datum* const* a, Datum& out, ExecContext& ctx) {
  auto name = ctx.session->SerialSequence(a[0]->s, a[1]->s);
  out = name ? Datum::Text(*name) : Datum::Null();
}

}  // namespace

void AddSequenceBuiltins(std::vector<FuncDef>& f) {
  f.push_back({"nextval", {oid::kRegclass}, oid::kInt8, Nextval});
  f.push_back({"currval", {oid::kRegclass}, oid::kInt8, Currval});
  f.push_back({"setval", {oid::kRegclass, oid::kInt8}, oid::kInt8, Setval, true, false, 0});
  f.push_back({"setval", {oid::kRegclass, oid::kInt8, oid::kBool}, oid::kInt8, Setval, true, false, 1});
  f.push_back({"lastval", {}, oid::kInt8, Lastval});
  f.push_back({"pg_get_serial_sequence", {oid::kText, oid::kText}, oid::kText, SerialSequence});
}

}  // namespace tusk::sql
