// Roles in pg_authid and databases in pg_database against the real storage
// stack: create/alter/drop semantics and errors, password verifiers, commit
// and rollback, crash redo of the rows, of the OID counter (XLOG NEXTOID) and
// of the Database rmgr's directory copy and removal.
#include "catalog/role_store.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <functional>
#include <string>

#include "access/heap/heapam.h"
#include "access/transam/clog.h"
#include "access/transam/slru.h"
#include "access/transam/snapshot.h"
#include "access/transam/transam.h"
#include "access/transam/xact.h"
#include "access/wal/wal.h"
#include "access/wal/wal_dbase.h"
#include "access/wal/wal_reader.h"
#include "access/wal/wal_redo.h"
#include "catalog/bootstrap.h"
#include "catalog/catalog.h"
#include "catalog/relcache.h"
#include "protocol/auth/md5.h"
#include "protocol/auth/scram.h"
#include "storage/buffer/buffer.h"
#include "storage/file/smgr.h"
#include "storage/ipc/proc_array.h"
#include "storage/ipc/shmem.h"
#include "storage/ipc/shmem_setup.h"
#include "storage/lmgr/lock.h"
#include "storage/lmgr/lwlock.h"
#include "utils/error.h"
#include "utils/guc.h"

namespace tusk::catalog {
namespace {

constexpr uint64_t kSysid = 7300000000000000123ull;

class RoleStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/tusk-roles-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    guc::InitializeDefaults();
    vars_ = guc::V();
    vars_.data_directory = dir_;
    vars_.shared_buffers = 64;
    vars_.wal_buffers = 16;
    vars_.max_connections = 8;
    vars_.autovacuum_max_workers = 2;
    vars_.max_wal_senders = 2;
    vars_.fsync = false;
    smgr::SetDataDirForTesting(dir_);
    ckpt_ = wal::BootstrapWal(dir_, kSysid);
    heap::RegisterHeapRmgrs();
    xact::RegisterXactRmgr();
    MakeRegion();
    wal::Reader r(dir_, ckpt_, kSysid);
    const wal::DecodedRecord* rec = r.Next();
    ASSERT_NE(rec, nullptr);
    wal::StartupWal(rec->end_lsn, rec->lsn, kSysid);
    ASSERT_NE(proc_array::ClaimSlot(BackendType::kClientBackend), nullptr);
    RelationCacheInvalidateAll();
    xact::StartTransaction(xact::Isolation::kReadCommitted, false);
    BootstrapOptions opts;
    opts.superuser = "admin";
    BootstrapCatalog(opts);
    xact::Commit();
    CreateTemplateCopies();
  }
  void TearDown() override {
    xact::Abort();
    lmgr::ReleaseAll(true);
    buffer::ReleaseAllPins();
    ReleaseAllLWLocks();
    buffer::SetWalFlushHook(nullptr);
    transam::SetWalFlushHook(nullptr);
    shmem::DestroyRegion();
    smgr::CloseAll();
    smgr::SetDataDirForTesting("");
    RelationCacheInvalidateAll();
    std::filesystem::remove_all(dir_);
  }

  void MakeRegion() {
    shmem::CreateServerSharedMemory(vars_);
    wal::SetDataDirectory(dir_);
    transam::StartUpSubtrans();
  }

  // Drops shared memory unwritten and replays the WAL from the bootstrap
  // checkpoint, as crash recovery would.
  void Crash() {
    uint64_t next_xid = transam::ReadNextXid();
    lmgr::ReleaseAll(true);
    smgr::CloseAll();
    buffer::SetWalFlushHook(nullptr);
    transam::SetWalFlushHook(nullptr);
    shmem::DestroyRegion();
    RelationCacheInvalidateAll();
    MakeRegion();
    transam::SetNextXid(next_xid);
    wal::RedoResult res;
    wal::RunRedo(ckpt_, ckpt_, &res);
    wal::StartupWal(res.end_of_wal, res.last_record, kSysid);
    ASSERT_NE(proc_array::ClaimSlot(BackendType::kClientBackend), nullptr);
  }

  // Runs fn in a transaction under a catalog snapshot; commits unless it throws.
  void InXact(const std::function<void(heap::XactContext&)>& fn) {
    xact::StartTransaction(xact::Isolation::kReadCommitted, false);
    try {
      LockRoleCatalog();
      heap::XactContext x = CatalogXactContext();
      fn(x);
    } catch (...) {
      xact::Abort();
      throw;
    }
    xact::Commit();
  }
  // SQLSTATE and message of the PgError fn throws in a transaction, or "none".
  std::pair<std::string, std::string> Error(const std::function<void(heap::XactContext&)>& fn) {
    try {
      InXact(fn);
    } catch (const PgError& e) {
      return {e.data().sqlstate, e.data().message};
    }
    return {"none", ""};
  }
  std::optional<RoleRecord> Find(const std::string& name) { return FindRole(name, transam::GetSnapshot()); }

