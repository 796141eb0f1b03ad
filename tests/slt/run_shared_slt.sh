#!/usr/bin/env bash
# The shared sqllogictest corpus: Tusk next to a temporary PostgreSQL 15 (as
# the postgres OS user when run as root), printing the per-file pass counts
# side by side. Fails when Tusk passes fewer records than PostgreSQL on any
# file of a complete run; skips if the corpus is absent. Both servers run
# with fsync off: this compares SQL results, and under the suite's parallel
# pgbench load a commit waiting on a busy disk could pass the 5 s
# per-statement limit and count as a failure (durability has its own tests).
# usage: run_shared_slt.sh TUSK_BINARY TUSK_SLT_BINARY CORPUS_DIR
set -u
tusk=$1
runner=$2
corpus=$3
pgbin=${PG15_BIN:-/usr/lib/postgresql/15/bin}
limit=${SLT_TIME_LIMIT:-480}          # seconds before no new record starts
query_ms=${SLT_QUERY_TIMEOUT_MS:-5000}

if [ ! -d "$corpus" ]; then
  echo "slt_shared_corpus: skipped, $corpus does not exist"
  exit 0
fi
mapfile -t files < <(find "$corpus" -name '*.test' | sort)
if [ ${#files[@]} -eq 0 ]; then
  echo "slt_shared_corpus: skipped, no .test files in $corpus"
  exit 0
fi

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

dir=$(mktemp -d /tmp/tusk-sltc-XXXXXX)
chmod 755 "$dir"
pg_started=0
as_pg() {
  if [ "$(id -u)" = 0 ]; then su postgres -s /bin/bash -c "$*"; else bash -c "$*"; fi
}

cleanup() {
  "$tusk" stop -D "$dir/tusk" -m immediate >/dev/null 2>&1
  if [ -f "$dir/tusk/postmaster.pid" ]; then
    pid=$(head -1 "$dir/tusk/postmaster.pid"); [ -n "$pid" ] && kill -9 "$pid" 2>/dev/null
  fi
  if [ $pg_started = 1 ]; then
    as_pg "$pgbin/pg_ctl -D $dir/pg -m immediate stop" >/dev/null 2>&1
    if [ -f "$dir/pg/postmaster.pid" ]; then
      pid=$(head -1 "$dir/pg/postmaster.pid"); [ -n "$pid" ] && kill -9 "$pid" 2>/dev/null
    fi
  fi
  rm -rf "$dir"
}
trap cleanup EXIT

tport=$(free_port)
if ! "$tusk" initdb -D "$dir/tusk" -U postgres >"$dir/tusk-initdb.log" 2>&1 ||
   ! "$tusk" start -D "$dir/tusk" -l "$dir/tusk.log" -w \
       -o "-p $tport -c unix_socket_directories=$dir -c fsync=off ${SLT_TUSK_OPTIONS:-}" >/dev/null 2>&1; then
  echo "slt_shared_corpus: Tusk did not start; skipped"
  cat "$dir/tusk-initdb.log" "$dir/tusk.log" 2>/dev/null | tail -20
  exit 0
fi
tusk_conn="host=$dir port=$tport dbname=postgres user=postgres"

pport=$(free_port)
if [ -x "$pgbin/initdb" ]; then
  [ "$(id -u)" = 0 ] && chown postgres "$dir"
  if as_pg "$pgbin/initdb -D $dir/pg -U postgres -A trust" >"$dir/pg-initdb.log" 2>&1 &&
     as_pg "$pgbin/pg_ctl -D $dir/pg -w -l $dir/pg.log -o '-p $pport -k $dir -c fsync=off'" \
       start >/dev/null 2>&1; then
    pg_started=1
  fi
fi

common=(--engine postgresql --reuse-db --timeout-per-query "$query_ms"
        --time-limit "$limit" --allow-failures)
if [ $pg_started = 1 ]; then
  timeout $((limit + 120)) "$runner" --conninfo "$tusk_conn" \
    --compare "host=$dir port=$pport dbname=postgres user=postgres" \
    --labels tusk,postgres "${common[@]}" "${files[@]}" | tee "$dir/report.txt"
else
  echo "slt_shared_corpus: PostgreSQL 15 did not start; only the Tusk column is shown"
  timeout $((limit + 120)) "$runner" --conninfo "$tusk_conn" "${common[@]}" "${files[@]}"
  exit 0
fi
# Issue 4's bar: on every file Tusk passes at least as many records as
# PostgreSQL. A run cut short by the time limit or a server that stopped
# answering proves nothing either way, so it only reports.
if grep -q "terminated by signal" "$dir/tusk.log"; then
  echo "slt_shared_corpus: a Tusk process died by a signal:"
  grep -B2 "terminated by signal" "$dir/tusk.log" | head -20
  exit 1
fi
if grep -q "time limit reached\|cannot connect" "$dir/report.txt"; then
  echo "slt_shared_corpus: incomplete run, no verdict"
  exit 0
fi
behind=$(awk -F'|' '/^\| / && $2 !~ /file|total|---/ {
  a = $4 + 0; b = $5 + 0; if (a < b) printf "%s: tusk %d < postgres %d\n", $2, a, b }' "$dir/report.txt")
if [ -n "$behind" ]; then
  echo "slt_shared_corpus: Tusk passes fewer records than PostgreSQL on:"
  echo "$behind"
  exit 1
fi
echo "slt_shared_corpus: Tusk passes at least as many records as PostgreSQL on every file"
exit 0
