// aclitem[] as text (aclitemin/aclitemout inside array_in/array_out), the
// acl a NULL column stands for (acldefault), and GRANT/REVOKE on one list
// (aclupdate without the recursive revoke, which the caller does).
#include "catalog/acl.h"

#include <algorithm>
#include <utility>

#include "catalog/db_role_setting.h"
#include "utils/error.h"

namespace tusk::catalog {
namespace {

// Bit i of an AclPriv is kLetters[i]; this is also the order of the text.
constexpr std::string_view kLetters = "arwdDxtXUCTc";
// getid's limit: a role name is a `name`, NAMEDATALEN - 1 bytes.
constexpr size_t kMaxNameLen = 63;

// The C locale's isspace/isalnum/isalpha, which acl.c uses: bytes above
// 0x7f are never letters, so such names are always quoted.
bool CSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'; }
bool CAlpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool PlainNameChar(char c) { return CAlpha(c) || (c >= '0' && c <= '9') || c == '_'; }

// putid: quoted as soon as one character is not plain, so that getid reads
// the name back unchanged (it never folds case).
void PutName(std::string* out, const std::string& name) {
  const bool quote = !std::all_of(name.begin(), name.end(), PlainNameChar);
  if (quote) *out += '"';
  for (char c : name) {
    if (c == '"') *out += '"';
    *out += c;
  }
  if (quote) *out += '"';
}

// getid: plain characters and quoted runs ("" inside quotes is one quote),
// white space skipped on both sides. The name may be empty (PUBLIC).
std::optional<std::string> ReadName(std::string_view text, size_t* pos) {
  size_t i = *pos;
  while (i < text.size() && CSpace(text[i])) ++i;
  std::string name;
  bool in_quotes = false;
  for (; i < text.size() && (in_quotes || PlainNameChar(text[i]) || text[i] == '"'); ++i) {
    if (text[i] == '"') {
      if (i + 1 >= text.size() || text[i + 1] != '"') {
        in_quotes = !in_quotes;
        continue;
      }
      ++i;  // a doubled quote stands for one
    }
    if (name.size() >= kMaxNameLen) return std::nullopt;
    name += text[i];
  }
  while (i < text.size() && CSpace(text[i])) ++i;
  *pos = i;
  return name;
}

// The privilege letters after '=', each optionally followed by '*'. 'R'
// (the RULE privilege of old releases) is read and dropped, as aclparse does.
bool ReadPrivileges(std::string_view text, size_t* pos, AclItem* item) {
  uint32_t last = 0;
  for (; *pos < text.size() && (CAlpha(text[*pos]) || text[*pos] == '*'); ++*pos) {
    const char c = text[*pos];
    if (c == '*') {
      item->grant_options |= last;
      continue;
    }
    const size_t bit = kLetters.find(c);
    if (bit == std::string_view::npos && c != 'R') return false;
    last = bit == std::string_view::npos ? 0 : 1u << bit;
    item->privs |= last;
  }
  return true;
}

// aclparse plus aclitemin's check for trailing text. Unlike aclparse, a
// missing "/grantor" is an error rather than the bootstrap superuser.
std::optional<AclItem> ParseAclItem(std::string_view text) {
  size_t pos = 0;
  std::optional<std::string> grantee = ReadName(text, &pos);
  if (!grantee) return std::nullopt;
  if (pos < text.size() && text[pos] != '=') {
    // "group name=..." and "user name=...": keywords of old releases.
    if (*grantee != "group" && *grantee != "user") return std::nullopt;
    grantee = ReadName(text, &pos);
    if (!grantee || grantee->empty()) return std::nullopt;
  }
  if (pos >= text.size() || text[pos] != '=') return std::nullopt;
  AclItem item;
  item.grantee = std::move(*grantee);
  ++pos;
  if (!ReadPrivileges(text, &pos, &item)) return std::nullopt;
  if (pos >= text.size() || text[pos] != '/') return std::nullopt;
  ++pos;
  std::optional<std::string> grantor = ReadName(text, &pos);
  if (!grantor || grantor->empty() || pos != text.size()) return std::nullopt;
  item.grantor = std::move(*grantor);
  return item;
}

AclItem* FindItem(std::vector<AclItem>* acl, const std::string& grantee, const std::string& grantor) {
  for (AclItem& item : *acl)
    if (item.grantee == grantee && item.grantor == grantor) return &item;
  return nullptr;
}

bool Applies(const AclItem& item, const std::string& role, const std::string& also) {
  return item.grantee.empty() || item.grantee == role || (!also.empty() && item.grantee == also);
}

}  // namespace

uint32_t AclAllPrivileges(AclObject kind) {
  switch (kind) {
    case AclObject::kTable:
      return kAclInsert | kAclSelect | kAclUpdate | kAclDelete | kAclTruncate | kAclReferences | kAclTrigger;
    case AclObject::kSequence:
      return kAclSelect | kAclUpdate | kAclUsage;
    case AclObject::kDatabase:
      return kAclCreate | kAclTemporary | kAclConnect;
    case AclObject::kSchema:
      return kAclUsage | kAclCreate;
  }
  return 0;
}

std::string FormatAclItem(const AclItem& item) {
  std::string out;
  PutName(&out, item.grantee);
  out += '=';
  for (size_t i = 0; i < kLetters.size(); ++i) {
    const uint32_t bit = 1u << i;
    if (!(item.privs & bit)) continue;
    out += kLetters[i];
    if (item.grant_options & bit) out += '*';
  }
  out += '/';
  PutName(&out, item.grantor);
  return out;
}

std::string FormatAcl(const std::vector<AclItem>& acl) {
  std::vector<std::string> elements;
  elements.reserve(acl.size());
  for (const AclItem& item : acl) elements.push_back(FormatAclItem(item));
  return FormatSettingArray(elements);
}

std::optional<std::vector<AclItem>> ParseAcl(std::string_view text) {
  std::vector<std::string> elements;
  try {
    elements = ParseSettingArray(text);
  } catch (const PgError&) {
    return std::nullopt;
  }
  std::vector<AclItem> acl;
  acl.reserve(elements.size());
  for (const std::string& e : elements) {
    std::optional<AclItem> item = ParseAclItem(e);
    if (!item) return std::nullopt;
    acl.push_back(std::move(*item));
  }
  return acl;
}

std::vector<AclItem> AclDefault(AclObject kind, const std::string& owner) {
  std::vector<AclItem> acl;
  // acldefault puts PUBLIC's item before the owner's.
  if (kind == AclObject::kDatabase) acl.push_back({"", owner, kAclTemporary | kAclConnect, 0});
  acl.push_back({owner, owner, AclAllPrivileges(kind), 0});
  return acl;
}

std::vector<AclItem> AclOf(const std::optional<std::string>& column, AclObject kind, const std::string& owner) {
  if (column) {
    if (std::optional<std::vector<AclItem>> acl = ParseAcl(*column)) return std::move(*acl);
  }
  return AclDefault(kind, owner);
}

uint32_t AclHeld(const std::vector<AclItem>& acl, const std::string& role, const std::string& also) {
  uint32_t held = 0;
  for (const AclItem& item : acl)
    if (Applies(item, role, also)) held |= item.privs;
  return held;
}

uint32_t AclGrantOptionsHeld(const std::vector<AclItem>& acl, const std::string& role, const std::string& also) {
  uint32_t held = 0;
  for (const AclItem& item : acl)
    if (Applies(item, role, also)) held |= item.grant_options;
  return held;
}

void AclGrant(std::vector<AclItem>* acl, const std::string& grantee, const std::string& grantor, uint32_t privs,
              bool with_grant_option) {
  AclItem* item = FindItem(acl, grantee, grantor);
  if (!item) {
    // aclupdate drops an item left with no privileges, so none is made.
    if (privs == 0) return;
    acl->push_back({grantee, grantor, 0, 0});
    item = &acl->back();
  }
  item->privs |= privs;
  if (with_grant_option) item->grant_options |= privs;
}

void AclRevoke(std::vector<AclItem>* acl, const std::string& grantee, const std::string& grantor, uint32_t privs,
               bool grant_option_only) {
  AclItem* item = FindItem(acl, grantee, grantor);
  if (!item) return;
  item->grant_options &= ~privs;
  if (!grant_option_only) item->privs &= ~privs;
  if (item->privs == 0) acl->erase(acl->begin() + (item - acl->data()));
}

void AclChangeOwner(std::vector<AclItem>* acl, const std::string& old_owner, const std::string& new_owner) {
  std::vector<AclItem> out;
  for (AclItem item : *acl) {
    if (item.grantee == old_owner) item.grantee = new_owner;
    if (item.grantor == old_owner) item.grantor = new_owner;
    AclItem* same = FindItem(&out, item.grantee, item.grantor);
    if (same) {
      same->privs |= item.privs;
      same->grant_options |= item.grant_options;
    } else {
      out.push_back(std::move(item));
    }
  }
  *acl = std::move(out);
}

bool AclMentions(const std::vector<AclItem>& acl, const std::string& role) {
  return std::any_of(acl.begin(), acl.end(),
                     [&](const AclItem& item) { return item.grantee == role || item.grantor == role; });
}

bool AclRenameRole(std::vector<AclItem>* acl, const std::string& from, const std::string& to) {
  bool changed = false;
  for (AclItem& item : *acl) {
    for (std::string* name : {&item.grantee, &item.grantor}) {
      if (*name != from) continue;
      *name = to;
      changed = true;
    }
  }
  return changed;
}

uint32_t AclPrivilegeByName(std::string_view word) {
  static constexpr std::pair<std::string_view, uint32_t> kWords[] = {
      {"INSERT", kAclInsert},   {"SELECT", kAclSelect},       {"UPDATE", kAclUpdate},
      {"DELETE", kAclDelete},   {"TRUNCATE", kAclTruncate},   {"REFERENCES", kAclReferences},
      {"TRIGGER", kAclTrigger}, {"EXECUTE", kAclExecute},     {"USAGE", kAclUsage},
      {"CREATE", kAclCreate},   {"TEMPORARY", kAclTemporary}, {"TEMP", kAclTemporary},
      {"CONNECT", kAclConnect},
  };
  for (const auto& [name, bit] : kWords)
    if (name == word) return bit;
  return 0;
}

}  // namespace tusk::catalog