  std::string dir_;
  guc::Vars vars_;
  wal::Lsn ckpt_ = 0;
};

TEST_F(RoleStoreTest, BootstrapSuperuserIsInPgAuthid) {
  std::vector<RoleRecord> roles = ListRoles(transam::GetSnapshot());
  // Beside it, PostgreSQL 15's predefined pg_database_owner, which cannot log in.
  ASSERT_EQ(roles.size(), 2u);
  if (roles[0].oid != 10u) std::swap(roles[0], roles[1]);
  EXPECT_EQ(roles[1].name, "pg_database_owner");
  EXPECT_EQ(roles[1].oid, 6171u);
  EXPECT_FALSE(roles[1].can_login || roles[1].superuser);
  EXPECT_EQ(roles[0].name, "admin");
  EXPECT_EQ(roles[0].oid, 10u);
  EXPECT_TRUE(roles[0].superuser && roles[0].can_login && roles[0].replication && roles[0].bypassrls &&
              roles[0].createdb && roles[0].createrole);
  EXPECT_EQ(roles[0].password, "");
  EXPECT_FALSE(std::filesystem::exists(dir_ + "/global/tusk_roles"));
}

TEST_F(RoleStoreTest, CreateAssignsLoggedOidsAndDefaults) {
  uint32_t alice_oid = 0, bob_oid = 0;
  InXact([&](heap::XactContext& x) { alice_oid = CreateRole("alice", {}, "scram-sha-256", x); });
  RoleOptions o;
  o.can_login = true;
  o.conn_limit = 5;
  InXact([&](heap::XactContext& x) { bob_oid = CreateRole("bob", o, "scram-sha-256", x); });
  auto alice = Find("alice");
  auto bob = Find("bob");
  ASSERT_TRUE(alice && bob);
  EXPECT_EQ(alice->oid, alice_oid);
  EXPECT_GE(alice->oid, transam::kFirstNormalOid);
  EXPECT_EQ(bob->oid, alice->oid + 1);
  EXPECT_FALSE(alice->can_login);
  EXPECT_TRUE(alice->inherit);
  EXPECT_FALSE(alice->superuser);
  EXPECT_EQ(alice->conn_limit, -1);
  EXPECT_TRUE(bob->can_login);
  EXPECT_EQ(bob->conn_limit, 5);
  EXPECT_FALSE(Find("carol").has_value());
  // OIDs are never handed out twice, even after the highest is dropped.
  InXact([&](heap::XactContext& x) { EXPECT_TRUE(DropRole("bob", false, "admin", x)); });
  uint32_t carol = 0;
  InXact([&](heap::XactContext& x) { carol = CreateRole("carol", {}, "md5", x); });
  EXPECT_EQ(carol, bob_oid + 1);
}

TEST_F(RoleStoreTest, DuplicateAndReservedNames) {
  InXact([&](heap::XactContext& x) { CreateRole("alice", {}, "scram-sha-256", x); });
  auto dup = Error([&](heap::XactContext& x) { CreateRole("alice", {}, "scram-sha-256", x); });
  EXPECT_EQ(dup.first, "42710");
  EXPECT_EQ(dup.second, "role \"alice\" already exists");
  EXPECT_EQ(Error([&](heap::XactContext& x) { CreateRole("admin", {}, "", x); }).first, "42710");
  try {
    InXact([&](heap::XactContext& x) { CreateRole("pg_x", {}, "scram-sha-256", x); });
    FAIL() << "pg_x accepted";
  } catch (const PgError& e) {
    EXPECT_EQ(e.data().sqlstate, "42939");
    EXPECT_EQ(e.data().message, "role name \"pg_x\" is reserved");
    EXPECT_EQ(e.data().detail, "Role names starting with \"pg_\" are reserved.");
  }
  auto pub = Error([&](heap::XactContext& x) { CreateRole("public", {}, "scram-sha-256", x); });
  EXPECT_EQ(pub.first, "42939");
  EXPECT_EQ(pub.second, "role name \"public\" is reserved");
  EXPECT_EQ(Error([&](heap::XactContext& x) { CreateRole("none", {}, "", x); }).first, "42939");
  // Only the exact lower-case keywords and the "pg_" prefix are reserved.
  InXact([&](heap::XactContext& x) {
    CreateRole("Public", {}, "scram-sha-256", x);
    CreateRole("pgx", {}, "scram-sha-256", x);
  });
  EXPECT_TRUE(Find("Public") && Find("pgx"));
}

