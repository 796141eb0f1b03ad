"""The workloads. Each one's run(server) returns one value per metric or raises BenchError."""

import random
import re
import time

from servers import BenchError, run

ROWS = 1_000_000   # COPY, crash-recovery and analytical table size
DIMS = 10_000      # rows of the small join table

FACTS_DDL = ("(id int{pk}, dim_id int, category text, qty int, amount numeric(10,2), "
             "created timestamp, note text)")


def generate_data(facts_path, dims_path):
    """Writes deterministic tab-separated COPY input: 1M facts rows, 10k dims rows.
    Returns sum(qty) of the facts, used to check data after crash recovery."""
    rnd = random.Random(15)
    qty_sum = 0
    with open(facts_path, "w") as f:
        chunk = []
        for i in range(1, ROWS + 1):
            qty = rnd.randint(1, 100)
            qty_sum += qty
            day, sec = divmod(i * 37, 86400)
            chunk.append(f"{i}\t{rnd.randint(1, DIMS)}\tcat_{i % 50:02d}\t{qty}\t"
                         f"{rnd.randint(0, 999999) / 100:.2f}\t"
                         f"2024-{1 + day // 28 % 12:02d}-{1 + day % 28:02d} "
                         f"{sec // 3600:02d}:{sec // 60 % 60:02d}:{sec % 60:02d}\t"
                         f"note {rnd.getrandbits(64):016x} {i}\n")
            if len(chunk) == 10000:
                f.write("".join(chunk))
                chunk = []
        f.write("".join(chunk))
    with open(dims_path, "w") as f:
        for i in range(1, DIMS + 1):
            f.write(f"{i}\tregion_{i % 20:02d}\tdim number {i}\n")
    return qty_sum


class Workload:
    """name: row label; metrics: [(label, unit, higher_is_better)]; ceiling: also
    run on the floor server (pgbench -S workloads, which it can answer)."""
    setup = None

    def __init__(self, name, metrics, run_fn, setup=None, ceiling=False):
        self.name, self.metrics, self.run_fn = name, metrics, run_fn
        self.ceiling = ceiling
        self.ceiling_runs = []   # [(kind, values, reason)]: the floor server's two runs
        if setup:
            self.setup = setup
        self.notes = {}   # server kind -> list of extra facts for the report

    def run(self, server):
        return self.run_fn(self, server)

    def note(self, server, text):
        self.notes.setdefault(server.kind, []).append(text)


# --- pgbench ---------------------------------------------------------------

def pgbench_init(w, s):
    t0 = time.monotonic()
    run(["pgbench", "-i", "-q", "-s", "10"], 900, env=s.env)
    return [time.monotonic() - t0]


def pgbench_tps(args, seconds):
    def fn(w, s):
        cmd = ["pgbench", "-T", str(seconds)] + args
        rc, out, err = run(cmd, seconds * 3 + 120, env=s.env, check=False)
        failed = re.search(r"^number of failed transactions: (\d+)", out, re.M)
        tps = re.search(r"^tps = ([\d.]+)", out, re.M)
        if rc != 0 or not tps:
            raise BenchError(f"pgbench exit code {rc}: {_pgbench_error(err or out)}")
        if failed and int(failed.group(1)) > 0:
            raise BenchError(f"{failed.group(1)} failed transactions: {_pgbench_error(err)}")
        lat = re.search(r"^latency average = ([\d.]+ ms)", out, re.M)
        if lat:
            w.note(s, f"latency average {lat.group(1)}")
        return [float(tps.group(1))]
    return fn


def _pgbench_error(text):
    errs = [l for l in text.splitlines() if "error" in l.lower() or "abort" in l.lower()]
    return (" / ".join(errs[:2]) or text.strip()[-300:])[:400]


# --- COPY ------------------------------------------------------------------

def copy_rows(facts):
    def fn(w, s):
        s.psql(["DROP TABLE IF EXISTS copy_t", "CREATE TABLE copy_t " + FACTS_DDL.format(pk="")])
        with open(facts) as f:
            t0 = time.monotonic()
            s.psql("COPY copy_t FROM STDIN", timeout=900, stdin=f)
            elapsed = time.monotonic() - t0
        n = s.psql("SELECT count(*) FROM copy_t").strip()
        if n != str(ROWS):
            raise BenchError(f"COPY loaded {n} rows, expected {ROWS}")
        s.psql("DROP TABLE copy_t")
        return [elapsed]
    return fn


# --- crash recovery ----------------------------------------------------------

def _lsn(text):
    hi, lo = text.split("/")
    return (int(hi, 16) << 32) + int(lo, 16)


