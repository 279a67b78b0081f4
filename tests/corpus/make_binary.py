"""Writes the binary ledger cases of the corpus (XLSX, Parquet). Run once with bench/.venv's
Python (xlsxwriter, pyarrow); the files are committed, this script documents how they were made."""
import datetime as dt
import os

import pyarrow as pa
import pyarrow.parquet as pq
import xlsxwriter

H = ["entry_id", "provider", "kind", "tx_id", "order_id", "amount", "currency", "fee", "status", "booked_at"]
T = dt.datetime(2026, 3, 5, 10, 0, 0)
os.makedirs("ledger", exist_ok=True)


def xlsx(name, header, rows):
    wb = xlsxwriter.Workbook(f"ledger/{name}")
    ws = wb.add_worksheet("Ledger")
    date = wb.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"})
    ws.write_row(0, 0, header)
    for r, row in enumerate(rows, start=1):
        for c, v in enumerate(row):
            if isinstance(v, dt.datetime):
                ws.write_datetime(r, c, v, date)
            elif isinstance(v, str) and v.startswith("="):
                ws.write_formula(r, c, v, None, "#DIV/0!")
            elif v is not None:
                ws.write(r, c, v)
    wb.close()


good = ["LE1", "keysecure", "consumption", "TX1", None, 12.5, "USD", None, "success", T]
xlsx("xlsx_amount_text.xlsx", H, [good, ["LE2", "keysecure", "consumption", "TX2", None, "12.5x", "USD", None, "success", T]])
xlsx("xlsx_missing_currency_column.xlsx", [h for h in H if h != "currency"], [[v for h, v in zip(H, good) if h != "currency"]])
xlsx("xlsx_date_text.xlsx", H, [good[:-1] + ["31/31/2026 10:00"]])
xlsx("xlsx_amount_formula_error.xlsx", H, [good[:5] + ["=1/0"] + good[6:]])
xlsx("xlsx_header_only_bad_sheet.xlsx", ["something", "else"], [])
open("ledger/xlsx_not_a_zip.xlsx", "w").write("entry_id,amount\nLE1,12.50\n")


def parquet(name, cols):
    pq.write_table(pa.table(cols), f"ledger/{name}")


base = {"entry_id": ["LE1"], "provider": ["keysecure"], "kind": ["consumption"], "tx_id": ["TX1"], "order_id": [None],
        "amount": ["12.50"], "currency": ["USD"], "fee": [None], "status": ["success"], "booked_at": [T]}
parquet("parquet_amount_text.parquet", {**base, "amount": ["twelve"]})
parquet("parquet_missing_status_column.parquet", {k: v for k, v in base.items() if k != "status"})
parquet("parquet_timestamp_text.parquet", {**base, "booked_at": ["the fifth of March"]})
parquet("parquet_amount_nan.parquet", {**base, "amount": pa.array([float("nan")])})
open("ledger/parquet_not_parquet.parquet", "wb").write(b"PAR1 this is not a parquet file PAR1")