TEST_F(RoleStoreTest, AlterAndDrop) {
  InXact([&](heap::XactContext& x) { CreateRole("alice", {}, "scram-sha-256", x); });
  RoleOptions o;
  o.superuser = true;
  o.conn_limit = 3;
  InXact([&](heap::XactContext& x) { AlterRole("alice", o, "scram-sha-256", x); });
  auto alice = Find("alice");
  EXPECT_TRUE(alice->superuser);
  EXPECT_EQ(alice->conn_limit, 3);
  EXPECT_FALSE(alice->can_login);  // untouched
  EXPECT_EQ(ListRoles(transam::GetSnapshot()).size(), 3u);  // the old version is dead

  auto missing = Error([&](heap::XactContext& x) { AlterRole("zed", o, "md5", x); });
  EXPECT_EQ(missing.first, "42704");
  EXPECT_EQ(missing.second, "role \"zed\" does not exist");

  InXact([&](heap::XactContext& x) { EXPECT_FALSE(DropRole("zed", true, "admin", x)); });
  EXPECT_EQ(Error([&](heap::XactContext& x) { DropRole("zed", false, "admin", x); }).first, "42704");
  auto self = Error([&](heap::XactContext& x) { DropRole("alice", false, "alice", x); });
  EXPECT_EQ(self.first, "55006");
  EXPECT_EQ(self.second, "current user cannot be dropped");
  auto boot = Error([&](heap::XactContext& x) { DropRole("admin", false, "alice", x); });
  EXPECT_EQ(boot.first, "55006");
  EXPECT_EQ(boot.second, "cannot drop role admin because it is required by the database system");
  InXact([&](heap::XactContext& x) { EXPECT_TRUE(DropRole("alice", false, "admin", x)); });
  EXPECT_FALSE(Find("alice").has_value());
}

TEST_F(RoleStoreTest, RollbackLeavesNothingAndOwnChangesAreVisible) {
  xact::StartTransaction(xact::Isolation::kReadCommitted, false);
  LockRoleCatalog();
  heap::XactContext x = CatalogXactContext();
  CreateRole("ghost", {}, "md5", x);
  xact::CommandCounterIncrement();
  heap::XactContext x2 = CatalogXactContext();
  EXPECT_TRUE(FindRole("ghost", x2.snapshot, x2.Me()).has_value());
  // Another session does not see it.
  transam::Snapshot other = transam::GetSnapshot();
  other.xip.push_back(xact::GetTopXid());
  EXPECT_FALSE(FindRole("ghost", other).has_value());
  xact::Abort();
  lmgr::ReleaseAll(false);
  EXPECT_FALSE(Find("ghost").has_value());
}

TEST_F(RoleStoreTest, PasswordsBecomeVerifiers) {
  RoleOptions o;
  o.password = std::optional<std::string>("s3cret");
  InXact([&](heap::XactContext& x) {
    CreateRole("s", o, "scram-sha-256", x);
    CreateRole("m", o, "md5", x);
  });
  std::string scram = Find("s")->password;
  EXPECT_TRUE(auth::IsScramVerifier(scram));
  EXPECT_TRUE(auth::CheckPlainPassword(scram, "s", "s3cret"));
  EXPECT_EQ(Find("m")->password, auth::BuildMd5Verifier("s3cret", "m"));
  EXPECT_EQ(LookupRole("s", transam::GetSnapshot())->rolpassword.value_or(""), scram);

  // Verifiers are stored as given, whatever password_encryption says.
  RoleOptions pre;
  std::string md5 = auth::BuildMd5Verifier("x", "other");
  pre.password = std::optional<std::string>(md5);
  InXact([&](heap::XactContext& x) { CreateRole("p1", pre, "scram-sha-256", x); });
  EXPECT_EQ(Find("p1")->password, md5);
  pre.password = std::optional<std::string>(scram);
  InXact([&](heap::XactContext& x) { AlterRole("p1", pre, "md5", x); });
  EXPECT_EQ(Find("p1")->password, scram);

  // '' and NULL clear the password (SQL NULL in rolpassword); omitting PASSWORD leaves it.
  RoleOptions keep;
  keep.can_login = true;
  InXact([&](heap::XactContext& x) { AlterRole("s", keep, "md5", x); });
  EXPECT_EQ(Find("s")->password, scram);
  RoleOptions empty;
  empty.password = std::optional<std::string>("");
  InXact([&](heap::XactContext& x) { AlterRole("s", empty, "md5", x); });
  EXPECT_EQ(Find("s")->password, "");
  EXPECT_FALSE(LookupRole("s", transam::GetSnapshot())->rolpassword.has_value());
  RoleOptions null_pw;
  null_pw.password = std::optional<std::string>();  // PASSWORD NULL
  InXact([&](heap::XactContext& x) { AlterRole("m", null_pw, "md5", x); });
  EXPECT_EQ(Find("m")->password, "");
}