def crash_recovery(facts, qty_sum):
    """~200 MB of WAL on PostgreSQL since a CHECKPOINT: COPY 1M rows into a table
    with a primary key (~140 MB), then update every fourth row (~65 MB); crash;
    time the restart until SELECT 1 succeeds; check the data survived."""
    def fn(w, s):
        s.psql(["DROP TABLE IF EXISTS crash_t",
                "CREATE TABLE crash_t " + FACTS_DDL.format(pk=" PRIMARY KEY"), "CHECKPOINT"])
        with open(facts) as f:
            s.psql("COPY crash_t FROM STDIN", timeout=900, stdin=f)
        s.psql("UPDATE crash_t SET qty = qty + 1 WHERE id % 4 = 0", timeout=900)
        s.crash()
        offset = s.log_size()
        seconds = s.start()
        log = s.log_since(offset)
        start = re.search(r"redo starts at ([0-9A-F]+/[0-9A-F]+)", log)
        done = re.search(r"redo done at ([0-9A-F]+/[0-9A-F]+).*?(elapsed: [\d.]+ s)?$", log, re.M)
        if start and done:
            mb = (_lsn(done.group(1)) - _lsn(start.group(1))) / 2**20
            w.note(s, f"replayed {mb:.0f} MB of WAL" + (f" (redo {done.group(2)})" if done.group(2) else ""))
        else:
            w.note(s, "no 'redo starts/done' lines in the log")
        got = s.psql("SELECT count(*), sum(qty) FROM crash_t").strip()
        want = f"{ROWS}|{qty_sum + ROWS // 4}"
        if got != want:
            raise BenchError(f"after recovery count|sum(qty) = {got}, expected {want}")
        s.psql("DROP TABLE crash_t")
        return [seconds]
    return fn


# --- analytical queries ------------------------------------------------------

QUERIES = [
    ("count/sum/avg over 1M rows",
     "SELECT count(*), sum(qty), avg(amount) FROM facts"),
    ("GROUP BY category (50 groups)",
     "SELECT category, count(*), sum(qty), avg(amount) FROM facts GROUP BY category ORDER BY category"),
    ("join 1M x 10k, GROUP BY region",
     "SELECT d.region, count(*), sum(f.amount) FROM facts f JOIN dims d ON d.id = f.dim_id "
     "GROUP BY d.region ORDER BY d.region"),
    ("ORDER BY amount LIMIT 20",
     "SELECT id, amount, created FROM facts ORDER BY amount DESC, id LIMIT 20"),
]


def analytics_setup(facts, dims):
    def fn(s):
        s.psql(["DROP TABLE IF EXISTS facts", "DROP TABLE IF EXISTS dims",
                "CREATE TABLE facts " + FACTS_DDL.format(pk=" PRIMARY KEY"),
                "CREATE TABLE dims (id int PRIMARY KEY, region text, name text)"])
        for table, path in (("facts", facts), ("dims", dims)):
            with open(path) as f:
                s.psql(f"COPY {table} FROM STDIN", timeout=900, stdin=f)
        s.psql(["VACUUM ANALYZE facts", "VACUUM ANALYZE dims"], timeout=900)
    return fn


def analytics(timeout):
    def fn(w, s):
        times = []
        for label, sql in QUERIES:
            t0 = time.monotonic()
            out = s.psql(sql, timeout=timeout)
            times.append(time.monotonic() - t0)
            w.results.setdefault(s.kind, {})[label] = out
        return times + [sum(times)]
    return fn


def all_workloads(seconds, facts, dims, qty_sum, query_timeout):
    tps = ("tps", "tps", True)
    w = [
        Workload("pgbench -i -s 10", [("elapsed", "s", False)], pgbench_init),
        Workload("select-only, simple, -c 4 -j 2", [tps],
                 pgbench_tps(["-S", "-M", "simple", "-c", "4", "-j", "2"], seconds), ceiling=True),
        Workload("select-only, prepared, -c 4 -j 2", [tps],
                 pgbench_tps(["-S", "-M", "prepared", "-c", "4", "-j", "2"], seconds), ceiling=True),
        Workload("tpcb-like, simple, -c 1", [tps],
                 pgbench_tps(["-M", "simple", "-c", "1"], seconds)),
        Workload("tpcb-like, prepared, -c 8 -j 2", [tps],
                 pgbench_tps(["-M", "prepared", "-c", "8", "-j", "2"], seconds)),
        Workload("connect per transaction, -C -S -c 4 -j 2", [tps],
                 pgbench_tps(["-C", "-S", "-c", "4", "-j", "2"], seconds), ceiling=True),
        Workload(f"COPY {ROWS:,} rows FROM STDIN", [("elapsed", "s", False)], copy_rows(facts)),
        Workload("crash recovery after ~200 MB WAL", [("start to SELECT 1", "s", False)],
                 crash_recovery(facts, qty_sum)),
        Workload("analytical queries",
                 [(label, "s", False) for label, _ in QUERIES] + [("whole set", "s", False)],
                 analytics(query_timeout), setup=analytics_setup(facts, dims)),
    ]
    for x in w:
        x.results = {}
    return w
