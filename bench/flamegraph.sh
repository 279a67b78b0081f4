#!/usr/bin/env bash
# A flame graph of one `cardrecon reconcile` of the seed-5 month (every default output), from
# `perf record --call-graph dwarf` folded by inferno (`cargo install inferno`), written to
# bench/flamegraphs/NAME.svg. The release build has no debug information: frames are named by
# the symbol table (inlined functions fold into their callers).
#   CARDRECON_BIN=/path/to/build bench/flamegraph.sh NAME [RECORDS]     (RECORDS 1000000)
source "$(dirname "$0")/common.sh"
NAME="${1:?name the graph}"; N="${2:-1000000}"
build_release
command -v perf > /dev/null || { echo "needs perf (Debian linux-perf)" >&2; exit 2; }
command -v inferno-flamegraph > /dev/null || { echo "needs inferno: cargo install inferno" >&2; exit 2; }
D="$WORK/old-new-$N"; mkdir -p "$D"
[ -d "$D/data" ] || "$BIN" generate --out "$D/data" --records "$N" --seed 5 > /dev/null
rm -rf "$D/flame-out"
perf record -F 149 --call-graph dwarf,32768 -o "$D/perf.data" "$BIN" reconcile --provider-data "$D/data/providers" \
  --ledger "$D/data/ledger.csv" --period 2026-03 --timezone Europe/London --out "$D/flame-out" --exit-zero > /dev/null 2>&1
mkdir -p "$ROOT/bench/flamegraphs"
perf script -i "$D/perf.data" 2> /dev/null | inferno-collapse-perf | \
  inferno-flamegraph --title "cardrecon reconcile, $N records ($NAME)" --width 1600 > "$ROOT/bench/flamegraphs/$NAME.svg"
echo "bench/flamegraphs/$NAME.svg"
