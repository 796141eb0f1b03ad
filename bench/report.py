"""Markdown report and PNG chart (gnuplot) in bench/results/."""

import datetime
import math
import os
import platform
import re
import shutil
import subprocess

from servers import PG_BIN, SETTINGS

NAMES = {"tusk": "Tusk", "pg": "PostgreSQL 15"}


def fmt(v, unit):
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "—"
    if unit == "tps":
        return f"{v:,.0f} tps"
    if unit == "MB":
        return f"{v:,.0f} MB"
    return f"{v:.3f} s" if v < 10 else f"{v:.1f} s"


def cell(text):
    return str(text).replace("|", "\\|").replace("\n", " ")


def summary_rows(workloads, memory, sizes):
    """[(label, unit, higher_is_better, tusk_mean|None, pg_mean|None, {kind: reason})]"""
    rows = []
    for w in workloads:
        for i, (label, unit, higher) in enumerate(w.metrics):
            name = w.name if label in ("tps", "elapsed") else f"{w.name}: {label}"
            means, reasons = {}, {}
            for kind in ("tusk", "pg"):
                vals = [v[i] for k, v, _ in w.runs if k == kind and v]
                why = [r for k, _, r in w.runs if k == kind and r]
                if len(vals) == 2:
                    means[kind] = sum(vals) / 2
                if why:
                    reasons[kind] = why[0]
            rows.append((name, unit, higher, means.get("tusk"), means.get("pg"), reasons))
    rows.append(("peak memory (summed PSS of postmaster + children)", "MB", False,
                 memory["tusk"][0], memory["pg"][0], {}))
    rows.append(("data directory size after the runs (du)", "MB", False,
                 sizes["tusk"][0], sizes["pg"][0], {}))
    return rows


def ratio(tusk, pg, higher):
    if not tusk or not pg:
        return None
    return tusk / pg if higher else pg / tusk


def summary_table(rows):
    out = ["| Workload | Tusk | PostgreSQL 15 | Tusk vs PG (>1 = Tusk better) |",
           "|---|---:|---:|---:|"]
    for name, unit, higher, t, p, reasons in rows:
        tc = f"failed: {reasons['tusk']}" if t is None and "tusk" in reasons else fmt(t, unit)
        pc = f"failed: {reasons['pg']}" if p is None and "pg" in reasons else fmt(p, unit)
        r = ratio(t, p, higher)
        how = "Tusk/PG" if higher else "PG/Tusk"
        out.append(f"| {cell(name)} | {cell(tc)} | {cell(pc)} | "
                   f"{f'{r:.2f} ({how})' if r else '—'} |")
    return "\n".join(out)


# The targets for the workloads the floor server also runs (Tusk/PG).
TARGETS = {"select-only": 1.5, "connect": 10.0}


def _mean(runs, kind, i=0):
    vals = [v[i] for k, v, _ in runs if k == kind and v]
    return sum(vals) / len(vals) if len(vals) == 2 else None


def ceiling_table(workloads):
    out = ["| Workload | floor server | PostgreSQL 15 | ceiling: floor/PG | target | Tusk/PG | Tusk/floor |",
           "|---|---:|---:|---:|---:|---:|---:|"]
    for w in workloads:
        if not w.ceiling_runs:
            continue
        floor = _mean(w.ceiling_runs, "floor")
        tusk, pg = _mean(w.runs, "tusk"), _mean(w.runs, "pg")
        target = next((t for k, t in TARGETS.items() if w.name.startswith(k)), None)
        r = lambda a, b: f"{a / b:.2f}" if a and b else "—"
        out.append(f"| {cell(w.name)} | {fmt(floor, 'tps')} | {fmt(pg, 'tps')} | {r(floor, pg)} | "
                   f"{f'{target:g}' if target else '—'} | {r(tusk, pg)} | {r(tusk, floor)} |")
    return "\n".join(out) if len(out) > 2 else "(not run)"


