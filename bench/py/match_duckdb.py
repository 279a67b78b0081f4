"""Match + classify in DuckDB: cardrecon's classification (src/matching.rs) as one SQL query.

usage: match_duckdb.py PROVIDER.parquet LEDGER.parquet FIRST_DAY LAST_DAY MARGIN_DAYS OUT.json

Inputs are cardrecon's canonical tables (normalized/*.parquet). The whole classified table is
materialised (CREATE TABLE), then its category counts are written to OUT.json.
"""
import json
import sys

import duckdb

P, L, FIRST, LAST, MARGIN, OUT = sys.argv[1:7]
MARGIN = int(MARGIN)

QUERY = f"""
CREATE TABLE results AS
WITH
p AS (
  SELECT file_row_number AS p_row, * EXCLUDE (file_row_number)
  FROM read_parquet('{P}', file_row_number = true)
  WHERE accounting_day BETWEEN DATE '{FIRST}' - {MARGIN} AND DATE '{LAST}' + {MARGIN}
),
pm AS (
  SELECT *, p_row = first_value(p_row) OVER (PARTITION BY provider, tx_id ORDER BY occurred_at, p_row) AS p_primary
  FROM p
),
l AS (
  SELECT file_row_number AS l_row, * EXCLUDE (file_row_number),
         coalesce('t:' || tx_id, 'o:' || order_id, 'e:' || entry_id) AS lkey
  FROM read_parquet('{L}', file_row_number = true)
  WHERE accounting_day BETWEEN DATE '{FIRST}' - {MARGIN} AND DATE '{LAST}' + {MARGIN}
),
lm AS (
  SELECT *, l_row = first_value(l_row) OVER (PARTITION BY coalesce(provider, ''), lkey ORDER BY booked_at, l_row) AS l_primary
  FROM l
),
-- Key match of primaries, tx id first: one partner per item, first in input order.
tx_cand AS (
  SELECT p.p_row, l.l_row FROM pm p JOIN lm l ON p.tx_id = l.tx_id
  WHERE p.p_primary AND l.l_primary AND (l.provider IS NULL OR l.provider = p.provider)
),
tx1 AS (SELECT l_row, min(p_row) AS p_row FROM tx_cand GROUP BY l_row),
tx_pairs AS (SELECT p_row, min(l_row) AS l_row FROM tx1 GROUP BY p_row),
ord_cand AS (
  SELECT p.p_row, l.l_row FROM pm p JOIN lm l ON p.order_id = l.order_id
  WHERE p.p_primary AND l.l_primary AND (l.provider IS NULL OR l.provider = p.provider)
    AND p.p_row NOT IN (SELECT p_row FROM tx_pairs) AND l.l_row NOT IN (SELECT l_row FROM tx_pairs)
),
ord1 AS (SELECT l_row, min(p_row) AS p_row FROM ord_cand GROUP BY l_row),
ord_pairs AS (SELECT p_row, min(l_row) AS l_row FROM ord1 GROUP BY p_row),
pairs AS (
  SELECT p_row, l_row, 'tx_id' AS match_key FROM tx_pairs
  UNION ALL SELECT p_row, l_row, 'order_id' FROM ord_pairs
),
joined AS (
  SELECT pm.p_row AS p_row, pm.p_primary, pm.provider AS p_provider, pm.kind AS p_kind, pm.tx_id AS p_tx_id,
         pm.order_id AS p_order_id, pm.amount AS p_amount, pm.currency AS p_currency, pm.fee AS p_fee,
         pm.status AS p_status, pm.occurred_at AS p_occurred_at, pm.accounting_day AS p_day,
         pairs.match_key,
         lm.l_row AS l_row, lm.l_primary, lm.entry_id AS l_entry_id, lm.provider AS l_provider, lm.tx_id AS l_tx_id,
         lm.order_id AS l_order_id, lm.amount AS l_amount, lm.currency AS l_currency, lm.fee AS l_fee,
         lm.status AS l_status, lm.booked_at AS l_booked_at, lm.accounting_day AS l_day
  FROM pm LEFT JOIN pairs ON pm.p_row = pairs.p_row
  FULL JOIN lm ON pairs.l_row = lm.l_row
),
flags AS (
  SELECT *,
    p_row IS NOT NULL AS has_p,
    l_entry_id IS NOT NULL AS has_l,
    coalesce(p_day BETWEEN DATE '{FIRST}' AND DATE '{LAST}', false) AS p_in,
    coalesce(l_day BETWEEN DATE '{FIRST}' AND DATE '{LAST}', false) AS l_in
  FROM joined
),
diffs AS (
  SELECT *,
    has_p AND has_l AS paired,
    has_p AND has_l AND p_status <> l_status AS status_diff,
    has_p AND has_l AND p_currency <> l_currency AS currency_diff,
    has_p AND has_l AND abs(p_amount - abs(l_amount)) > 0 AS amount_diff,
    has_p AND has_l AND l_fee IS NOT NULL AND abs(coalesce(p_fee, 0) - l_fee) > 0 AS fee_diff,
    has_p AND has_l AND p_in <> l_in AS timing
  FROM flags WHERE p_in OR l_in
)
SELECT *,
  CASE
    WHEN has_p AND NOT p_primary THEN 'duplicate_at_provider'
    WHEN has_l AND NOT l_primary THEN 'duplicate_in_ledger'
    WHEN status_diff THEN 'status_mismatch'
    WHEN currency_diff THEN 'currency_mismatch'
    WHEN amount_diff THEN 'amount_mismatch'
    WHEN fee_diff THEN 'fee_mismatch'
    WHEN timing THEN 'timing_difference'
    WHEN paired THEN 'matched'
    WHEN has_p AND p_status IN ('failed', 'reversed') THEN 'failed_not_booked'
    WHEN has_p AND p_status = 'pending' THEN 'pending_not_booked'
    WHEN has_p THEN 'missing_in_ledger'
    ELSE 'missing_at_provider'
  END AS category
FROM diffs
"""

con = duckdb.connect()
con.execute(QUERY)
counts = dict(con.execute("SELECT category, count(*) FROM results GROUP BY category ORDER BY category").fetchall())
with open(OUT, "w") as f:
    json.dump({"by_category": counts}, f, indent=1, sort_keys=True)
