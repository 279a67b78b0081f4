#!/usr/bin/env bash
# Reading and writing a month, cardrecon beside DuckDB (issue 31): the four providers' wire
# files into typed columns, the CSV ledger into typed columns, results.csv written, the two
# normalized Parquet tables written. cardrecon's figures are its own stages in one
# `cardrecon -v reconcile` (every default output), read from the log; DuckDB's are
# bench/py/month_io_duckdb.py on the same files, two threads. Rounds alternate the two.
#   bench/month_io.sh [RECORDS] [ROUNDS]      (1000000 3)
source "$(dirname "$0")/common.sh"
N="${1:-1000000}"; ROUNDS="${2:-3}"
build_release
VENV="$ROOT/bench/.venv"
[ -x "$VENV/bin/python" ] || { echo "run bench/run.sh --quick once to make bench/.venv" >&2; exit 2; }
D="$WORK/old-new-$N"; mkdir -p "$D"
[ -d "$D/data" ] || "$BIN" generate --out "$D/data" --records "$N" --seed 5 > /dev/null

stages() {
  python3 - "$1" <<'PY'
import re, sys
from datetime import datetime
at = {}
for line in open(sys.argv[1]):
    line = re.sub(r"\x1b\[[0-9;]*m", "", line)
    m = re.match(r"(\S+Z)\s+INFO\s+\S+: (.*)", line)
    if m:
        t = datetime.fromisoformat(m.group(1).replace("Z", "+00:00")[:26] + "+00:00")
        at.setdefault(m.group(2).split("  ")[0].strip(), t)
def span(a, b):
    ka = next(k for k in at if k.startswith(a)); kb = next(k for k in at if k.startswith(b))
    return (at[kb] - at[ka]).total_seconds()
print("providers %.2f ledger %.2f results_csv %.2f parquet %.2f" % (
    span("reading provider records", "provider records read"),
    span("reading ledger", "ledger read"),
    span("writing output=\"results and discrepancies\"", "written output=\"results and discrepancies\""),
    span("writing output=\"normalized tables\"", "written output=\"normalized tables\""),
))
PY
}

echo "| round | tool | providers → table | ledger CSV → table | results.csv written | Parquet tables written | whole run |"
echo "|---|---|---|---|---|---|---|"
for round in $(seq 1 "$ROUNDS"); do
  rm -rf "$D/io-out"
  start=$(date +%s.%N)
  "$BIN" -v reconcile --provider-data "$D/data/providers" --ledger "$D/data/ledger.csv" --period 2026-03 \
    --timezone Europe/London --out "$D/io-out" --exit-zero > /dev/null 2> "$D/io.log"
  whole=$(python3 -c "print('%.2f' % ($(date +%s.%N) - $start))")
  read -r _ p _ l _ r _ q < <(stages "$D/io.log")
  echo "| $round | cardrecon | $p s | $l s | $r s | $q s | $whole s |"
  read -r _ p _ l _ r _ q _ < <("$VENV/bin/python" "$ROOT/bench/py/month_io_duckdb.py" "$D/data" "$D/io-out")
  echo "| $round | DuckDB $("$VENV/bin/python" -c 'import duckdb; print(duckdb.__version__)') | $p s | $l s | $r s | $q s | |"
done
