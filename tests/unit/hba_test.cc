// Tests for pg_hba.conf: parsing good files, PostgreSQL's messages for bad
// lines, and matching order, CIDR/IPv6 ranges, keywords and quoting, plus the
// texts of the FATAL messages built for refused connections.

#include "protocol/auth/hba.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

namespace {

using tusk::auth::AuthMethod;
using tusk::auth::HbaLine;
using tusk::auth::HbaRequest;

class HbaTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/tusk_hba_XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::string Write(const std::string& name, const std::string& text) {
    std::string path = dir_ + "/" + name;
    std::ofstream(path) << text;
    return path;
  }
  bool Parse(const std::string& text) {
    lines_.clear();
    errors_.clear();
    path_ = Write("pg_hba.conf", text);
    return tusk::auth::ParseHbaFile(path_, &lines_, &errors_);
  }
  // Expects `text` (one bad line at line_no) to fail with exactly `message`.
  void ExpectError(const std::string& text, const std::string& message, int line_no = 1) {
    EXPECT_FALSE(Parse(text)) << text;
    ASSERT_EQ(errors_.size(), 1u) << text;
    EXPECT_EQ(errors_[0].message, message);
    EXPECT_EQ(errors_[0].sqlstate, "F0000");
    EXPECT_EQ(errors_[0].level, tusk::ErrLevel::kLog);
    EXPECT_EQ(errors_[0].context, "line " + std::to_string(line_no) +
                                      " of configuration file \"" + path_ + "\"");
  }

  static HbaRequest Tcp(const std::string& ip, const std::string& user, const std::string& db) {
    HbaRequest r;
    if (ip.find(':') != std::string::npos) {
      auto* a = reinterpret_cast<sockaddr_in6*>(&r.addr);
      a->sin6_family = AF_INET6;
      EXPECT_EQ(inet_pton(AF_INET6, ip.c_str(), &a->sin6_addr), 1);
      r.addr_len = sizeof(sockaddr_in6);
    } else {
      auto* a = reinterpret_cast<sockaddr_in*>(&r.addr);
      a->sin_family = AF_INET;
      EXPECT_EQ(inet_pton(AF_INET, ip.c_str(), &a->sin_addr), 1);
      r.addr_len = sizeof(sockaddr_in);
    }
    r.user = user;
    r.database = db;
    return r;
  }
  static HbaRequest Local(const std::string& user, const std::string& db) {
    HbaRequest r;
    r.is_unix_socket = true;
    r.user = user;
    r.database = db;
    return r;
  }
  // Line number of the matching line, 0 if none.
  int Match(const HbaRequest& r) {
    const HbaLine* l = tusk::auth::MatchHba(lines_, r);
    return l ? l->line_number : 0;
  }

  std::string dir_, path_;
  std::vector<HbaLine> lines_;
  std::vector<tusk::ErrorData> errors_;
};

TEST_F(HbaTest, ParsesTypicalFile) {
  ASSERT_TRUE(Parse(
      "# comment line\n"
      "\n"
      "local   all             postgres                                peer\n"
      "local   all             all                                     md5   # trailing\n"
      "host    all             all             127.0.0.1/32            scram-sha-256\n"
      "host    all             all             ::1/128                 trust\n"
      "local   replication     all                                     ident map=m\n"
      "host    \"my db\",other  alice,+grp      10.0.0.0 255.0.0.0      password\n"
      "hostnossl all all all reject\n"))
      << (errors_.empty() ? "" : errors_[0].message);
  ASSERT_EQ(lines_.size(), 7u);
  EXPECT_EQ(lines_[0].line_number, 3);
  EXPECT_EQ(lines_[0].method, AuthMethod::kPeer);
  EXPECT_EQ(lines_[1].raw, "local   all             all                                     md5   # trailing");
  EXPECT_EQ(lines_[2].method, AuthMethod::kScramSha256);
  EXPECT_EQ(lines_[4].method, AuthMethod::kPeer);  // ident on local becomes peer
  EXPECT_EQ(lines_[4].usermap, "m");
  ASSERT_EQ(lines_[5].databases.size(), 2u);
  EXPECT_EQ(lines_[5].databases[0], "my db");
  EXPECT_TRUE(lines_[5].databases[0].quoted);
  EXPECT_EQ(lines_[5].roles[1], "+grp");
  EXPECT_EQ(lines_[5].addr_kind, tusk::auth::HbaAddrKind::kCidr);
  EXPECT_EQ(lines_[6].type, tusk::auth::HbaConnType::kHostNoSsl);
  EXPECT_EQ(tusk::auth::HbaLineDetail(lines_[2]),
            "Connection matched pg_hba.conf line 5: \"host    all             all             "
            "127.0.0.1/32            scram-sha-256\"");
}

