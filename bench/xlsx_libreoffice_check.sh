#!/usr/bin/env bash
# Converts the committed sample month's report.xlsx with LibreOffice headless (`soffice
# --headless --convert-to pdf`): the workbook opens cleanly outside Excel, and its Summary sheet
# prints on one page (issue 16), and the Links, Cards and Fetch sheets print with the sample's
# findings (issue 15). Renders every page to PNG to look at, and checks (issue 26) that the
# printed Discrepancies pages set their text at 8 pt or more and that no printed cell shows
# `###` (pdfminer.six, pinned below, measures the printed size). Skips with a clear message
# where LibreOffice is absent and cannot be installed.
#   bench/xlsx_libreoffice_check.sh
source "$(dirname "$0")/common.sh"
if ! ensure_command soffice libreoffice-calc; then
  echo "SKIP: LibreOffice (soffice) is not installed and could not be installed (see $WORK/apt-libreoffice-calc.log)"; exit 0
fi
ensure_command pdftotext poppler-utils || { echo "bench/xlsx_libreoffice_check.sh needs pdftotext (Debian package poppler-utils)" >&2; exit 2; }
build_release
D="$WORK/libreoffice"
rm -rf "$D"
"$BIN" reconcile --provider-data "$ROOT/sample-data/providers" --config "$ROOT/sample-data/cardrecon.toml" \
  --out "$D/out" --exit-zero > /dev/null
timeout 300 soffice --headless --norestore --convert-to pdf --outdir "$D/pdf" "$D/out/report.xlsx" > "$D/soffice.log" 2>&1
if [ ! -s "$D/pdf/report.pdf" ]; then
  echo "FAILED: LibreOffice did not convert report.xlsx:"; cat "$D/soffice.log"; exit 1
fi
pages=$(pdfinfo "$D/pdf/report.pdf" 2>/dev/null | awk '/^Pages:/ {print $2}')
# Each page's footer names its sheet (&A): count the pages whose footer says Summary.
summary_pages=0
for p in $(seq 1 "$pages"); do
  if pdftotext -layout -f "$p" -l "$p" "$D/pdf/report.pdf" - | grep -qE '^\s*Summary\s+Page [0-9]+ of [0-9]+'; then
    summary_pages=$((summary_pages + 1))
  fi
done
echo "report.xlsx of sample-data/ converted by $(soffice --version | head -1): $D/pdf/report.pdf ($pages pages, Summary on $summary_pages)"
if command -v pdftoppm > /dev/null; then pdftoppm -png -r 60 "$D/pdf/report.pdf" "$D/pdf/page" && echo "pages to look at: $(ls "$D"/pdf/page-*.png | tr '\n' ' ')"; fi
if [ "$summary_pages" != 1 ]; then echo "FAILED: the Summary prints on $summary_pages pages, not one"; exit 1; fi
# Issue 15's sheets are there and printed: each page footer names its sheet.
text=$(pdftotext -layout "$D/pdf/report.pdf" -)
for sheet in Links Cards Fetch; do
  if ! grep -qE "^\s*$sheet\s+Page [0-9]+ of [0-9]+" <<< "$text"; then echo "FAILED: no printed page of the $sheet sheet"; exit 1; fi
done
grep -q "Refunds above original" <<< "$text" || { echo "FAILED: the Links sheet lacks its findings"; exit 1; }
grep -q "Closed card not at zero" <<< "$text" || { echo "FAILED: the Cards sheet lacks the seeded closed card"; exit 1; }
grep -q "No fetch evidence" <<< "$text" || { echo "FAILED: the Fetch sheet does not say the sample has no fetch evidence"; exit 1; }
echo "the Links, Cards and Fetch sheets print, with the sample's findings"
# Every printed page: its sheet (from the footer), the printed size of its text, any `###`;
# on A4 (the sample's London timezone) and on Letter (the narrower page).
VENV="$WORK/pdfminer-venv"
if ! "$VENV/bin/python" -c "import pdfminer" > /dev/null 2>&1; then
  python3 -m venv "$VENV" && "$VENV/bin/pip" install --quiet --disable-pip-version-check "pdfminer.six==20260107" \
    || { echo "FAILED: could not install pdfminer.six to measure the printed text"; exit 1; }
fi
check_pages() {
  local pdf="$1" paper="$2" failed=0
  "$VENV/bin/python" "$ROOT/bench/py/pdf_pages.py" "$pdf" > "$pdf.pages.tsv"
  while IFS=$'\t' read -r page size hashes; do
    sheet=$(pdftotext -layout -f "$page" -l "$page" "$pdf" - | grep -oE '^\s*\S.*\S\s+Page [0-9]+ of [0-9]+' | sed -E 's/^\s*//; s/\s+Page [0-9]+ of [0-9]+$//' | tail -1)
    echo "  $paper page $page: ${sheet:-?}, text ${size} pt, $hashes"
    if [ "$hashes" != ok ]; then echo "FAILED: $paper page $page (${sheet:-?}) shows ###"; failed=1; fi
    if [ "${sheet:-}" = Discrepancies ] && awk "BEGIN { exit !($size < 8.0) }"; then
      echo "FAILED: the printed Discrepancies page $page on $paper sets its text at $size pt, under 8"; failed=1
    fi
  done < "$pdf.pages.tsv"
  return $failed
}
check_pages "$D/pdf/report.pdf" A4 || exit 1
sed "s|^path = .*|path = \"$ROOT/sample-data/ledger.csv\"|" "$ROOT/sample-data/cardrecon.toml" > "$D/letter.toml"
printf '\n[output]\npaper = "letter"\n' >> "$D/letter.toml"
"$BIN" reconcile --provider-data "$ROOT/sample-data/providers" --config "$D/letter.toml" --out "$D/letter" --exit-zero > /dev/null
timeout 300 soffice --headless --norestore --convert-to pdf --outdir "$D/letter-pdf" "$D/letter/report.xlsx" > "$D/soffice-letter.log" 2>&1
pdfinfo "$D/letter-pdf/report.pdf" | grep -q "(letter)" || { echo "FAILED: the Letter workbook did not print on Letter"; exit 1; }
check_pages "$D/letter-pdf/report.pdf" Letter | grep -E "Discrepancies|FAILED" || true
check_pages "$D/letter-pdf/report.pdf" Letter > /dev/null || exit 1
echo "every printed page: no ###; the Discrepancies pages at 8 pt or more on A4 and on Letter"
