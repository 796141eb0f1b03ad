// What table DDL (session_ddl.cc) needs from the sequence code
// (session_sequence.cc): serial columns and the dependencies of column
// defaults on sequences.
#pragma once

#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "access/heap/heapam.h"
#include "sql/parser/ast.h"
#include "sql/parser/ast_ddl.h"

namespace tusk::backend {

// serial/serial4 -> int4, bigserial/serial8 -> int8, smallserial/serial2 ->
// int2; 0 for any other type name.
uint32_t SerialIntegerType(const sql::TypeName& type);

// The sequence of a serial or identity column `table`.`column` (PostgreSQL's
// name choice: table_column_seq, numbered when taken in the namespace or in
// `taken`), AS the column's type, with an identity column's ( options ).
// Returns its OID and fills `default_sql` with the column default
// nextval('name'::regclass) (serial columns store it; identity columns do not).
uint32_t CreateSerialSequence(uint32_t namespace_oid, const std::string& table, const std::string& column,
                              uint32_t int_type, std::set<std::string>& taken, std::string* default_sql,
                              heap::XactContext& x, const std::vector<sql::SeqOption>* identity_options = nullptr,
                              bool for_identity = false);
// The sequence becomes OWNED BY relid.attnum (pg_depend 'a'; 'i' for an
// identity column's sequence).
void SetSequenceOwner(uint32_t seq, uint32_t relid, int16_t attnum, heap::XactContext& x, char deptype = 'a');

// The sequences a default expression names by a regclass constant
// ('s'::regclass, or a string literal given to nextval/currval/setval),
// resolved now; the pg_attrdef row `attrdef` gets a normal dependency on each,
// so DROP SEQUENCE without CASCADE refuses while the default exists.
void RecordDefaultDependencies(uint32_t attrdef, const std::string& expr_sql, heap::XactContext& x);

// TRUNCATE ... RESTART IDENTITY: each sequence owned by a column of relid
// starts over (a new relfilenode at its START value, as ALTER SEQUENCE
// RESTART; transactional).
void RestartOwnedSequences(uint32_t relid, heap::XactContext& x);

}  // namespace tusk::backend
