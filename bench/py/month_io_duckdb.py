"""DuckDB reading a month's inputs and writing its outputs, as cardrecon does (issue 31).

usage: month_io_duckdb.py DATA RUN_OUT          prints one line of seconds per step

DATA is a `cardrecon generate` month (providers/*/*.jsonl, ledger.csv); RUN_OUT is a
`cardrecon reconcile` output directory of that month (results.csv, normalized/*.parquet).
Two threads, as cardrecon has on this machine. Each step is timed alone, inside one process:

- providers: every wire file into a table of typed columns (money DECIMAL(38,8), times
  TIMESTAMP, codes and ids VARCHAR, nested objects JSON), with `read_json` and the columns
  given, as cardrecon reads them into its canonical table;
- ledger: ledger.csv into its typed columns with `read_csv` and the columns given;
- results_csv: cardrecon's results.csv rows (loaded first, untimed) written with
  `COPY ... TO ... (FORMAT csv, HEADER)`;
- parquet: cardrecon's two normalized tables (loaded first, untimed) written with
  `COPY ... TO ... (FORMAT parquet, COMPRESSION zstd)`.
"""
import os
import sys
import tempfile
import time

import duckdb

data, run_out = sys.argv[1:3]
con = duckdb.connect(":memory:", config={"threads": 2})

MONEY = "DECIMAL(38,8)"
# The wire fields each provider sends (provider-docs), typed as cardrecon reads them.
PROVIDERS = {
    "keysecure/consume.jsonl": {
        "consume_no": "VARCHAR", "card_no": "VARCHAR", "type": "VARCHAR", "amount": MONEY,
        "merchant_info": "JSON", "status": "VARCHAR", "time": "BIGINT",
        "consume_relate_no": "VARCHAR", "fee_list": "JSON",
    },
    "txv3/transactions.jsonl": {
        "business_type": "INTEGER", "tx_id": "VARCHAR", "tx_time": "BIGINT", "tx_status": "INTEGER",
        "card_name": "VARCHAR", "card_id": "VARCHAR", "card_number": "VARCHAR",
        "description": "VARCHAR", "tx_currency": "VARCHAR", "tx_amount": MONEY,
        "deduction_currency": "VARCHAR", "deduction_amount": MONEY, "mcc": "VARCHAR",
        "pay_coin": "VARCHAR", "card_coin": "VARCHAR", "currency_amount": MONEY,
        "real_currency_amount": MONEY, "recharge_fee_amount": MONEY, "real_refund_amount": MONEY,
        "refund_coin": "VARCHAR", "refund_amount": MONEY, "consume_tx_id": "VARCHAR",
        "fee": MONEY, "fee_coin": "VARCHAR", "buy_coin": "VARCHAR", "buy_amount": MONEY,
        "service_fee_status": "VARCHAR", "bill_cycle": "VARCHAR", "bill_total": "BIGINT",
        "fail_num": "BIGINT", "service_fee_standard": MONEY, "fail_rate": "VARCHAR",
        "trade_currency": "VARCHAR", "trade_amount": MONEY,
    },
    "cardapp/trades.jsonl": {
        "trade_id": "VARCHAR", "card_id": "VARCHAR", "card_no": "VARCHAR", "trade_type": "INTEGER",
        "trade_result": "INTEGER", "amount": MONEY, "currency": "VARCHAR",
        "merchant_name": "VARCHAR", "mcc": "VARCHAR", "relate_trade_id": "VARCHAR",
        "trade_at": "TIMESTAMP", "fee": MONEY,
    },
    "cardapp/orders.jsonl": {
        "order_no": "VARCHAR", "merchant_order_no": "VARCHAR", "order_type": "INTEGER",
        "order_status": "INTEGER", "card_id": "VARCHAR", "card_no": "VARCHAR", "amount": MONEY,
        "currency": "VARCHAR", "created_at": "TIMESTAMP", "finished_at": "TIMESTAMP",
    },
    "cardapp/cards.jsonl": {
        "app_id": "BIGINT", "bin_id": "VARCHAR", "holder_id": "VARCHAR", "card_id": "VARCHAR",
        "card_no": "VARCHAR", "status": "INTEGER", "balance": MONEY, "limit": MONEY,
        "expiry": "VARCHAR", "use_at": "VARCHAR", "close_at": "VARCHAR", "end_at": "VARCHAR",
        "mark": "VARCHAR",
    },
    "usertrans/trans.jsonl": {
        "trans_id": "BIGINT", "transaction_id": "VARCHAR", "order_id": "VARCHAR",
        "trans_type": "VARCHAR", "card_binding_id": "BIGINT", "card_no": "VARCHAR",
        "amount": MONEY, "currency": "VARCHAR", "status": "VARCHAR", "created_at": "BIGINT",
        "description": "VARCHAR", "relate_trans_id": "VARCHAR", "fee": MONEY,
    },
}
LEDGER = {
    "entry_id": "VARCHAR", "provider": "VARCHAR", "kind": "VARCHAR", "tx_id": "VARCHAR",
    "order_id": "VARCHAR", "amount": MONEY, "currency": "VARCHAR", "fee": MONEY,
    "status": "VARCHAR", "booked_at": "TIMESTAMP",
}


