// pg_db_role_setting: the settings of ALTER DATABASE/ROLE ... SET, one row
// per (database, role) pair with 0 standing for "all", its "name=value"
// entries kept in order. Rows are written in the caller's transaction, so
// they commit, roll back and survive crashes like pg_authid's.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "access/heap/heapam.h"
#include "catalog/schema.h"

namespace tusk::catalog {

// setconfig's text form, as PostgreSQL's text[] prints and reads it: an
// element is double-quoted when it is empty, "NULL", or holds braces,
// commas, quotes, backslashes or white space.
std::string FormatSettingArray(const std::vector<std::string>& entries);
std::vector<std::string> ParseSettingArray(std::string_view text);

// GUCArrayAdd / GUCArrayDelete over "name=value" entries: a name matches
// exactly (the caller passes the parameter's canonical spelling), and a new
// value takes the old one's place.
void PutSettingEntry(std::vector<std::string>* entries, const std::string& name, const std::string& value);
void RemoveSettingEntry(std::vector<std::string>* entries, const std::string& name);
// The name of an entry (before its first '='); the whole entry if it has none.
std::string SettingEntryName(const std::string& entry);

// Serialises writers of pg_db_role_setting (there is no unique index on
// (setdatabase, setrole) yet): ShareRowExclusiveLock until the end of the
// transaction. Take it before CatalogXactContext(), so the snapshot sees
// what the previous writer committed.
void LockDbRoleSettingCatalog();

// The entries stored for exactly (db, role); nullopt when there is no row.
std::optional<std::vector<std::string>> FindDbRoleSetting(uint32_t db, uint32_t role,
                                                          const transam::Snapshot& snapshot,
                                                          const transam::CurrentXact& me = {});

// Makes (db, role)'s row hold `entries`: inserted, updated, or deleted when
// `entries` is empty (PostgreSQL's AlterSetting never keeps an empty row).
void WriteDbRoleSetting(uint32_t db, uint32_t role, const std::vector<std::string>& entries,
                        heap::XactContext& xact);

// DROP DATABASE / DROP ROLE (PostgreSQL's DropSetting): deletes the rows of
// database `db` and of role `role`; 0 matches any, so (db, 0) removes every
// row of the database.
void DropDbRoleSettings(uint32_t db, uint32_t role, heap::XactContext& xact);

}  // namespace tusk::catalog