def raw_table(workloads, memory, sizes):
    out = ["| Workload | Tusk #1 | PG #1 | PG #2 | Tusk #2 |", "|---|---:|---:|---:|---:|"]
    for w in workloads:
        for i, (label, unit, _) in enumerate(w.metrics):
            name = w.name if label in ("tps", "elapsed") else f"{w.name}: {label}"
            cells = [fmt(v[i], unit) if v else "failed" for _, v, _ in w.runs]
            out.append(f"| {cell(name)} | " + " | ".join(cells) + " |")
    lines = ["", "Whole session, sampled every 0.5 s / measured after the final shutdown:", "",
             "| Measure | Tusk | PostgreSQL 15 |", "|---|---:|---:|"]
    lines.append(f"| peak summed PSS | {memory['tusk'][0]:,.1f} MB | {memory['pg'][0]:,.1f} MB |")
    lines.append(f"| peak summed RSS (shared memory counted again in every process) | "
                 f"{memory['tusk'][1]:,.1f} MB | {memory['pg'][1]:,.1f} MB |")
    lines.append(f"| data directory (du -sk) | {sizes['tusk'][0]:,.1f} MB | {sizes['pg'][0]:,.1f} MB |")
    lines.append(f"| of which pg_wal | {sizes['tusk'][1]:,.1f} MB | {sizes['pg'][1]:,.1f} MB |")
    lines += ["", "Peak summed PSS while each workload ran (both servers are up throughout):", "",
              "| Workload | Tusk | PostgreSQL 15 |", "|---|---:|---:|"]
    for phase, mb in memory["tusk"][2].items():
        lines.append(f"| {cell(phase)} | {mb:,.1f} MB | {memory['pg'][2].get(phase, 0):,.1f} MB |")
    return "\n".join(out + lines)


def machine():
    cpu = "unknown"
    with open("/proc/cpuinfo") as f:
        m = re.search(r"^model name\s*:\s*(.*)$", f.read(), re.M)
        cpu = m.group(1) if m else cpu
    with open("/proc/meminfo") as f:
        mem = int(re.search(r"MemTotal:\s+(\d+)", f.read()).group(1)) / 2**20
    debian = "unknown"
    if os.path.exists("/etc/debian_version"):
        with open("/etc/debian_version") as f:
            debian = f.read().strip()
    return (f"{cpu}, {os.cpu_count()} cores, {mem:.1f} GiB RAM, Linux {platform.release()}, "
            f"Debian {debian}; load average at the end {os.getloadavg()[0]:.2f} "
            f"(other work shares this machine)")


def git(repo, *args):
    return subprocess.run(["git", "-C", repo] + list(args), stdout=subprocess.PIPE,
                          stderr=subprocess.DEVNULL, text=True).stdout.strip()


def details(workloads):
    out = []
    for w in workloads:
        for kind in ("tusk", "pg"):
            if w.notes.get(kind):
                out.append(f"- {w.name}, {NAMES[kind]}: " + "; ".join(w.notes[kind]))
    return "\n".join(out) or "none"


def result_differences(workloads):
    out = []
    for w in workloads:
        t, p = w.results.get("tusk", {}), w.results.get("pg", {})
        for label in t:
            if label in p and t[label] != p[label]:
                out.append(f"- {label}: Tusk returned `{cell(t[label][:300])}`, "
                           f"PostgreSQL `{cell(p[label][:300])}`")
    return "\n".join(out) or "none: both servers returned the same text for every query"


def failures(workloads):
    out = []
    for w in workloads:
        for n, (kind, _, reason) in enumerate(w.runs):
            if reason:
                out.append(f"- {w.name}, {NAMES[kind]} (run {n + 1} of A B B A): {cell(reason)}")
    return "\n".join(out) or "none"


def log_messages(anomalies):
    out = []
    for kind in ("tusk", "pg"):
        items = sorted(anomalies[kind].items(), key=lambda kv: -kv[1][0])
        out.append(f"{NAMES[kind]}: " + ("none" if not items else ""))
        for msg, (count, where) in items[:20]:
            out.append(f"- {count}× during \"{where}\": `{cell(msg[:300])}`")
        if len(items) > 20:
            out.append(f"- … and {len(items) - 20} more distinct messages")
        out.append("")
    return "\n".join(out)


SHORT = {"connect per transaction": "connect/tx", "analytical queries": "analytics",
         "crash recovery after ~200 MB WAL: start to SELECT 1": "crash recovery (~200 MB WAL)",
         " (summed PSS of postmaster + children)": " (PSS)",
         "data directory size after the runs (du)": "data directory size",
         "count/sum/avg over 1M rows": "count/sum/avg", " (50 groups)": "",
         ", GROUP BY region": "", " FROM STDIN": ""}


