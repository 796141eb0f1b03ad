// The standby's WAL receiver (contract 10) and what it shares with the
// startup process. The startup process, replaying a standby, publishes where
// it needs WAL from and asks the postmaster for a receiver (pmsignal
// kStartWalReceiver) when it first runs out; the receiver connects to
// primary_conninfo with libpq as a replication connection, streams from the
// start of that position's segment and writes each segment file in pg_wal
// (created whole, written in place, fsynced before its end is published).
// It exits when the primary goes away or streaming fails, and the postmaster
// starts a new one wal_retrieve_retry_interval later while the standby runs.
#pragma once

#include <cstddef>
#include <cstdint>

#include "access/wal/wal_format.h"

namespace tusk::walrcv {

size_t ShmemSize();
void ShmemInit();

// Startup process: the next record it needs (moves forward as it replays).
void SetReplayPosition(wal::Lsn lsn);
wal::Lsn ReplayPosition();
// Receiver: bytes below this are written and fsynced.
void SetFlushed(wal::Lsn lsn);
wal::Lsn Flushed();
// Receiver: its pid while connected to a primary (0 otherwise); the status
// shown by pg_stat_wal_receiver.
void SetConnected(int pid, const char* conninfo);
int ConnectedPid();

}  // namespace tusk::walrcv

namespace tusk::aux {
int WalReceiverMain();
}  // namespace tusk::aux