TEST_F(HbaTest, BadLinesGivePostgresMessages) {
  ExpectError("foo all all trust\n", "invalid connection type \"foo\"");
  ExpectError("local\n", "end-of-line before database specification");
  ExpectError("local all\n", "end-of-line before role specification");
  ExpectError("local all all\n", "end-of-line before authentication method");
  ExpectError("local all all bogus\n", "invalid authentication method \"bogus\"");
  ExpectError("local all all ldap\n", "invalid authentication method \"ldap\": not supported by this build");
  ExpectError("host all all\n", "end-of-line before IP address specification");
  ExpectError("host all all 1.2.3.4\n", "end-of-line before netmask specification");
  EXPECT_EQ(errors_[0].hint,
            "Specify an address range in CIDR notation, or provide a separate netmask.");
  ExpectError("host all all 1.2.3.4/33 trust\n", "invalid CIDR mask in address \"1.2.3.4/33\"");
  ExpectError("host all all ::1/129 trust\n", "invalid CIDR mask in address \"::1/129\"");
  ExpectError("host all all 1.2.3.4/x trust\n", "invalid CIDR mask in address \"1.2.3.4/x\"");
  ExpectError("host all all 1.2.3.400/32 trust\n",
              "specifying both host name and CIDR mask is invalid: \"1.2.3.400/32\"");
  ExpectError("host all all 1.2.3.4 ffff:: trust\n", "IP address and mask do not match");
  ExpectError("host all all 1.2.3.4/32 md5 foo=bar\n", "unrecognized authentication option name: \"foo\"");
  ExpectError("local all all trust extra\n", "authentication option not in name=value format: extra");
  ExpectError("host all all 1.2.3.4/32 peer\n", "peer authentication is only supported on local sockets");
  ExpectError("local all all md5 clientcert=verify-full\n",
              "clientcert can only be configured for \"hostssl\" rows");
  ExpectError("host all all 1.2.3.4/32 trust map=x\n",
              "authentication option \"map\" is only valid for authentication methods ident, peer, "
              "gssapi, sspi, and cert");
  ExpectError("hostssl all all 0.0.0.0/0 md5\n", "hostssl record cannot match because SSL is disabled");
  EXPECT_EQ(errors_[0].hint, "Set ssl = on in postgresql.conf.");
  ExpectError("host \"all all 1.2.3.4/32 trust\n", "end-of-line before role specification");
  ExpectError("local all,  all trust\n", "end-of-line before authentication method");
  ExpectError("local,host all all trust\n", "multiple values specified for connection type");

  // One error per bad line, good lines still returned, line numbers counted.
  EXPECT_FALSE(Parse("local all all trust\n# c\nfoo\nlocal all all x\nlocal all all md5\n"));
  ASSERT_EQ(errors_.size(), 2u);
  EXPECT_NE(errors_[0].context.find("line 3 of"), std::string::npos);
  EXPECT_NE(errors_[1].context.find("line 4 of"), std::string::npos);
  EXPECT_EQ(lines_.size(), 2u);

  EXPECT_FALSE(Parse("# only comments\n"));
  ASSERT_EQ(errors_.size(), 1u);
  EXPECT_EQ(errors_[0].message, "configuration file \"" + path_ + "\" contains no entries");

  errors_.clear();
  EXPECT_FALSE(tusk::auth::ParseHbaFile(dir_ + "/missing.conf", &lines_, &errors_));
  ASSERT_EQ(errors_.size(), 1u);
  EXPECT_NE(errors_[0].message.find("could not open configuration file"), std::string::npos);
}

