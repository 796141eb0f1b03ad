// TOAST against the real storage stack: which values move out of line,
// reassembly, chunks dying with their row (commit, abort, vacuum) and crash
// recovery of both the row and its chunks.
#include "access/toast/toast.h"

#include "heap_env.h"
#include "utils/error.h"

namespace tusk::toast {
namespace {

using heap::testing_env::HeapEnv;

class ToastTest : public HeapEnv {
 protected:
  void SetUp() override {
    HeapEnv::SetUp();
    btree::RegisterBtreeRmgr();
    rel_.attrs = {{4, 4, true}, {-1, 4, false}, {-1, 4, false}};
    toast_ = OpenToastRel(5, rel_.rel_oid, 16390, 16390, 16391, 16391);
    CreateStorage(toast_);
  }

  std::string Form(int32_t id, const std::optional<std::string>& a, const std::optional<std::string>& b,
                   heap::XactContext& x) {
    std::string idb(reinterpret_cast<const char*>(&id), 4);
    std::vector<std::optional<std::string_view>> vals = {idb, std::nullopt, std::nullopt};
    if (a) vals[1] = *a;
    if (b) vals[2] = *b;
    return FormToastedTuple(rel_.attrs, vals, &toast_, x);
  }
  // Column values of a stored row, detoasted.
  std::vector<std::optional<std::string>> Read(std::string_view tuple) {
    std::vector<std::optional<std::string_view>> vals;
    std::vector<bool> ext;
    heap::DeformTuple(rel_.attrs, tuple, &vals, &ext);
    std::vector<std::optional<std::string>> out;
    for (size_t i = 0; i < vals.size(); ++i) {
      if (!vals[i]) {
        out.emplace_back();
      } else if (ext[i]) {
        std::string v;
        FetchValue(toast_, *vals[i], &v);
        out.emplace_back(std::move(v));
      } else {
        out.emplace_back(std::string(*vals[i]));
      }
    }
    return out;
  }
  size_t ChunkRows() {
    size_t n = 0;
    transam::Snapshot snap = transam::GetSnapshot();
    heap::HeapScan scan(toast_.heap, snap, transam::CurrentXact{});
    heap::ItemPointer tid;
    std::string_view t;
    while (scan.Next(&tid, &t)) ++n;
    transam::ClearMyXmin();
    return n;
  }
  static std::string Pattern(size_t n, char seed) {
    std::string s(n, '\0');
    for (size_t i = 0; i < n; ++i) s[i] = static_cast<char>(seed + i * 7 % 61);
    return s;
  }

