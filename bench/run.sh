#!/usr/bin/env bash
# The side-by-side benchmarks (issue 5): cardrecon against DuckDB, Python polars, datacompy,
# fastexcel, openpyxl, XlsxWriter and an httpx client, on the same data, in one run.
#   bench/run.sh            1e5 and 1e6 rows (about an hour on 2 cores)
#   bench/run.sh --quick    small sizes, under 5 minutes once built
#   bench/run.sh --full     adds 1e7 rows per side for match + classify
# Builds cardrecon in release mode, makes bench/.venv with the pinned versions in
# bench/py/requirements.txt, runs bench/py/harness.py, prints the tables and writes them into
# BENCHMARKS.md between the "bench/run.sh" markers. Extra arguments go to the harness
# (e.g. --only match,fetch --rounds 7).
source "$(dirname "$0")/common.sh"
MODE=default
ARGS=()
SECTION_SUFFIX=""
prev=""
for a in "$@"; do
  case "$a" in
    --quick) MODE=quick ;;
    --full) MODE=full ;;
    *) ARGS+=("$a") ;;
  esac
  # A partial run (--only a,b) gets its own section, so it does not replace the whole mode's.
  if [ "$prev" = "--only" ]; then SECTION_SUFFIX=" --only $a"; fi
  prev="$a"
done

ensure_command /usr/bin/time time || { echo "bench/run.sh needs /usr/bin/time (Debian package time)" >&2; exit 2; }
echo "building cardrecon (release)..."
build_release

VENV="$ROOT/bench/.venv"
REQ="$ROOT/bench/py/requirements.txt"
if ! cmp -s "$REQ" "$VENV/requirements.installed" 2>/dev/null; then
  echo "creating $VENV with the pinned Python peers..."
  rm -rf "$VENV"
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install --quiet --disable-pip-version-check -r "$REQ"
  cp "$REQ" "$VENV/requirements.installed"
fi

# A copy of the binary, so a rebuild during the run does not change what is measured.
cp "$BIN" "$WORK/cardrecon-bench"
BIN="$WORK/cardrecon-bench"
OUT_MD="$WORK/run-$MODE${SECTION_SUFFIX// /}.md"
status=0
"$VENV/bin/python" "$ROOT/bench/py/harness.py" --mode "$MODE" --bin "$BIN" --work "$WORK/run-$MODE" --markdown "$OUT_MD" "${ARGS[@]+"${ARGS[@]}"}" || status=$?
[ -s "$OUT_MD" ] || exit "$status"

# Replace this mode's section of BENCHMARKS.md with what was just printed.
python3 - "$ROOT/BENCHMARKS.md" "$MODE$SECTION_SUFFIX" "$OUT_MD" <<'PY'
import re, sys
path, mode, md = sys.argv[1:4]
text = open(path).read()
begin, end = f"<!-- bench/run.sh {mode} begin -->", f"<!-- bench/run.sh {mode} end -->"
block = f"{begin}\n{open(md).read()}{end}"
if begin in text and end in text:
    text = re.sub(re.escape(begin) + r".*?" + re.escape(end), lambda _: block, text, flags=re.S)
else:
    flags = mode.replace("default", "").strip()
    text = text.rstrip("\n") + f"\n\n## Side by side: `bench/run.sh{' --' + flags if flags and not flags.startswith('--') else ' ' + flags if flags else ''}`\n\n{block}\n"
open(path, "w").write(text)
PY
echo "tables written into BENCHMARKS.md (section bench/run.sh $MODE$SECTION_SUFFIX)"
exit "$status"
