#!/usr/bin/env bash
# The store's cost: `reconcile` of one month with and without a store (SQLite, then a
# PostgreSQL server started here), first run and re-run; and the requests a re-run of `run`
# sends against an unchanged provider, with the fetch cache, against the first run's.
#   bench/store.sh [RECORDS] [FETCH_RECORDS]    (default: 1000000 100000)
source "$(dirname "$0")/common.sh"
N="${1:-1000000}"
F="${2:-100000}"
build_release
D="$WORK/store-$N"; rm -rf "$D"; mkdir -p "$D"
"$BIN" generate --out "$D/data" --records "$N" --seed 17 > /dev/null
# The provider data as one table, so every row below reads the same input the same way.
"$BIN" reconcile --provider-data "$D/data/providers" --ledger "$D/data/ledger.csv" --period 2026-03 \
  --timezone Europe/London --out "$D/base" --outputs parquet --exit-zero > /dev/null
P="$D/base/normalized/provider_records.parquet"
L="$D/base/normalized/ledger_entries.parquet"
rec() { # rec NAME [reconcile args...]: "seconds peak_rss"
  local name="$1"; shift
  measure "$BIN" reconcile --provider-data "$P" --ledger "$L" --period 2026-03 --timezone Europe/London \
    --out "$D/$name" --outputs csv,json --exit-zero "$@"
}

# PostgreSQL: a server in a temporary directory on a free port (as the postgres user when root).
PGBIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort | tail -1)
PGDIR="$D/pg"; mkdir -p "$PGDIR"
AS=(); if [ "$(id -u)" = 0 ]; then chown -R postgres "$PGDIR"; AS=(runuser -u postgres --); fi
PGPORT=$(free_port)
"${AS[@]}" "$PGBIN/initdb" -D "$PGDIR/data" -U cardrecon --auth=trust -E UTF8 --no-locale > "$D/initdb.log"
"${AS[@]}" "$PGBIN/pg_ctl" -D "$PGDIR/data" -o "-p $PGPORT -k $PGDIR -c listen_addresses=127.0.0.1" \
  -l "$PGDIR/log" -w start > /dev/null
trap '"${AS[@]}" "$PGBIN/pg_ctl" -D "$PGDIR/data" -m fast stop > /dev/null 2>&1 || true' EXIT
"$PGBIN/createdb" -h 127.0.0.1 -p "$PGPORT" -U cardrecon bench
PG="postgres://cardrecon@127.0.0.1:$PGPORT/bench"
SQ="sqlite:$D/cardrecon.db"

read -r s0 m0 < <(rec plain)
read -r s1 m1 < <(rec sqlite1 --store "$SQ")
read -r s2 m2 < <(rec sqlite2 --store "$SQ")
read -r p1 q1 < <(rec pg1 --store "$PG")
read -r p2 q2 < <(rec pg2 --store "$PG")
items=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['close']['new_items'])" "$D/sqlite1/summary.json")
disc=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['discrepancies'])" "$D/plain/summary.json")
same=yes
for x in sqlite1 sqlite2 pg1 pg2; do cmp -s "$D/plain/results.csv" "$D/$x/results.csv" || same=NO; done
sqsize=$(( $(stat -c %s "$D/cardrecon.db") / 1048576 ))
pgsize=$(psql -h 127.0.0.1 -p "$PGPORT" -U cardrecon -d bench -tAc "select pg_database_size('bench')/1048576")
echo "Month: $N provider records, $disc discrepancies; the first run with a store opens $items items."
echo
echo "| reconcile (csv, json) | wall (s) | peak RSS (MiB) | store cost (s) | store size (MiB) |"
echo "|---|---|---|---|---|"
echo "| no store | $s0 | $m0 | | |"
echo "| SQLite, first run | $s1 | $m1 | $(python3 -c "print(round($s1-$s0,2))") | |"
echo "| SQLite, re-run (every item seen again) | $s2 | $m2 | $(python3 -c "print(round($s2-$s0,2))") | $sqsize |"
echo "| PostgreSQL, first run | $p1 | $q1 | $(python3 -c "print(round($p1-$s0,2))") | |"
echo "| PostgreSQL, re-run | $p2 | $q2 | $(python3 -c "print(round($p2-$s0,2))") | $pgsize |"
echo
echo "results.csv identical with and without a store: $same"

# The fetch cache: run, then run again against the unchanged sandbox.
G="$D/fetch"; "$BIN" generate --out "$G/data" --records "$F" --seed 17 > /dev/null
start_sandbox "$G/data/providers"
write_config "$G/data" "$G/cardrecon.toml" "$G/runs"
for id in first again; do
  "$BIN" run --config "$G/cardrecon.toml" --run-id "$id" --exit-zero > /dev/null
done
stop_sandbox
python3 - "$G/runs/2026-03" "$F" <<'PY'
import json, sys
d, n = sys.argv[1], sys.argv[2]
def reqs(run):
    f = json.load(open(f"{d}/{run}/summary.json"))["fetch"]
    return {x["provider"]: x["requests"] for x in f}
a, b = reqs("first"), reqs("again")
print()
print(f"`run` on a {int(n):,}-record month, then again against the unchanged sandbox (fetch cache):")
print()
print("| provider | first run requests | re-run requests | re-run / first |")
print("|---|---|---|---|")
for p in sorted(a):
    print(f"| {p} | {a[p]} | {b[p]} | {100*b[p]/a[p]:.1f}% |")
ta, tb = sum(a.values()), sum(b.values())
print(f"| all | {ta} | {tb} | {100*tb/ta:.1f}% |")
PY
