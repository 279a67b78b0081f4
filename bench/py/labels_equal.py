"""Whether a reconciliation found exactly what `cardrecon generate` seeded.

usage: labels_equal.py DATA OUT
prints: result_rows labels_equal(yes|NO) labels findings_equal(yes|NO) findings

The discrepancies of OUT/results.csv (category, provider, tx_id, ledger_entry_id) against
DATA/labels.csv, and OUT/links.csv and OUT/cards.csv against DATA/link_labels.csv and
DATA/card_labels.csv.
"""
import csv
import sys

d, out = sys.argv[1:3]
with open(f"{d}/labels.csv") as f:
    labels = sorted(tuple(r) for r in list(csv.reader(f))[1:])
rows = 0
found = []
with open(f"{out}/results.csv") as f:
    reader = csv.reader(f)
    next(reader)
    for r in reader:
        rows += 1
        if r[0] != "matched":
            found.append((r[0], r[1], r[3], r[5]))
found.sort()


def keys(path, tx):
    with open(path) as f:
        return sorted((r[0], r[1], r[tx]) for r in list(csv.reader(f))[1:] if r[0])


seeded = keys(f"{d}/link_labels.csv", 2) + keys(f"{d}/card_labels.csv", 2)
findings = keys(f"{out}/links.csv", 3) + keys(f"{out}/cards.csv", 2)
print(f"{rows} {'yes' if found == labels else 'NO'} {len(labels)} "
      f"{'yes' if findings == seeded else 'NO'} {len(seeded)}")