TEST_F(RoleStoreTest, OddNamesRoundTrip) {
  const std::string names[] = {"with space", "tab\there", "new\nline", "back\\slash", "quote\"d", "ctl\x01", "ünïcode"};
  InXact([&](heap::XactContext& x) {
    for (const auto& n : names) CreateRole(n, {}, "md5", x);
  });
  for (const auto& n : names) EXPECT_TRUE(Find(n).has_value()) << n;
  EXPECT_EQ(ListRoles(transam::GetSnapshot()).size(), 9u);
}

TEST_F(RoleStoreTest, RolesAndOidCounterSurviveACrash) {
  uint32_t a = 0, b = 0;
  InXact([&](heap::XactContext& x) { a = CreateRole("alice", {}, "md5", x); });
  InXact([&](heap::XactContext& x) { b = CreateRole("bob", {}, "md5", x); });
  InXact([&](heap::XactContext& x) { DropRole("alice", false, "admin", x); });
  // Uncommitted at the crash (in a child, whose transaction state dies with
  // it): gone afterwards.
  pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    int rc = 0;
    try {
      xact::StartTransaction(xact::Isolation::kReadCommitted, false);
      heap::XactContext x = CatalogXactContext();
      CreateRole("ghost", {}, "md5", x);
      wal::Flush(wal::InsertPosition());
    } catch (...) {
      rc = 3;
    }
    _exit(rc);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
  Crash();
  EXPECT_FALSE(Find("alice").has_value());
  EXPECT_FALSE(Find("ghost").has_value());
  ASSERT_TRUE(Find("bob").has_value());
  EXPECT_EQ(Find("bob")->oid, b);
  // The redone NEXTOID record put the counter past the whole logged batch.
  EXPECT_GE(transam::ReadNextOid(), a + wal::kOidPrefetch);
  uint32_t c = 0;
  InXact([&](heap::XactContext& x2) { c = CreateRole("carol", {}, "md5", x2); });
  EXPECT_GT(c, b);
}

TEST_F(RoleStoreTest, CheckpointCarriesTheLoggedOidBatch) {
  InXact([&](heap::XactContext& x) { CreateRole("alice", {}, "md5", x); });
  const uint32_t next = transam::ReadNextOid();
  EXPECT_EQ(wal::CheckpointNextOid(true), next);
  EXPECT_EQ(wal::CheckpointNextOid(false), next - 1 + wal::kOidPrefetch);
}

TEST_F(RoleStoreTest, DatabaseCopyAndDropAreRedone) {
  buffer::FlushAllDirtyBuffers();
  wal::CopyDatabaseDirectory(kTemplate1DbOid, 16500);
  EXPECT_TRUE(std::filesystem::exists(dir_ + "/base/16500/1259"));
  EXPECT_THROW(wal::CopyDatabaseDirectory(kTemplate1DbOid, 16500), PgError);
  wal::Flush(wal::LogDatabaseCreate(kTemplate1DbOid, 16500, 0));
  wal::CopyDatabaseDirectory(kTemplate1DbOid, 16501);
  wal::Flush(wal::LogDatabaseCreate(kTemplate1DbOid, 16501, 0));
  wal::Flush(wal::LogDatabaseDrop(16501, 0));
  // Lost files come back from the template; the dropped copy stays gone.
  std::filesystem::remove_all(dir_ + "/base/16500");
  Crash();
  EXPECT_TRUE(std::filesystem::exists(dir_ + "/base/16500/1259"));
  EXPECT_FALSE(std::filesystem::exists(dir_ + "/base/16501"));
  // The copy holds template1's catalogs.
  EXPECT_EQ(ScanCatalog<NamespaceRow>(transam::GetSnapshot(), {},
                                      [](const NamespaceRow& n) { return n.nspname == "pg_catalog"; }, 16500)
                .size(),
            1u);
  wal::RemoveDatabaseDirectory(16500);
  EXPECT_FALSE(std::filesystem::exists(dir_ + "/base/16500"));
  EXPECT_NO_THROW(wal::RemoveDatabaseDirectory(16500));
}

}  // namespace
}  // namespace tusk::catalog
