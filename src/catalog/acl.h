// Access privileges: PostgreSQL's aclitem[] in its text form, as relacl,
// nspacl and datacl hold it ("{bench=arwdDxt/bench,=r/bench}"), what an
// object's owner has before any GRANT (a NULL acl), and GRANT/REVOKE on
// such a list. Roles are named, not numbered, as the text form shows them:
// the catalog keeps the text, so a column reads as PostgreSQL's does.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tusk::catalog {

// One bit per privilege letter, in PostgreSQL's order "arwdDxtXUCTc".
enum AclPriv : uint32_t {
  kAclInsert = 1u << 0,      // a
  kAclSelect = 1u << 1,      // r
  kAclUpdate = 1u << 2,      // w
  kAclDelete = 1u << 3,      // d
  kAclTruncate = 1u << 4,    // D
  kAclReferences = 1u << 5,  // x
  kAclTrigger = 1u << 6,     // t
  kAclExecute = 1u << 7,     // X
  kAclUsage = 1u << 8,       // U
  kAclCreate = 1u << 9,      // C
  kAclTemporary = 1u << 10,  // T
  kAclConnect = 1u << 11,    // c
};

enum class AclObject : uint8_t { kTable, kSequence, kDatabase, kSchema };

// Every privilege an object of this kind can have (ALL PRIVILEGES):
// tables arwdDxt, sequences rwU, databases CTc, schemas UC.
uint32_t AclAllPrivileges(AclObject kind);

// The role "public" is the empty grantee.
struct AclItem {
  std::string grantee;
  std::string grantor;
  uint32_t privs = 0;
  uint32_t grant_options = 0;  // a subset of privs ('*' after the letter)
};

// One item's text: grantee=privs/grantor. A name with characters other than
// letters, digits and '_' is double-quoted (quotes doubled), as aclitemout
// does.
std::string FormatAclItem(const AclItem& item);
// The array's text, elements quoted as text[] quotes them; "{}" when empty.
std::string FormatAcl(const std::vector<AclItem>& acl);
// Reads what FormatAcl writes (and PostgreSQL's own output); nullopt for
// text that is not an aclitem[].
std::optional<std::vector<AclItem>> ParseAcl(std::string_view text);

// What a NULL acl means: the owner has every privilege (granted by itself);
// PUBLIC has TEMPORARY and CONNECT on databases.
std::vector<AclItem> AclDefault(AclObject kind, const std::string& owner);

// The acl an object's column holds: its text parsed, or the default when the
// column is NULL (or unreadable).
std::vector<AclItem> AclOf(const std::optional<std::string>& column, AclObject kind, const std::string& owner);

// Every privilege the role holds, directly or through PUBLIC.
// `also` names a role the user counts as a member of (pg_database_owner for
// the owner of the current database), or is empty.
uint32_t AclHeld(const std::vector<AclItem>& acl, const std::string& role, const std::string& also = {});
// Likewise the grant options the role holds.
uint32_t AclGrantOptionsHeld(const std::vector<AclItem>& acl, const std::string& role, const std::string& also = {});

// GRANT: adds privs (and their grant options when with_grant_option) to the
// item of (grantee, grantor), making one if there is none. New items go
// after the existing ones, as aclupdate appends them.
void AclGrant(std::vector<AclItem>* acl, const std::string& grantee, const std::string& grantor, uint32_t privs,
              bool with_grant_option);
// REVOKE: takes privs from the item of (grantee, grantor), or only their
// grant options when grant_option_only; an item left with nothing goes.
void AclRevoke(std::vector<AclItem>* acl, const std::string& grantee, const std::string& grantor, uint32_t privs,
               bool grant_option_only);

// ALTER ... OWNER TO (PostgreSQL's aclnewowner): the old owner's items,
// as grantee and as grantor, become the new owner's, merged with any the new
// owner already had.
void AclChangeOwner(std::vector<AclItem>* acl, const std::string& old_owner, const std::string& new_owner);

// Whether any item names the role as grantee or grantor (DROP ROLE refuses).
bool AclMentions(const std::vector<AclItem>& acl, const std::string& role);
// ALTER ROLE ... RENAME TO: every mention of `from` (grantee or grantor)
// becomes `to`; true when something changed.
bool AclRenameRole(std::vector<AclItem>* acl, const std::string& from, const std::string& to);

// The privilege's bit for a word of GRANT or has_*_privilege ("SELECT",
// "TEMP", ...; upper case); 0 for a word that is not a privilege.
uint32_t AclPrivilegeByName(std::string_view word);

}  // namespace tusk::catalog
