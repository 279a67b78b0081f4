"""Read an XLSX ledger with fastexcel or openpyxl (read-only), as a Python user would.

usage: ledger_read.py fastexcel|openpyxl LEDGER.xlsx      prints rows read (header excluded)
"""
import sys

tool, path = sys.argv[1:3]
if tool == "fastexcel":
    import fastexcel

    df = fastexcel.read_excel(path).load_sheet(0).to_polars()
    print(df.height)
else:
    import openpyxl

    wb = openpyxl.load_workbook(path, read_only=True)
    ws = wb.worksheets[0]
    rows = ws.iter_rows(values_only=True)
    next(rows)
    print(sum(1 for row in rows if row[0] is not None))
    wb.close()
