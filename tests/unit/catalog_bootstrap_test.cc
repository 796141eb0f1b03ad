// The stored catalogs against the real storage stack: bootstrap contents,
// CREATE TABLE visibility across commit and abort, the relation cache, and
// the catalog surviving a crash (WAL redo) and a clean restart.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <string>

#include "access/heap/heapam.h"
#include "access/transam/clog.h"
#include "access/transam/slru.h"
#include "access/transam/snapshot.h"
#include "access/transam/subtrans.h"
#include "access/transam/transam.h"
#include "access/transam/xact.h"
#include "access/wal/wal.h"
#include "access/wal/wal_reader.h"
#include "access/wal/wal_redo.h"
#include "catalog/bootstrap.h"
#include "catalog/catalog.h"
#include "catalog/relcache.h"
#include "catalog/schema.h"
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

constexpr uint64_t kSysid = 7300000000000000091ull;

class CatalogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/tusk-catalog-XXXXXX";
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
    ClaimSlot();
    RelationCacheInvalidateAll();

    xact::StartTransaction(xact::Isolation::kReadCommitted, false);
    BootstrapOptions opts;
    opts.superuser = "alice";
    opts.password_verifier = "SCRAM-SHA-256$4096:c2FsdA==$a:b";
    BootstrapCatalog(opts);
    xact::Commit();
    CreateTemplateCopies();
  }
  void TearDown() override {
    xact::Abort();
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
  void ClaimSlot() { ASSERT_NE(proc_array::ClaimSlot(BackendType::kClientBackend), nullptr); }

  // Drops the region (buffer pool, WAL buffers, clog pages) unwritten and
  // replays the WAL from the bootstrap checkpoint.
  void Crash() {
    uint64_t next_xid = transam::ReadNextXid();
    smgr::CloseAll();
    buffer::SetWalFlushHook(nullptr);
    transam::SetWalFlushHook(nullptr);
    shmem::DestroyRegion();
    RelationCacheInvalidateAll();
    MakeRegion();
    // The startup process moves the counter past every xid in the WAL; here
    // the pre-crash counter stands in for that scan.
    transam::SetNextXid(next_xid);
    wal::RedoResult res;
    wal::RunRedo(ckpt_, ckpt_, &res);
    EXPECT_GT(res.replayed, 50u);
    wal::StartupWal(res.end_of_wal, res.last_record, kSysid);
    ClaimSlot();
  }

  // Writes everything out, then builds a fresh region and starts at the end
  // of the WAL without replaying anything.
  void CleanRestart() {
    wal::Flush(wal::InsertPosition());
    buffer::FlushAllDirtyBuffers();
    transam::clog::Flush();
    uint64_t next_xid = transam::ReadNextXid();
    uint32_t next_oid = transam::ReadNextOid();
    smgr::CloseAll();
    buffer::SetWalFlushHook(nullptr);
    transam::SetWalFlushHook(nullptr);
    shmem::DestroyRegion();
    RelationCacheInvalidateAll();
    MakeRegion();
    transam::SetNextXid(next_xid);
    transam::SetNextOid(next_oid);
    wal::Reader r(dir_, ckpt_, kSysid);
    wal::Lsn end = 0, last = 0;
    while (const wal::DecodedRecord* rec = r.Next()) {
      end = rec->end_lsn;
      last = rec->lsn;
    }
    wal::StartupWal(end, last, kSysid);
    ClaimSlot();
  }

  // A fresh snapshot outside any transaction (sees committed rows only).
  transam::Snapshot Snap() { return transam::GetSnapshot(); }
  // What another backend would see now: our own running transaction is in
  // its xip (a snapshot we take ourselves leaves it out, and reading our
  // uncommitted rows through it would hint them aborted).
  transam::Snapshot OtherSnap() {
    transam::Snapshot s = transam::GetSnapshot();
    if (uint64_t top = xact::GetTopXid(); top != 0) {
      s.xip.push_back(top);
      if (s.xmin > top) s.xmin = top;
    }
    return s;
  }

  std::string dir_;
  guc::Vars vars_;
  wal::Lsn ckpt_ = 0;
};

