// WAL payload encoding and redo for the heap's records (kRmgrHeap, kRmgrHeap2)
// and relation-file creation/truncation (kRmgrSmgr). Redo is idempotent: a
// page whose LSN already covers the record is left alone (README invariant 4).
#include <cstring>

#include "access/heap/heap_internal.h"
#include "access/heap/heapam.h"
#include "access/wal/wal_redo.h"
#include "storage/ipc/sinval.h"
#include "utils/error.h"

namespace tusk::heap {

namespace internal {

using buffer::Buffer;

namespace {

[[noreturn]] void RedoFailure(const wal::DecodedRecord& rec, const std::string& what) {
  throw PgError(sqlstate::kInternalError,
                "heap redo failed at " + wal::LsnToString(rec.lsn) + ": " + what, ErrLevel::kPanic);
}

void NeedSize(const wal::DecodedRecord& rec, std::string_view data, size_t n) {
  if (data.size() < n) RedoFailure(rec, "record too short");
}

void ExtendTo(const smgr::RelFileLocator& loc, smgr::Fork fork, uint32_t block) {
  while (buffer::RelationNumBlocks(loc, fork) <= block)
    buffer::ReleaseBuffer(buffer::ReadBuffer(loc, fork, buffer::kNewBlock));
}

void AddTupleForRedo(const wal::DecodedRecord& rec, char* page, std::string_view tuple, uint16_t offset) {
  if (page::AddItem(page, tuple.data(), tuple.size(), offset, page::kOverwrite | page::kIsHeap) != offset)
    RedoFailure(rec, "failed to add tuple at offset " + std::to_string(offset));
}

}  // namespace

std::string EncodeXmaxChange(const XmaxChange& c) {
  std::string s(kXmaxChangeSize, '\0');
  char* p = s.data();
  Store(p, c.offset);
  Store(p + 2, c.xmax);
  Store(p + 10, c.cid);
  Store(p + 14, c.infomask_bits);
  Store(p + 16, c.infomask2);
  Store(p + 18, c.ctid.block);
  Store(p + 22, c.ctid.offset);
  return s;
}

XmaxChange DecodeXmaxChange(const char* p) {
  XmaxChange c;
  c.offset = Load<uint16_t>(p);
  c.xmax = Load<uint64_t>(p + 2);
  c.cid = Load<uint32_t>(p + 10);
  c.infomask_bits = Load<uint16_t>(p + 14);
  c.infomask2 = Load<uint16_t>(p + 16);
  c.ctid.block = Load<uint32_t>(p + 18);
  c.ctid.offset = Load<uint16_t>(p + 22);
  return c;
}

XmaxChange CaptureXmaxChange(const char* t, uint16_t offset) {
  return {offset, TupXmax(t), TupCid(t), static_cast<uint16_t>(TupInfomask(t) & kXmaxBits), TupInfomask2(t),
          TupCtid(t)};
}

void ApplyXmaxChange(char* page, const XmaxChange& c) {
  if (c.offset < page::kFirstOffset || c.offset > page::ItemCount(page) ||
      page::GetItemId(page, c.offset)->flags() != page::LpFlags::kNormal)
    throw PgError(sqlstate::kInternalError, "heap redo: no tuple at offset " + std::to_string(c.offset),
                  ErrLevel::kPanic);
  char* t = page::GetItem(page, c.offset);
  SetTupXmax(t, c.xmax);
  SetTupCid(t, c.cid);
  SetTupInfomask(t, static_cast<uint16_t>((TupInfomask(t) & ~kXmaxBits) | c.infomask_bits));
  SetTupInfomask2(t, c.infomask2);
  SetTupCtid(t, c.ctid);
}

wal::RelFileLocator ToWal(const smgr::RelFileLocator& l) { return {l.spc_oid, l.db_oid, l.rel_number}; }
smgr::RelFileLocator FromWal(const wal::RelFileLocator& l) { return {l.spc_oid, l.db_oid, l.rel_number}; }

RedoAction ReadForRedo(const wal::DecodedRecord& rec, uint8_t id, Buffer* buf) {
  *buf = buffer::kInvalidBuffer;
  const wal::BlockRef* b = rec.Block(id);
  if (b == nullptr) RedoFailure(rec, "missing block reference " + std::to_string(id));
  const smgr::RelFileLocator loc = FromWal(b->rel);
  const auto fork = static_cast<smgr::Fork>(b->fork);
  const bool image = b->has_image && b->apply_image;
  // Only an image or a will-init record can bring a page into existence; a
  // missing page otherwise means the relation was truncated or dropped later.
  // (A missing file counts as empty; the size is remembered during redo.)
  if (b->block >= buffer::RelationNumBlocks(loc, fork)) {
    if (!image && !b->will_init) return RedoAction::kNotFound;
    if (!smgr::Exists(loc, fork)) smgr::Create(loc, fork, true);
    ExtendTo(loc, fork, b->block);
  }
  try {
    // An image or a rebuilt page replaces the old contents: no need to read them.
    *buf = image || b->will_init ? buffer::ReadBufferForOverwrite(loc, fork, b->block)
                                 : buffer::ReadBuffer(loc, fork, b->block);
  } catch (const PgError&) {
    // A torn page can fail verification; the image replaces it wholesale.
    if (!image) throw;
    smgr::Write(loc, fork, b->block, b->image.data());
    *buf = buffer::ReadBuffer(loc, fork, b->block);
  }
  buffer::LockBuffer(*buf, LWLockMode::kExclusive);
  char* p = buffer::BufferPage(*buf);
  if (image) {
    std::memcpy(p, b->image.data(), page::kPageSize);
    page::SetLsn(p, rec.end_lsn);
    buffer::MarkBufferDirty(*buf);
    return RedoAction::kRestored;
  }
  if (b->will_init) {
    page::InitPage(p, 0);
    return RedoAction::kNeedsRedo;
  }
  if (page::PageIsNew(p)) {
    buffer::UnlockBuffer(*buf);
    buffer::ReleaseBuffer(*buf);
    *buf = buffer::kInvalidBuffer;
    return RedoAction::kNotFound;
  }
  return page::GetLsn(p) >= rec.end_lsn ? RedoAction::kDone : RedoAction::kNeedsRedo;
}

void FinishRedo(const wal::DecodedRecord& rec, Buffer buf, bool changed) {
  if (buf == buffer::kInvalidBuffer) return;
  if (changed) {
    page::SetLsn(buffer::BufferPage(buf), rec.end_lsn);
    buffer::MarkBufferDirty(buf);
  }
  buffer::UnlockBuffer(buf);
  buffer::ReleaseBuffer(buf);
}

void HeapRedo(const wal::DecodedRecord& rec) {
  const uint8_t op = rec.info & kOpMask;
  std::string_view main = rec.main_data;
  Buffer buf;
  switch (op) {
    case kHeapInsert: {
      NeedSize(rec, main, 2);
      const uint16_t offset = Load<uint16_t>(main.data());
      RedoAction a = ReadForRedo(rec, 0, &buf);
      if (a == RedoAction::kNeedsRedo) AddTupleForRedo(rec, buffer::BufferPage(buf), rec.Block(0)->data, offset);
      FinishRedo(rec, buf, a == RedoAction::kNeedsRedo);
      return;
    }
    case kHeapDelete:
    case kHeapLock: {
      NeedSize(rec, main, kXmaxChangeSize);
      XmaxChange c = DecodeXmaxChange(main.data());
      RedoAction a = ReadForRedo(rec, 0, &buf);
      if (a == RedoAction::kNeedsRedo) {
        char* p = buffer::BufferPage(buf);
        ApplyXmaxChange(p, c);
        if (op == kHeapDelete && (page::GetPruneXid(p) == 0 || page::GetPruneXid(p) > c.xmax))
          page::SetPruneXid(p, c.xmax);
      }
      FinishRedo(rec, buf, a == RedoAction::kNeedsRedo);
      return;
    }
    case kHeapUpdate: {
      NeedSize(rec, main, kXmaxChangeSize + 6);
      XmaxChange c = DecodeXmaxChange(main.data());
      const uint16_t new_offset = Load<uint16_t>(main.data() + kXmaxChangeSize);
      const bool two_pages = rec.Block(1) != nullptr;
      const wal::BlockRef* nb = rec.Block(two_pages ? 1 : 0);
      // The logged tuple starts at infomask2: rebuild the header bytes before it.
      if (kTupOffInfomask2 + nb->data.size() < kMinTupleHeader) RedoFailure(rec, "update tuple too short");
      std::string tuple(kTupOffInfomask2, '\0');
      tuple.append(nb->data);
      SetTupXmin(tuple.data(), c.xmax);
      SetTupXmax(tuple.data(), 0);
      SetTupCid(tuple.data(), Load<uint32_t>(main.data() + kXmaxChangeSize + 2));
      SetTupCtid(tuple.data(), {nb->block, new_offset});
      RedoAction a = ReadForRedo(rec, 0, &buf);
      if (a == RedoAction::kNeedsRedo) {
        char* p = buffer::BufferPage(buf);
        ApplyXmaxChange(p, c);
        if (page::GetPruneXid(p) == 0 || page::GetPruneXid(p) > c.xmax) page::SetPruneXid(p, c.xmax);
        if (!two_pages) AddTupleForRedo(rec, p, tuple, new_offset);
      }
      FinishRedo(rec, buf, a == RedoAction::kNeedsRedo);
      if (two_pages) {
        a = ReadForRedo(rec, 1, &buf);
        if (a == RedoAction::kNeedsRedo) AddTupleForRedo(rec, buffer::BufferPage(buf), tuple, new_offset);
        FinishRedo(rec, buf, a == RedoAction::kNeedsRedo);
      }
      return;
    }
    default:
      RedoFailure(rec, "unknown heap op " + std::to_string(op));
  }
}

void Heap2Redo(const wal::DecodedRecord& rec) {
  const uint8_t op = rec.info & kOpMask;
  std::string_view main = rec.main_data;
  Buffer buf;
  RedoAction a;
  switch (op) {
    case kHeap2Prune: {
      NeedSize(rec, main, 4);
      const uint16_t ndead = Load<uint16_t>(main.data()), nunused = Load<uint16_t>(main.data() + 2);
      NeedSize(rec, main, 4 + 2u * (ndead + nunused));
      a = ReadForRedo(rec, 0, &buf);
      if (a == RedoAction::kNeedsRedo) {
        char* p = buffer::BufferPage(buf);
        for (uint16_t i = 0; i < ndead; ++i) page::SetItemDead(p, Load<uint16_t>(main.data() + 4 + 2 * i));
        for (uint16_t i = 0; i < nunused; ++i)
          page::SetItemUnused(p, Load<uint16_t>(main.data() + 4 + 2 * (ndead + i)));
        page::RepairFragmentation(p);
      }
      break;
    }
    case kHeap2PruneHot: {
      NeedSize(rec, main, 6);
      const size_t nredirected = Load<uint16_t>(main.data()), ndead = Load<uint16_t>(main.data() + 2),
                   nunused = Load<uint16_t>(main.data() + 4);
      NeedSize(rec, main, 6 + 2 * (2 * nredirected + ndead + nunused));
      a = ReadForRedo(rec, 0, &buf);
      if (a == RedoAction::kNeedsRedo) {
        char* p = buffer::BufferPage(buf);
        const char* at = main.data() + 6;
        auto next = [&] {
          const uint16_t v = Load<uint16_t>(at);
          at += 2;
          if (v < page::kFirstOffset || v > page::ItemCount(p)) RedoFailure(rec, "prune offset out of range");
          return v;
        };
        for (size_t i = 0; i < nredirected; ++i) {
          const uint16_t from = next();
          page::SetItemRedirect(p, from, next());
        }
        for (size_t i = 0; i < ndead; ++i) page::SetItemDead(p, next());
        for (size_t i = 0; i < nunused; ++i) page::SetItemUnused(p, next());
        page::RepairFragmentation(p);
      }
      break;
    }
    case kHeap2Vacuum: {
      NeedSize(rec, main, 2);
      const uint16_t n = Load<uint16_t>(main.data());
      NeedSize(rec, main, 2 + 2u * n);
      a = ReadForRedo(rec, 0, &buf);
      if (a == RedoAction::kNeedsRedo) {
        char* p = buffer::BufferPage(buf);
        for (uint16_t i = 0; i < n; ++i) page::SetItemUnused(p, Load<uint16_t>(main.data() + 2 + 2 * i));
      }
      break;
    }
    case kHeap2MultiInsert: {
      NeedSize(rec, main, kMultiInsertHeader);
      const uint16_t n = Load<uint16_t>(main.data());
      const uint64_t xmin = Load<uint64_t>(main.data() + 2);
      const uint32_t cid = Load<uint32_t>(main.data() + 10);
      const bool init = (rec.info & kHeapInitPage) != 0;  // offsets 1..n, not logged
      if (!init) NeedSize(rec, main, kMultiInsertHeader + 2u * n);
      a = ReadForRedo(rec, 0, &buf);
      if (a == RedoAction::kNeedsRedo) {
        std::string_view data = rec.Block(0)->data;
        const uint32_t block = rec.Block(0)->block;
        std::string tup;
        size_t pos = 0;
        for (uint16_t i = 0; i < n; ++i) {
          const uint16_t off = init ? static_cast<uint16_t>(i + 1)
                                    : Load<uint16_t>(main.data() + kMultiInsertHeader + 2 * i);
          if (pos + 2 > data.size()) RedoFailure(rec, "multi-insert data too short");
          const uint16_t len = Load<uint16_t>(data.data() + pos);
          pos += 2;
          if (pos + len > data.size() || kTupOffInfomask2 + len < kMinTupleHeader)
            RedoFailure(rec, "multi-insert data too short");
          tup.assign(kTupOffInfomask2, '\0');
          tup.append(data.data() + pos, len);
          pos += len;
          SetTupXmin(tup.data(), xmin);
          SetTupXmax(tup.data(), 0);
          SetTupCid(tup.data(), cid);
          SetTupCtid(tup.data(), {block, off});
          AddTupleForRedo(rec, buffer::BufferPage(buf), tup, off);
        }
      }
      break;
    }
    default:
      RedoFailure(rec, "unknown heap2 op " + std::to_string(op));
  }
  FinishRedo(rec, buf, a == RedoAction::kNeedsRedo);
}

void SmgrRedo(const wal::DecodedRecord& rec) {
  std::string_view main = rec.main_data;
  NeedSize(rec, main, 13);
  smgr::RelFileLocator loc{Load<uint32_t>(main.data()), Load<uint32_t>(main.data() + 4),
                           Load<uint32_t>(main.data() + 8)};
  const auto fork = static_cast<smgr::Fork>(main[12]);
  switch (rec.info & kOpMask) {
    case kSmgrCreate:
      smgr::Create(loc, fork, true);
      return;
    case kSmgrTruncate: {
      NeedSize(rec, main, 17);
      const uint32_t nblocks = Load<uint32_t>(main.data() + 13);
      if (!smgr::Exists(loc, fork)) return;
      buffer::DropRelationBuffers(loc, fork, nblocks);
      sinval::RelationTruncated();
      if (smgr::NBlocks(loc, fork) > nblocks) smgr::Truncate(loc, fork, nblocks);
      if (fork == smgr::Fork::kMain) FsmTruncate(loc, nblocks);
      return;
    }
    default:
      RedoFailure(rec, "unknown smgr op");
  }
}

std::string SmgrPayload(const smgr::RelFileLocator& loc, smgr::Fork fork) {
  std::string s(13, '\0');
  Store(s.data(), loc.spc_oid);
  Store(s.data() + 4, loc.db_oid);
  Store(s.data() + 8, loc.rel_number);
  s[12] = static_cast<char>(fork);
  return s;
}

}  // namespace internal

void CreateStorage(const smgr::RelFileLocator& loc) {
  smgr::Create(loc, smgr::Fork::kMain, false);
  std::string payload = internal::SmgrPayload(loc, smgr::Fork::kMain);
  wal::RecordBuilder b;
  b.AddData(payload.data(), payload.size());
  b.Insert(wal::kRmgrSmgr, internal::kSmgrCreate, 0);
}

void TruncateStorage(const smgr::RelFileLocator& loc, uint32_t nblocks) {
  std::string payload = internal::SmgrPayload(loc, smgr::Fork::kMain);
  payload.resize(17);
  Store(payload.data() + 13, nblocks);
  wal::RecordBuilder b;
  b.AddData(payload.data(), payload.size());
  // The record must be durable before the file shrinks: otherwise a crash
  // could replay older records against pages that no longer exist while the
  // truncation itself is forgotten.
  wal::Flush(b.Insert(wal::kRmgrSmgr, internal::kSmgrTruncate, 0));
  buffer::DropRelationBuffers(loc, smgr::Fork::kMain, nblocks);
  sinval::RelationTruncated();  // before the file shrinks: no insert target may point past it
  smgr::Truncate(loc, smgr::Fork::kMain, nblocks);
  internal::FsmTruncate(loc, nblocks);
}

void RegisterHeapRmgrs() {
  wal::RegisterRmgr(wal::kRmgrSmgr, "Storage", internal::SmgrRedo);
  wal::RegisterRmgr(wal::kRmgrHeap, "Heap", internal::HeapRedo);
  wal::RegisterRmgr(wal::kRmgrHeap2, "Heap2", internal::Heap2Redo);
}

size_t RecordedFreeSpace(const Relation& rel, uint32_t block) { return internal::FsmGet(rel.loc, block); }

}  // namespace tusk::heap
