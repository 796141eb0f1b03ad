// LISTEN/NOTIFY's shared queue (PostgreSQL's async.c, in shared memory):
// one ring of notifications that committed transactions append and every
// listening backend reads from its own position. Positions only grow; the
// ring's tail is the slowest listener's position, so a listener that does
// not read (idle in a transaction) holds everything after it, and NOTIFY
// fails with 54000 once the ring is full. Listeners are per process slot and
// per database; a notification reaches the listeners of its database whose
// channel set (kept by the backend) names it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace tusk::notify {

// PostgreSQL's limits: NAMEDATALEN - 1 bytes of channel, < 8000 bytes of payload.
inline constexpr size_t kMaxChannel = 63;
inline constexpr size_t kMaxPayload = 7999;

struct Notification {
  int32_t pid = 0;  // the notifying backend
  std::string channel;
  std::string payload;
};

size_t ShmemSize(int slots);
void ShmemInit(int slots);

// Starts reading at the queue's head (idempotent while listening).
void StartListening(int slot, uint32_t database);
// Stops reading; the ring may drop what this slot had not read.
void StopListening(int slot);

// Whether `bytes` of notifications (EntryBytes each) fit now: checked before
// commit, so a full queue fails the transaction instead of losing them.
bool HasRoom(size_t bytes);
size_t EntryBytes(const std::string& channel, const std::string& payload);

// Appends a committed transaction's notifications (in order) and returns the
// pids of the database's listeners other than `self_slot` to wake. Entries
// that no longer fit are dropped (false): HasRoom said yes before commit,
// but others may have filled the ring since.
bool Append(uint32_t database, int32_t pid, const std::vector<std::pair<std::string, std::string>>& entries,
            int self_slot, std::vector<int32_t>* wake);

// Whether anything was appended after this listener's position.
bool HasUnread(int slot);
// The notifications of this slot's database after its position, oldest
// first; the position moves to the head.
std::vector<Notification> ReadUnread(int slot);

}  // namespace tusk::notify