void ExpectBootstrapContents(const transam::Snapshot& s) {
  std::optional<ClassRow> pg_class = LookupRelation(kPgCatalogNamespace, "pg_class", s);
  ASSERT_TRUE(pg_class.has_value());
  EXPECT_EQ(pg_class->oid, 1259u);
  EXPECT_EQ(pg_class->relfilenode, 1259u);
  EXPECT_EQ(pg_class->relnatts, 33);
  EXPECT_EQ(pg_class->reltype, 83u);
  EXPECT_FALSE(pg_class->relisshared);
  std::optional<ClassRow> pg_database = LookupRelationByOid(kDatabaseRelationId, s);
  ASSERT_TRUE(pg_database.has_value());
  EXPECT_EQ(pg_database->relname, "pg_database");
  EXPECT_TRUE(pg_database->relisshared);
  EXPECT_EQ(pg_database->reltablespace, 1664u);

  std::vector<AttributeRow> cols = RelationAttributes(kRelationRelationId, s);
  ASSERT_EQ(cols.size(), 33u);
  EXPECT_EQ(cols[0].attname, "oid");
  EXPECT_EQ(cols[1].attname, "relname");
  EXPECT_EQ(cols[1].atttypid, kNameOid);
  EXPECT_EQ(cols[1].attlen, 64);
  EXPECT_EQ(cols[16].attname, "relkind");
  EXPECT_EQ(cols[32].attname, "relpartbound");
  EXPECT_EQ(cols[32].attnum, 33);

  std::optional<TypeRow> int4 = LookupType(23, s);
  ASSERT_TRUE(int4.has_value());
  EXPECT_EQ(int4->typname, "int4");
  EXPECT_EQ(int4->typlen, 4);
  EXPECT_TRUE(int4->typbyval);
  EXPECT_EQ(int4->typalign, 'i');
  EXPECT_EQ(int4->typcategory, 'N');
  EXPECT_EQ(int4->typarray, 1007u);
  std::optional<TypeRow> text = LookupType(25, s);
  ASSERT_TRUE(text.has_value());
  EXPECT_EQ(text->typlen, -1);
  EXPECT_TRUE(text->typispreferred);
  EXPECT_EQ(LookupType(71, s)->typrelid, 1247u);  // pg_type's row type
  EXPECT_FALSE(LookupType(424242, s).has_value());

  EXPECT_EQ(LookupNamespace("pg_catalog", s)->oid, 11u);
  EXPECT_EQ(LookupNamespace("public", s)->oid, 2200u);
  EXPECT_EQ(LookupNamespace("pg_toast", s)->oid, 99u);
  EXPECT_FALSE(LookupNamespace("nope", s).has_value());

  std::optional<DatabaseRow> t0 = LookupDatabase("template0", s);
  ASSERT_TRUE(t0.has_value());
  EXPECT_EQ(t0->oid, 4u);
  EXPECT_FALSE(t0->datallowconn);
  EXPECT_TRUE(t0->datistemplate);
  EXPECT_EQ(t0->datconnlimit, -1);
  EXPECT_EQ(LookupDatabase("template1", s)->oid, 1u);
  std::optional<DatabaseRow> pg = LookupDatabase("postgres", s);
  ASSERT_TRUE(pg.has_value());
  EXPECT_EQ(pg->oid, 5u);
  EXPECT_TRUE(pg->datallowconn);
  EXPECT_FALSE(pg->datistemplate);
  EXPECT_EQ(pg->datcollate, "C");

  std::optional<AuthIdRow> su = LookupRole("alice", s);
  ASSERT_TRUE(su.has_value());
  EXPECT_EQ(su->oid, 10u);
  EXPECT_TRUE(su->rolsuper);
  EXPECT_TRUE(su->rolcanlogin);
  EXPECT_EQ(su->rolpassword.value_or(""), "SCRAM-SHA-256$4096:c2FsdA==$a:b");
  EXPECT_FALSE(su->rolvaliduntil.has_value());
  EXPECT_FALSE(LookupRole("postgres", s).has_value());
}

