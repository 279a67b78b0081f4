#!/usr/bin/env bash
# Issue 3's acceptance at full size: a month served by the sandbox with every fault on is
# fetched with exactly the records served, and reconciles exactly like the offline files.
#   bench/fetch_faults.sh [RECORDS]        (default 100000)
source "$(dirname "$0")/common.sh"
N="${1:-100000}"
build_release
D="$WORK/faults-$N"; rm -rf "$D"; mkdir -p "$D"
"$BIN" generate --out "$D/data" --records "$N" --seed 31 > /dev/null
start_sandbox "$D/data/providers" --seed 7 --fault-5xx 0.10 --fault-429 0.05 --retry-after 1 --latency-ms 5 \
  --token-uses 500 --page-drift-after 2 --fault-truncate 0.02 --extra-fields
trap stop_sandbox EXIT
write_config "$D/data" "$D/cardrecon.toml" "$D/runs"
read -r secs rss < <(measure "$BIN" run --config "$D/cardrecon.toml" --exit-zero)
stop_sandbox
"$BIN" reconcile --provider-data "$D/data/providers" --ledger "$D/data/ledger.csv" --period 2026-03 \
  --timezone Europe/London --out "$D/offline" --exit-zero > /dev/null
RUN="$(ls -d "$D"/runs/2026-03/*/ | head -1)"
echo "fetch with every fault on: $N records requested, ${secs}s, peak RSS ${rss} MiB"
jq -r '.fetch[] | "  \(.provider): \(.records) records, \(.requests) requests, \(.retries) retries, \(.token_refreshes) token refreshes, \(.windows_reread) windows re-read, \(.identical_repeats_dropped) repeats dropped"' "$RUN/summary.json"
# Count and sum per provider, fetched vs served, from the normalized tables' summaries.
jq -S '.provider_read.records_by_provider' "$RUN/summary.json" > "$D/fetched.json"
jq -S '.provider_read.records_by_provider' "$D/offline/summary.json" > "$D/served.json"
jq -S '[.groups[] | {provider, amount: .provider_amount}] | group_by(.provider) | map({(.[0].provider): (map(.amount | tonumber * 100 | round) | add)}) | add' "$RUN/summary.json" > "$D/fetched_sums.json"
jq -S '[.groups[] | {provider, amount: .provider_amount}] | group_by(.provider) | map({(.[0].provider): (map(.amount | tonumber * 100 | round) | add)}) | add' "$D/offline/summary.json" > "$D/served_sums.json"
ok=1
cmp -s "$D/fetched.json" "$D/served.json" && echo "records per provider: equal $(tr -d '\n ' < "$D/served.json")" || { echo "records per provider DIFFER"; ok=0; }
cmp -s "$D/fetched_sums.json" "$D/served_sums.json" && echo "amount per provider: equal" || { echo "amount per provider DIFFER"; ok=0; }
cmp -s "$RUN/results.csv" "$D/offline/results.csv" && echo "results.csv: identical to the offline reconcile" || { echo "results.csv DIFFERS"; ok=0; }
[ "$ok" = 1 ]
