#!/usr/bin/env bash
# Behaviour unchanged across a refactor (issue 28): an older build (OLD_BIN) and this one
# generate the same month, reconcile it offline and fetch it from the sandbox with every fault
# on, and every output is compared byte for byte.
#   OLD_BIN=/path/to/old/cardrecon bench/identity.sh [RECORDS...]     (default 20000 1000000)
# The fetched run is compared at the first size only (the sandbox pages 10^6 records slowly).
# A fetched run's summary.json and report.* carry its run id, times and fetch statistics
# (requests and retries depend on timing), so summary.json is compared with those fields taken
# out (and the store events' times and its path), and raw/fetch-evidence.json (the same statistics) is left
# out; every archived page and record file is compared as it is.
source "$(dirname "$0")/common.sh"
: "${OLD_BIN:?set OLD_BIN to the older build}"
build_release
SIZES=("${@:-20000 1000000}")
read -r -a SIZES <<< "${SIZES[*]}"
ok=1
same() { # same LABEL A B
  if cmp -s "$2" "$3"; then echo "  $1: identical"; else echo "  $1: DIFFERS"; ok=0; fi
}
same_dir() { # same_dir LABEL A B: every file of both trees, the differing ones named
  local a="$2" b="$3" f n=0 bad=0
  diff <(cd "$a" && find . -type f | sort) <(cd "$b" && find . -type f | sort) > /dev/null \
    || { echo "  $1: different file lists"; ok=0; return; }
  while read -r f; do
    n=$((n + 1))
    cmp -s "$a/$f" "$b/$f" || { echo "  $1 ${f#./}: DIFFERS"; bad=$((bad + 1)); ok=0; }
  done < <(cd "$a" && find . -type f | sort)
  echo "  $1: $((n - bad)) of $n files identical"
}
for N in "${SIZES[@]}"; do
  D="$WORK/identity-$N"; rm -rf "$D"; mkdir -p "$D"
  echo "== $N records (seed 5) =="
  for who in old new; do
    bin="$BIN"; [ "$who" = old ] && bin="$OLD_BIN"
    "$bin" generate --out "$D/$who/data" --records "$N" --seed 5 > /dev/null
    "$bin" reconcile --provider-data "$D/$who/data/providers" --ledger "$D/$who/data/ledger.csv" \
      --period 2026-03 --timezone Europe/London --out "$D/$who/out" --exit-zero > /dev/null
  done
  same_dir "generate" "$D/old/data" "$D/new/data"
  same_dir "reconcile" "$D/old/out" "$D/new/out"
  if [ "$N" = "${SIZES[0]}" ]; then
    for who in old new; do
      bin="$BIN"; [ "$who" = old ] && bin="$OLD_BIN"
      BIN="$bin" start_sandbox "$D/new/data/providers" --seed 7 --fault-5xx 0.10 --fault-429 0.05 \
        --retry-after 0 --latency-ms 1 --token-uses 500 --page-drift-after 2 --fault-truncate 0.02 --extra-fields
      BIN="$bin" write_config "$D/new/data" "$D/$who/cardrecon.toml" "$D/$who/runs"
      "$bin" run --config "$D/$who/cardrecon.toml" --run-id fetched --exit-zero > /dev/null
      stop_sandbox
    done
    O="$D/old/runs/2026-03/fetched" W="$D/new/runs/2026-03/fetched"
    [ -f "$O/summary.json" ] && [ -f "$W/summary.json" ] || { echo "  a fetched run did not finish"; ok=0; }
    for f in results.csv discrepancies.csv links.csv cards.csv; do same "fetched $f" "$O/$f" "$W/$f"; done
    strip='del(.run, .fetch, .fetch_evidence, .generated_at, .run_id, .run_time, .close.store) | walk(if type == "object" then del(.last_event) else . end)'
    same "fetched summary.json (less run and fetch facts)" <(jq -S "$strip" "$O/summary.json") <(jq -S "$strip" "$W/summary.json")
    rm -f "$O/raw/fetch-evidence.json" "$W/raw/fetch-evidence.json"
    same_dir "fetched raw/" "$O/raw" "$W/raw"
  fi
done
[ "$ok" = 1 ] && echo "every output identical" || { echo "SOME OUTPUTS DIFFER"; exit 1; }
