// initdb's catalog step: runs the server's own storage code in this process
// (no postmaster) to create the system catalogs as tables in template1, copy
// them to template0 and postgres, and end with a shutdown checkpoint.
#include "ctl/initdb_catalog.h"

#include "access/transam/transam.h"
#include "access/transam/xact.h"
#include "access/wal/wal.h"
#include "access/wal/wal_reader.h"
#include "catalog/bootstrap.h"
#include "postmaster/checkpoint.h"
#include "storage/file/smgr.h"
#include "storage/ipc/proc_array.h"
#include "storage/ipc/shmem.h"
#include "storage/ipc/shmem_setup.h"
#include "utils/guc.h"
#include "utils/log.h"
#include "utils/process_globals.h"

namespace tusk::ctl {

void BootstrapCatalogInProcess(const std::string& datadir, uint64_t system_identifier, uint64_t checkpoint_lsn,
                               const std::string& superuser, const std::string& password_verifier) {
  guc::InitializeDefaults();
  guc::SetInternalOption("data_directory", datadir);
  Globals().data_dir = datadir;
  // The checkpoint's LOG lines are server-log material, not initdb output.
  GetLogSettings().min_level = ErrLevel::kFatal;
  // Descriptors cached by an earlier run in this process (tests) name files
  // of another directory.
  smgr::CloseAll();
  shmem::CreateServerSharedMemory(guc::V());
  wal::SetDataDirectory(datadir);
  wal::Reader reader(datadir, checkpoint_lsn, system_identifier);
  if (reader.Next() == nullptr)
    throw PgError(sqlstate::kDataCorrupted, "could not read the bootstrap checkpoint record: " + reader.error());
  wal::StartupWal(reader.last_end(), checkpoint_lsn, system_identifier);
  wal::SetRedoPointer(checkpoint_lsn);
  transam::StartUpSubtrans();
  if (proc_array::ClaimSlot(BackendType::kClientBackend) == nullptr)
    throw PgError(sqlstate::kInternalError, "no process slot for the bootstrap");

  xact::StartTransaction(xact::Isolation::kReadCommitted, false);
  catalog::BootstrapOptions options;
  options.superuser = superuser;
  if (!password_verifier.empty()) options.password_verifier = password_verifier;
  catalog::BootstrapCatalog(options);
  xact::Commit();
  catalog::CreateTemplateCopies();
  // The copies are not in the WAL: only a checkpoint after them makes the
  // cluster recoverable from here on.
  if (!checkpoint::Perform(checkpoint::kShutdown | checkpoint::kImmediate))
    throw PgError(sqlstate::kIoError, "could not write the bootstrap checkpoint");
  proc_array::ReleaseMySlot();
  shmem::DestroyRegion();
  smgr::CloseAll();
}

}  // namespace tusk::ctl
