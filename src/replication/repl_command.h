// The replication commands a WAL sender accepts (PostgreSQL 15's replication
// grammar): tokens, then one command. Keywords are upper case and
// case-sensitive, unquoted identifiers fold to lower case, 'strings' and
// "identifiers" double their quote to escape it, LSNs are HEX/HEX.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "access/wal/wal_format.h"

namespace tusk::replication {

enum class CommandKind {
  kIdentifySystem,
  kShow,
  kTimelineHistory,
  kCreateSlot,
  kDropSlot,
  kReadSlot,
  kBaseBackup,
  kStartReplication,
};

// `name [value]` of a parenthesised option list; names fold to lower case.
struct GenericOption {
  std::string name;
  std::optional<std::string> value;  // nullopt: the bare name
};

struct Command {
  CommandKind kind = CommandKind::kIdentifySystem;
  std::string name;        // slot name, or SHOW's parameter
  bool temporary = false;  // CREATE_REPLICATION_SLOT
  bool logical = false;    // CREATE_REPLICATION_SLOT / START_REPLICATION ... LOGICAL
  bool wait = false;       // DROP_REPLICATION_SLOT ... WAIT
  bool has_slot = false;   // START_REPLICATION SLOT name
  wal::Lsn lsn = 0;        // START_REPLICATION
  uint32_t timeline = 0;   // START_REPLICATION ... TIMELINE n (0: not given), TIMELINE_HISTORY n
  // BASE_BACKUP's and CREATE_REPLICATION_SLOT's options; the legacy
  // unparenthesised spellings are translated to these (FAST -> checkpoint
  // 'fast', NOWAIT -> wait 'false', NOVERIFY_CHECKSUMS -> verify_checksums 'false').
  std::vector<GenericOption> options;
};

// nullopt when the text does not start with a replication command keyword
// (the caller treats it as SQL). A command with bad syntax throws ERROR 42601
// `syntax error`, as PostgreSQL's replication parser does.
std::optional<Command> ParseCommand(std::string_view text);

// "X/Y" of hex digits; false otherwise.
bool ParseLsn(std::string_view text, wal::Lsn* out);

}  // namespace tusk::replication
