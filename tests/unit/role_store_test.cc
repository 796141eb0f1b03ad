// Tests for the role file: create/alter/drop semantics and errors, password
// verifiers, damage detection, and that concurrent writers from separate
// processes never lose each other's changes.

#include "catalog/role_store.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "protocol/auth/md5.h"
#include "protocol/auth/scram.h"
#include "utils/error.h"

namespace {

using tusk::catalog::RoleOptions;
using tusk::catalog::RoleRecord;

class RoleStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/tusk_roles_XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    std::string error;
    ASSERT_TRUE(tusk::catalog::BootstrapRoles(dir_, "admin", "", &error)) << error;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::string RoleFile() const { return dir_ + "/global/tusk_roles"; }
  std::string ReadFile() const {
    std::ifstream in(RoleFile(), std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }
  void WriteFile(const std::string& text) const {
    std::ofstream out(RoleFile(), std::ios::binary | std::ios::trunc);
    out << text;
  }
  // SQLSTATE and message of the PgError fn throws, or "none".
  static std::pair<std::string, std::string> Error(const std::function<void()>& fn) {
    try {
      fn();
    } catch (const tusk::PgError& e) {
      return {e.data().sqlstate, e.data().message};
    }
    return {"none", ""};
  }

  std::string dir_;
};

TEST_F(RoleStoreTest, BootstrapSuperuser) {
  std::vector<RoleRecord> roles;
  std::string error;
  ASSERT_TRUE(tusk::catalog::LoadRoles(dir_, &roles, &error)) << error;
  ASSERT_EQ(roles.size(), 1u);
  EXPECT_EQ(roles[0].name, "admin");
  EXPECT_EQ(roles[0].oid, 10u);
  EXPECT_TRUE(roles[0].superuser && roles[0].can_login && roles[0].replication &&
              roles[0].bypassrls && roles[0].createdb && roles[0].createrole);
  EXPECT_EQ(roles[0].password, "");
  EXPECT_EQ(ReadFile().rfind("tusk_roles 1\n", 0), 0u);
}

TEST_F(RoleStoreTest, CreateAssignsOidsAndDefaults) {
  tusk::catalog::CreateRole(dir_, "alice", {}, "scram-sha-256");
  RoleOptions o;
  o.can_login = true;
  o.conn_limit = 5;
  tusk::catalog::CreateRole(dir_, "bob", o, "scram-sha-256");
  auto alice = tusk::catalog::FindRole(dir_, "alice");
  auto bob = tusk::catalog::FindRole(dir_, "bob");
  ASSERT_TRUE(alice && bob);
  EXPECT_EQ(alice->oid, 16384u);
  EXPECT_EQ(bob->oid, 16385u);
  EXPECT_FALSE(alice->can_login);
  EXPECT_TRUE(alice->inherit);
  EXPECT_FALSE(alice->superuser);
  EXPECT_EQ(alice->conn_limit, -1);
  EXPECT_TRUE(bob->can_login);
  EXPECT_EQ(bob->conn_limit, 5);
  EXPECT_FALSE(tusk::catalog::FindRole(dir_, "carol").has_value());
  // Dropping the highest OID and creating again reuses max+1 of what remains.
  EXPECT_TRUE(tusk::catalog::DropRole(dir_, "bob", false, "admin"));
  tusk::catalog::CreateRole(dir_, "carol", {}, "md5");
  EXPECT_EQ(tusk::catalog::FindRole(dir_, "carol")->oid, 16385u);
}

TEST_F(RoleStoreTest, DuplicateAndReservedNames) {
  tusk::catalog::CreateRole(dir_, "alice", {}, "scram-sha-256");
  auto dup = Error([&] { tusk::catalog::CreateRole(dir_, "alice", {}, "scram-sha-256"); });
  EXPECT_EQ(dup.first, "42710");
  EXPECT_EQ(dup.second, "role \"alice\" already exists");
  EXPECT_EQ(Error([&] { tusk::catalog::CreateRole(dir_, "admin", {}, ""); }).first, "42710");

  try {
    tusk::catalog::CreateRole(dir_, "pg_x", {}, "scram-sha-256");
    FAIL() << "pg_x accepted";
  } catch (const tusk::PgError& e) {
    EXPECT_EQ(e.data().sqlstate, "42939");
    EXPECT_EQ(e.data().message, "role name \"pg_x\" is reserved");
    EXPECT_EQ(e.data().detail, "Role names starting with \"pg_\" are reserved.");
  }
  auto pub = Error([&] { tusk::catalog::CreateRole(dir_, "public", {}, "scram-sha-256"); });
  EXPECT_EQ(pub.first, "42939");
  EXPECT_EQ(pub.second, "role name \"public\" is reserved");
  EXPECT_EQ(Error([&] { tusk::catalog::CreateRole(dir_, "none", {}, ""); }).first, "42939");
  // Only the exact lower-case keywords and the "pg_" prefix are reserved.
  tusk::catalog::CreateRole(dir_, "Public", {}, "scram-sha-256");
  tusk::catalog::CreateRole(dir_, "pgx", {}, "scram-sha-256");
}

TEST_F(RoleStoreTest, AlterAndDrop) {
  tusk::catalog::CreateRole(dir_, "alice", {}, "scram-sha-256");
  RoleOptions o;
  o.superuser = true;
  o.conn_limit = 3;
  tusk::catalog::AlterRole(dir_, "alice", o, "scram-sha-256");
  auto alice = tusk::catalog::FindRole(dir_, "alice");
  EXPECT_TRUE(alice->superuser);
  EXPECT_EQ(alice->conn_limit, 3);
  EXPECT_FALSE(alice->can_login);  // untouched

  auto missing = Error([&] { tusk::catalog::AlterRole(dir_, "zed", o, "md5"); });
  EXPECT_EQ(missing.first, "42704");
  EXPECT_EQ(missing.second, "role \"zed\" does not exist");

  EXPECT_FALSE(tusk::catalog::DropRole(dir_, "zed", true, "admin"));
  EXPECT_EQ(Error([&] { tusk::catalog::DropRole(dir_, "zed", false, "admin"); }).first, "42704");
  auto self = Error([&] { tusk::catalog::DropRole(dir_, "alice", false, "alice"); });
  EXPECT_EQ(self.first, "55006");
  EXPECT_EQ(self.second, "current user cannot be dropped");
  auto boot = Error([&] { tusk::catalog::DropRole(dir_, "admin", false, "alice"); });
  EXPECT_EQ(boot.first, "55006");
  EXPECT_EQ(boot.second, "cannot drop role admin because it is required by the database system");
  EXPECT_TRUE(tusk::catalog::DropRole(dir_, "alice", false, "admin"));
  EXPECT_FALSE(tusk::catalog::FindRole(dir_, "alice").has_value());
}

TEST_F(RoleStoreTest, PasswordsBecomeVerifiers) {
  RoleOptions o;
  o.password = std::optional<std::string>("s3cret");
  tusk::catalog::CreateRole(dir_, "s", o, "scram-sha-256");
  tusk::catalog::CreateRole(dir_, "m", o, "md5");
  std::string scram = tusk::catalog::FindRole(dir_, "s")->password;
  EXPECT_TRUE(tusk::auth::IsScramVerifier(scram));
  EXPECT_TRUE(tusk::auth::CheckPlainPassword(scram, "s", "s3cret"));
  EXPECT_EQ(tusk::catalog::FindRole(dir_, "m")->password, tusk::auth::BuildMd5Verifier("s3cret", "m"));

  // Verifiers are stored as given, whatever password_encryption says.
  RoleOptions pre;
  std::string md5 = tusk::auth::BuildMd5Verifier("x", "other");
  pre.password = std::optional<std::string>(md5);
  tusk::catalog::CreateRole(dir_, "p1", pre, "scram-sha-256");
  EXPECT_EQ(tusk::catalog::FindRole(dir_, "p1")->password, md5);
  pre.password = std::optional<std::string>(scram);
  tusk::catalog::AlterRole(dir_, "p1", pre, "md5");
  EXPECT_EQ(tusk::catalog::FindRole(dir_, "p1")->password, scram);

  // '' and NULL clear the password; omitting PASSWORD leaves it.
  RoleOptions keep;
  keep.can_login = true;
  tusk::catalog::AlterRole(dir_, "s", keep, "md5");
  EXPECT_EQ(tusk::catalog::FindRole(dir_, "s")->password, scram);
  RoleOptions empty;
  empty.password = std::optional<std::string>("");
  tusk::catalog::AlterRole(dir_, "s", empty, "md5");
  EXPECT_EQ(tusk::catalog::FindRole(dir_, "s")->password, "");
  RoleOptions null_pw;
  null_pw.password = std::optional<std::string>();  // PASSWORD NULL
  tusk::catalog::AlterRole(dir_, "m", null_pw, "md5");
  EXPECT_EQ(tusk::catalog::FindRole(dir_, "m")->password, "");
}

TEST_F(RoleStoreTest, OddNamesRoundTrip) {
  const std::string names[] = {"with space", "tab\there", "new\nline", "back\\slash",
                               "quote\"d", "ctl\x01", "ünïcode"};
  for (const auto& n : names) tusk::catalog::CreateRole(dir_, n, {}, "md5");
  for (const auto& n : names) EXPECT_TRUE(tusk::catalog::FindRole(dir_, n).has_value()) << n;
  std::vector<RoleRecord> roles;
  std::string error;
  ASSERT_TRUE(tusk::catalog::LoadRoles(dir_, &roles, &error));
  EXPECT_EQ(roles.size(), 8u);
}

TEST_F(RoleStoreTest, DamageIsDetected) {
  tusk::catalog::CreateRole(dir_, "alice", {}, "scram-sha-256");
  const std::string good = ReadFile();
  std::vector<RoleRecord> roles;
  std::string error;

  std::string flipped = good;
  flipped[flipped.find("alice")] = 'b';  // one changed byte
  WriteFile(flipped);
  EXPECT_FALSE(tusk::catalog::LoadRoles(dir_, &roles, &error));
  EXPECT_NE(error.find("role file \"" + RoleFile() + "\" is corrupt"), std::string::npos) << error;
  auto e = Error([&] { tusk::catalog::FindRole(dir_, "alice"); });
  EXPECT_EQ(e.first, "XX001");
  // Writers refuse to build on a damaged file rather than overwrite it.
  EXPECT_EQ(Error([&] { tusk::catalog::CreateRole(dir_, "x", {}, "md5"); }).first, "XX001");

  WriteFile(good.substr(0, good.size() - 5));  // truncated
  EXPECT_FALSE(tusk::catalog::LoadRoles(dir_, &roles, &error));
  EXPECT_NE(error.find("is corrupt"), std::string::npos);
  WriteFile("");
  EXPECT_FALSE(tusk::catalog::LoadRoles(dir_, &roles, &error));

  WriteFile(good);
  EXPECT_TRUE(tusk::catalog::LoadRoles(dir_, &roles, &error)) << error;

  std::filesystem::remove(RoleFile());
  EXPECT_FALSE(tusk::catalog::LoadRoles(dir_, &roles, &error));
  EXPECT_NE(error.find("could not open file"), std::string::npos) << error;
}

TEST_F(RoleStoreTest, ConcurrentCreatesFromTwoProcessesAllPersist) {
  constexpr int kPerChild = 25;
  pid_t pids[2];
  for (int c = 0; c < 2; ++c) {
    pids[c] = fork();
    ASSERT_GE(pids[c], 0);
    if (pids[c] == 0) {
      int rc = 0;
      try {
        for (int i = 0; i < kPerChild; ++i) {
          tusk::catalog::CreateRole(dir_, "c" + std::to_string(c) + "_" + std::to_string(i), {},
                                    "md5");
        }
      } catch (...) {
        rc = 1;
      }
      _exit(rc);
    }
  }
  for (pid_t pid : pids) {
    int status = 0;
    ASSERT_EQ(waitpid(pid, &status, 0), pid);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  }
  std::vector<RoleRecord> roles;
  std::string error;
  ASSERT_TRUE(tusk::catalog::LoadRoles(dir_, &roles, &error)) << error;
  EXPECT_EQ(roles.size(), 1u + 2 * kPerChild);
  std::set<uint32_t> oids;
  for (const auto& r : roles) oids.insert(r.oid);
  EXPECT_EQ(oids.size(), roles.size());  // no OID handed out twice
}

}  // namespace