def struct(columns):
    """The columns as read: money and times as text first (a provider sends `""` for a time
    not yet known, and money as text or as a JSON number), typed by `typed`."""
    read = {k: ("VARCHAR" if v in (MONEY, "TIMESTAMP") else v) for k, v in columns.items()}
    return "{" + ", ".join(f"'{k}': '{v}'" for k, v in read.items()) + "}"


def typed(columns):
    """The select list typing money (DECIMAL, exact from the text) and times, empty as NULL."""
    return ", ".join(
        f'TRY_CAST(NULLIF("{k}", \'\') AS {v}) AS "{k}"' if v in (MONEY, "TIMESTAMP") else f'"{k}"'
        for k, v in columns.items()
    )


def timed(sql_list):
    start = time.perf_counter()
    for sql in sql_list:
        con.execute(sql)
    return time.perf_counter() - start


rows = 0
read_providers = []
for i, (rel, columns) in enumerate(PROVIDERS.items()):
    path = os.path.join(data, "providers", rel)
    read_providers.append(
        f"CREATE OR REPLACE TABLE p{i} AS SELECT {typed(columns)} FROM read_json('{path}', "
        f"format='newline_delimited', columns={struct(columns)})"
    )
providers = timed(read_providers)
rows = sum(con.execute(f"SELECT count(*) FROM p{i}").fetchone()[0] for i in range(len(PROVIDERS)))

ledger = timed([
    f"CREATE OR REPLACE TABLE ledger AS SELECT {typed(LEDGER)} FROM read_csv('{data}/ledger.csv', header=true, "
    f"columns={struct(LEDGER)})"
])
ledger_rows = con.execute("SELECT count(*) FROM ledger").fetchone()[0]

con.execute(f"CREATE TABLE results AS SELECT * FROM read_csv('{run_out}/results.csv', header=true, all_varchar=true)")
con.execute(f"CREATE TABLE pr AS SELECT * FROM '{run_out}/normalized/provider_records.parquet'")
con.execute(f"CREATE TABLE le AS SELECT * FROM '{run_out}/normalized/ledger_entries.parquet'")
with tempfile.TemporaryDirectory() as out:
    results_csv = timed([f"COPY results TO '{out}/results.csv' (FORMAT csv, HEADER)"])
    parquet = timed([
        f"COPY pr TO '{out}/provider_records.parquet' (FORMAT parquet, COMPRESSION zstd)",
        f"COPY le TO '{out}/ledger_entries.parquet' (FORMAT parquet, COMPRESSION zstd)",
    ])
print(
    f"providers {providers:.2f} ledger {ledger:.2f} results_csv {results_csv:.2f} "
    f"parquet {parquet:.2f} provider_rows {rows} ledger_rows {ledger_rows}"
)
