// Waking a process and waiting for events. Each process owns a latch: a
// non-blocking self-pipe that its signal handlers write to. Every wait also
// watches the postmaster-death pipe, whose write end only the postmaster holds,
// so a child sees EOF there the moment the postmaster is gone.
#pragma once

namespace tusk::latch {

// Postmaster, once at start: creates the death pipe (kept across crash restarts).
void CreatePostmasterDeathPipe();

// Every child, right after fork: closes the write end of the death pipe and
// creates its own latch pipe. The postmaster calls it without closing (it owns the write end).
void InitChildAfterFork();
void InitLatch();

// For signal handlers: async-signal-safe, preserves errno.
void SetLatch();

// Drops pending wake-ups; call before checking the flags the wake-up is for.
void ResetLatch();

enum WaitEvent : int {
  kLatchSet = 1,
  kSocketReadable = 2,
  kSocketWritable = 4,
  kTimeout = 8,
  kPostmasterDeath = 16,
};

// Waits until the latch is set, `fd` is ready (if fd >= 0, for `fd_events`
// = kSocketReadable and/or kSocketWritable), the timeout passes (timeout_ms
// < 0: forever) or the postmaster dies. Returns a mask of what happened.
int WaitLatch(int fd, int fd_events, long timeout_ms);

// Non-blocking check (children): false once the postmaster has exited.
bool PostmasterIsAlive();

// The death pipe's read end, for processes with their own poll loops (logger).
int PostmasterDeathFd();
int LatchFd();

}  // namespace tusk::latch
