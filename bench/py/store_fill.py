"""Fills a cardrecon store with N items over 12 periods (one in ten open), for the workspace
load benchmark. Prints the SQL for the named database; pipe it to sqlite3 or psql.

    python3 store_fill.py sqlite|postgres N

Items are spread over 2025-01..2025-12, four providers, eight categories, two currencies;
decided items rotate through accepted, cleared and resolved. Amounts are decimal text, as
the store keeps them.
"""
import sys

db, n = sys.argv[1], int(sys.argv[2])
pg = db == "postgres"


def pad(expr, width):
    return f"lpad(CAST({expr} AS TEXT), {width}, '0')" if pg else f"printf('%0{width}d', {expr})"


def day(first, offset):
    return f"CAST(CAST({first} AS DATE) + CAST({offset} AS INTEGER) AS TEXT)" if pg else f"date({first}, '+' || ({offset}) || ' days')"


month = f"(i % 12) + 1"
period = f"'2025-' || {pad(month, 2)}"
first = f"{period} || '-01'"
category = ("CASE i % 8 WHEN 0 THEN 'amount_mismatch' WHEN 1 THEN 'missing_in_ledger' "
            "WHEN 2 THEN 'missing_at_provider' WHEN 3 THEN 'timing_difference' "
            "WHEN 4 THEN 'fee_mismatch' WHEN 5 THEN 'status_mismatch' "
            "WHEN 6 THEN 'duplicate_in_ledger' ELSE 'currency_mismatch' END")
provider = "CASE i % 4 WHEN 0 THEN 'keysecure' WHEN 1 THEN 'txv3' WHEN 2 THEN 'cardapp' ELSE 'usertrans' END"
currency = "CASE i % 3 WHEN 1 THEN 'EUR' ELSE 'USD' END"
status = "CASE WHEN i % 10 = 0 THEN 'open' WHEN i % 3 = 0 THEN 'accepted' WHEN i % 3 = 1 THEN 'cleared' ELSE 'resolved' END"
amount = f"CAST((CAST(i AS BIGINT) * 7919) % 100000 AS TEXT) || '.' || {pad('i % 100', 2)}"
print("BEGIN;")
print(f"""INSERT INTO items (item_id, period, period_first_day, category, provider, kind, tx_id,
  order_id, ledger_entry_id, amount, currency, item_day, status, first_run, last_run, cleared_in,
  cleared_by_run, reason, note, decided_by, decided_at, evidence, accepted_evidence, record_side,
  record, provider_amount, ledger_amount, amount_difference, at_stake)
WITH RECURSIVE seq(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM seq WHERE i < {n - 1})
SELECT 'i-' || {pad('i', 16)}, {period}, {first}, {category}, {provider}, 'consumption',
  'TX' || {pad('i', 12)}, 'OD' || {pad('i', 12)}, 'LE' || {pad('i', 12)}, {amount}, {currency},
  {day(first, 'i % 28')}, {status}, 'run-' || {period}, 'run-' || {period}, NULL, NULL,
  CASE WHEN i % 3 = 0 AND i % 10 <> 0 THEN 'timing' END, NULL, NULL, NULL,
  'amount: provider ' || {amount} || ', ledger ' || {amount}, NULL, NULL, NULL,
  {amount}, {amount}, '0.00', '-0.01'
FROM seq;""")
print("""INSERT INTO runs (run_id, period, recorded_at, inputs_sha256, result_rows, discrepancies,
  new_items, cleared_items, resolved_items, open_recorded)
SELECT DISTINCT 'run-' || period, period, period || '-28T00:00:00Z', '', 0, 0, 0, 0, 0, 1 FROM items;""")
print("COMMIT;")
print("ANALYZE;")
