"""datacompy (polars backend) on the same tables: the comparison a datacompy user would run.

usage: match_datacompy.py PROVIDER.parquet LEDGER.parquet FIRST_DAY LAST_DAY MARGIN_DAYS OUT.json
       match_datacompy.py --reference PROVIDER.parquet LEDGER.parquet FIRST LAST MARGIN OUT.json

datacompy answers a narrower question than cardrecon: rows joined on tx_id (repeats paired in
input order), rows on one side only, and per-column inequalities. It has no order-id fallback,
no period or timing rule, no duplicate or status precedence. Its figures are checked against the
same narrower question asked of DuckDB (--reference, not timed).
"""
import datetime as dt
import json
import sys

import polars as pl

reference = sys.argv[1] == "--reference"
args = sys.argv[2:] if reference else sys.argv[1:]
P, L, FIRST, LAST, MARGIN, OUT = args[:6]
first = dt.date.fromisoformat(FIRST)
last = dt.date.fromisoformat(LAST)
margin = dt.timedelta(days=int(MARGIN))
wf, wl = first - margin, last + margin
COLS = ["amount", "currency", "status"]

if reference:
    import duckdb

    q = f"""
    WITH p AS (SELECT tx_id, amount, currency, status,
                 row_number() OVER (PARTITION BY tx_id ORDER BY file_row_number) AS n
               FROM read_parquet('{P}', file_row_number = true)
               WHERE accounting_day BETWEEN DATE '{wf}' AND DATE '{wl}'),
         l AS (SELECT tx_id, abs(amount) AS amount, currency, status,
                 row_number() OVER (PARTITION BY tx_id ORDER BY file_row_number) AS n
               FROM read_parquet('{L}', file_row_number = true)
               WHERE accounting_day BETWEEN DATE '{wf}' AND DATE '{wl}' AND tx_id IS NOT NULL)
    SELECT count(*) FILTER (WHERE p.tx_id IS NOT NULL AND l.tx_id IS NOT NULL),
           count(*) FILTER (WHERE l.tx_id IS NULL),
           count(*) FILTER (WHERE p.tx_id IS NULL),
           count(*) FILTER (WHERE p.amount <> l.amount),
           count(*) FILTER (WHERE p.currency <> l.currency),
           count(*) FILTER (WHERE p.status <> l.status)
    FROM p FULL JOIN l ON p.tx_id = l.tx_id AND p.n = l.n
    """
    both, only_p, only_l, amount, currency, status = duckdb.connect().execute(q).fetchone()
else:
    import datacompy

    p = pl.read_parquet(P).filter(pl.col("accounting_day").is_between(wf, wl)).select(["tx_id"] + COLS)
    l = (
        pl.read_parquet(L)
        .filter(pl.col("accounting_day").is_between(wf, wl) & pl.col("tx_id").is_not_null())
        .select(["tx_id", pl.col("amount").abs(), "currency", "status"])
    )
    cmp = datacompy.PolarsCompare(p, l, join_columns="tx_id", df1_name="provider", df2_name="ledger")
    unequal = {s["column"]: s["unequal_cnt"] for s in cmp.column_stats}
    both, only_p, only_l = len(cmp.intersect_rows), len(cmp.df1_unq_rows), len(cmp.df2_unq_rows)
    amount, currency, status = unequal["amount"], unequal["currency"], unequal["status"]

with open(OUT, "w") as f:
    json.dump({"tx_id_join": {"both": both, "only_provider": only_p, "only_ledger": only_l,
                              "amount_unequal": amount, "currency_unequal": currency, "status_unequal": status}},
              f, indent=1, sort_keys=True)
