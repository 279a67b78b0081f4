#!/usr/bin/env bash
# Converts report.xlsx with LibreOffice headless (`soffice --headless --convert-to pdf`) to show
# the workbook opens cleanly outside Excel. Skips with a clear message where LibreOffice is
# absent and cannot be installed.
#   bench/xlsx_libreoffice_check.sh
source "$(dirname "$0")/common.sh"
if ! ensure_command soffice libreoffice-calc; then
  echo "SKIP: LibreOffice (soffice) is not installed and could not be installed (see $WORK/apt-libreoffice-calc.log)"; exit 0
fi
build_release
D="$WORK/libreoffice"
small_report "$D"
timeout 300 soffice --headless --norestore --convert-to pdf --outdir "$D/pdf" "$D/out/report.xlsx" > "$D/soffice.log" 2>&1
if [ -s "$D/pdf/report.pdf" ]; then
  pages=$(python3 -c "import re,sys; print(len(re.findall(rb'/Type\s*/Page[^s]', open(sys.argv[1],'rb').read())))" "$D/pdf/report.pdf")
  echo "report.xlsx converted by $(soffice --version | head -1): $D/pdf/report.pdf ($pages pages)"
  if command -v pdftoppm > /dev/null; then pdftoppm -png -r 60 -f 1 -l 1 "$D/pdf/report.pdf" "$D/pdf/page" && echo "first page: $(ls "$D"/pdf/page-*.png | head -1)"; fi
else
  echo "FAILED: LibreOffice did not convert report.xlsx:"; cat "$D/soffice.log"; exit 1
fi