TEST(CatalogSchema, EveryRowTypeRoundTripsAndMatchesItsColumns) {
  // A member missing from Visit() or of the wrong width throws here.
  ClassRow c;
  c.oid = 77;
  c.relname = "abc";
  c.reloptions = "{fillfactor=50}";
  ClassRow c2 = ClassRow::Decode(c.Encode());
  EXPECT_EQ(c2.oid, 77u);
  EXPECT_EQ(c2.relname, "abc");
  EXPECT_EQ(c2.reltuples, -1.0f);
  EXPECT_EQ(c2.reloptions.value_or(""), "{fillfactor=50}");
  EXPECT_FALSE(c2.relacl.has_value());
  AuthIdRow a;
  a.rolvaliduntil = 123456789;
  EXPECT_EQ(AuthIdRow::Decode(a.Encode()).rolvaliduntil.value_or(0), 123456789);
  EXPECT_NO_THROW(AttributeRow::Decode(AttributeRow{}.Encode()));
  EXPECT_NO_THROW(TypeRow::Decode(TypeRow{}.Encode()));
  EXPECT_NO_THROW(NamespaceRow::Decode(NamespaceRow{}.Encode()));
  EXPECT_NO_THROW(DatabaseRow::Decode(DatabaseRow{}.Encode()));
  EXPECT_NO_THROW(IndexRow::Decode(IndexRow{}.Encode()));
  EXPECT_NO_THROW(ConstraintRow::Decode(ConstraintRow{}.Encode()));
  EXPECT_NO_THROW(InheritsRow::Decode(InheritsRow{}.Encode()));
  EXPECT_NO_THROW(PartitionedTableRow::Decode(PartitionedTableRow{}.Encode()));
  EXPECT_NO_THROW(AttrDefRow::Decode(AttrDefRow{}.Encode()));
  EXPECT_NO_THROW(ProcRow::Decode(ProcRow{}.Encode()));
  // Column counts as PostgreSQL 15 has them.
  EXPECT_EQ(CatalogById(kTypeRelationId).columns.size(), 32u);
  EXPECT_EQ(CatalogById(kAttributeRelationId).columns.size(), 26u);
  EXPECT_EQ(CatalogById(kProcRelationId).columns.size(), 30u);
  EXPECT_EQ(CatalogById(kAuthIdRelationId).columns.size(), 12u);
  EXPECT_EQ(CatalogById(kDatabaseRelationId).columns.size(), 16u);
  EXPECT_EQ(CatalogById(kConstraintRelationId).columns.size(), 26u);
  EXPECT_EQ(CatalogById(kIndexRelationId).columns.size(), 21u);
  EXPECT_EQ(CatalogById(kPartitionedTableRelationId).columns.size(), 8u);
  // Names longer than 63 bytes do not fit NAMEDATALEN.
  NamespaceRow n;
  n.nspname = std::string(64, 'x');
  EXPECT_THROW(n.Encode(), PgError);
}

TEST_F(CatalogTest, BootstrapContentsAreVisible) {
  transam::Snapshot s = Snap();
  ExpectBootstrapContents(s);
  // Files where the design puts them, template1 copied to template0 and postgres.
  for (const char* f : {"base/1/1259", "base/1/1249", "base/4/1259", "base/5/1247", "global/1262", "global/1260"})
    EXPECT_TRUE(std::filesystem::exists(dir_ + "/" + f)) << f;
  EXPECT_FALSE(std::filesystem::exists(dir_ + "/base/1/1262"));
  // The postgres database's copy reads the same.
  SetCurrentDatabase(kPostgresDbOid);
  EXPECT_EQ(LookupRelation(kPgCatalogNamespace, "pg_attribute", s)->oid, 1249u);
  SetCurrentDatabase(kTemplate1DbOid);
}

