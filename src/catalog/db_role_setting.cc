// pg_db_role_setting rows: their text[] form, entry editing, and the row
// writes of ALTER DATABASE/ROLE ... SET and of DROP DATABASE/ROLE.
#include "catalog/db_role_setting.h"

#include <strings.h>

#include <algorithm>

#include "catalog/catalog.h"
#include "storage/lmgr/lock.h"
#include "utils/error.h"

namespace tusk::catalog {
namespace {

// PostgreSQL's array_isspace: what array_in skips and array_out must quote.
bool ArraySpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'; }

bool NeedsQuotes(const std::string& e) {
  if (e.empty() || strcasecmp(e.c_str(), "NULL") == 0) return true;
  return std::any_of(e.begin(), e.end(), [](char c) {
    return c == '{' || c == '}' || c == ',' || c == '"' || c == '\\' || ArraySpace(c);
  });
}

[[noreturn]] void Malformed(std::string_view text) {
  throw PgError(sqlstate::kInternalError, "malformed setconfig array: \"" + std::string(text) + "\"");
}

std::vector<CatalogTuple<DbRoleSettingRow>> Rows(uint32_t db, uint32_t role, const heap::XactContext& xact) {
  return ScanCatalogTuples<DbRoleSettingRow>(xact.snapshot, xact.Me(), [&](const DbRoleSettingRow& r) {
    return r.setdatabase == db && r.setrole == role;
  });
}

}  // namespace

std::string FormatSettingArray(const std::vector<std::string>& entries) {
  std::string out = "{";
  for (size_t i = 0; i < entries.size(); ++i) {
    if (i) out += ',';
    const std::string& e = entries[i];
    if (!NeedsQuotes(e)) {
      out += e;
      continue;
    }
    out += '"';
    for (char c : e) {
      if (c == '"' || c == '\\') out += '\\';
      out += c;
    }
    out += '"';
  }
  return out + "}";
}

std::vector<std::string> ParseSettingArray(std::string_view text) {
  std::vector<std::string> out;
  size_t i = 0;
  auto skip_space = [&] {
    while (i < text.size() && ArraySpace(text[i])) ++i;
  };
  skip_space();
  if (i >= text.size() || text[i] != '{') Malformed(text);
  ++i;
  skip_space();
  if (i < text.size() && text[i] == '}') return out;
  for (;;) {
    skip_space();
    std::string e;
    if (i < text.size() && text[i] == '"') {
      for (++i;; ++i) {
        if (i >= text.size()) Malformed(text);
        if (text[i] == '"') break;
        if (text[i] == '\\' && ++i >= text.size()) Malformed(text);
        e += text[i];
      }
      ++i;
      skip_space();
    } else {
      size_t last_kept = 0;  // unquoted elements lose trailing white space
      for (; i < text.size() && text[i] != ',' && text[i] != '}'; ++i) {
        if (text[i] == '\\' && ++i >= text.size()) Malformed(text);
        e += text[i];
        if (!ArraySpace(text[i]) || text[i - 1] == '\\') last_kept = e.size();
      }
      e.resize(last_kept);
    }
    out.push_back(std::move(e));
    if (i >= text.size()) Malformed(text);
    if (text[i++] == '}') return out;
  }
}

std::string SettingEntryName(const std::string& entry) { return entry.substr(0, entry.find('=')); }

void PutSettingEntry(std::vector<std::string>* entries, const std::string& name, const std::string& value) {
  const std::string entry = name + "=" + value;
  for (std::string& e : *entries) {
    if (e.compare(0, name.size() + 1, name + "=") == 0) {
      e = entry;
      return;
    }
  }
  entries->push_back(entry);
}

void RemoveSettingEntry(std::vector<std::string>* entries, const std::string& name) {
  std::erase_if(*entries, [&](const std::string& e) { return e.compare(0, name.size() + 1, name + "=") == 0; });
}

void LockDbRoleSettingCatalog() {
  lmgr::Acquire(lmgr::LockTag::Relation(0, kDbRoleSettingRelationId), lmgr::LockMode::kShareRowExclusive, false);
}

std::optional<std::vector<std::string>> FindDbRoleSetting(uint32_t db, uint32_t role,
                                                          const transam::Snapshot& snapshot,
                                                          const transam::CurrentXact& me) {
  std::vector<DbRoleSettingRow> rows = ScanCatalog<DbRoleSettingRow>(snapshot, me, [&](const DbRoleSettingRow& r) {
    return r.setdatabase == db && r.setrole == role;
  });
  if (rows.empty()) return std::nullopt;
  if (!rows.front().setconfig) return std::vector<std::string>{};
  return ParseSettingArray(*rows.front().setconfig);
}

void WriteDbRoleSetting(uint32_t db, uint32_t role, const std::vector<std::string>& entries,
                        heap::XactContext& xact) {
  std::vector<CatalogTuple<DbRoleSettingRow>> rows = Rows(db, role, xact);
  if (entries.empty()) {
    for (const auto& t : rows) DeleteCatalogRow<DbRoleSettingRow>(t.tid, xact);
    return;
  }
  DbRoleSettingRow row;
  row.setdatabase = db;
  row.setrole = role;
  row.setconfig = FormatSettingArray(entries);
  if (rows.empty()) {
    InsertCatalogRow(row, xact);
    return;
  }
  UpdateCatalogRow(rows.front().tid, row, xact);
}

void DropDbRoleSettings(uint32_t db, uint32_t role, heap::XactContext& xact) {
  auto rows = ScanCatalogTuples<DbRoleSettingRow>(xact.snapshot, xact.Me(), [&](const DbRoleSettingRow& r) {
    return (db == 0 || r.setdatabase == db) && (role == 0 || r.setrole == role);
  });
  for (const auto& t : rows) DeleteCatalogRow<DbRoleSettingRow>(t.tid, xact);
}

}  // namespace tusk::catalog
