#!/usr/bin/env bash
# generate + reconcile at scale: wall time and peak memory of each, and whether the
# discrepancies found equal the generator's labels exactly, and the links and card findings
# (links.csv, cards.csv) theirs (link_labels.csv, card_labels.csv).
#   bench/reconcile_scale.sh [RECORDS...]    (default: 100000 1000000)
source "$(dirname "$0")/common.sh"
SIZES=("$@"); [ ${#SIZES[@]} -gt 0 ] || SIZES=(100000 1000000)
build_release
printf "| records | generate (s) | generate peak RSS (MiB) | reconcile (s) | reconcile peak RSS (MiB) | result rows | labels equal | links and card findings equal |\n|---|---|---|---|---|---|---|---|\n"
for N in "${SIZES[@]}"; do
  D="$WORK/scale-$N"; rm -rf "$D"
  read -r gsecs grss < <(measure "$BIN" generate --out "$D/data" --records "$N" --seed 17)
  read -r rsecs rrss < <(measure "$BIN" reconcile --provider-data "$D/data/providers" --ledger "$D/data/ledger.csv" \
      --period 2026-03 --timezone Europe/London --out "$D/out" --exit-zero)
  verdict=$(python3 "$ROOT/bench/py/labels_equal.py" "$D/data" "$D/out")
  read -r nrows equal nlabels fequal nfindings <<< "$verdict"
  echo "| $N | $gsecs | $grss | $rsecs | $rrss | $nrows | $equal ($nlabels labels) | $fequal ($nfindings) |"
done