TEST_F(CatalogTest, CreateTableVisibleAfterCommitOnly) {
  xact::StartTransaction(xact::Isolation::kReadCommitted, false);
  heap::XactContext x = CurrentXactContext();
  uint32_t oid = CreateTable(kPublicNamespace, "accounts",
                             {{"aid", kInt4Oid, -1, true}, {"filler", 1042, 88, false}, {"bal", kInt8Oid, -1, false}},
                             x);
  EXPECT_GE(oid, 16384u);
  // Not yet visible to others, nor to this command; visible to the next one.
  EXPECT_FALSE(LookupRelation(kPublicNamespace, "accounts", OtherSnap()).has_value());
  xact::CommandCounterIncrement();
  transam::Snapshot mine = transam::GetSnapshot();
  mine.curcid = xact::CurrentCommandId();
  EXPECT_TRUE(LookupRelation(kPublicNamespace, "accounts", mine, xact::CurrentXactForVisibility()).has_value());
  heap::XactContext x2 = CurrentXactContext();
  EXPECT_THROW(CreateTable(kPublicNamespace, "accounts", {}, x2), PgError);
  xact::Commit();
  AtEndOfTransaction(true);

  transam::Snapshot s = Snap();
  std::optional<ClassRow> cls = LookupRelation(kPublicNamespace, "accounts", s);
  ASSERT_TRUE(cls.has_value());
  EXPECT_EQ(cls->oid, oid);
  EXPECT_EQ(cls->relnatts, 3);
  EXPECT_TRUE(std::filesystem::exists(dir_ + "/base/1/" + std::to_string(oid)));
  std::vector<AttributeRow> cols = RelationAttributes(oid, s);
  ASSERT_EQ(cols.size(), 3u);
  EXPECT_EQ(cols[1].attname, "filler");
  EXPECT_EQ(cols[1].atttypmod, 88);
  EXPECT_TRUE(cols[0].attnotnull);
  EXPECT_EQ(cols[2].attlen, 8);
  EXPECT_EQ(LookupType(cls->reltype, s)->typrelid, oid);

  // The relation cache reads it, and a row written through its handle reads back.
  std::shared_ptr<RelationDescriptor> d = OpenRelation(oid, s);
  ASSERT_NE(d, nullptr);
  EXPECT_EQ(d->name, "accounts");
  ASSERT_EQ(d->columns.size(), 3u);
  EXPECT_EQ(d->columns[2].type_oid, kInt8Oid);
  EXPECT_EQ(d->rel.attrs[2].len, 8);
  EXPECT_EQ(d->rel.attrs[2].align, 8);
  EXPECT_EQ(OpenRelation(oid, s), d);  // cached
  RelationCacheInvalidate(oid);
  EXPECT_NE(OpenRelation(oid, s), d);  // reloaded
  EXPECT_EQ(OpenRelation(999999, s), nullptr);
}

TEST_F(CatalogTest, CreateTableAbortedLeavesNothing) {
  xact::StartTransaction(xact::Isolation::kReadCommitted, false);
  heap::XactContext x = CurrentXactContext();
  uint32_t oid = CreateTable(kPublicNamespace, "ghost", {{"a", kTextOid, -1, false}}, x);
  EXPECT_TRUE(std::filesystem::exists(dir_ + "/base/1/" + std::to_string(oid)));
  xact::Abort();
  AtEndOfTransaction(false);
  transam::Snapshot s = Snap();
  EXPECT_FALSE(LookupRelation(kPublicNamespace, "ghost", s).has_value());
  EXPECT_FALSE(LookupRelationByOid(oid, s).has_value());
  EXPECT_TRUE(RelationAttributes(oid, s).empty());
  EXPECT_EQ(OpenRelation(oid, s), nullptr);
  EXPECT_FALSE(std::filesystem::exists(dir_ + "/base/1/" + std::to_string(oid)));
  // The name is free again.
  xact::StartTransaction(xact::Isolation::kReadCommitted, false);
  heap::XactContext y = CurrentXactContext();
  EXPECT_NO_THROW(CreateTable(kPublicNamespace, "ghost", {{"a", kTextOid, -1, false}}, y));
  xact::Commit();
  EXPECT_TRUE(LookupRelation(kPublicNamespace, "ghost", Snap()).has_value());
}