TEST_F(HbaTest, FirstMatchWinsAndTypesSeparateSocketKinds) {
  ASSERT_TRUE(Parse("local all bob reject\n"
                    "local all all trust\n"
                    "host all all 127.0.0.1/32 md5\n"
                    "hostnogssenc all all 0.0.0.0/0 password\n"));
  EXPECT_EQ(Match(Local("bob", "x")), 1);
  EXPECT_EQ(Match(Local("alice", "x")), 2);
  EXPECT_EQ(Match(Tcp("127.0.0.1", "bob", "x")), 3);
  EXPECT_EQ(Match(Tcp("10.1.2.3", "bob", "x")), 4);
  EXPECT_EQ(Match(Tcp("::1", "bob", "x")), 0);
  EXPECT_EQ(tusk::auth::MatchHba(lines_, Local("bob", "x"))->method, AuthMethod::kReject);

  // hostssl/hostgssenc lines (when allowed to parse) never match: no encryption yet.
  lines_.clear();
  errors_.clear();
  tusk::auth::HbaParseOptions opts;
  opts.ssl_enabled = opts.gss_supported = true;
  ASSERT_TRUE(tusk::auth::ParseHbaFile(
      Write("ssl.conf", "hostssl all all all trust\nhostgssenc all all all trust\n"
                        "hostnossl all all all md5\n"),
      &lines_, &errors_, opts));
  EXPECT_EQ(Match(Tcp("10.0.0.1", "u", "d")), 3);
}

TEST_F(HbaTest, CidrMasksAndIpv6) {
  ASSERT_TRUE(Parse("host all all 192.168.0.0/16 trust\n"
                    "host all all 10.0.0.0 255.255.255.0 md5\n"
                    "host all all 2001:db8::/32 password\n"
                    "host all all 0.0.0.0/0 reject\n"
                    "host all all ::/0 scram-sha-256\n"));
  EXPECT_EQ(Match(Tcp("192.168.255.1", "u", "d")), 1);
  EXPECT_EQ(Match(Tcp("192.169.0.1", "u", "d")), 4);
  EXPECT_EQ(Match(Tcp("10.0.0.77", "u", "d")), 2);
  EXPECT_EQ(Match(Tcp("10.0.1.77", "u", "d")), 4);
  EXPECT_EQ(Match(Tcp("2001:db8:1::5", "u", "d")), 3);
  EXPECT_EQ(Match(Tcp("2001:db9::5", "u", "d")), 5);
  // An IPv4 client seen through an IPv6 socket still matches IPv4 lines.
  EXPECT_EQ(Match(Tcp("::ffff:192.168.3.4", "u", "d")), 1);

  ASSERT_TRUE(Parse("host all all ::ffff:10.0.0.0/104 md5\n"));
  EXPECT_EQ(Match(Tcp("10.9.9.9", "u", "d")), 1);
  EXPECT_EQ(Match(Tcp("11.0.0.1", "u", "d")), 0);

  ASSERT_TRUE(Parse("host all all 127.0.0.1/32 md5\nhost all all all trust\n"));
  EXPECT_EQ(Match(Tcp("127.0.0.2", "u", "d")), 2);
}

TEST_F(HbaTest, SameHostMatchesLoopback) {
  ASSERT_TRUE(Parse("host all all samehost trust\nhost all all samenet md5\n"));
  EXPECT_EQ(Match(Tcp("127.0.0.1", "u", "d")), 1);
  EXPECT_EQ(Match(Tcp("127.0.0.2", "u", "d")), 2);  // lo is 127.0.0.0/8
  EXPECT_EQ(Match(Tcp("203.0.113.7", "u", "d")), 0);
}

