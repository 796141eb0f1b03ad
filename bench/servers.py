"""Starting, stopping, crashing and measuring the two servers under test."""

import os
import pwd
import re
import signal
import socket
import subprocess
import threading
import time

PG_BIN = "/usr/lib/postgresql/15/bin"

# Same settings on both servers. Connection-specific ones (port, sockets) are
# added per server.  checkpoint_timeout/max_wal_size are large so that no
# checkpoint intervenes in the crash-recovery workload.
SETTINGS = {
    "shared_buffers": "128MB",
    "max_connections": "100",
    "fsync": "on",
    "synchronous_commit": "on",
    "checkpoint_timeout": "1h",
    "max_wal_size": "20GB",
}


class BenchError(Exception):
    """A run failed; the message is the reason shown in the report."""


def free_port():
    """A TCP port nobody listens on right now (the kernel picks it)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def tail(text, n=3, width=300):
    lines = [l for l in text.strip().splitlines() if l.strip()]
    return " / ".join(lines[-n:])[-width:]


def run(cmd, timeout, env=None, stdin=None, check=True):
    """Runs a client program; on timeout sends SIGINT (psql/pgbench cancel the
    query), then SIGKILL. Returns (returncode, stdout, stderr)."""
    p = subprocess.Popen(cmd, stdin=stdin if stdin is not None else subprocess.DEVNULL,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    try:
        out, err = p.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        p.send_signal(signal.SIGINT)
        try:
            p.communicate(timeout=10)
        except subprocess.TimeoutExpired:
            p.kill()
            p.communicate()
        raise BenchError(f"timeout after {timeout:.0f} s: {' '.join(cmd[:4])}")
    except BaseException:   # Ctrl-C or SIGTERM: do not leave the client running
        p.kill()
        p.wait()
        raise
    if check and p.returncode != 0:
        raise BenchError(tail(err or out) or f"exit code {p.returncode}")
    return p.returncode, out, err


def children_of(pid):
    """PIDs of the direct children of pid, from /proc/*/stat."""
    kids = []
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open(f"/proc/{d}/stat") as f:
                stat = f.read()
        except OSError:
            continue
        # comm may contain spaces and parentheses: fields follow the last ')'.
        if int(stat[stat.rindex(")") + 2:].split()[1]) == pid:
            kids.append(int(d))
    return kids


def memory_kb(pid):
    """(Pss, Rss) in kB of one process, or (0, 0) if it is gone."""
    try:
        with open(f"/proc/{pid}/smaps_rollup") as f:
            text = f.read()
    except OSError:
        return 0, 0
    pss = re.search(r"^Pss:\s+(\d+)", text, re.M)
    rss = re.search(r"^Rss:\s+(\d+)", text, re.M)
    return (int(pss.group(1)) if pss else 0), (int(rss.group(1)) if rss else 0)


class Server:
    """One cluster: Tusk (runs as us) or PostgreSQL 15 (runs as 'postgres' when we are root)."""

    def __init__(self, name, kind, root, repo):
        self.name, self.kind = name, kind
        self.dir = os.path.join(root, kind)
        self.data = os.path.join(self.dir, "data")
        self.sock = os.path.join(self.dir, "sock")
        self.log = os.path.join(self.dir, "server.log")
        self.port = free_port()
        self.proc = None
        self.peak_pss = self.peak_rss = 0
        self.phase = "startup"     # the workload running now, for per-workload peaks
        self.phase_peaks = {}      # phase -> peak summed PSS in kB
        self.os_user = None
        if kind == "pg" and os.geteuid() == 0:
            self.os_user = "postgres"
        self.tusk = os.path.join(repo, "build", "tusk")
        os.makedirs(self.sock)
        if self.os_user:
            pw = pwd.getpwnam(self.os_user)
            for d in (self.dir, self.sock):
                os.chown(d, pw.pw_uid, pw.pw_gid)
        self.env = dict(os.environ, PGHOST=self.sock, PGPORT=str(self.port),
                        PGUSER="bench", PGDATABASE="postgres")
        self.env.pop("PGPASSWORD", None)

    # --- process control -------------------------------------------------
    def _as_owner(self):
        if not self.os_user:
            return {}
        pw = pwd.getpwnam(self.os_user)
        return {"user": pw.pw_uid, "group": pw.pw_gid, "extra_groups": []}

    def initdb(self):
        if self.kind == "tusk":
            cmd = [self.tusk, "initdb", "-D", self.data, "-U", "bench", "--auth", "trust"]
        else:
            cmd = [f"{PG_BIN}/initdb", "-D", self.data, "-U", "bench", "--auth=trust",
                   "-E", "UTF8", "--locale=C"]
        p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                           cwd=self.dir, **self._as_owner())
        if p.returncode != 0:
            raise BenchError(f"initdb failed: {tail(p.stdout)}")

    def command(self):
        # Clients connect over the Unix socket in the temp dir only.
        opts = dict(SETTINGS, port=str(self.port), listen_addresses="",
                    unix_socket_directories=self.sock)
        args = []
        for k, v in opts.items():
            args += ["-c", f"{k}={v}"]
        if self.kind == "tusk":
            return [self.tusk, "server", "-D", self.data] + args
        return [f"{PG_BIN}/postgres", "-D", self.data] + args

    def start(self, timeout=600):
        """Starts the postmaster; returns seconds until SELECT 1 succeeds."""
        if self.alive():
            return 0.0
        logf = open(self.log, "a")
        t0 = time.monotonic()
        self.proc = subprocess.Popen(self.command(), stdin=subprocess.DEVNULL, stdout=logf,
                                     stderr=subprocess.STDOUT, cwd=self.dir,
                                     start_new_session=True, **self._as_owner())
        logf.close()
        while True:
            if self.proc.poll() is not None:
                raise BenchError(f"server exited with code {self.proc.returncode} during start: "
                                 f"{tail(self.log_since(0), 2)}")
            r = subprocess.run(["psql", "-X", "-Atqc", "SELECT 1"], env=self.env,
                               stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
            if r.returncode == 0 and r.stdout.strip() == "1":
                return time.monotonic() - t0
            if time.monotonic() - t0 > timeout:
                raise BenchError(f"server not accepting connections after {timeout} s")
            time.sleep(0.02)

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def _signal_and_wait(self, sig, timeout):
        """Signals the postmaster, waits for it and every child of it to exit."""
        if not self.alive():
            return True
        kids = children_of(self.proc.pid)
        self.proc.send_signal(sig)
        try:
            self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            return False
        deadline = time.monotonic() + timeout
        while any(os.path.exists(f"/proc/{k}") and not _is_zombie(k) for k in kids):
            if time.monotonic() > deadline:
                return False
            time.sleep(0.02)
        return True

    def stop(self):
        """Fast shutdown; immediate if that hangs; SIGKILL to the group as a last resort."""
        if self.proc is None:
            return
        if not self._signal_and_wait(signal.SIGINT, 60):
            if not self._signal_and_wait(signal.SIGQUIT, 20):
                try:
                    os.killpg(self.proc.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                self.proc.wait()

    def crash(self):
        """Immediate shutdown (like `stop -m immediate`): no checkpoint, recovery on restart."""
        if not self._signal_and_wait(signal.SIGQUIT, 60):
            raise BenchError("immediate shutdown did not finish within 60 s")

    # --- measurement -------------------------------------------------------
    def sample_memory(self):
        if not self.alive():
            return
        pids = [self.proc.pid] + children_of(self.proc.pid)
        pss = rss = 0
        for pid in pids:
            p, r = memory_kb(pid)
            pss += p
            rss += r
        self.peak_pss = max(self.peak_pss, pss)
        self.phase_peaks[self.phase] = max(self.phase_peaks.get(self.phase, 0), pss)
        self.peak_rss = max(self.peak_rss, rss)

    def log_size(self):
        try:
            return os.path.getsize(self.log)
        except OSError:
            return 0

    def log_since(self, offset):
        try:
            with open(self.log, errors="replace") as f:
                f.seek(offset)
                return f.read()
        except OSError:
            return ""

    def version(self):
        return run(["psql", "-X", "-Atqc", "SELECT version()"], 30, env=self.env)[1].strip()

    # --- clients -------------------------------------------------------------
    def psql(self, sql, timeout=300, stdin=None):
        """Runs SQL (a string or a list of commands) in one psql; returns stdout."""
        cmds = [sql] if isinstance(sql, str) else sql
        cmd = ["psql", "-X", "-Atq", "-v", "ON_ERROR_STOP=1"]
        for c in cmds:
            cmd += ["-c", c]
        return run(cmd, timeout, env=self.env, stdin=stdin)[1]


def _is_zombie(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            stat = f.read()
        return stat[stat.rindex(")") + 2] == "Z"
    except OSError:
        return True


class MemorySampler(threading.Thread):
    """Samples the summed PSS/RSS of every server's process tree periodically."""

    def __init__(self, servers, interval=0.5):
        super().__init__(daemon=True)
        self.servers, self.interval = servers, interval
        self.stopping = threading.Event()

    def run(self):
        while not self.stopping.wait(self.interval):
            for s in self.servers:
                try:
                    s.sample_memory()
                except Exception:  # a process vanished mid-sample: skip this one
                    pass


class FloorServer:
    """bench/floor_server: forks a process per connection like the real servers
    but does no work, so its pgbench figures bound what any server could reach
    on this machine with this client (see floor_server.cc)."""

    name, kind = "floor server", "floor"

    def __init__(self, root, repo):
        self.dir = os.path.join(root, "floor")
        self.sock = os.path.join(self.dir, "sock")
        self.port = free_port()
        self.binary = os.path.join(repo, "build", "floor_server")
        self.proc = None
        os.makedirs(self.sock)
        self.env = dict(os.environ, PGHOST=self.sock, PGPORT=str(self.port),
                        PGUSER="bench", PGDATABASE="postgres")

    def start(self, timeout=30):
        if self.alive():
            return
        self.proc = subprocess.Popen([self.binary, self.sock, str(self.port)],
                                     stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.PIPE, text=True, start_new_session=True)
        t0 = time.monotonic()
        while True:
            if self.proc.poll() is not None:
                raise BenchError(f"floor server exited with code {self.proc.returncode}: "
                                 f"{tail(self.proc.stderr.read())}")
            r = subprocess.run(["psql", "-X", "-Atqc", "SELECT 1"], env=self.env,
                               stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
            if r.returncode == 0:
                return
            if time.monotonic() - t0 > timeout:
                raise BenchError(f"floor server not accepting connections after {timeout} s")
            time.sleep(0.02)

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def stop(self):
        """Its children exit when their clients disconnect; SIGKILL to the group covers the rest."""
        if self.proc is None:
            return
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.proc.wait()
        self.proc.stderr.close()
