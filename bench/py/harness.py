"""The side-by-side benchmarks of bench/run.sh (issue 5): data generation, alternating runs
(a warm-up round, then ROUNDS rounds of A B C ... in turn), medians, peak RSS from
/usr/bin/time -v, the check that every tool reached the same answer, and the Markdown table.

usage: harness.py --mode quick|default|full --bin CARDRECON --work DIR --markdown OUT.md
"""
import argparse
import hashlib
import json
import os
import platform
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time
from importlib import metadata

ap = argparse.ArgumentParser()
ap.add_argument("--mode", default="default", choices=["quick", "default", "full"])
ap.add_argument("--bin", required=True)
ap.add_argument("--work", required=True)
ap.add_argument("--markdown", required=True)
ap.add_argument("--rounds", type=int, default=5)
ap.add_argument("--only", default="match,ledger,xlsx,fetch,e2e")
args = ap.parse_args()

HERE = os.path.dirname(os.path.abspath(__file__))
PY = sys.executable
BIN = args.bin
W = args.work
ONLY = set(args.only.split(","))
SIZES = {
    "quick": dict(match=[100_000], ledger=50_000, xlsx=50_000, fetch=20_000, e2e=20_000),
    "default": dict(match=[100_000, 1_000_000], ledger=1_000_000, xlsx=1_000_000, fetch=100_000, e2e=1_000_000),
    "full": dict(match=[100_000, 1_000_000, 10_000_000], ledger=1_000_000, xlsx=1_000_000, fetch=100_000, e2e=1_000_000),
}[args.mode]
PERIOD, ZONE, FIRST, LAST, MARGIN = "2026-03", "Europe/London", "2026-03-01", "2026-03-31", "3"
SANDBOX_ENV = {
    "CARDRECON_KEYSECURE_API_KEY": "sandbox-keysecure-key", "CARDRECON_KEYSECURE_API_SECRET": "sandbox-keysecure-secret",
    "CARDRECON_TXV3_API_KEY": "sandbox-txv3-key", "CARDRECON_CARDAPP_KEY": "sandbox-cardapp-key",
    "CARDRECON_USERTRANS_APP_KEY": "sandbox-usertrans-key", "CARDRECON_USERTRANS_APP_SECRET": "sandbox-usertrans-secret",
}
os.environ.update(SANDBOX_ENV)
os.makedirs(W, exist_ok=True)
lines = []  # the Markdown written at the end
E2E_ROUNDS = 3


def say(text=""):
    print(text, flush=True)
    lines.append(text)


def sh(cmd, **kw):
    """Runs a preparation step (not timed); stops with its output if it fails."""
    r = subprocess.run(cmd, capture_output=True, text=True, **kw)
    if r.returncode not in (0, 1):
        sys.exit(f"failed: {' '.join(cmd)}\n{r.stdout}\n{r.stderr}")
    return r.stdout


def timed(cmd):
    """One measured run: (wall seconds, CPU seconds, peak RSS MiB, stdout)."""
    r = subprocess.run(["/usr/bin/time", "-v"] + cmd, capture_output=True, text=True)
    if r.returncode not in (0, 1):
        sys.exit(f"failed: {' '.join(cmd)}\n{r.stdout}\n{r.stderr[-3000:]}")
    err = r.stderr
    wall = re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (\S+)", err).group(1).split(":")
    secs = sum(float(x) * 60 ** i for i, x in enumerate(reversed(wall)))
    cpu = float(re.search(r"User time \(seconds\): (\S+)", err).group(1)) + float(re.search(r"System time \(seconds\): (\S+)", err).group(1))
    rss = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", err).group(1)) / 1024
    return secs, cpu, rss, r.stdout


