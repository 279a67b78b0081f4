#!/usr/bin/env bash
# An older build (OLD_BIN) and this one alternated on the same generated month, the same
# outputs: wall time and peak memory per round, and whether the output files are the same
# bytes (issue 31: every step must keep them).
#   OLD_BIN=/path/to/old/cardrecon bench/old_new.sh [RECORDS] [ROUNDS] [OUTPUTS]   (1000000 3 csv)
source "$(dirname "$0")/common.sh"
: "${OLD_BIN:?set OLD_BIN to the older build}"
N="${1:-1000000}"; ROUNDS="${2:-3}"; OUTPUTS="${3:-csv}"
build_release
D="$WORK/old-new-$N"; mkdir -p "$D"
[ -d "$D/data" ] || "$BIN" generate --out "$D/data" --records "$N" --seed 5 > /dev/null
echo "| round | build | seconds | peak RSS (MiB) |"
echo "|---|---|---|---|"
for round in $(seq 1 "$ROUNDS"); do
  for who in old new; do
    b="$BIN"; [ "$who" = old ] && b="$OLD_BIN"
    read -r s m < <(measure "$b" reconcile --provider-data "$D/data/providers" --ledger "$D/data/ledger.csv" \
      --period 2026-03 --timezone Europe/London --out "$D/out-$who" --outputs "$OUTPUTS" --exit-zero)
    echo "| $round | $who | $s | $m |"
  done
done
for f in $(cd "$D/out-new" && find . -type f | sort); do
  if cmp -s "$D/out-old/$f" "$D/out-new/$f"; then echo "  $f: identical"; else echo "  $f: DIFFERS"; fi
done
