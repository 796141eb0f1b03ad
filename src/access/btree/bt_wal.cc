// Redo for the B-tree resource manager. Each block of a record is replayed
// on its own: a full-page image is restored, otherwise the change is
// applied only if the page LSN shows it is not there yet.
#include "access/btree/bt_internal.h"
#include "access/wal/wal_redo.h"
#include "utils/error.h"

namespace tusk::btree {
namespace {

enum class Action { kRedo, kDone, kAbsent };

// Pins and locks the block for redo (extending the relation if a crash
// lost its tail) and restores an image if the record carries one.
Action ReadForRedo(const wal::DecodedRecord& rec, uint8_t id, Buffer* out) {
  *out = buffer::kInvalidBuffer;
  const wal::BlockRef* b = rec.Block(id);
  if (!b) return Action::kAbsent;
  smgr::RelFileLocator loc{b->rel.spc_oid, b->rel.db_oid, b->rel.rel_number};
  // A missing file counts as empty (sizes are remembered during redo).
  if (buffer::RelationNumBlocks(loc, smgr::Fork::kMain) <= b->block) {
    if (!smgr::Exists(loc, smgr::Fork::kMain)) smgr::Create(loc, smgr::Fork::kMain, true);
    while (buffer::RelationNumBlocks(loc, smgr::Fork::kMain) <= b->block)
      buffer::ReleaseBuffer(buffer::ReadBuffer(loc, smgr::Fork::kMain, buffer::kNewBlock));
  }
  const bool image = b->has_image && b->apply_image;
  // An image replaces the page wholesale: the old contents need not be read.
  Buffer buf = image ? buffer::ReadBufferForOverwrite(loc, smgr::Fork::kMain, b->block)
                     : buffer::ReadBuffer(loc, smgr::Fork::kMain, b->block);
  buffer::LockBuffer(buf, LWLockMode::kExclusive);
  *out = buf;
  char* p = buffer::BufferPage(buf);
  if (image) {
    std::memcpy(p, b->image.data(), page::kPageSize);
    page::SetLsn(p, rec.end_lsn);
    buffer::MarkBufferDirty(buf);
    return Action::kDone;
  }
  if (page::GetLsn(p) >= rec.end_lsn) return Action::kDone;
  if (page::PageIsNew(p))
    throw PgError(sqlstate::kDataCorrupted, "btree redo: block " + std::to_string(b->block) +
                                                " is uninitialised and the record has no image",
                  ErrLevel::kPanic);
  return Action::kRedo;
}

void Finish(const wal::DecodedRecord& rec, Buffer buf, bool changed) {
  if (buf == buffer::kInvalidBuffer) return;
  if (changed) {
    page::SetLsn(buffer::BufferPage(buf), rec.end_lsn);
    buffer::MarkBufferDirty(buf);
  }
  UnlockRelease(buf);
}

// Images only (new pages, the metapage, both halves of a split).
void RedoImage(const wal::DecodedRecord& rec, uint8_t id) {
  Buffer buf;
  Action a = ReadForRedo(rec, id, &buf);
  if (a == Action::kRedo)
    throw PgError(sqlstate::kDataCorrupted, "btree redo: record lacks the page image it needs", ErrLevel::kPanic);
  Finish(rec, buf, false);
}

// The child whose split a downlink completes loses its incomplete flag.
void RedoClearIncomplete(const wal::DecodedRecord& rec, uint8_t id) {
  Buffer buf;
  Action a = ReadForRedo(rec, id, &buf);
  if (a == Action::kRedo) Op(buffer::BufferPage(buf))->flags &= static_cast<uint16_t>(~kIncompleteSplit);
  Finish(rec, buf, a == Action::kRedo);
}

void RedoInsert(const wal::DecodedRecord& rec) {
  Buffer buf;
  Action a = ReadForRedo(rec, 0, &buf);
  if (a == Action::kRedo) {
    std::string_view d = rec.Block(0)->data;
    OffsetNumber off;
    std::memcpy(&off, d.data(), sizeof off);
    if (page::AddItem(buffer::BufferPage(buf), d.data() + sizeof off, d.size() - sizeof off, off, 0) ==
        page::kInvalidOffset)
      throw PgError(sqlstate::kDataCorrupted, "btree redo: failed to add item", ErrLevel::kPanic);
  }
  Finish(rec, buf, a == Action::kRedo);
  RedoClearIncomplete(rec, 1);
}

void RedoSplit(const wal::DecodedRecord& rec) {
  RedoImage(rec, 0);
  RedoImage(rec, 1);
  Buffer buf;
  Action a = ReadForRedo(rec, 2, &buf);
  if (a == Action::kRedo) std::memcpy(&Op(buffer::BufferPage(buf))->left, rec.Block(2)->data.data(), 4);
  Finish(rec, buf, a == Action::kRedo);
  RedoClearIncomplete(rec, 3);
}

void RedoVacuum(const wal::DecodedRecord& rec) {
  Buffer buf;
  Action a = ReadForRedo(rec, 0, &buf);
  if (a == Action::kRedo) {
    std::string_view d = rec.Block(0)->data;
    // Offsets are logged in descending order, so deleting in turn is exact.
    for (size_t i = 0; i + sizeof(OffsetNumber) <= d.size(); i += sizeof(OffsetNumber)) {
      OffsetNumber off;
      std::memcpy(&off, d.data() + i, sizeof off);
      page::IndexTupleDelete(buffer::BufferPage(buf), off);
    }
  }
  Finish(rec, buf, a == Action::kRedo);
}

void BtreeRedo(const wal::DecodedRecord& rec) {
  switch (rec.info & 0xF0) {
    case kWalInsertLeaf:
    case kWalInsertUpper:
      return RedoInsert(rec);
    case kWalSplit:
      return RedoSplit(rec);
    case kWalNewRoot:
      RedoImage(rec, 0);
      RedoImage(rec, 1);
      return RedoClearIncomplete(rec, 2);
    case kWalVacuum:
      return RedoVacuum(rec);
    case kWalNewPage:
      for (const auto& b : rec.blocks) RedoImage(rec, b.id);
      return;
    default:
      throw PgError(sqlstate::kInternalError, "btree redo: unknown record type " + std::to_string(rec.info),
                    ErrLevel::kPanic);
  }
}

}  // namespace

void RegisterBtreeRmgr() { wal::RegisterRmgr(wal::kRmgrBtree, "Btree", &BtreeRedo); }

}  // namespace tusk::btree