def compare(title, tools, rounds=args.rounds):
    """tools: [(name, make_cmd(round) -> argv, after(round, stdout) or None)]. A warm-up round,
    then `rounds` rounds, the tools alternating within each. Returns {name: (wall, cpu, rss)}."""
    samples = {name: [] for name, _, _ in tools}
    for r in range(rounds + 1):
        for name, make, after in tools:
            secs, cpu, rss, out = timed(make(r))
            if after:
                after(r, out)
            if r > 0:
                samples[name].append((secs, cpu, rss))
        print(f"  {title}: round {r}/{rounds} done", flush=True)
    return {n: tuple(statistics.median(s[i] for s in v) for i in range(3)) for n, v in samples.items()}


def table(title, command_note, result, baseline, extra=None):
    say(f"### {title}")
    say()
    say(command_note)
    say()
    cols = ["tool", "median wall (s)", "CPU (s)", "peak RSS (MiB)", f"× {baseline} wall"]
    if extra:
        cols.append(extra[0])
    say("| " + " | ".join(cols) + " |")
    say("|" + "---|" * len(cols))
    base = result[baseline][0]
    for name, (wall, cpu, rss) in result.items():
        row = [name, f"{wall:.2f}", f"{cpu:.2f}", f"{rss:.0f}", f"{wall / base:.2f}"]
        if extra:
            row.append(extra[1].get(name, ""))
        say("| " + " | ".join(row) + " |")
    say()


