// uuid functions: gen_random_uuid(). The comparison operators are the
// generic ones over CompareDatum (operator_builtins.cc); text casts are
// I/O conversions.
#include "sql/functions/registry.h"
#include "sql/types/type_oids.h"
#include "sql/types/uuid.h"

namespace tusk::sql {
namespace {

void GenRandomUuid(const Step&, const Datum* const*, Datum& out, ExecContext&) {
  out.null = false;
  out.s = RandomUuid();
}

}  // namespace

void AddUuidBuiltins(std::vector<FuncDef>& f) { f.push_back({"gen_random_uuid", {}, oid::kUuid, GenRandomUuid}); }

}  // namespace tusk::sql
