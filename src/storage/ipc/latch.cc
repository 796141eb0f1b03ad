// Self-pipe latches and the postmaster-death pipe, multiplexed with poll(2).
#include "storage/ipc/latch.h"

#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>

namespace tusk::latch {
namespace {

int g_death_read = -1;
int g_death_write = -1;
int g_latch_read = -1;
int g_latch_write = -1;

void MakePipe(int fds[2]) {
  if (pipe2(fds, O_NONBLOCK | O_CLOEXEC) != 0) fds[0] = fds[1] = -1;
}

}  // namespace

void CreatePostmasterDeathPipe() {
  int fds[2];
  MakePipe(fds);
  g_death_read = fds[0];
  g_death_write = fds[1];
}

void InitLatch() {
  if (g_latch_read >= 0) {
    close(g_latch_read);
    close(g_latch_write);
  }
  int fds[2];
  MakePipe(fds);
  g_latch_read = fds[0];
  g_latch_write = fds[1];
}

void InitChildAfterFork() {
  if (g_death_write >= 0) {
    close(g_death_write);
    g_death_write = -1;
  }
  InitLatch();
}

void SetLatch() {
  int saved = errno;
  if (g_latch_write >= 0) {
    char b = 1;
    ssize_t r = write(g_latch_write, &b, 1);  // a full pipe already means "set"
    (void)r;
  }
  errno = saved;
}

void ResetLatch() {
  char buf[64];
  while (g_latch_read >= 0 && read(g_latch_read, buf, sizeof buf) > 0) {
  }
}

bool PostmasterIsAlive() {
  if (g_death_read < 0 || g_death_write >= 0) return true;  // we are the postmaster
  char c;
  ssize_t r = read(g_death_read, &c, 1);
  if (r == 0) return false;  // EOF: every write end is closed
  return true;               // EAGAIN: still open
}

int WaitLatch(int fd, int fd_events, long timeout_ms) {
  using Clock = std::chrono::steady_clock;
  auto deadline = Clock::now() + std::chrono::milliseconds(timeout_ms < 0 ? 0 : timeout_ms);
  for (;;) {
    pollfd pfds[3];
    int n = 0;
    int latch_idx = -1, death_idx = -1, fd_idx = -1;
    if (g_latch_read >= 0) {
      latch_idx = n;
      pfds[n++] = {g_latch_read, POLLIN, 0};
    }
    if (g_death_read >= 0 && g_death_write < 0) {
      death_idx = n;
      pfds[n++] = {g_death_read, POLLIN, 0};
    }
    if (fd >= 0) {
      short ev = 0;
      if (fd_events & kSocketReadable) ev |= POLLIN;
      if (fd_events & kSocketWritable) ev |= POLLOUT;
      fd_idx = n;
      pfds[n++] = {fd, ev, 0};
    }
    int wait_ms = -1;
    if (timeout_ms >= 0) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
      wait_ms = left < 0 ? 0 : static_cast<int>(left);
    }
    int rc = poll(pfds, n, wait_ms);
    if (rc < 0) {
      if (errno == EINTR) {
        // A signal arrived; its handler set the latch, which the next poll sees.
        continue;
      }
      return kTimeout;
    }
    int result = 0;
    if (rc == 0) return kTimeout;
    if (latch_idx >= 0 && (pfds[latch_idx].revents & POLLIN)) result |= kLatchSet;
    if (death_idx >= 0 && pfds[death_idx].revents != 0 && !PostmasterIsAlive()) result |= kPostmasterDeath;
    if (fd_idx >= 0) {
      short re = pfds[fd_idx].revents;
      if (re & (POLLIN | POLLHUP | POLLERR)) result |= (fd_events & kSocketReadable);
      if (re & (POLLOUT | POLLHUP | POLLERR)) result |= (fd_events & kSocketWritable);
    }
    if (result != 0) return result;
  }
}

int PostmasterDeathFd() { return g_death_read; }
int LatchFd() { return g_latch_read; }

}  // namespace tusk::latch