def binary_id():
    """The binary's SHA-256: cached data and outputs made by another build are made again, so a
    stale month (an older generator's scenarios, an older engine's counts) is never compared."""
    h = hashlib.sha256()
    with open(BIN, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


BIN_ID = binary_id()


def made_by_this_binary(out, marker):
    stamp = os.path.join(out, ".made-by")
    if os.path.exists(os.path.join(out, marker)) and os.path.exists(stamp) and open(stamp).read() == BIN_ID:
        return True
    shutil.rmtree(out, ignore_errors=True)
    return False


def stamp(out):
    with open(os.path.join(out, ".made-by"), "w") as f:
        f.write(BIN_ID)


def generate(out, records, seed, share=None):
    if not made_by_this_binary(out, "ledger.csv"):
        cmd = [BIN, "generate", "--out", out, "--records", str(records), "--seed", str(seed), "--period", PERIOD, "--timezone", ZONE]
        if share is not None:
            cmd += ["--discrepancy-share", str(share)]
        sh(cmd)
        stamp(out)
    return out


def reconcile_to(data, out, outputs):
    if not made_by_this_binary(out, "summary.json"):
        sh([BIN, "reconcile", "--provider-data", f"{data}/providers", "--ledger", f"{data}/ledger.csv", "--period", PERIOD,
            "--timezone", ZONE, "--out", out, "--outputs", outputs, "--exit-zero"])
        stamp(out)
    return out


def load(path):
    with open(path) as f:
        return json.load(f)


checks = []  # (comparison, agreed: bool, what)


def check(what, agreed, detail):
    checks.append((what, agreed, detail))
    print(f"  check {what}: {'same answer' if agreed else 'DIFFERENT'} ({detail})", flush=True)


# ---- 1. match + classify ------------------------------------------------------------------------
def bench_match(n):
    data = generate(f"{W}/match-{n}/data", n, 5)
    norm = reconcile_to(data, f"{W}/match-{n}/prep", "parquet,json") + "/normalized"
    P, L = f"{norm}/provider_records.parquet", f"{norm}/ledger_entries.parquet"
    out = f"{W}/match-{n}/out"
    py_args = [P, L, FIRST, LAST, MARGIN]
    # cardrecon runs three times: as shipped (stage 6: groups and suggestions; stage 7: the
    # links check of refunds and fees), with stage 6 only (issue 14's question), and with
    # neither, the question the peers answer (stages 1-5), whose counts are compared with theirs.
    os.makedirs(out, exist_ok=True)
    stages_1_5 = f"{out}/stages-1-5.toml"
    with open(stages_1_5, "w") as f:
        f.write("[matching]\ngroups = false\nsuggest = false\nlinks = false\n")
    stages_1_6 = f"{out}/stages-1-6.toml"
    with open(stages_1_6, "w") as f:
        f.write("[matching]\nlinks = false\n")
    tools = [
        ("cardrecon", lambda r: [BIN, "reconcile", "--provider-data", P, "--ledger", L, "--period", PERIOD, "--timezone", ZONE,
                                 "--out", f"{out}/cardrecon", "--outputs", "json", "--exit-zero"], None),
        ("cardrecon, stages 1-6", lambda r: [BIN, "reconcile", "--config", stages_1_6, "--provider-data", P, "--ledger", L,
                                 "--period", PERIOD, "--timezone", ZONE,
                                 "--out", f"{out}/cardrecon-1-6", "--outputs", "json", "--exit-zero"], None),
        ("cardrecon, stages 1-5", lambda r: [BIN, "reconcile", "--config", stages_1_5, "--provider-data", P, "--ledger", L,
                                 "--period", PERIOD, "--timezone", ZONE,
                                 "--out", f"{out}/cardrecon-1-5", "--outputs", "json", "--exit-zero"], None),
        ("DuckDB (one SQL query)", lambda r: [PY, f"{HERE}/match_duckdb.py"] + py_args + [f"{out}/duckdb.json"], None),
        ("Python polars (lazy)", lambda r: [PY, f"{HERE}/match_polars.py"] + py_args + [f"{out}/polars.json"], None),
    ]
    # datacompy is ~100x slower at 1e7; it runs up to 1e6.
    if n <= 1_000_000:
        tools.append(("datacompy (polars)", lambda r: [PY, f"{HERE}/match_datacompy.py"] + py_args + [f"{out}/datacompy.json"], None))
    os.makedirs(out, exist_ok=True)
    res = compare(f"match {n}", tools)
    # `cleared_prior` exists only with a store (earlier periods' items); the peers answer the
    # twelve categories of one period's files, as cardrecon does here (its count is 0).
    # Categories stage 6 and the store add are 0 here; the peers list only the twelve.
    ours = {k: v for k, v in load(f"{out}/cardrecon-1-5/summary.json")["by_category"].items() if v}
    assert "cleared_prior" not in ours and "suggested_match" not in ours
    shipped = load(f"{out}/cardrecon/summary.json")["by_category"]
    links = load(f"{out}/cardrecon/summary.json")["links"]
    answers = {"cardrecon": f"stages 6-7: {shipped.get('suggested_match', 0):,} suggested matches, groups matched; "
                            f"{links['refunds_checked'] + links['fees_checked']:,} refunds and fees linked, {links['findings']:,} links findings",
               "cardrecon, stages 1-6": "stage 6 only (links check off)",
               "cardrecon, stages 1-5": "reference"}
    for name, f in [("DuckDB (one SQL query)", "duckdb"), ("Python polars (lazy)", "polars")]:
        same = load(f"{out}/{f}.json")["by_category"] == ours
        answers[name] = "same 12 category counts" if same else "DIFFERENT category counts"
        check(f"match {n} {f}", same, f"{sum(ours.values())} rows")
    if n <= 1_000_000:
        sh([PY, f"{HERE}/match_datacompy.py", "--reference"] + py_args + [f"{out}/datacompy-reference.json"])
        same = load(f"{out}/datacompy.json") == load(f"{out}/datacompy-reference.json")
        answers["datacompy (polars)"] = "tx-id join counts equal DuckDB's" if same else "DIFFERENT from DuckDB's tx-id join"
        check(f"match {n} datacompy", same, "narrower question: tx-id join, one-side rows, unequal columns")
    rows = sum(ours.values())
    table(f"Match + classify, {n:,} records per side (inputs in Parquet)",
          f"Inputs: `normalized/provider_records.parquet` and `ledger_entries.parquet` of `cardrecon generate --records {n} --seed 5` "
          f"(reconciled once to make them). Each tool classifies every row ({rows:,} result rows) and writes the category counts; "
          f"cardrecon: `reconcile --provider-data P.parquet --ledger L.parquet --outputs json`, as shipped (stage 6: groups "
          f"and suggestions; stage 7: the links check of every refund and fee against its original, which the peers do not do); "
          f"`cardrecon, stages 1-6`: the same with `[matching] links = false`; `cardrecon, stages 1-5`: with "
          f"`groups = false, suggest = false, links = false`, the question the peers answer, whose counts are compared with theirs.",
          res, "cardrecon", ("answer", answers))
    return res


# ---- 2. ledger read -----------------------------------------------------------------------------
def bench_ledger(n):
    data = generate(f"{W}/ledger-{n}/data", n, 6)
    x = f"{data}/ledger.xlsx"
    counts = {}

    def keep(name, pattern):
        def after(r, out):
            counts[name] = int(re.search(pattern, out).group(1))
        return after

    res = compare(f"ledger {n}", [
        ("cardrecon check-ledger", lambda r: [BIN, "check-ledger", x], keep("cardrecon check-ledger", r": (\d+) entries")),
        ("fastexcel (to polars)", lambda r: [PY, f"{HERE}/ledger_read.py", "fastexcel", x], keep("fastexcel (to polars)", r"(\d+)")),
        ("openpyxl read-only", lambda r: [PY, f"{HERE}/ledger_read.py", "openpyxl", x], keep("openpyxl read-only", r"(\d+)")),
    ])
    same = len(set(counts.values())) == 1
    check(f"ledger {n}", same, str(counts))
    size = os.path.getsize(x) / 2**20
    table(f"Ledger read, {counts.get('cardrecon check-ledger', 0):,}-row XLSX ledger ({size:.0f} MiB)",
          f"Input: `ledger.xlsx` of `cardrecon generate --records {n} --seed 6` (10 columns). cardrecon parses and validates every "
          "row into ledger entries (decimal amounts, instants) and prints totals; fastexcel loads the sheet into a polars "
          "DataFrame; openpyxl iterates the rows (read_only=True).",
          res, "fastexcel (to polars)", ("rows read", {k: f"{v:,}" for k, v in counts.items()}))
    return res


# ---- 3. report write ----------------------------------------------------------------------------
def bench_xlsx(n):
    # About 77% of the discrepancy scenarios give an in-period discrepancy row.
    data = generate(f"{W}/xlsx-{n}/data", int(n * 1.3), 7, share=1.0)
    prep = reconcile_to(data, f"{W}/xlsx-{n}/prep", "parquet,csv,json")
    P, L = f"{prep}/normalized/provider_records.parquet", f"{prep}/normalized/ledger_entries.parquet"
    disc = load(f"{prep}/summary.json")["discrepancies"]
    out = f"{W}/xlsx-{n}/out"
    os.makedirs(out, exist_ok=True)
    written = {}

    def rc(outputs):
        return lambda r: [BIN, "reconcile", "--provider-data", P, "--ledger", L, "--period", PERIOD, "--timezone", ZONE,
                          "--out", f"{out}/cardrecon-{outputs}", "--outputs", outputs, "--exit-zero"]

    def py_after(r, stdout):
        written["XlsxWriter"] = int(stdout.strip())

    res = compare(f"xlsx {n}", [
        ("cardrecon reconcile --outputs xlsx", rc("xlsx"), None),
        ("cardrecon reconcile --outputs json (no workbook)", rc("json"), None),
        ("Python XlsxWriter constant_memory", lambda r: [PY, f"{HERE}/xlsx_write.py", f"{prep}/discrepancies.csv", f"{out}/xlsxwriter.xlsx"], py_after),
    ])
    from openpyxl import load_workbook  # a count of the rows cardrecon wrote, untimed

    wb = load_workbook(f"{out}/cardrecon-xlsx/report.xlsx", read_only=True)
    ours = sum(wb[s].max_row - 1 for s in wb.sheetnames if s.startswith("Discrepancies"))
    same = ours == disc == written.get("XlsxWriter")
    check(f"xlsx {n}", same, f"cardrecon {ours} rows, XlsxWriter {written.get('XlsxWriter')}, discrepancies {disc}")
    w_ours = res["cardrecon reconcile --outputs xlsx"][0] - res["cardrecon reconcile --outputs json (no workbook)"][0]
    table(f"Report write, {disc:,} discrepancy rows to XLSX",
          f"Input: a month of `cardrecon generate --records {int(n * 1.3)} --seed 7 --discrepancy-share 1.0`. cardrecon's time is the "
          "whole `reconcile` from the Parquet tables (read, match, then Summary, Discrepancies with 25 columns, Daily with a chart); "
          "the `--outputs json` line is the same command without the workbook, so the workbook itself took "
          f"**{w_ours:.2f} s**. XlsxWriter reads `discrepancies.csv` (20 columns) and writes the same rows as one sheet with "
          "the same cell types and formats.",
          res, "Python XlsxWriter constant_memory", ("rows", {"cardrecon reconcile --outputs xlsx": f"{ours:,}", "Python XlsxWriter constant_memory": f"{written.get('XlsxWriter', 0):,}"}))
    return res, w_ours


# ---- sandbox helpers ----------------------------------------------------------------------------
def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class Sandbox:
    def __init__(self, data):
        self.port = free_port()
        self.log = open(f"{W}/sandbox.log", "w")
        self.proc = subprocess.Popen([BIN, "sandbox", "--data", f"{data}/providers", "--addr", f"127.0.0.1:{self.port}"], stdout=self.log, stderr=self.log)
        self.url = f"http://127.0.0.1:{self.port}"
        for _ in range(600):
            with open(f"{W}/sandbox.log") as f:
                if "sandbox serving" in f.read():
                    return
            time.sleep(0.1)
        sys.exit("the sandbox did not start")

    def stop(self):
        self.proc.send_signal(signal.SIGINT)
        self.proc.wait(timeout=30)


def config(data, url, runs):
    cfg = f"{os.path.dirname(data)}/cardrecon.toml"
    sh([BIN, "init", "--out", cfg, "--sandbox", url, "--force"])
    with open(cfg) as f:
        text = f.read()
    text = re.sub(r'(?m)^path = .*', f'path = "{data}/ledger.csv"', text)
    text = re.sub(r'(?m)^dir = .*', f'dir = "{runs}"', text)
    text = re.sub(r'(?m)^# period = .*', f'period = "{PERIOD}"', text)
    with open(cfg, "w") as f:
        f.write(text)
    return cfg


# ---- 4. fetch -----------------------------------------------------------------------------------
def bench_fetch(n):
    data = generate(f"{W}/fetch-{n}/data", n, 8)
    sb = Sandbox(data)
    try:
        cfg = config(data, sb.url, f"{W}/fetch-{n}/runs")
        got = {}

        def fresh(path):
            shutil.rmtree(path, ignore_errors=True)
            return path

        def ours_after(r, out):
            got["cardrecon fetch"] = int(re.search(r"fetched (\d+) records", out).group(1))

        def py_after(r, out):
            got["Python httpx + orjson"] = int(out.split()[0])

        res = compare(f"fetch {n}", [
            ("cardrecon fetch", lambda r: [BIN, "fetch", "--config", cfg, "--out", fresh(f"{W}/fetch-{n}/cardrecon")], ours_after),
            ("Python httpx + orjson", lambda r: [PY, f"{HERE}/fetch_httpx.py", sb.url, PERIOD, ZONE, MARGIN, "8", fresh(f"{W}/fetch-{n}/python")], py_after),
        ])
    finally:
        sb.stop()
    same = len(set(got.values())) == 1
    check(f"fetch {n}", same, str(got))
    rates = {k: f"{got[k] / res[k][0]:,.0f}" for k in res}
    table(f"Fetch, one month from the sandbox on loopback ({got.get('cardrecon fetch', 0):,} records)",
          f"Data: `cardrecon generate --records {n} --seed 8`, served by `cardrecon sandbox` (no faults) on the same 2 cores. "
          "Both clients page the same endpoints with the same windows, page sizes and concurrency (8 per provider), check each "
          "window against the provider's total, and fetch one keysecure detail per record. cardrecon also archives every page "
          "(raw/<provider>/pages/) and rate-limits; the Python client does neither.",
          res, "Python httpx + orjson", ("records/s", rates))
    return res, got


# ---- 5. end to end ------------------------------------------------------------------------------
def bench_e2e(n):
    data = generate(f"{W}/e2e-{n}/data", n, 9)
    sb = Sandbox(data)
    summary = {}
    try:
        cfg = config(data, sb.url, f"{W}/e2e-{n}/runs")

        def fresh(r):
            shutil.rmtree(f"{W}/e2e-{n}/runs", ignore_errors=True)
            return [BIN, "run", "--config", cfg, "--exit-zero"]

        def after(r, out):
            runs = f"{W}/e2e-{n}/runs/{PERIOD}"
            d = os.path.join(runs, sorted(os.listdir(runs))[-1])
            summary.update(load(f"{d}/summary.json"))

        # One tool and no peer to alternate with, about 9 minutes a round at 1e6: three measured
        # rounds (not --rounds) keep the default run near an hour and still give a median.
        res = compare(f"e2e {n}", [("cardrecon run", fresh, after)], rounds=min(args.rounds, E2E_ROUNDS))
    finally:
        sb.stop()
    labels = sh(["wc", "-l", f"{data}/labels.csv"]).split()[0]
    fetched = sum(f["records"] for f in summary.get("fetch", []))
    table(f"End to end: `cardrecon run` on a {n:,}-record month",
          f"Data: `cardrecon generate --records {n} --seed 9` served by the sandbox on the same machine. `run` fetches all four "
          "providers, archives every page, reconciles against the CSV ledger and writes every output (CSV, JSON, Parquet, "
          f"the full workbook, HTML, manifest). Fetched {fetched:,} records; {summary.get('results', 0):,} result rows; "
          f"{summary.get('discrepancies', 0):,} discrepancies; labels.csv has {int(labels) - 1:,} seeded differences. "
          f"Median of {min(args.rounds, E2E_ROUNDS)} measured rounds after a warm-up (one tool, about 9 minutes a round).",
          res, "cardrecon run")
    return res


def versions():
    out = {}
    for p in ["duckdb", "polars", "datacompy", "pandas", "xlsxwriter", "openpyxl", "fastexcel", "httpx", "orjson"]:
        out[p] = metadata.version(p)
    return out


def machine():
    mem = 0
    with open("/proc/meminfo") as f:
        for line in f:
            if line.startswith("MemTotal"):
                mem = int(line.split()[1]) / 2**20
    model = ""
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    return f"{os.cpu_count()} cores ({model}), {mem:.0f} GiB memory, {platform.system()} {platform.release()}"


started = time.time()
ours = sh([BIN, "--version"]).strip()
rev = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=HERE).stdout.strip()
rustc = sh(["rustc", "--version"]).strip()
only = "" if args.only == ap.get_default("only") else f" --only {args.only}"
only += "" if args.rounds == ap.get_default("rounds") else f" --rounds {args.rounds}"
say(f"Command: `bench/run.sh{'' if args.mode == 'default' else ' --' + args.mode}{only}` (mode {args.mode}), {args.rounds} measured rounds after one warm-up, tools alternating within each round; figures are medians.")
say()
say(f"Machine: {machine()}. {ours} (git {rev}, {rustc}, release build); Python {platform.python_version()}; "
    + ", ".join(f"{k} {v}" for k, v in versions().items()) + ".")
