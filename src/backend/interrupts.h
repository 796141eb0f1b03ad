// Signals and timeouts of a backend. Handlers only record and set the latch;
// CheckForInterrupts() turns what was recorded into errors at safe points:
//   SIGINT  -> ERROR 57014 `canceling statement due to user request` (only while a statement runs)
//   SIGTERM -> FATAL 57P01 `terminating connection due to administrator command`
//   SIGQUIT -> WARNING to the client (reason chosen by the postmaster), exit 2
//   SIGALRM -> the timeout whose deadline passed (statement, idle in transaction, idle session)
//   SIGFPE  -> ERROR 22P01 `floating-point exception`
//   SIGHUP  -> configuration reload at the next idle point
#pragma once

#include <functional>

#include "utils/error.h"

namespace tusk::backend {

void InstallBackendSignalHandlers();

// Where a SIGQUIT's last words go (the client), sent best-effort before exiting.
void SetQuitMessageSink(std::function<void(const ErrorData&)> sink);

// Statement boundaries: cancel and statement_timeout apply only in between.
void StatementStarted(int statement_timeout_ms);
void StatementFinished();

// Idle boundaries: idle_in_transaction_session_timeout / idle_session_timeout.
void IdleStarted(bool in_transaction, int idle_in_transaction_ms, int idle_session_ms);
void IdleFinished();

// Throws PgError for a pending cancel/terminate/timeout/FPE; exits for SIGQUIT
// and postmaster death. Cheap when nothing is pending.
void CheckForInterrupts();

// Consumes a pending SIGHUP; true if the configuration should be reloaded.
bool TakeReloadRequest();

// True while any interrupt is recorded (a fast check for hot loops).
bool InterruptPending();

// Terminate was requested (fast shutdown or pg_terminate_backend).
bool DiePending();

}  // namespace tusk::backend
