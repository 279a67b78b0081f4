#!/usr/bin/env bash
# The ledger's shapes at scale (issue 29): one generated month (`generate --ledger-style`, same
# seed, so the same provider records) reconciled against its ledger with the provider's ids,
# as daily settlement journals (one [[matching.summaries]]), and as card statements (two
# [[matching.rules]]: card, currency and amount the same day, then as a suggestion within three
# days), alternated round by round, release build, each writing the CSV files and summary.json.
#   bench/ledger_shapes.sh [RECORDS] [ROUNDS]      (default 1000000 3)
source "$(dirname "$0")/common.sh"
N="${1:-1000000}"; ROUNDS="${2:-3}"
build_release
D="$WORK/shapes-$N"; rm -rf "$D"; mkdir -p "$D"
for style in ids summary statement; do
  "$BIN" generate --out "$D/$style" --records "$N" --seed 5 --ledger-style "$style" > /dev/null
done
# The statement's second rule: what the first leaves, suggested within three days.
cat >> "$D/statement/cardrecon.toml" <<'TOML'

[[matching.rules]]
name = "card, amount, within 3 days"
match_on = ["card", "currency", "amount"]
day_window = 3
action = "suggest"
TOML
for style in ids summary statement; do
  echo "$style: $(($(wc -l < "$D/$style/ledger.csv") - 1)) ledger entries"
done
echo "| round | ledger | seconds | peak RSS (MiB) |"
echo "|---|---|---|---|"
for round in $(seq 1 "$ROUNDS"); do
  for style in ids summary statement; do
    read -r s m < <(measure "$BIN" reconcile --provider-data "$D/$style/providers" --ledger "$D/$style/ledger.csv" \
      --config "$D/$style/cardrecon.toml" --out "$D/out-$style" --outputs csv,json --exit-zero)
    echo "| $round | $style | $s | $m |"
  done
done
echo
for style in summary statement; do
  echo "$style: $(jq -c '{balance: .balance, rules: .rules, summary_rows: (.by_category | with_entries(select(.key | startswith("summar"))))}' "$D/out-$style/summary.json")"
done
