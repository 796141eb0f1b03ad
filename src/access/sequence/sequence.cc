// The sequence page and its WAL record. See README.md for the rules.
#include "access/sequence/sequence.h"

#include <atomic>
#include <cstring>

#include "access/heap/heap_tuple.h"
#include "access/transam/transam.h"
#include "access/wal/wal.h"
#include "access/wal/wal_redo.h"
#include "storage/buffer/buffer.h"
#include "storage/page/page.h"
#include "utils/error.h"
#include "storage/ipc/suspend.h"

namespace tusk::sequence {
namespace {

using buffer::Buffer;

// last_value int8, log_cnt int8, is_called bool: the sequence's attributes.
const std::vector<heap::AttrDesc>& Attrs() {
  static const std::vector<heap::AttrDesc> attrs = {{8, 8, true}, {8, 8, true}, {1, 1, true}};
  return attrs;
}

wal::RelFileLocator ToWal(const smgr::RelFileLocator& l) { return {l.spc_oid, l.db_oid, l.rel_number}; }
smgr::RelFileLocator FromWal(const wal::RelFileLocator& l) { return {l.spc_oid, l.db_oid, l.rel_number}; }

// The one tuple, frozen and with every hint set: visible to every snapshot,
// and no reader ever writes to its header.
std::string FormStateTuple(const State& s) {
  char last[8], cnt[8], called = s.is_called ? 1 : 0;
  std::memcpy(last, &s.last_value, 8);
  std::memcpy(cnt, &s.log_cnt, 8);
  std::string t = heap::FormTuple(Attrs(), {std::string_view(last, 8), std::string_view(cnt, 8),
                                            std::string_view(&called, 1)});
  heap::SetTupXmin(t.data(), transam::kFrozenXid);
  heap::SetTupXmax(t.data(), 0);
  heap::SetTupCid(t.data(), 0);
  heap::SetTupCtid(t.data(), ItemPointer{0, page::kFirstOffset});
  heap::SetTupInfomask(t.data(), static_cast<uint16_t>(heap::TupInfomask(t.data()) | transam::infomask::kXminFrozen |
                                                         transam::infomask::kXmaxInvalid));
  return t;
}

// Builds the whole page: header, magic, the tuple at offset 1.
void FormPage(char* page, const std::string& tuple) {
  page::InitPage(page, sizeof(uint32_t));
  uint32_t magic = kSequenceMagic;
  std::memcpy(page::SpecialArea(page), &magic, sizeof magic);
  if (page::AddItem(page, tuple.data(), tuple.size(), page::kFirstOffset, page::kIsHeap) != page::kFirstOffset)
    throw PgError(sqlstate::kInternalError, "could not add the sequence tuple", ErrLevel::kPanic);
}

// The state fields inside the page's tuple (8-byte aligned, so each store is
// one machine write: a reader without the lock never sees a torn value).
struct Fields {
  char* last_value;
  char* log_cnt;
  char* is_called;
};

Fields FieldsOf(char* page, const smgr::RelFileLocator& loc) {
  uint32_t magic = 0;
  if (page::GetSpecialOffset(page) + sizeof magic <= page::kPageSize)
    std::memcpy(&magic, page::SpecialArea(page), sizeof magic);
  if (page::PageIsNew(page) || magic != kSequenceMagic || page::ItemCount(page) < 1 ||
      page::GetItemId(page, page::kFirstOffset)->flags() != page::LpFlags::kNormal)
    throw PgError(sqlstate::kDataCorrupted, "bad magic number in sequence file " + std::to_string(loc.rel_number));
  char* t = page::GetItem(page, page::kFirstOffset);
  char* data = t + heap::TupHoff(t);
  return {data, data + 8, data + 16};
}

State StateOf(const Fields& f) {
  State s;
  std::memcpy(&s.last_value, f.last_value, 8);
  std::memcpy(&s.log_cnt, f.log_cnt, 8);
  s.is_called = *f.is_called != 0;
  return s;
}

void Store(const Fields& f, const State& s) {
  std::memcpy(f.last_value, &s.last_value, 8);
  std::memcpy(f.log_cnt, &s.log_cnt, 8);
  *f.is_called = s.is_called ? 1 : 0;
}

// One record: block 0 rebuilt from scratch (never an image), the tuple as main data.
wal::Lsn LogState(const smgr::RelFileLocator& loc, const char* page, const State& s, uint64_t xid) {
  std::string tuple = FormStateTuple(s);
  wal::RecordBuilder b;
  b.RegisterBlock(0, ToWal(loc), static_cast<uint8_t>(smgr::Fork::kMain), 0, page, wal::kRegWillInit);
  b.AddData(tuple.data(), tuple.size());
  return b.Insert(wal::kRmgrSequence, kSeqLog, xid);
}

class LockedPage {
 public:
  LockedPage(const smgr::RelFileLocator& loc, LWLockMode mode) : buf_(buffer::ReadBuffer(loc, smgr::Fork::kMain, 0)) {
    buffer::LockBuffer(buf_, mode);
  }
  ~LockedPage() {
    buffer::UnlockBuffer(buf_);
    buffer::ReleaseBuffer(buf_);
  }
  LockedPage(const LockedPage&) = delete;
  LockedPage& operator=(const LockedPage&) = delete;
  Buffer buf() const { return buf_; }
  char* page() const { return buffer::BufferPage(buf_); }

