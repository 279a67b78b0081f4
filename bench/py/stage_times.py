"""The stages of a `cardrecon -v reconcile` log, each with the seconds since the run's first
line and since the line before: where a run's time went, without a profiler.
    python3 bench/py/stage_times.py LOG [LOG ...]     (several logs: one column each)"""
import re
import sys
from datetime import datetime


def stages(path):
    out, first = [], None
    for line in open(path):
        line = re.sub(r"\x1b\[[0-9;]*m", "", line)
        m = re.match(r"(\S+Z)\s+INFO\s+\S+: (.*)", line)
        if not m:
            continue
        t = datetime.fromisoformat(m.group(1)[:26] + "+00:00")
        first = first or t
        what = re.sub(r"\s+(dir|file)=\S+", "", m.group(2)).strip()
        out.append((what, (t - first).total_seconds()))
    return out


runs = [stages(p) for p in sys.argv[1:]]
print("| stage | " + " | ".join(sys.argv[1:]) + " |")
print("|---|" + "---|" * len(runs))
for k, (what, _) in enumerate(runs[0]):
    cells = []
    for r in runs:
        if k < len(r):
            at, before = r[k][1], r[k - 1][1] if k else 0.0
            cells.append(f"{at:.2f} (+{at - before:.2f})")
        else:
            cells.append("")
    print(f"| {what[:60]} | " + " | ".join(cells) + " |")