TEST_F(HbaTest, DatabaseAndRoleKeywords) {
  ASSERT_TRUE(Parse("local sameuser all trust\n"
                    "local replication all md5\n"
                    "local \"all\" all password\n"
                    "local db1,db2 \"all\" peer\n"
                    "local db1,db2 alice,+staff scram-sha-256\n"
                    "local \"replication\" all reject\n"));
  EXPECT_EQ(Match(Local("alice", "alice")), 1);
  HbaRequest repl = Local("alice", "alice");
  repl.replication_connection = true;
  EXPECT_EQ(Match(repl), 2);  // sameuser does not admit replication
  EXPECT_EQ(Match(Local("x", "all")), 3);  // quoted "all" is a name
  EXPECT_EQ(Match(Local("all", "db2")), 4);  // quoted "all" role is a name
  EXPECT_EQ(Match(Local("alice", "db1")), 5);
  EXPECT_EQ(Match(Local("staff", "db2")), 5);
  EXPECT_EQ(Match(Local("bob", "db2")), 0);
  EXPECT_EQ(Match(Local("bob", "replication")), 6);

  ASSERT_TRUE(Parse("local all all trust\nlocal replication all md5\n"));
  EXPECT_EQ(Match(repl), 2);  // "all" does not cover replication
}

TEST_F(HbaTest, IncludeFiles) {
  Write("users.txt", "alice\nbob, carol\n");
  ASSERT_TRUE(Parse("local all @users.txt md5\nlocal all all reject\n"));
  EXPECT_EQ(Match(Local("carol", "d")), 1);
  EXPECT_EQ(Match(Local("dave", "d")), 2);
  ASSERT_TRUE(Parse("local all @nothere trust\nlocal all all md5\n"));
  ASSERT_EQ(errors_.size(), 1u);
  EXPECT_EQ(errors_[0].message.rfind("could not open secondary authentication file \"@nothere\"", 0), 0u);
  EXPECT_EQ(Match(Local("u", "d")), 2);
}

TEST(HbaMessages, Texts) {
  HbaRequest local;
  local.is_unix_socket = true;
  local.user = "u";
  local.database = "d";
  EXPECT_EQ(tusk::auth::NoHbaEntryMessage(local),
            "no pg_hba.conf entry for host \"[local]\", user \"u\", database \"d\", no encryption");
  EXPECT_EQ(tusk::auth::HbaRejectMessage(local),
            "pg_hba.conf rejects connection for host \"[local]\", user \"u\", database \"d\", "
            "no encryption");
  HbaRequest tcp;
  auto* a = reinterpret_cast<sockaddr_in*>(&tcp.addr);
  a->sin_family = AF_INET;
  inet_pton(AF_INET, "127.0.0.1", &a->sin_addr);
  tcp.addr_len = sizeof(sockaddr_in);
  tcp.user = "u";
  tcp.database = "d";
  tcp.replication_connection = true;
  EXPECT_EQ(tusk::auth::NoHbaEntryMessage(tcp),
            "no pg_hba.conf entry for replication connection from host \"127.0.0.1\", user \"u\", "
            "no encryption");
  EXPECT_EQ(tusk::auth::AuthFailedMessage(AuthMethod::kScramSha256, "u"),
            "password authentication failed for user \"u\"");
  EXPECT_EQ(std::string(tusk::auth::AuthFailedSqlState(AuthMethod::kMd5)), "28P01");
  EXPECT_EQ(tusk::auth::AuthFailedMessage(AuthMethod::kPeer, "u"),
            "Peer authentication failed for user \"u\"");
  EXPECT_EQ(std::string(tusk::auth::AuthFailedSqlState(AuthMethod::kPeer)), "28000");
  EXPECT_STREQ(tusk::auth::AuthMethodName(AuthMethod::kScramSha256), "scram-sha-256");
}

}  // namespace