say()
summary_rows = []
if "match" in ONLY:
    for n in SIZES["match"]:
        r = bench_match(n)
        # Issue 13's target is its engine's (stages 1-5, the question DuckDB answers); issue 14
        # asks that it hold with stage 6 on. As shipped adds the links check (issue 15), work
        # the peers do not do: shown, with no target of its own.
        duck = r["DuckDB (one SQL query)"][0]
        summary_rows.append((f"match + classify, {n:,}/side, stages 1-5", "DuckDB", duck / r["cardrecon, stages 1-5"][0], "≥ 1.5 (issue 13)"))
        summary_rows.append((f"match + classify, {n:,}/side, stages 1-6 (stage 6 on)", "DuckDB", duck / r["cardrecon, stages 1-6"][0], "≥ 1.5 (issue 14: with stage 6 on)"))
        summary_rows.append((f"match + classify + links, {n:,}/side, as shipped (stages 1-7)", "DuckDB", duck / r["cardrecon"][0], "none (more work than the peer's)"))
        if n >= 1_000_000:
            summary_rows.append((f"match + classify, {n:,}/side (peak RSS)", "DuckDB", r["DuckDB (one SQL query)"][2] / r["cardrecon"][2], "≥ 1 (at or below DuckDB's)"))
        if "datacompy (polars)" in r:
            summary_rows.append((f"match + classify, {n:,}/side", "datacompy", r["datacompy (polars)"][0] / r["cardrecon"][0], "≥ 10"))
