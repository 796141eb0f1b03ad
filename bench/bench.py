"""Runs every workload on Tusk and PostgreSQL 15 in A B B A order and writes the report.
Started by bench/run (which builds Tusk first); see bench/README.md."""

import collections
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

from servers import BenchError, FloorServer, MemorySampler, Server
from workloads import all_workloads, generate_data
import report

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
T0 = time.monotonic()

# Log lines worth reporting; the polling in Server.start() causes the ignored ones.
NOTEWORTHY = re.compile(r"\b(PANIC|FATAL|ERROR|WARNING)\b|terminated by signal|exited with exit code")
EXPECTED = re.compile(r"database system is (starting up|shutting down)|not yet accepting connections"
                      r"|terminating connection due to administrator command")


def log(msg):
    m, s = divmod(int(time.monotonic() - T0), 60)
    print(f"[bench {m:02d}:{s:02d}] {msg}", file=sys.stderr, flush=True)


def _on_signal(signum, frame):
    raise SystemExit(f"stopped by signal {signum}")


def scan_log(server, offset, workload, anomalies):
    """Counts new noteworthy server log lines (timestamp and pid stripped)."""
    for line in server.log_since(offset).splitlines():
        if NOTEWORTHY.search(line) and not EXPECTED.search(line):
            msg = re.sub(r"^\d{4}-\d\d-\d\d [\d:.]+ \w+ \[\d+\] ", "", line.strip())
            entry = anomalies[server.kind].setdefault(msg, [0, workload])
            entry[0] += 1


def run_workload(w, servers, anomalies):
    tusk, pg = servers
    for s in servers:
        s.phase = w.name
    setup_failed = {}
    if w.setup:
        for s in servers:
            log(f"{w.name}: setup on {s.name}")
            try:
                ensure_up(s)
                w.setup(s)
            except BenchError as e:
                setup_failed[s.kind] = f"setup failed: {e}"
                log(f"  setup FAILED on {s.name}: {e}")
    w.runs = []
    for i, s in enumerate((tusk, pg, pg, tusk)):
        offset = s.log_size()
        values, reason = None, setup_failed.get(s.kind)
        if not reason:
            log(f"{w.name}: {s.name} run {1 if i in (0, 1) else 2}")
            try:
                ensure_up(s)
                offset = s.log_size()
                values = w.run(s)
                log("  " + ", ".join(f"{v:.3f} {m[1]}" for v, m in zip(values, w.metrics)))
            except BenchError as e:
                reason = str(e)
                log(f"  FAILED: {reason}")
            if not s.alive():
                code = s.proc.returncode if s.proc else None
                reason = (reason + "; " if reason else "") + f"server exited (code {code})"
                values = None
                log(f"  {s.name} is not running (exit code {code}); restarting")
        scan_log(s, offset, w.name, anomalies)
        w.runs.append((s.kind, values, reason))


def run_ceiling(w, floor):
    """The floor server twice, right after the workload's A B B A runs; the
    ceiling is floor/PG against those PG runs."""
    w.ceiling_runs = []
    for _ in range(2):
        values, reason = None, None
        log(f"{w.name}: {floor.name} (ceiling)")
        try:
            ensure_up(floor)
            values = w.run(floor)
            log("  " + ", ".join(f"{v:.3f} {m[1]}" for v, m in zip(values, w.metrics)))
        except BenchError as e:
            reason = str(e)
            log(f"  FAILED: {reason}")
        w.ceiling_runs.append((floor.kind, values, reason))


def ensure_up(s):
    if not s.alive():
        s.start()


def du_mb(path):
    out = subprocess.run(["du", "-sk", path], stdout=subprocess.PIPE, text=True).stdout
    return int(out.split()[0]) / 1024 if out else float("nan")


def main():
    seconds = int(os.environ.get("BENCH_SECONDS", "10"))
    query_timeout = int(os.environ.get("BENCH_QUERY_TIMEOUT", "120"))
    keep = os.environ.get("BENCH_KEEP") == "1"
    signal.signal(signal.SIGINT, signal.default_int_handler)   # even if started ignoring it
    signal.signal(signal.SIGTERM, _on_signal)
    signal.signal(signal.SIGHUP, _on_signal)
    root = tempfile.mkdtemp(prefix="tusk-bench-")
    os.chmod(root, 0o755)   # PostgreSQL runs as 'postgres' and must reach its dirs
    servers, sampler, floor = [], None, None
    try:
        tusk = Server("Tusk", "tusk", root, REPO)
        pg = Server("PostgreSQL", "pg", root, REPO)
        servers = [tusk, pg]
        floor = FloorServer(root, REPO)
        log(f"temp dir {root}; Tusk port {tusk.port}, PostgreSQL port {pg.port}; "
            f"BENCH_SECONDS={seconds}")
        log("generating COPY data (1M rows)")
        facts, dims = os.path.join(root, "facts.tsv"), os.path.join(root, "dims.tsv")
        qty_sum = generate_data(facts, dims)
        for s in servers:
            log(f"initdb and start {s.name}")
            try:
                s.initdb()
                s.start()
            except BenchError as e:   # every run on it will then fail with the reason
                log(f"  FAILED: {e}")
        versions = {}
        for s in servers:
            try:
                versions[s.kind] = s.version()
            except BenchError as e:
                versions[s.kind] = f"unknown ({e})"
        sampler = MemorySampler(servers)
        sampler.start()
        anomalies = {"tusk": {}, "pg": {}}
        workloads = all_workloads(seconds, facts, dims, qty_sum, query_timeout)
        only = os.environ.get("BENCH_ONLY")   # comma-separated substrings of workload names
        if only:
            workloads = [w for w in workloads
                         if any(o.strip() and o.strip() in w.name for o in only.split(","))]
        for w in workloads:
            run_workload(w, servers, anomalies)
            if w.ceiling:
                run_ceiling(w, floor)
        floor.stop()
        sampler.stopping.set()
        sampler.join()
        for s in servers:
            s.sample_memory()
            log(f"stopping {s.name}")
            s.stop()
        sizes = {s.kind: (du_mb(s.data), du_mb(os.path.join(s.data, "pg_wal"))) for s in servers}
        memory = {s.kind: (s.peak_pss / 1024, s.peak_rss / 1024,
                           {k: v / 1024 for k, v in s.phase_peaks.items()}) for s in servers}
        md_path, table = report.write(REPO, workloads, versions, memory, sizes, anomalies,
                                      seconds, time.monotonic() - T0)
        print(table)
        log(f"wrote {md_path} (total {time.monotonic() - T0:.0f} s)")
    finally:
        if sampler:
            sampler.stopping.set()
        if floor:
            floor.stop()
        for s in servers:
            try:
                s.stop()
            except Exception as e:   # keep stopping the others
                log(f"could not stop {s.name}: {e}")
        if keep:
            log(f"kept {root}")
        else:
            shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        log("interrupted; servers stopped")
        sys.exit(130)