 private:
  Buffer buf_;
};

void SeqRedo(const wal::DecodedRecord& rec) {
  if ((rec.info & 0xF0) != kSeqLog)
    throw PgError(sqlstate::kInternalError, "sequence redo: unknown op code " + std::to_string(rec.info),
                  ErrLevel::kPanic);
  const wal::BlockRef* b = rec.Block(0);
  if (b == nullptr || rec.main_data.size() < heap::kMinTupleHeader)
    throw PgError(sqlstate::kInternalError, "sequence redo: malformed record at " + wal::LsnToString(rec.lsn),
                  ErrLevel::kPanic);
  const smgr::RelFileLocator loc = FromWal(b->rel);
  // The record rebuilds the page, whatever it held: a page written after
  // this record still carries at most the values this record logged ahead,
  // and the last record replayed decides (README, rule 3).
  if (!smgr::Exists(loc, smgr::Fork::kMain)) smgr::Create(loc, smgr::Fork::kMain, true);
  while (buffer::RelationNumBlocks(loc, smgr::Fork::kMain) == 0)
    buffer::ReleaseBuffer(buffer::ReadBuffer(loc, smgr::Fork::kMain, buffer::kNewBlock));
  Buffer buf = buffer::ReadBufferForOverwrite(loc, smgr::Fork::kMain, 0);
  buffer::LockBuffer(buf, LWLockMode::kExclusive);
  char* page = buffer::BufferPage(buf);
  FormPage(page, std::string(rec.main_data));
  page::SetLsn(page, rec.end_lsn);
  buffer::MarkBufferDirty(buf);
  buffer::UnlockBuffer(buf);
  buffer::ReleaseBuffer(buf);
}

}  // namespace

wal::Lsn InitStorage(const smgr::RelFileLocator& loc, const State& state, uint64_t xid) {
  Buffer buf = buffer::ReadBuffer(loc, smgr::Fork::kMain, buffer::kNewBlock);
  if (buffer::TagOf(buf).block != 0) {
    buffer::ReleaseBuffer(buf);
    throw PgError(sqlstate::kInternalError, "sequence file " + std::to_string(loc.rel_number) + " is not empty");
  }
  buffer::LockBuffer(buf, LWLockMode::kExclusive);
  char* page = buffer::BufferPage(buf);
  wal::Lsn lsn = wal::kInvalidLsn;
  try {
    State s = state;
    s.log_cnt = 0;
    FormPage(page, FormStateTuple(s));
    buffer::MarkBufferDirty(buf);
    lsn = LogState(loc, page, s, xid);
    page::SetLsn(page, lsn);
  } catch (...) {
    buffer::UnlockBuffer(buf);
    buffer::ReleaseBuffer(buf);
    throw;
  }
  buffer::UnlockBuffer(buf);
  buffer::ReleaseBuffer(buf);
  return lsn;
}

State ReadState(const smgr::RelFileLocator& loc) {
  LockedPage p(loc, LWLockMode::kShared);
  return StateOf(FieldsOf(p.page(), loc));
}

Fetched Next(const smgr::RelFileLocator& loc, const Params& params, const std::string& name, uint64_t xid) {
  suspend::WriteScope writing;  // waits while a suspend has frozen writes
  LockedPage p(loc, LWLockMode::kExclusive);
  char* page = p.page();
  Fields f = FieldsOf(page, loc);
  State seq = StateOf(f);
  const int64_t incby = params.increment, maxv = params.max, minv = params.min;
  const int64_t cache = params.cache < 1 ? 1 : params.cache;
  int64_t next = seq.last_value, result = seq.last_value, last = seq.last_value;
  int64_t fetch = cache, log = seq.log_cnt, rescnt = 0;
  if (!seq.is_called) {
    rescnt++;  // last_value itself is the first value
    fetch--;
  }
  // The page is dirty before the redo pointer is read: a checkpoint that
  // moves the redo pointer after that read finds the buffer dirty when it
  // fixes its set, and its write waits for our lock, so the state we leave
  // reaches disk with it (README, rule 2).
  buffer::MarkBufferDirty(p.buf());
  std::atomic_thread_fence(std::memory_order_seq_cst);
  bool logit = false;
  if (log < fetch || !seq.is_called) {
    fetch = log = fetch + kLogAhead;
    logit = true;
  } else if (page::GetLsn(page) <= wal::GetRedoPointer()) {
    // The last record is before the redo pointer: replay from that
    // checkpoint would not see it.
    fetch = log = fetch + kLogAhead;
    logit = true;
  }
  while (fetch > 0) {
    if (incby > 0) {
      if ((maxv >= 0 && next > maxv - incby) || (maxv < 0 && next + incby > maxv)) {
        if (rescnt > 0) break;  // keep what was fetched
        if (!params.cycle)
          throw PgError("2200H", "nextval: reached maximum value of sequence \"" + name + "\" (" +
                                     std::to_string(maxv) + ")");
        next = minv;
      } else {
        next += incby;
      }
    } else {
      if ((minv < 0 && next < minv - incby) || (minv >= 0 && next + incby < minv)) {
        if (rescnt > 0) break;
        if (!params.cycle)
          throw PgError("2200H", "nextval: reached minimum value of sequence \"" + name + "\" (" +
                                     std::to_string(minv) + ")");
        next = maxv;
      } else {
        next += incby;
      }
    }
    fetch--;
    if (rescnt < cache) {
      log--;
      rescnt++;
      last = next;
      if (rescnt == 1) result = next;
    }
  }
  log -= fetch;  // values not fetched are not logged either
  if (log < 0) log = 0;
  Fetched out;
  out.first = result;
  out.last = last;
  if (logit) {
    // The record carries the state as it will be after `log` more fetches:
    // replay puts the sequence past every value handed out until then.
    State logged{next, 0, true};
    out.covered_by = LogState(loc, page, logged, xid);
    page::SetLsn(page, out.covered_by);
  } else {
    out.covered_by = page::GetLsn(page);
  }
  Store(f, State{last, log, true});
  return out;
}

wal::Lsn Set(const smgr::RelFileLocator& loc, int64_t value, bool is_called, uint64_t xid) {
  suspend::WriteScope writing;
  LockedPage p(loc, LWLockMode::kExclusive);
  char* page = p.page();
  Fields f = FieldsOf(page, loc);
  State s{value, 0, is_called};
  buffer::MarkBufferDirty(p.buf());
  wal::Lsn lsn = LogState(loc, page, s, xid);
  page::SetLsn(page, lsn);
  Store(f, s);
  return lsn;
}

void RegisterSequenceRmgr() { wal::RegisterRmgr(wal::kRmgrSequence, "Sequence", &SeqRedo); }

}  // namespace tusk::sequence
