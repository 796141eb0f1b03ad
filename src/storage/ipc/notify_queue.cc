// The NOTIFY ring (see notify_queue.h). Entries are 8-byte aligned and never
// wrap: one that does not fit before the ring's end is preceded by a skip
// (a header with database kSkip, or nothing when even a header does not fit).
#include "storage/ipc/notify_queue.h"

#include <atomic>
#include <cstring>
#include <new>

#include "storage/ipc/proc_array.h"
#include "storage/ipc/shmem.h"
#include "storage/lmgr/lwlock.h"

namespace tusk::notify {
namespace {

constexpr size_t kRingBytes = size_t{4} << 20;
constexpr uint32_t kSkip = 0xFFFFFFFFu;

struct EntryHeader {
  uint32_t len;  // the whole entry, header included, a multiple of 8
  int32_t pid;
  uint32_t database;
  uint32_t channel_len;
  uint32_t payload_len;
  uint32_t unused;
};
static_assert(sizeof(EntryHeader) == 24);

constexpr size_t Align8(size_t n) { return (n + 7) & ~size_t{7}; }
constexpr size_t kMaxEntry = Align8(sizeof(EntryHeader) + kMaxChannel + kMaxPayload);

struct Listener {
  std::atomic<uint64_t> pos;
  int32_t pid;  // the slot's owner when it started listening: a later owner is not this listener
  uint32_t database;
  bool listening;
};

struct Shared {
  LWLock lock;
  std::atomic<uint64_t> head;
  int slots;
};

Shared* g_shared = nullptr;
Listener* g_listeners = nullptr;
char* g_ring = nullptr;

bool Live(int slot) {
  const Listener& l = g_listeners[slot];
  if (!l.listening) return false;
  ProcSlot* p = proc_array::SlotAt(slot);
  return p && p->pid.load(std::memory_order_acquire) == l.pid;
}

// The oldest position a live listener still needs (the head when none does).
uint64_t Tail() {
  uint64_t tail = g_shared->head.load(std::memory_order_relaxed);
  for (int i = 0; i < g_shared->slots; ++i)
    if (Live(i)) tail = std::min(tail, g_listeners[i].pos.load(std::memory_order_acquire));
  return tail;
}

}  // namespace

size_t ShmemSize(int slots) {
  return shmem::AlignedSize(sizeof(Shared)) + shmem::AlignedSize(sizeof(Listener) * static_cast<size_t>(slots)) +
         shmem::AlignedSize(kRingBytes);
}

void ShmemInit(int slots) {
  g_shared = new (shmem::Alloc(sizeof(Shared))) Shared();
  g_shared->slots = slots;
  g_listeners = static_cast<Listener*>(shmem::Alloc(sizeof(Listener) * static_cast<size_t>(slots)));
  for (int i = 0; i < slots; ++i) new (&g_listeners[i]) Listener();
  g_ring = static_cast<char*>(shmem::Alloc(kRingBytes));
}

void StartListening(int slot, uint32_t database) {
  LWLockGuard guard(g_shared->lock, LWLockMode::kExclusive);
  Listener& l = g_listeners[slot];
  ProcSlot* p = proc_array::SlotAt(slot);
  int32_t pid = p ? p->pid.load(std::memory_order_relaxed) : 0;
  if (l.listening && l.pid == pid) return;
  l.pid = pid;
  l.database = database;
  l.pos.store(g_shared->head.load(std::memory_order_relaxed), std::memory_order_release);
  l.listening = true;
}

void StopListening(int slot) {
  if (!g_shared) return;
  LWLockGuard guard(g_shared->lock, LWLockMode::kExclusive);
  g_listeners[slot].listening = false;
}

size_t EntryBytes(const std::string& channel, const std::string& payload) {
  return Align8(sizeof(EntryHeader) + channel.size() + payload.size());
}

bool HasRoom(size_t bytes) {
  LWLockGuard guard(g_shared->lock, LWLockMode::kShared);
  uint64_t used = g_shared->head.load(std::memory_order_relaxed) - Tail();
  return used + bytes + kMaxEntry <= kRingBytes;  // kMaxEntry: room for one skip at the ring's end
}

bool Append(uint32_t database, int32_t pid, const std::vector<std::pair<std::string, std::string>>& entries,
            int self_slot, std::vector<int32_t>* wake) {
  LWLockGuard guard(g_shared->lock, LWLockMode::kExclusive);
  uint64_t head = g_shared->head.load(std::memory_order_relaxed);
  const uint64_t tail = Tail();
  bool all = true;
  for (const auto& [channel, payload] : entries) {
    const size_t len = EntryBytes(channel, payload);
    size_t offset = head % kRingBytes;
    size_t to_end = kRingBytes - offset;
    size_t skip = to_end < len ? to_end : 0;
    if (head + skip + len - tail > kRingBytes) {
      all = false;
      break;
    }
    if (skip) {
      if (to_end >= sizeof(EntryHeader)) {
        EntryHeader h{static_cast<uint32_t>(to_end), 0, kSkip, 0, 0, 0};
        std::memcpy(g_ring + offset, &h, sizeof h);
      }
      head += skip;
      offset = 0;
    }
    EntryHeader h{static_cast<uint32_t>(len), pid, database, static_cast<uint32_t>(channel.size()),
                  static_cast<uint32_t>(payload.size()), 0};
    std::memcpy(g_ring + offset, &h, sizeof h);
    std::memcpy(g_ring + offset + sizeof h, channel.data(), channel.size());
    std::memcpy(g_ring + offset + sizeof h + channel.size(), payload.data(), payload.size());
    head += len;
  }
  g_shared->head.store(head, std::memory_order_release);
  for (int i = 0; i < g_shared->slots; ++i)
    if (i != self_slot && Live(i) && g_listeners[i].database == database) wake->push_back(g_listeners[i].pid);
  return all;
}

bool HasUnread(int slot) {
  return g_shared && g_listeners[slot].listening &&
         g_listeners[slot].pos.load(std::memory_order_acquire) != g_shared->head.load(std::memory_order_acquire);
}

std::vector<Notification> ReadUnread(int slot) {
  std::vector<Notification> out;
  LWLockGuard guard(g_shared->lock, LWLockMode::kShared);
  Listener& l = g_listeners[slot];
  const uint64_t head = g_shared->head.load(std::memory_order_acquire);
  uint64_t pos = l.pos.load(std::memory_order_relaxed);
  while (pos < head) {
    const size_t offset = pos % kRingBytes;
    const size_t to_end = kRingBytes - offset;
    if (to_end < sizeof(EntryHeader)) {
      pos += to_end;
      continue;
    }
    EntryHeader h;
    std::memcpy(&h, g_ring + offset, sizeof h);
    if (h.database == l.database) {
      const char* body = g_ring + offset + sizeof h;
      out.push_back({h.pid, std::string(body, h.channel_len), std::string(body + h.channel_len, h.payload_len)});
    }
    pos += h.len;
  }
  l.pos.store(pos, std::memory_order_release);
  return out;
}

}  // namespace tusk::notify
