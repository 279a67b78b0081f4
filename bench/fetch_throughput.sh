#!/usr/bin/env bash
# Fetch throughput on loopback: records/s for a whole month fetched from the sandbox, with and
# without added latency. (Issue 5 adds the Python httpx client side by side.)
#   bench/fetch_throughput.sh [RECORDS]    (default 100000)
source "$(dirname "$0")/common.sh"
N="${1:-100000}"
build_release
D="$WORK/throughput-$N"; rm -rf "$D"; mkdir -p "$D"
"$BIN" generate --out "$D/data" --records "$N" --seed 41 > /dev/null
printf "| added latency | records fetched | requests | wall time (s) | records/s | peak RSS (MiB) |\n|---|---|---|---|---|---|\n"
for latency in 0 20; do
  start_sandbox "$D/data/providers" --latency-ms "$latency"
  write_config "$D/data" "$D/cardrecon-$latency.toml" "$D/runs-$latency"
  read -r secs rss < <(measure "$BIN" run --config "$D/cardrecon-$latency.toml" --exit-zero)
  stop_sandbox
  RUN="$(ls -d "$D"/runs-$latency/2026-03/*/ | head -1)"
  records=$(jq '[.fetch[].records] | add' "$RUN/summary.json")
  requests=$(jq '[.fetch[].requests] | add' "$RUN/summary.json")
  rate=$(python3 -c "print(round($records / $secs))")
  echo "| ${latency} ms | $records | $requests | $secs | $rate | $rss |"
done