  ToastRel toast_;
};

TEST_F(ToastTest, NarrowRowsStayInline) {
  heap::XactContext x = Begin();
  std::string t = Form(1, std::string(1000, 'a'), std::string(900, 'b'), x);
  EXPECT_FALSE(heap::TupHasExternal(t.data()));
  EXPECT_LE(t.size(), kTupleThreshold);
  End(x, true);
  EXPECT_EQ(ChunkRows(), 0u);
}

TEST_F(ToastTest, WidestValueMovesOutAndComesBackExactly) {
  const std::string big = Pattern(100000, 'A');
  const std::string mid(1500, 'm');
  heap::XactContext x = Begin();
  std::string t = Form(7, mid, big, x);
  EXPECT_TRUE(heap::TupHasExternal(t.data()));
  EXPECT_LE(t.size(), kTupleThreshold);
  std::vector<std::optional<std::string_view>> vals;
  std::vector<bool> ext;
  heap::DeformTuple(rel_.attrs, t, &vals, &ext);
  EXPECT_FALSE(ext[1]);  // the row fits once the widest value is out
  EXPECT_TRUE(ext[2]);
  ExternalPointer p = ExternalPointer::Decode(*vals[2]);
  EXPECT_EQ(p.raw_size, big.size());
  EXPECT_EQ(p.toast_relid, 16390u);
  heap::ItemPointer tid = heap::Insert(rel_, t, x);
  End(x, true);
  EXPECT_EQ(ChunkRows(), (big.size() + kMaxChunkSize - 1) / kMaxChunkSize);

  std::string stored;
  ASSERT_TRUE(heap::FetchAnyVersion(rel_, tid, &stored));
  auto cols = Read(stored);
  EXPECT_EQ(*cols[1], mid);
  EXPECT_EQ(*cols[2], big);
}

TEST_F(ToastTest, BothValuesMoveWhenOneIsNotEnough) {
  heap::XactContext x = Begin();
  std::string t = Form(2, Pattern(6000, 'a'), Pattern(7000, 'b'), x);
  std::vector<std::optional<std::string_view>> vals;
  std::vector<bool> ext;
  heap::DeformTuple(rel_.attrs, t, &vals, &ext);
  EXPECT_TRUE(ext[1]);
  EXPECT_TRUE(ext[2]);
  auto cols = Read(t);
  EXPECT_EQ(*cols[1], Pattern(6000, 'a'));
  EXPECT_EQ(*cols[2], Pattern(7000, 'b'));
  End(x, true);
}

TEST_F(ToastTest, WithoutToastTableTheHeapRefusesTheRow) {
  heap::XactContext x = Begin();
  std::string idb(4, '\0');
  std::string big(20000, 'z');
  std::string t = FormToastedTuple(rel_.attrs, {idb, big, std::nullopt}, nullptr, x);
  try {
    heap::Insert(rel_, t, x);
    FAIL() << "a row wider than a page was stored";
  } catch (const PgError& e) {
    EXPECT_EQ(e.data().sqlstate, "54000");
  }
  End(x, false);
}

TEST_F(ToastTest, DeletedRowsChunksAreVacuumedAway) {
  heap::XactContext x = Begin();
  std::string t = Form(3, std::nullopt, Pattern(50000, 'q'), x);
  heap::ItemPointer tid = heap::Insert(rel_, t, x);
  End(x, true);
  const size_t chunks = ChunkRows();
  ASSERT_GT(chunks, 20u);

  heap::XactContext d = Begin();
  ASSERT_EQ(heap::Delete(rel_, tid, d, true), heap::TmStatus::kOk);
  std::string old;
  ASSERT_TRUE(heap::FetchAnyVersion(rel_, tid, &old));
  DeleteValues(toast_, rel_.attrs, old, d);
  End(d, true);
  EXPECT_EQ(ChunkRows(), 0u);

  heap::VacuumStats st = Vacuum(toast_, transam::GetOldestXmin());
  // Reading the chunks may already have pruned their full pages.
  EXPECT_EQ(st.dead_line_pointers, chunks);
  EXPECT_EQ(st.tuples_remaining, 0u);
  // The index no longer points at them either: the value is gone.
  try {
    Read(old);
    FAIL() << "chunks survived vacuum";
  } catch (const PgError& e) {
    EXPECT_EQ(e.data().sqlstate, "XX001");
    EXPECT_NE(e.data().message.find("missing chunk number 0 for toast value"), std::string::npos);
  }
}

TEST_F(ToastTest, AbortedRowsChunksAreDeadAtOnce) {
  heap::XactContext x = Begin();
  heap::Insert(rel_, Form(4, Pattern(30000, 'r'), std::nullopt, x), x);
  End(x, false);
  EXPECT_EQ(ChunkRows(), 0u);
  heap::VacuumStats st = Vacuum(toast_, transam::GetOldestXmin());
  EXPECT_EQ(st.tuples_removed, (30000 + kMaxChunkSize - 1) / kMaxChunkSize);
}

TEST_F(ToastTest, ChunksSurviveACrash) {
  const std::string big = Pattern(40000, 'c');
  heap::XactContext x = Begin();
  heap::ItemPointer tid = heap::Insert(rel_, Form(5, big, std::string("s"), x), x);
  End(x, true);
  Crash(ckpt_);
  std::string stored;
  ASSERT_TRUE(heap::FetchAnyVersion(rel_, tid, &stored));
  auto cols = Read(stored);
  EXPECT_EQ(*cols[1], big);
  EXPECT_EQ(*cols[2], "s");
}

TEST_F(ToastTest, ValueIdsAreUnique) {
  heap::XactContext x = Begin();
  std::set<uint32_t> ids;
  for (int i = 0; i < 20; ++i) {
    std::string t = Form(i, Pattern(3000, 'u'), std::nullopt, x);
    std::vector<std::optional<std::string_view>> vals;
    std::vector<bool> ext;
    heap::DeformTuple(rel_.attrs, t, &vals, &ext);
    ASSERT_TRUE(ext[1]);
    EXPECT_TRUE(ids.insert(ExternalPointer::Decode(*vals[1]).value_id).second);
  }
  End(x, true);
}

TEST_F(ToastTest, DeformWithoutFlagsRefusesExternalValues) {
  heap::XactContext x = Begin();
  std::string t = Form(6, Pattern(9000, 'd'), std::nullopt, x);
  std::vector<std::optional<std::string_view>> vals;
  EXPECT_THROW(heap::DeformTuple(rel_.attrs, t, &vals), PgError);
  End(x, true);
}

}  // namespace
}  // namespace tusk::toast
