#!/usr/bin/env bash
# Opens report.html in a real browser (Debian's headless Chromium), with a category filter
# applied through the page's link (#cat=...), checks the filter shows exactly that category's
# rows, and saves a screenshot. Skips with a clear message where Chromium cannot be installed.
#   bench/html_browser_check.sh [CATEGORY]     (default amount_mismatch)
# It also clicks that category's figure at the top of the page and checks the same rows show,
# that the discrepancies come right after the headline figures, and that the shown rows'
# totals at stake are written under the table.
source "$(dirname "$0")/common.sh"
CAT="${1:-amount_mismatch}"
if ! ensure_command chromium chromium; then
  echo "SKIP: Chromium is not installed and could not be installed (see $WORK/apt-chromium.log)"; exit 0
fi
build_release
D="$WORK/html"
small_report "$D"
URL="file://$D/out/report.html#cat=$CAT"
FLAGS=(--headless --no-sandbox --disable-gpu --disable-quic --no-first-run --disable-background-networking
  --disable-component-update --disable-sync --user-data-dir="$(mktemp -d)")
chromium "${FLAGS[@]}" --virtual-time-budget=3000 --dump-dom "$URL" > "$D/dom.html" 2> "$D/chromium.log"
expected=$(grep -c "^$CAT," "$D/out/discrepancies.csv" || true)
total=$(($(wc -l < "$D/out/discrepancies.csv") - 1))
rows=$(grep -oE '<tr data-category="[a-z_]*"[^>]*>' "$D/dom.html")
hidden=$(grep -c 'style="display: none;"' <<< "$rows" || true)
visible=$(($(wc -l <<< "$rows") - hidden))
shown=$(grep -o '[0-9]* of [0-9]* shown' "$D/dom.html" | head -1)
chromium "${FLAGS[@]}" --virtual-time-budget=3000 --window-size=1400,1000 --screenshot="$D/report.png" "$URL" > /dev/null 2>&1
echo "filter #cat=$CAT: $visible rows visible, $hidden hidden, page says \"$shown\"; discrepancies.csv has $expected such rows of $total"
echo "screenshot: $D/report.png"
[ "$visible" = "$expected" ] && [ $((visible + hidden)) = "$total" ] && [ "$shown" = "$expected of $total shown" ] || exit 1
totals=$(grep -oE '<p id="totals" class="note">[^<]*</p>' "$D/dom.html" | sed -E 's/<[^>]+>//g')
echo "totals under the filtered table: \"$totals\""
grep -qE '^At stake in the rows shown .*(EUR|USD) -?[0-9,]+\.[0-9]+' <<< "$totals" || { echo "FAILED: no totals at stake under the filtered table"; exit 1; }
# The discrepancies come right after the headline figures, before every other section.
order=$(grep -oE 'id="sec-[a-z]+"' "$D/dom.html" | head -2 | tr '\n' ' ')
echo "first sections: $order"
[ "$(grep -oE 'id="sec-[a-z]+"' "$D/dom.html" | head -1)" = 'id="sec-discrepancies"' ] || { echo "FAILED: the discrepancies are not the first section"; exit 1; }
# A click on the category's figure at the top filters the table the same way (the page is
# opened without a filter, and a script added to a copy clicks the figure after load).
sed "s|</body>|<script>setTimeout(function () { document.querySelector('a.card[href=\"#cat=$CAT\"]').click(); }, 100);</script></body>|" \
  "$D/out/report.html" > "$D/out/report-click.html"
chromium "${FLAGS[@]}" --virtual-time-budget=3000 --dump-dom "file://$D/out/report-click.html" > "$D/dom-click.html" 2>> "$D/chromium.log"
clicked=$(grep -o '[0-9]* of [0-9]* shown' "$D/dom-click.html" | head -1)
echo "a click on the $CAT figure: page says \"$clicked\""
[ "$clicked" = "$expected of $total shown" ]