TEST_F(CatalogTest, CreateTableRejectsBadColumns) {
  xact::StartTransaction(xact::Isolation::kReadCommitted, false);
  heap::XactContext x = CurrentXactContext();
  EXPECT_THROW(CreateTable(kPublicNamespace, "t1", {{"a", 4242, -1, false}}, x), PgError);
  EXPECT_THROW(CreateTable(kPublicNamespace, "t2", {{"a", kInt4Oid, -1, false}, {"a", kInt4Oid, -1, false}}, x),
               PgError);
  xact::Abort();
  AtEndOfTransaction(false);
}

TEST_F(CatalogTest, CatalogSurvivesCrash) {
  xact::StartTransaction(xact::Isolation::kReadCommitted, false);
  heap::XactContext x = CurrentXactContext();
  uint32_t oid = CreateTable(kPublicNamespace, "durable", {{"id", kInt4Oid, -1, true}}, x);
  xact::Commit();
  AtEndOfTransaction(true);
  // An uncommitted CREATE TABLE whose WAL reached disk must not come back:
  // another backend runs it and dies without committing or aborting.
  pid_t pid = fork();
  if (pid == 0) {
    int rc = 0;
    try {
      if (proc_array::ClaimSlot(BackendType::kClientBackend) == nullptr) _exit(2);
      xact::StartTransaction(xact::Isolation::kReadCommitted, false);
      heap::XactContext y = CurrentXactContext();
      CreateTable(kPublicNamespace, "lost", {{"id", kInt4Oid, -1, true}}, y);
      wal::Flush(wal::InsertPosition());
    } catch (...) {
      rc = 3;
    }
    _exit(rc);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;

  // Nothing of the catalogs' pages reached disk since the template copy.
  std::filesystem::remove(dir_ + "/base/1/1259");
  std::filesystem::remove(dir_ + "/global/1262");
  Crash();
  transam::Snapshot s = Snap();
  ExpectBootstrapContents(s);
  std::optional<ClassRow> cls = LookupRelation(kPublicNamespace, "durable", s);
  ASSERT_TRUE(cls.has_value());
  EXPECT_EQ(cls->oid, oid);
  EXPECT_EQ(RelationAttributes(oid, s).size(), 1u);
  EXPECT_FALSE(LookupRelation(kPublicNamespace, "lost", s).has_value());
  // New OIDs do not collide with the recovered table's.
  xact::StartTransaction(xact::Isolation::kReadCommitted, false);
  heap::XactContext z = CurrentXactContext();
  EXPECT_NE(CreateTable(kPublicNamespace, "after", {}, z), oid);
  xact::Commit();
}

TEST_F(CatalogTest, CatalogSurvivesCleanRestart) {
  xact::StartTransaction(xact::Isolation::kReadCommitted, false);
  heap::XactContext x = CurrentXactContext();
  uint32_t oid = CreateTable(kPublicNamespace, "kept", {{"v", kTextOid, -1, false}}, x);
  xact::Commit();
  CleanRestart();
  transam::Snapshot s = Snap();
  ExpectBootstrapContents(s);
  EXPECT_EQ(LookupRelation(kPublicNamespace, "kept", s)->oid, oid);
  std::shared_ptr<RelationDescriptor> d = OpenRelation(oid, s);
  ASSERT_NE(d, nullptr);
  EXPECT_EQ(d->columns.at(0).name, "v");
}

}  // namespace
}  // namespace tusk::catalog
