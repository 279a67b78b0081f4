#!/usr/bin/env bash
# Screenshots of every page of the review workspace on the demo's store, taken by a real
# headless Chromium (through chromedriver), to look at as a reader would:
#   bench/workspace_screenshots.sh            -> bench/work/workspace/*.png
# It runs `cardrecon demo`, adds an admin, starts `cardrecon serve` on a free port, and walks
# the close: the preparer filters, opens an item and proposes; the approver approves; the
# admin reads the audit log and the users.
source "$(dirname "$0")/common.sh"
if ! ensure_command chromium chromium || ! ensure_command chromedriver chromium-driver; then
  echo "SKIP: Chromium or chromedriver is not installed and could not be installed"; exit 0
fi
build_release
D="$WORK/workspace"
rm -rf "$D" && mkdir -p "$D"
"$BIN" demo --records 5000 --out "$D/demo" > "$D/demo.log"
ANA=$(awk '$1 == "ana" && $2 == "preparer" {print $3}' "$D/demo.log")
BEN=$(awk '$1 == "ben" && $2 == "approver" {print $3}' "$D/demo.log")
ADMIN_PASSWORD="bench-admin-password"
echo "$ADMIN_PASSWORD" | "$BIN" user add ada --role admin --store "sqlite:$D/demo/runs/cardrecon.db" --password-stdin
PORT=$(free_port)
DPORT=$(free_port)
"$BIN" serve --config "$D/demo/cardrecon.toml" --addr "127.0.0.1:$PORT" > "$D/serve.log" 2>&1 &
SERVE=$!
chromedriver --port="$DPORT" > "$D/chromedriver.log" 2>&1 &
DRIVER=$!
trap 'kill $SERVE $DRIVER 2>/dev/null || true' EXIT
for _ in $(seq 50); do
  curl -fs "http://127.0.0.1:$PORT/sign-in" > /dev/null && curl -fs "http://127.0.0.1:$DPORT/status" > /dev/null && break
  sleep 0.2
done
python3 "$(dirname "$0")/py/workspace_shots.py" "http://127.0.0.1:$DPORT" "http://127.0.0.1:$PORT" "$D" \
  "ana:$ANA" "ben:$BEN" "ada:$ADMIN_PASSWORD"
