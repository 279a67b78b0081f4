"""A generated month's ledger as a general ledger of daily settlement journals would keep it:
every successful consumption, refund and fee booked per record is replaced by one journal line
per provider, accounting day of the record it books, currency and kind (the sum of the entries
it replaces, booked at noon that day in the journal `settlement`); every other entry stays as it was, with its ids. The
entries the month's scenarios made different (an amount, a currency) make their day's line
differ, as they would in a real journal. Used by bench/summaries_scale.sh to time
[[matching.summaries]].

    python summary_ledger.py LEDGER.csv PROVIDER_RECORDS.parquet OUT.csv
"""
import sys

import duckdb

ledger, records, out = sys.argv[1:4]
con = duckdb.connect()
con.execute(
    f"""
    CREATE VIEW l0 AS SELECT * FROM read_csv('{ledger}', all_varchar = true, header = true);
    CREATE VIEW l AS
      SELECT l0.*, coalesce(CAST(p.accounting_day AS VARCHAR), substr(l0.booked_at, 1, 10)) AS day
      FROM l0 LEFT JOIN (
        SELECT provider, tx_id, min(accounting_day) AS accounting_day
        FROM read_parquet('{records}') GROUP BY provider, tx_id
      ) AS p ON p.tx_id = l0.tx_id AND p.provider = l0.provider;
    COPY (
      SELECT entry_id, '' AS journal, provider, kind, tx_id, order_id, amount, currency, fee,
             status, booked_at
      FROM l
      WHERE NOT (status = 'success' AND kind IN ('consumption', 'refund', 'fee'))
      UNION ALL
      SELECT 'JE-' || provider || '-' || day || '-' || currency || '-' || kind,
             'settlement', provider, kind, '', '',
             CAST(sum(abs(CAST(amount AS DECIMAL(28, 8)))) AS VARCHAR), currency, '', 'success',
             day || ' 12:00:00.000'
      FROM l
      WHERE status = 'success' AND kind IN ('consumption', 'refund', 'fee')
      GROUP BY provider, day, currency, kind
      ORDER BY entry_id
    ) TO '{out}' (HEADER, DELIMITER ',')
    """
)
