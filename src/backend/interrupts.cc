// Backend signal flags, the timeout timer, and their conversion into errors.
#include "backend/interrupts.h"

#include <signal.h>
#include <sys/time.h>
#include <unistd.h>

#include <chrono>

#include "storage/ipc/latch.h"
#include "storage/ipc/pmsignal.h"

namespace tusk::backend {
namespace {

volatile sig_atomic_t g_cancel = 0;
volatile sig_atomic_t g_die = 0;
volatile sig_atomic_t g_quit = 0;
volatile sig_atomic_t g_hup = 0;
volatile sig_atomic_t g_fpe = 0;
volatile sig_atomic_t g_alarm = 0;
volatile sig_atomic_t g_any = 0;

using Clock = std::chrono::steady_clock;
bool g_in_statement = false;
bool g_statement_deadline_set = false;
Clock::time_point g_statement_deadline;
bool g_idle_xact_deadline_set = false;
Clock::time_point g_idle_xact_deadline;
bool g_idle_session_deadline_set = false;
Clock::time_point g_idle_session_deadline;

std::function<void(const ErrorData&)> g_quit_sink;
bool g_timer_armed = false;  // whether an itimer is pending (skip syscalls when none is needed)

void OnSignal(int sig) {
  switch (sig) {
    case SIGINT: g_cancel = 1; break;
    case SIGTERM: g_die = 1; break;
    case SIGQUIT: g_quit = 1; break;
    case SIGHUP: g_hup = 1; break;
    case SIGFPE: g_fpe = 1; break;
    case SIGALRM: g_alarm = 1; break;
    default: break;
  }
  g_any = 1;
  latch::SetLatch();
}

void ArmTimer() {
  Clock::time_point nearest = Clock::time_point::max();
  if (g_statement_deadline_set) nearest = std::min(nearest, g_statement_deadline);
  if (g_idle_xact_deadline_set) nearest = std::min(nearest, g_idle_xact_deadline);
  if (g_idle_session_deadline_set) nearest = std::min(nearest, g_idle_session_deadline);
  // With no timeout configured this is the common case on every statement:
  // nothing to arm and nothing armed, so no syscall.
  if (nearest == Clock::time_point::max() && !g_timer_armed) return;
  g_timer_armed = nearest != Clock::time_point::max();
  itimerval it = {};
  if (nearest != Clock::time_point::max()) {
    auto us = std::chrono::duration_cast<std::chrono::microseconds>(nearest - Clock::now()).count();
    if (us < 1) us = 1;
    it.it_value.tv_sec = us / 1000000;
    it.it_value.tv_usec = us % 1000000;
  }
  setitimer(ITIMER_REAL, &it, nullptr);
}

[[noreturn]] void QuickDie() {
  ErrorData d;
  d.level = ErrLevel::kWarning;
  switch (pmsignal::GetQuitReason()) {
    case pmsignal::QuitReason::kForCrash:
      d.sqlstate = sqlstate::kCrashShutdown;
      d.message = "terminating connection because of crash of another server process";
      d.detail =
          "The postmaster has commanded this server process to roll back the current transaction and exit, "
          "because another server process exited abnormally and possibly corrupted shared memory.";
      d.hint = "In a moment you should be able to reconnect to the database and repeat your command.";
      break;
    case pmsignal::QuitReason::kForStop:
      d.sqlstate = sqlstate::kAdminShutdown;
      d.message = "terminating connection due to immediate shutdown command";
      break;
    case pmsignal::QuitReason::kNone:
      d.sqlstate = sqlstate::kAdminShutdown;
      d.message = "terminating connection because of unexpected SIGQUIT signal";
      break;
  }
  if (g_quit_sink) g_quit_sink(d);
  _exit(2);  // no cleanup: shared memory may be damaged
}

}  // namespace

void InstallBackendSignalHandlers() {
  struct sigaction sa = {};
  sa.sa_handler = OnSignal;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = SA_RESTART;
  for (int sig : {SIGINT, SIGTERM, SIGQUIT, SIGHUP, SIGFPE, SIGALRM, SIGUSR1}) sigaction(sig, &sa, nullptr);
  signal(SIGUSR2, SIG_IGN);
  signal(SIGPIPE, SIG_IGN);
}

void SetQuitMessageSink(std::function<void(const ErrorData&)> sink) { g_quit_sink = std::move(sink); }

void StatementStarted(int statement_timeout_ms) {
  g_in_statement = true;
  g_cancel = 0;  // a cancel that arrived while idle is dropped, as in PostgreSQL
  g_statement_deadline_set = statement_timeout_ms > 0;
  if (g_statement_deadline_set) g_statement_deadline = Clock::now() + std::chrono::milliseconds(statement_timeout_ms);
  ArmTimer();
}

void StatementFinished() {
  g_in_statement = false;
  g_statement_deadline_set = false;
  ArmTimer();
}

void IdleStarted(bool in_transaction, int idle_in_transaction_ms, int idle_session_ms) {
  g_idle_xact_deadline_set = in_transaction && idle_in_transaction_ms > 0;
  if (g_idle_xact_deadline_set)
    g_idle_xact_deadline = Clock::now() + std::chrono::milliseconds(idle_in_transaction_ms);
  g_idle_session_deadline_set = !in_transaction && idle_session_ms > 0;
  if (g_idle_session_deadline_set) g_idle_session_deadline = Clock::now() + std::chrono::milliseconds(idle_session_ms);
  ArmTimer();
}

void IdleFinished() {
  g_idle_xact_deadline_set = g_idle_session_deadline_set = false;
  ArmTimer();
}

bool InterruptPending() { return g_any != 0; }
bool DiePending() { return g_die != 0; }

bool TakeReloadRequest() {
  if (!g_hup) return false;
  g_hup = 0;
  return true;
}

void CheckForInterrupts() {
  if (!g_any) return;  // postmaster death is noticed in waits, not per row
  g_any = g_hup;  // a reload request stays pending for the idle loop
  if (g_quit) QuickDie();
  if (!latch::PostmasterIsAlive())
    throw MakeFatal(sqlstate::kAdminShutdown, "terminating connection due to unexpected postmaster exit");
  if (g_die) {
    g_die = 0;
    throw MakeFatal(sqlstate::kAdminShutdown, "terminating connection due to administrator command");
  }
  if (g_alarm) {
    g_alarm = 0;
    auto now = Clock::now();
    if (g_idle_xact_deadline_set && now >= g_idle_xact_deadline) {
      g_idle_xact_deadline_set = false;
      throw MakeFatal(sqlstate::kIdleInTransactionSessionTimeout,
                      "terminating connection due to idle-in-transaction timeout");
    }
    if (g_idle_session_deadline_set && now >= g_idle_session_deadline) {
      g_idle_session_deadline_set = false;
      throw MakeFatal("57P05", "terminating connection due to idle-session timeout");
    }
    if (g_in_statement && g_statement_deadline_set && now >= g_statement_deadline) {
      g_statement_deadline_set = false;
      throw MakeError(sqlstate::kQueryCanceled, "canceling statement due to statement timeout");
    }
    ArmTimer();  // woke early (a timer for a deadline that moved): wait on
  }
  if (g_fpe) {
    g_fpe = 0;
    throw MakeError(sqlstate::kFloatingPointException, "floating-point exception",
                    "An invalid floating-point operation was signaled. This probably means an out-of-range "
                    "result or an invalid operation, such as division by zero.");
  }
  if (g_cancel) {
    g_cancel = 0;
    if (g_in_statement) throw MakeError(sqlstate::kQueryCanceled, "canceling statement due to user request");
  }
}

}  // namespace tusk::backend
