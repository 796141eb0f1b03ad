// The control tool: `tusk initdb` and pg_ctl's verbs (start, stop, restart,
// reload, status, kill). It never touches shared memory: it reads the lock
// file, sends signals and watches the lock file's status line.
#pragma once

#include <string>

namespace tusk::ctl {

// argv[0] is the verb ("initdb"); returns the process exit code.
int InitDbMain(int argc, char** argv);

// True for start, stop, restart, reload, status, kill, suspend, resume, promote.
bool IsCtlVerb(const std::string& verb);

// argv[0] is the verb; returns pg_ctl's exit code for it.
int CtlMain(int argc, char** argv);

// `tusk basebackup` (basebackup.cc): argv[0] is "basebackup".
int BaseBackupMain(int argc, char** argv);

}  // namespace tusk::ctl