def chart(rows, path, date):
    """Bars from 1 to each ratio on a log scale; green where Tusk is better."""
    if not shutil.which("gnuplot"):
        return False
    data = path + ".dat"
    with open(data, "w") as f:
        for name, _, higher, t, p, _ in rows:
            r = ratio(t, p, higher)
            label = re.sub(r'["\\]', "", name)
            for long, short in SHORT.items():
                label = label.replace(long, short)
            if r:
                color = "0x2e9d4a" if r >= 1 else "0xd04a3a"
                f.write(f'"{label}" {r} {color} "{r:.2f}" {r * 1.1 if r >= 1 else r / 1.1}\n')
            else:
                f.write(f'"{label}" 1 0x888888 "failed" 1\n')
    script = f"""
set terminal pngcairo size 1400,800 font "sans,10"
set output "{path}"
set title "Tusk vs PostgreSQL 15, {date}: ratio > 1 means Tusk is better (Tusk/PG for tps, PG/Tusk for times and sizes)"
set logscale y 2
set grid ytics
set ylabel "ratio (log scale)"
set xtics rotate by -40 left noenhanced
set bmargin 14
set rmargin 12
set style fill solid 0.85 noborder
set xrange [-0.6:{len(rows) - 0.4}]
unset key
plot "{data}" using 0:(1):($0-0.38):($0+0.38):(1):2:3:xtic(1) with boxxyerror lc rgb variable, \\
     1 with lines lc rgb "black" lw 1.5, \\
     "{data}" using 0:5:4 with labels noenhanced
"""
    p = subprocess.run(["gnuplot"], input=script, text=True, stderr=subprocess.PIPE)
    os.remove(data)
    return p.returncode == 0


def write(repo, workloads, versions, memory, sizes, anomalies, seconds, total):
    date = datetime.date.today().isoformat()
    outdir = os.path.join(repo, "bench", "results")
    os.makedirs(outdir, exist_ok=True)
    rows = summary_rows(workloads, memory, sizes)
    table = summary_table(rows)
    png_ok = chart(rows, os.path.join(outdir, f"{date}.png"), date)
    commit = git(repo, "rev-parse", "--short=12", "HEAD")
    src_commit = git(repo, "log", "-1", "--format=%h", "--", "src", "CMakeLists.txt")
    dirty = " (with uncommitted changes)" if git(repo, "status", "--porcelain", "--", "src",
                                                 "CMakeLists.txt") else ""
    build_type = os.environ.get("TUSK_BUILD_TYPE", "unknown")
    settings = ", ".join(f"{k}={v}" for k, v in SETTINGS.items())
    md = f"""# Tusk vs PostgreSQL 15 — {date}

Each workload ran on both servers, side by side on one machine, in the order
Tusk, PostgreSQL, PostgreSQL, Tusk (A B B A); each figure is the mean of a
server's two runs. The last column is >1 when Tusk is better: Tusk/PG for
throughput, PG/Tusk for times and sizes (a speed-up: 2.00 = Tusk takes half
PostgreSQL's time or space).

{table}

{"![ratios](" + date + ".png)" if png_ok else "(no chart: gnuplot missing or failed)"}

## Setup

- Date: {date}; benchmark {total / 60:.1f} min after a build step of
  {os.environ.get("TUSK_BUILD_SECONDS", "?")} s; pgbench runs of {seconds} s (BENCH_SECONDS)
- Machine: {machine()}
- Tusk: commit {commit} (its src/ last changed in {src_commit}){dirty},
  CMAKE_BUILD_TYPE={build_type}; reports `{versions['tusk']}`
- PostgreSQL: `{versions['pg']}` from {PG_BIN}
- Settings on both: {settings};
  fresh data directories (initdb -U bench, trust auth; PostgreSQL with
  --locale=C -E UTF8); other settings default; clients connect over Unix sockets
  in a temp dir; the ports were picked free at run time. pgbench at scale 10.
- COPY: 1,000,000 generated rows (int, int, text, int, numeric(10,2),
  timestamp, text; 75 MB of text) through `psql -c "COPY ... FROM STDIN"` into
  a table without indexes.
- Crash recovery: CHECKPOINT, COPY the same rows into a table with a primary
  key, update every fourth row, immediate shutdown (SIGQUIT), then time from
  starting the server until `SELECT 1` succeeds; the row count and sum are
  checked afterwards.
- Analytical queries: the same 1M rows (with a primary key) and a 10,000-row
  dimension table, VACUUM ANALYZEd; each query is timed through psql.

## Ceiling: the most any server could reach here

The floor server (`bench/floor_server.cc`) forks one process per connection,
as both servers do, but does no work: no authentication, no data, one fixed
row for every query. It ran twice right after each of these workloads'
A B B A runs; the PostgreSQL and Tusk figures are those of the table above.
pgbench costs the same CPU against any
server, and a real server makes at least the same system calls (accept, fork,
recv, send, exit), so no server can beat the floor on this machine with this
client: where floor/PG is below the target, the target cannot be met here.

{ceiling_table(workloads)}

## Raw runs (in the order they ran)

{raw_table(workloads, memory, sizes)}

## Per-run details

{details(workloads)}

## Failures

{failures(workloads)}

## Analytical query results that differ between the servers

{result_differences(workloads)}

## Server log: errors, warnings, crashes

{log_messages(anomalies)}"""
    path = os.path.join(outdir, f"{date}.md")
    with open(path, "w") as f:
        f.write(md)
    with open(os.path.join(outdir, "latest.md"), "w") as f:
        f.write(md)
    return path, table
