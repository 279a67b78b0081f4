"""A generated month's ledger as a team booking from card statements would keep it: no provider
tx id or order id, but the card's last four digits and the merchant (taken from the provider
record the entry books). Used by bench/rules_scale.sh to time [[matching.rules]].

    python statement_ledger.py LEDGER.csv PROVIDER_RECORDS.parquet OUT.csv
"""
import sys

import duckdb

ledger, records, out = sys.argv[1:4]
con = duckdb.connect()
con.execute(
    f"""
    COPY (
      SELECT l.entry_id,
             right(regexp_replace(coalesce(p.card_masked, ''), '[^0-9]', '', 'g'), 4) AS card,
             l.amount, l.currency, l.fee, l.status, l.booked_at,
             p.description
      FROM read_csv('{ledger}', all_varchar = true, header = true) AS l
      LEFT JOIN read_parquet('{records}') AS p
        ON p.tx_id = l.tx_id AND p.provider = l.provider
      QUALIFY row_number() OVER (PARTITION BY l.entry_id ORDER BY p.occurred_at) = 1
      ORDER BY l.entry_id
    ) TO '{out}' (HEADER, DELIMITER ',')
    """
)
