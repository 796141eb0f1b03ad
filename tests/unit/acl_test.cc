// aclitem[] without a server: the text form as PostgreSQL 15 prints and reads
// it (putid's quoting inside, text[]'s quoting outside), the acl a NULL
// column means, GRANT/REVOKE on one list, and the lookups built on it.
#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "catalog/acl.h"

namespace tusk {
namespace {

using catalog::AclItem;
using catalog::AclObject;
using catalog::FormatAcl;
using catalog::FormatAclItem;
using catalog::ParseAcl;
using Acl = std::vector<AclItem>;

// The acl's text, so that expectations read as PostgreSQL shows them.
std::string Text(const Acl& acl) { return FormatAcl(acl); }

Acl Parsed(const std::string& text) {
  std::optional<Acl> acl = ParseAcl(text);
  EXPECT_TRUE(acl.has_value()) << text;
  return acl.value_or(Acl{});
}

TEST(AclText, ItemsAsAclitemout) {
  EXPECT_EQ(FormatAclItem({"bench", "bench", catalog::AclAllPrivileges(AclObject::kTable), 0}),
            "bench=arwdDxt/bench");
  EXPECT_EQ(FormatAclItem({"", "bench", catalog::kAclSelect, 0}), "=r/bench");
  EXPECT_EQ(FormatAclItem({"bob", "bench", catalog::kAclSelect | catalog::kAclUpdate, catalog::kAclSelect}),
            "bob=r*w/bench");
  // Letters come in bit order whatever order they were granted in.
  EXPECT_EQ(FormatAclItem({"bob", "bench", catalog::kAclConnect | catalog::kAclInsert | catalog::kAclExecute,
                           catalog::kAclConnect}),
            "bob=aXc*/bench");
  // putid quotes only for characters other than letters, digits and '_':
  // upper case alone is left bare, since getid does not fold case.
  EXPECT_EQ(FormatAclItem({"MixedCase_1", "bench", catalog::kAclSelect, 0}), "MixedCase_1=r/bench");
  EXPECT_EQ(FormatAclItem({"Mixed Case", "bench", catalog::kAclSelect, 0}), "\"Mixed Case\"=r/bench");
  EXPECT_EQ(FormatAclItem({"a\"b", "x-y", catalog::kAclSelect, 0}), "\"a\"\"b\"=r/\"x-y\"");
  EXPECT_EQ(FormatAclItem({"caf\xc3\xa9", "bench", catalog::kAclUsage, 0}), "\"caf\xc3\xa9\"=U/bench");
}

TEST(AclText, ArrayQuotesElementsAsTextArray) {
  EXPECT_EQ(Text({}), "{}");
  EXPECT_EQ(Text({{"bench", "bench", catalog::kAclSelect, 0}, {"", "bench", catalog::kAclSelect, 0}}),
            "{bench=r/bench,=r/bench}");
  // A quoted role name puts '"' (and maybe a space or comma) in the element,
  // so array_out quotes the element and escapes the name's quotes.
  EXPECT_EQ(Text({{"Mixed Case", "bench", catalog::kAclSelect, 0}}), "{\"\\\"Mixed Case\\\"=r/bench\"}");
  EXPECT_EQ(Text({{"a,b", "bench", catalog::kAclSelect, 0}}), "{\"\\\"a,b\\\"=r/bench\"}");
  EXPECT_EQ(Text({{"a\"b", "bench", catalog::kAclSelect, 0}}), "{\"\\\"a\\\"\\\"b\\\"=r/bench\"}");
  EXPECT_EQ(Text({{"a\\b", "bench", catalog::kAclSelect, 0}}), "{\"\\\"a\\\\b\\\"=r/bench\"}");
}

// Every field of every item, so a failure shows which one differs.
std::vector<std::tuple<std::string, std::string, uint32_t, uint32_t>> Fields(const Acl& acl) {
  std::vector<std::tuple<std::string, std::string, uint32_t, uint32_t>> out;
  for (const AclItem& i : acl) out.emplace_back(i.grantee, i.grantor, i.privs, i.grant_options);
  return out;
}

TEST(AclText, RoundTrips) {
  const uint32_t all = catalog::AclAllPrivileges(AclObject::kTable);
  const Acl acls[] = {
      {},
      {{"bench", "bench", all, 0}, {"", "bench", catalog::kAclSelect, 0}},
      {{"bob", "bench", all, all}, {"carol", "bob", catalog::kAclSelect | catalog::kAclInsert, catalog::kAclInsert}},
      {{"Mixed Case", "a\"b", catalog::kAclUsage | catalog::kAclCreate, catalog::kAclCreate}},
      {{"a,b", "{c}", catalog::kAclSelect, 0}, {"back\\slash", "tab\there", catalog::kAclConnect, 0}},
      {{"x=y/z", "*", catalog::kAclTemporary, 0}, {"NULL", "group", catalog::kAclExecute, catalog::kAclExecute}},
      {{"caf\xc3\xa9", "_1", catalog::kAclTruncate | catalog::kAclTrigger, catalog::kAclTrigger}},
  };
  for (const Acl& acl : acls) {
    const std::string text = Text(acl);
    EXPECT_EQ(Fields(Parsed(text)), Fields(acl)) << text;
  }
}

TEST(AclText, ReadsPostgresOutput) {
  Acl acl = Parsed("{=Tc/postgres,postgres=CTc/postgres,\"\\\"Mixed Case\\\"=c*/postgres\",bob=a*r*w*d*D*x*t*/bob}");
  ASSERT_EQ(acl.size(), 4u);
  EXPECT_EQ(Fields({acl[0]}), Fields({{"", "postgres", catalog::kAclTemporary | catalog::kAclConnect, 0}}));
  EXPECT_EQ(Fields({acl[2]}), Fields({{"Mixed Case", "postgres", catalog::kAclConnect, catalog::kAclConnect}}));
  const uint32_t all = catalog::AclAllPrivileges(AclObject::kTable);
  EXPECT_EQ(Fields({acl[3]}), Fields({{"bob", "bob", all, all}}));
  // What aclitemin also takes: white space around names, the old "group" and
  // "user" keywords, the old RULE letter (dropped), a '*' before any letter.
  EXPECT_EQ(Fields(Parsed("{ \"bob =r/ bench \" }")), Fields({{"bob", "bench", catalog::kAclSelect, 0}}));
  EXPECT_EQ(Fields(Parsed("{\"group bob=r/bench\",\"user carol=w/bench\"}")),
            Fields({{"bob", "bench", catalog::kAclSelect, 0}, {"carol", "bench", catalog::kAclUpdate, 0}}));
  // A keyword followed by '=' is a role of that name.
  EXPECT_EQ(Fields(Parsed("{\"group =r/bench\"}")), Fields({{"group", "bench", catalog::kAclSelect, 0}}));
  EXPECT_EQ(Fields(Parsed("{bob=*rR*/bench}")), Fields({{"bob", "bench", catalog::kAclSelect, 0}}));
  EXPECT_EQ(Fields(Parsed("{=/bench}")), Fields({{"", "bench", 0, 0}}));
  // A quoted name keeps its case and may hold anything; "" is one quote.
  EXPECT_EQ(Fields(Parsed("{\"\\\"A\\\"\\\"b c\\\"=U/\\\"B\\\"\"}")),
            Fields({{"A\"b c", "B", catalog::kAclUsage, 0}}));
}

TEST(AclText, MalformedIsNullopt) {
  const std::string too_long(64, 'n');
  const std::string longest(63, 'n');
  EXPECT_TRUE(ParseAcl("{" + longest + "=r/bench}").has_value());
  for (const std::string& text : {
           std::string(""),
           std::string("bob=r/bench"),                // not an array
           std::string("{bob=r/bench"),               // unterminated
           std::string("{bob=r}"),                    // no grantor
           std::string("{bob=r/}"),                   // empty grantor
           std::string("{bobr/bench}"),               // no '='
           std::string("{bob=rq/bench}"),             // not a privilege letter
           std::string("{bob=r/bench extra}"),        // trailing text
           std::string("{\"bob=r/bench/x\"}"),        // trailing text
           std::string("{\"bob = r/bench\"}"),        // letters must follow '='
           std::string("{\"someone bob=r/bench\"}"),  // not group/user
           std::string("{group}"),                    // keyword without a name
           std::string("{NULL}"),
           std::string("{\"\"}"),
           std::string("{bob=r/bench,}"),
           "{" + too_long + "=r/bench}",
           "{bob=r/" + too_long + "}",
       }) {
    EXPECT_FALSE(ParseAcl(text).has_value()) << text;
  }
}

TEST(AclDefaults, OwnerHasAllAndPublicConnectsToDatabases) {
  EXPECT_EQ(Text(catalog::AclDefault(AclObject::kTable, "bench")), "{bench=arwdDxt/bench}");
  EXPECT_EQ(Text(catalog::AclDefault(AclObject::kSequence, "bench")), "{bench=rwU/bench}");
  EXPECT_EQ(Text(catalog::AclDefault(AclObject::kDatabase, "bench")), "{=Tc/bench,bench=CTc/bench}");
  EXPECT_EQ(Text(catalog::AclDefault(AclObject::kSchema, "bench")), "{bench=UC/bench}");
  EXPECT_EQ(Text(catalog::AclDefault(AclObject::kSchema, "Mixed Case")),
            "{\"\\\"Mixed Case\\\"=UC/\\\"Mixed Case\\\"\"}");
  // The owner's grant options are implicit, not in the item.
  EXPECT_EQ(catalog::AclGrantOptionsHeld(catalog::AclDefault(AclObject::kTable, "bench"), "bench"), 0u);
}

TEST(AclDefaults, ColumnOrDefault) {
  EXPECT_EQ(Text(catalog::AclOf(std::nullopt, AclObject::kDatabase, "o")), "{=Tc/o,o=CTc/o}");
  EXPECT_EQ(Text(catalog::AclOf(std::string("garbage"), AclObject::kSequence, "o")), "{o=rwU/o}");
  // An empty array is no privileges at all, not the default.
  EXPECT_TRUE(catalog::AclOf(std::string("{}"), AclObject::kTable, "o").empty());
  EXPECT_EQ(Text(catalog::AclOf(std::string("{=r/o}"), AclObject::kTable, "o")), "{=r/o}");
}

TEST(AclEdit, GrantAddsToTheItemOrAppendsOne) {
  Acl acl = catalog::AclDefault(AclObject::kTable, "bench");
  catalog::AclGrant(&acl, "bob", "bench", catalog::kAclSelect, false);
  EXPECT_EQ(Text(acl), "{bench=arwdDxt/bench,bob=r/bench}");
  catalog::AclGrant(&acl, "bob", "bench", catalog::kAclUpdate, true);
  EXPECT_EQ(Text(acl), "{bench=arwdDxt/bench,bob=rw*/bench}");
  catalog::AclGrant(&acl, "", "bench", catalog::kAclSelect, false);
  catalog::AclGrant(&acl, "carol", "bob", catalog::kAclUpdate, false);  // another grantor: another item
  catalog::AclGrant(&acl, "bob", "bench", catalog::kAclSelect, false);  // already held
  EXPECT_EQ(Text(acl), "{bench=arwdDxt/bench,bob=rw*/bench,=r/bench,carol=w/bob}");
  catalog::AclGrant(&acl, "dave", "bench", 0, true);  // nothing to hold: no item
  EXPECT_EQ(acl.size(), 4u);
}

TEST(AclEdit, RevokeTakesPrivilegesOrOnlyGrantOptions) {
  Acl acl = Parsed("{bench=arwdDxt/bench,bob=r*w*/bench,carol=w/bob}");
  catalog::AclRevoke(&acl, "bob", "bench", catalog::kAclUpdate, true);  // GRANT OPTION FOR
  EXPECT_EQ(Text(acl), "{bench=arwdDxt/bench,bob=r*w/bench,carol=w/bob}");
  catalog::AclRevoke(&acl, "bob", "bench", catalog::kAclSelect | catalog::kAclUpdate, true);
  EXPECT_EQ(Text(acl), "{bench=arwdDxt/bench,bob=rw/bench,carol=w/bob}");  // kept without options
  catalog::AclGrant(&acl, "bob", "bench", catalog::kAclSelect, true);
  catalog::AclRevoke(&acl, "bob", "bench", catalog::kAclSelect, false);  // takes the option too
  EXPECT_EQ(Text(acl), "{bench=arwdDxt/bench,bob=w/bench,carol=w/bob}");
  catalog::AclRevoke(&acl, "carol", "bench", catalog::kAclUpdate, false);  // carol's grantor is bob
  EXPECT_EQ(Text(acl), "{bench=arwdDxt/bench,bob=w/bench,carol=w/bob}");
  catalog::AclRevoke(&acl, "bob", "bench", catalog::kAclUpdate | catalog::kAclDelete, false);
  EXPECT_EQ(Text(acl), "{bench=arwdDxt/bench,carol=w/bob}");
  catalog::AclRevoke(&acl, "bench", "bench", catalog::AclAllPrivileges(AclObject::kTable), false);
  catalog::AclRevoke(&acl, "carol", "bob", catalog::kAclUpdate, false);
  EXPECT_EQ(Text(acl), "{}");
}

TEST(AclLookup, HeldDirectlyThroughPublicAndThroughAlso) {
  const Acl acl = Parsed("{=r/bench,bob=w*/bench,pg_database_owner=C*/bench,carol=d/bob}");
  EXPECT_EQ(catalog::AclHeld(acl, "bob"), catalog::kAclSelect | catalog::kAclUpdate);
  EXPECT_EQ(catalog::AclHeld(acl, "zoe"), catalog::kAclSelect);
  EXPECT_EQ(catalog::AclHeld(acl, "zoe", "pg_database_owner"), catalog::kAclSelect | catalog::kAclCreate);
  EXPECT_EQ(catalog::AclHeld(acl, "carol"), catalog::kAclSelect | catalog::kAclDelete);
  EXPECT_EQ(catalog::AclGrantOptionsHeld(acl, "bob"), catalog::kAclUpdate);
  EXPECT_EQ(catalog::AclGrantOptionsHeld(acl, "zoe"), 0u);
  EXPECT_EQ(catalog::AclGrantOptionsHeld(acl, "zoe", "pg_database_owner"), catalog::kAclCreate);
  EXPECT_EQ(catalog::AclHeld({}, "bob"), 0u);
}

TEST(AclLookup, PrivilegeWords) {
  EXPECT_EQ(catalog::AclPrivilegeByName("SELECT"), catalog::kAclSelect);
  EXPECT_EQ(catalog::AclPrivilegeByName("REFERENCES"), catalog::kAclReferences);
  EXPECT_EQ(catalog::AclPrivilegeByName("TEMP"), catalog::kAclTemporary);
  EXPECT_EQ(catalog::AclPrivilegeByName("TEMPORARY"), catalog::kAclTemporary);
  EXPECT_EQ(catalog::AclPrivilegeByName("CONNECT"), catalog::kAclConnect);
  EXPECT_EQ(catalog::AclPrivilegeByName("select"), 0u);
  EXPECT_EQ(catalog::AclPrivilegeByName("ALL"), 0u);
  EXPECT_EQ(catalog::AclPrivilegeByName("RULE"), 0u);
  EXPECT_EQ(catalog::AclPrivilegeByName(""), 0u);
}

TEST(AclLookup, MentionsAndRename) {
  Acl acl = Parsed("{bench=arwdDxt/bench,bob=r/bench,carol=r/bob,=r/bench}");
  EXPECT_TRUE(catalog::AclMentions(acl, "bob"));
  EXPECT_TRUE(catalog::AclMentions(acl, "carol"));
  EXPECT_FALSE(catalog::AclMentions(acl, "dave"));
  EXPECT_TRUE(catalog::AclRenameRole(&acl, "bob", "Bob Two"));
  EXPECT_EQ(Text(acl), "{bench=arwdDxt/bench,\"\\\"Bob Two\\\"=r/bench\",\"carol=r/\\\"Bob Two\\\"\",=r/bench}");
  EXPECT_FALSE(catalog::AclMentions(acl, "bob"));
  EXPECT_TRUE(catalog::AclRenameRole(&acl, "bench", "owner"));
  EXPECT_EQ(Fields({acl[0]}), Fields({{"owner", "owner", catalog::AclAllPrivileges(AclObject::kTable), 0}}));
  EXPECT_FALSE(catalog::AclRenameRole(&acl, "dave", "eve"));
}
}  // namespace
}  // namespace tusk
