"""Write discrepancy rows to XLSX with XlsxWriter in constant_memory mode, laid out as cardrecon's
Discrepancies sheet: typed cells (amounts as numbers with a per-currency format, times and days as
Excel dates), the category as a coloured label, differing cells highlighted, frozen header,
autofilter, column widths. The input is cardrecon's discrepancies.csv (20 columns; cardrecon's
sheet has 25, adding fees, description and sources).

usage: xlsx_write.py DISCREPANCIES.csv OUT.xlsx      prints the number of rows written
"""
import csv
import datetime as dt
import sys

import xlsxwriter

SRC, OUT = sys.argv[1:3]
wb = xlsxwriter.Workbook(OUT, {"constant_memory": True})
ws = wb.add_worksheet("Discrepancies")
header = wb.add_format({"bold": True, "bg_color": "#1F3864", "font_color": "#FFFFFF", "border": 1})
money = {2: wb.add_format({"num_format": "#,##0.00"}), 8: wb.add_format({"num_format": "#,##0.00######"})}
money_hi = {k: wb.add_format({"num_format": v.num_format, "bg_color": "#FFE699"}) for k, v in money.items()}
text_hi = wb.add_format({"bg_color": "#FFE699"})
when = wb.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"})
day = wb.add_format({"num_format": "yyyy-mm-dd"})
colours = {
    "amount_mismatch": "#F8CBAD", "currency_mismatch": "#F4B084", "status_mismatch": "#FFD966",
    "fee_mismatch": "#FFE699", "timing_difference": "#BDD7EE", "missing_in_ledger": "#FF9999",
    "missing_at_provider": "#FFB3B3", "duplicate_at_provider": "#C9C9C9", "duplicate_in_ledger": "#D9D9D9",
}
label = {k: wb.add_format({"bg_color": v, "border": 1}) for k, v in colours.items()}
plain = wb.add_format({})

with open(SRC, newline="", encoding="utf-8") as f:
    rows = csv.reader(f)
    head = next(rows)
    for c, h in enumerate(head):
        ws.write_string(0, c, h, header)
    widths = [22, 10, 12, 26, 16, 14, 16, 16, 14, 8, 8, 10, 10, 26, 26, 12, 12, 20, 60, 20]
    for c, w in enumerate(widths):
        ws.set_column(c, c, w)
    ws.freeze_panes(1, 0)
    n = 0
    for r, row in enumerate(rows, start=1):
        (cat, prov, kind, tx, order, entry, p_amt, l_amt, diff, cur, l_cur, p_st, l_st, p_t, l_t, p_d, l_d, card, detail, match) = row
        ws.write_string(r, 0, cat, label.get(cat, plain))
        for c, v in ((1, prov), (2, kind), (3, tx), (4, order), (5, entry), (17, card), (18, detail), (19, match)):
            if v:
                ws.write_string(r, c, v)
        places = 8 if any(len(a.partition(".")[2]) > 2 for a in (p_amt, l_amt, diff)) else 2
        amount_differs = cat == "amount_mismatch"
        for c, v in ((6, p_amt), (7, l_amt), (8, diff)):
            if v:
                ws.write_number(r, c, float(v), (money_hi if amount_differs else money)[places])
        cur_hi = text_hi if cur != l_cur and l_cur else plain
        for c, v in ((9, cur), (10, l_cur)):
            if v:
                ws.write_string(r, c, v, cur_hi)
        st_hi = text_hi if p_st != l_st and l_st else plain
        for c, v in ((11, p_st), (12, l_st)):
            if v:
                ws.write_string(r, c, v, st_hi)
        for c, v in ((13, p_t), (14, l_t)):
            if v:
                # Wall time in the business timezone, as cardrecon writes it.
                ws.write_datetime(r, c, dt.datetime.fromisoformat(v).replace(tzinfo=None), when)
        for c, v in ((15, p_d), (16, l_d)):
            if v:
                ws.write_datetime(r, c, dt.datetime.fromisoformat(v), day)
        n = r
    ws.autofilter(0, 0, n, len(head) - 1)
wb.close()
print(n)
