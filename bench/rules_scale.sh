#!/usr/bin/env bash
# [[matching.rules]] at scale (issue 29): a generated month reconciled against its ledger with
# the provider's ids (the tx-id and order-id passes do the work) and against the same ledger as
# card statements (no ids: two rules, card + currency + amount within a day, then within three
# days as suggestions), alternated, release build. Both write the CSV files and summary.json: the
# workbook's time follows its Discrepancies sheet, and a statement ledger leaves more rows
# unmatched (bookings days after the purchase), which is the data's size, not the rules' cost.
#   bench/rules_scale.sh [RECORDS] [ROUNDS]      (default 1000000 3)
source "$(dirname "$0")/common.sh"
N="${1:-1000000}"; ROUNDS="${2:-3}"
build_release
PY="${CARDRECON_DUCKDB_PYTHON:-$HOME/.cache/cardrecon-duckdb-venv/bin/python}"
D="$WORK/rules-$N"; rm -rf "$D"; mkdir -p "$D"
"$BIN" generate --out "$D/data" --records "$N" --seed 5 > /dev/null
"$BIN" reconcile --provider-data "$D/data/providers" --ledger "$D/data/ledger.csv" --period 2026-03 \
  --timezone Europe/London --out "$D/ids" --outputs parquet --exit-zero > /dev/null
"$PY" "$ROOT/bench/py/statement_ledger.py" "$D/data/ledger.csv" "$D/ids/normalized/provider_records.parquet" "$D/statement.csv"
cat > "$D/rules.toml" <<'TOML'
timezone = "Europe/London"
[[matching.rules]]
name = "card, amount, within a day"
match_on = ["card", "currency", "amount"]
day_window = 1
[[matching.rules]]
name = "card, amount, within 3 days"
match_on = ["card", "currency", "amount"]
day_window = 3
action = "suggest"
TOML
echo "| round | ledger | seconds | peak RSS (MiB) |"
echo "|---|---|---|---|"
for round in $(seq 1 "$ROUNDS"); do
  read -r s m < <(measure "$BIN" reconcile --provider-data "$D/data/providers" --ledger "$D/data/ledger.csv" \
    --period 2026-03 --timezone Europe/London --out "$D/out-ids" --outputs csv,json --exit-zero)
  echo "| $round | with the provider's ids | $s | $m |"
  read -r s m < <(measure "$BIN" reconcile --provider-data "$D/data/providers" --ledger "$D/statement.csv" \
    --period 2026-03 --timezone Europe/London --config "$D/rules.toml" --out "$D/out-rules" --outputs csv,json --exit-zero)
  echo "| $round | statements, two rules | $s | $m |"
done
echo
jq -c '{by_category: .by_category, rules: .rules}' "$D/out-rules/summary.json"
