#!/usr/bin/env bash
# The close pack as an auditor prints it (issue 30): the demo, the README's workflow up to the
# close (an acceptance, close-period --force), a journal, the pack; then close.xlsx through
# LibreOffice to PDF and its first pages to PNG, to look at.
#   bench/close_pack_picture.sh
source "$(dirname "$0")/common.sh"
build_release
D="$WORK/close-pack"; rm -rf "$D"; mkdir -p "$D"; cd "$D"
"$BIN" demo > demo.log 2>&1
S=sqlite:demo-out/runs/cardrecon.db
"$BIN" accept --store $S i-8e0b5830bdaac48c --reason write_off --note "fee difference below materiality" > /dev/null
"$BIN" close-period --store $S 2026-03 --force --note "remaining items handed to accounting" > /dev/null
printf '[journal]\n[[journal.rules]]\nreason = "write_off"\ndebit = "6990 Other expenses"\ncredit = "1190 Provider clearing {provider}"\n' > demo-out/journal.toml
"$BIN" journal --config demo-out/journal.toml --store $S --period 2026-03 --out demo-out/journal-2026-03 > /dev/null
"$BIN" close-pack --store $S --period 2026-03 --runs demo-out/runs --out demo-out/close-2026-03
if ! ensure_command soffice libreoffice-calc; then echo "SKIP: no LibreOffice"; exit 0; fi
mkdir -p pdf
timeout 300 soffice --headless --norestore --convert-to pdf --outdir pdf demo-out/close-2026-03/close.xlsx > soffice.log 2>&1
echo "close.xlsx: $(pdfinfo pdf/close.pdf | awk '/Pages/ {print $2}') pages, $D/pdf/close.pdf"
if command -v pdftoppm > /dev/null; then
  pdftoppm -png -r 70 -f 1 -l 3 pdf/close.pdf pdf/page && echo "pages to look at: $(ls "$D"/pdf/page-*.png | tr '\n' ' ')"
fi
