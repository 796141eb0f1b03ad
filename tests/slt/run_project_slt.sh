#!/usr/bin/env bash
# Runs the project's own sqllogictest cases (tests/slt/cases/*.test) against a
# throw-away Tusk server: initdb into a temporary directory, start on a free
# port, run tusk_slt with --reuse-db, stop the server on exit whatever happens.
# usage: run_project_slt.sh TUSK_BINARY TUSK_SLT_BINARY CASES_DIR [SERVER_OPTIONS [ENGINE]]
# ENGINE names the run for the cases' skipif/onlyif lines (default postgresql).
set -u
tusk=$1
runner=$2
cases=$3
options=${4:-}
engine=${5:-postgresql}

dir=$(mktemp -d /tmp/tusk-slt-XXXXXX)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')

cleanup() {
  "$tusk" stop -D "$dir/data" -m immediate >/dev/null 2>&1
  if [ -f "$dir/data/postmaster.pid" ]; then
    pid=$(head -1 "$dir/data/postmaster.pid")
    [ -n "$pid" ] && kill -9 "$pid" 2>/dev/null
  fi
  rm -rf "$dir"
}
trap cleanup EXIT

if ! "$tusk" initdb -D "$dir/data" -U postgres >"$dir/initdb.log" 2>&1; then
  cat "$dir/initdb.log"; exit 1
fi
if ! "$tusk" start -D "$dir/data" -l "$dir/server.log" -w \
     -o "-p $port -c unix_socket_directories=$dir $options" >"$dir/start.log" 2>&1; then
  cat "$dir/start.log" "$dir/server.log" 2>/dev/null; exit 1
fi

"$runner" --conninfo "host=$dir port=$port dbname=postgres user=postgres" \
  --engine "$engine" --reuse-db --timeout-per-query 10000 --verbose "$cases"/*.test
rc=$?
exit $rc
