// The one place that knows every shared-memory subsystem and their order
// (docs/design/storage.md: the transaction manager needs the process array).
#include "storage/ipc/shmem_setup.h"

#include "access/transam/slru.h"
#include "access/transam/transam.h"
#include "access/wal/wal.h"
#include "postmaster/autovacuum.h"
#include "postmaster/checkpoint.h"
#include "postmaster/pgarch.h"
#include "postmaster/pgstat.h"
#include "replication/repl_shared.h"
#include "storage/buffer/buffer.h"
#include "storage/file/sync_queue.h"
#include "storage/ipc/notify_queue.h"
#include "storage/ipc/parallel_slots.h"
#include "storage/ipc/pmsignal.h"
#include "storage/ipc/suspend.h"
#include "postmaster/walreceiver.h"
#include "storage/ipc/proc_array.h"
#include "storage/ipc/shmem.h"
#include "storage/ipc/sinval.h"
#include "storage/lmgr/lock.h"

namespace tusk::shmem {

void CreateServerSharedMemory(const guc::Vars& v) {
  proc_array::Sizing sizing{v.max_connections, v.autovacuum_max_workers, v.max_wal_senders,
                            v.max_worker_processes};
  size_t size = proc_array::ShmemSize(sizing) + pmsignal::ShmemSize() + pgstat::ShmemSize() +
                autovacuum::ShmemSize() + sync::ShmemSize(v) + buffer::ShmemSize(v) + wal::ShmemSize(v) +
                transam::ShmemSize(v) + lmgr::ShmemSize(v) + checkpoint::ShmemSize() + sinval::ShmemSize() + pgarch::ShmemSize() +
                notify::ShmemSize(proc_array::TotalSlotsFor(sizing)) +
                parallel::ShmemSize(v.max_worker_processes) + suspend::ShmemSize() + walrcv::ShmemSize() +
                replication::ShmemSize(v) + 65536;
  CreateRegion(size);
  proc_array::ShmemInit(sizing);
  pmsignal::ShmemInit();
  pgstat::ShmemInit();
  autovacuum::ShmemInit();
  sync::ShmemInit(v);
  buffer::ShmemInit(v);
  wal::ShmemInit(v);
  transam::ShmemInit(v);
  lmgr::ShmemInit(v);
  checkpoint::ShmemInit();
  sinval::ShmemInit();
  pgarch::ShmemInit();
  notify::ShmemInit(proc_array::TotalSlotsFor(sizing));
  parallel::ShmemInit(v.max_worker_processes);
  suspend::ShmemInit();
  walrcv::ShmemInit();
  replication::ShmemInit(v);
  // WAL before data: pages and commit-log pages are written only after the
  // WAL describing them (wal::Flush does nothing while recovery replays).
  buffer::SetWalFlushHook(&wal::Flush);
  transam::SetWalFlushHook(&wal::Flush);
}

}  // namespace tusk::shmem