if "ledger" in ONLY:
    r = bench_ledger(SIZES["ledger"])
    summary_rows.append((f"ledger read, {SIZES['ledger']:,} rows", "fastexcel", r["fastexcel (to polars)"][0] / r["cardrecon check-ledger"][0], "≥ 1 (issue 13: no slower)"))
    summary_rows.append((f"ledger read, {SIZES['ledger']:,} rows", "openpyxl", r["openpyxl read-only"][0] / r["cardrecon check-ledger"][0], ""))
if "xlsx" in ONLY:
    r, w = bench_xlsx(SIZES["xlsx"])
    summary_rows.append((f"report write, ~{SIZES['xlsx']:,} rows (whole reconcile)", "XlsxWriter", r["Python XlsxWriter constant_memory"][0] / r["cardrecon reconcile --outputs xlsx"][0], "≥ 4"))
    summary_rows.append((f"report write, ~{SIZES['xlsx']:,} rows (workbook only)", "XlsxWriter", r["Python XlsxWriter constant_memory"][0] / max(w, 1e-9), "≥ 4"))
if "fetch" in ONLY:
    r, got = bench_fetch(SIZES["fetch"])
    py, rs = r["Python httpx + orjson"], r["cardrecon fetch"]
    summary_rows.append((f"fetch, {SIZES['fetch']:,} records (records/s)", "httpx", py[0] / rs[0], "≥ 5"))
    summary_rows.append((f"fetch, {SIZES['fetch']:,} records (CPU per record)", "httpx", py[1] / rs[1], ""))
if "e2e" in ONLY:
    bench_e2e(SIZES["e2e"])

say("### Targets: where cardrecon stands")
say()
say("Ratio = the peer's median wall time ÷ cardrecon's (above 1: cardrecon is faster).")
say()
say("| comparison | peer | ratio | target | met |")
say("|---|---|---|---|---|")
for what, peer, ratio, target in summary_rows:
    m = re.search(r"≥ ([\d.]+)", target)
    met = ("yes" if ratio >= float(m.group(1)) else "no") if m else ""
    say(f"| {what} | {peer} | {ratio:.2f} | {target} | {met} |")
say()
agree = all(a for _, a, _ in checks)
say(f"Same answers: {'every comparison agreed' if agree else 'SOME COMPARISONS DISAGREED'} ("
    + "; ".join(f"{w}: {'yes' if a else 'NO'}" for w, a, _ in checks) + f"). Whole run: {(time.time() - started) / 60:.1f} min.")
with open(args.markdown, "w") as f:
    f.write("\n".join(lines) + "\n")
sys.exit(0 if agree else 1)
