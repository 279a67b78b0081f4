#!/usr/bin/env bash
# [[matching.summaries]] at scale (issue 29): a generated month reconciled against its ledger
# with the provider's ids (the tx-id and order-id passes do the work) and against the same
# ledger kept as daily settlement journals (bench/py/summary_ledger.py: its successful
# consumption, refunds and fees as one line per provider, day, currency and kind), alternated,
# release build, both writing the CSV files and summary.json.
#   bench/summaries_scale.sh [RECORDS] [ROUNDS]      (default 1000000 3)
source "$(dirname "$0")/common.sh"
N="${1:-1000000}"; ROUNDS="${2:-3}"
build_release
PY="${CARDRECON_DUCKDB_PYTHON:-$HOME/.cache/cardrecon-duckdb-venv/bin/python}"
D="$WORK/summaries-$N"; rm -rf "$D"; mkdir -p "$D"
"$BIN" generate --out "$D/data" --records "$N" --seed 5 > /dev/null
"$BIN" reconcile --provider-data "$D/data/providers" --ledger "$D/data/ledger.csv" --period 2026-03 \
  --timezone Europe/London --out "$D/ids" --outputs parquet --exit-zero > /dev/null
"$PY" "$ROOT/bench/py/summary_ledger.py" "$D/data/ledger.csv" "$D/ids/normalized/provider_records.parquet" "$D/journal.csv"
echo "ledger entries: $(($(wc -l < "$D/data/ledger.csv") - 1)) with ids; $(($(wc -l < "$D/journal.csv") - 1)) as journals ($(grep -c ',settlement,' "$D/journal.csv") lines)"
cat > "$D/summaries.toml" <<'TOML'
timezone = "Europe/London"
[[matching.summaries]]
name = "daily settlement"
ledger_kind = "settlement"
group_by = ["provider", "day", "currency", "kind"]
kinds = ["consumption", "refund", "fee"]
TOML
echo "| round | ledger | seconds | peak RSS (MiB) |"
echo "|---|---|---|---|"
for round in $(seq 1 "$ROUNDS"); do
  read -r s m < <(measure "$BIN" reconcile --provider-data "$D/data/providers" --ledger "$D/data/ledger.csv" \
    --period 2026-03 --timezone Europe/London --out "$D/out-ids" --outputs csv,json --exit-zero)
  echo "| $round | with the provider's ids | $s | $m |"
  read -r s m < <(measure "$BIN" reconcile --provider-data "$D/data/providers" --ledger "$D/journal.csv" \
    --period 2026-03 --timezone Europe/London --config "$D/summaries.toml" --out "$D/out-summaries" --outputs csv,json --exit-zero)
  echo "| $round | daily settlement journals | $s | $m |"
done
echo
jq -c '{by_category: .by_category, balance: .balance}' "$D/out-summaries/summary.json"
