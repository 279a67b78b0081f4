#!/usr/bin/env bash
# The workspace under load: a store of 1,000,000 items (100,000 open) over 12 periods, the
# items page (a period and state filter, sorted by amount, page 50) and one item's page, each
# asked by 20 concurrent clients for 20 s with wrk, on SQLite and on a real PostgreSQL
# (initdb + pg_ctl in a temporary directory). Prints p50/p95/p99 per page and database.
#   bench/workspace_load.sh [ITEMS]      (default 1000000)
source "$(dirname "$0")/common.sh"
N="${1:-1000000}"
ensure_command wrk wrk || { echo "SKIP: wrk is not installed"; exit 0; }
ensure_command sqlite3 sqlite3 || { echo "SKIP: sqlite3 is not installed"; exit 0; }
build_release
D="$WORK/workspace-load"
rm -rf "$D" && mkdir -p "$D" && chmod 777 "$D"
PASSWORD="bench-viewer-password"
PATHS=("/items?period=2025-06&state=open&sort=amount&page=50" "/items/i-0000000000420000")

# Signs in with curl and prints the Cookie header value.
sign_in() {
  local base="$1" jar="$D/jar"
  rm -f "$jar"
  local token
  token=$(curl -fs -c "$jar" -b "$jar" "$base/sign-in" | grep -o 'name="authenticity_token" value="[^"]*"' | head -1 | sed 's/.*value="//;s/"$//;s/&#x2f;/\//g;s/&#x2b;/+/g')
  curl -fs -c "$jar" -b "$jar" -o /dev/null -X POST "$base/sign-in" \
    --data-urlencode "authenticity_token=$token" --data-urlencode "name=bench" --data-urlencode "password=$PASSWORD"
  sed 's/^#HttpOnly_//' "$jar" | awk '!/^#/ && NF >= 7 {printf "%s=%s; ", $6, $7}'
}

load() {
  local label="$1" url="$2"
  echo "$PASSWORD" | "$BIN" user add bench --role viewer --store "$url" --password-stdin > /dev/null
  printf '[store]\nurl = "%s"\n[output]\ndir = "runs"\n' "$url" > "$D/$label.toml"
  local port; port=$(free_port)
  "$BIN" serve --config "$D/$label.toml" --addr "127.0.0.1:$port" > "$D/$label-serve.log" 2>&1 &
  local serve=$!
  for _ in $(seq 50); do curl -fs "http://127.0.0.1:$port/sign-in" > /dev/null && break; sleep 0.2; done
  local cookie; cookie=$(sign_in "http://127.0.0.1:$port")
  for path in "${PATHS[@]}"; do
    curl -fs -H "Cookie: $cookie" "http://127.0.0.1:$port$path" | grep -q 'cardrecon' || { echo "FAILED: $path did not answer a page"; kill $serve; exit 1; }
    printf '%-9s %-55s ' "$label" "$path"
    wrk -t2 -c20 -d20s -H "Cookie: $cookie" -s "$(dirname "$0")/wrk_p95.lua" "http://127.0.0.1:$port$path" | tail -1
  done
  kill $serve
}

# SQLite: the store file, filled in one transaction.
SQLITE="$D/store.db"
echo "$PASSWORD" | "$BIN" user add filler --role viewer --store "sqlite:$SQLITE" --password-stdin > /dev/null
s=$(date +%s); python3 "$(dirname "$0")/py/store_fill.py" sqlite "$N" | sqlite3 "$SQLITE"
echo "sqlite: $N items written in $(( $(date +%s) - s )) s"
load sqlite "sqlite:$SQLITE"

# PostgreSQL: a server of its own (as the postgres user when run as root, as initdb wants).
PGBIN=$(ls -d /usr/lib/postgresql/*/bin | tail -1)
PGPORT=$(free_port)
AS=(); [ "$(id -u)" = 0 ] && AS=(runuser -u postgres --)
"${AS[@]}" "$PGBIN/initdb" -D "$D/pg" -U bench -A trust > "$D/initdb.log"
"${AS[@]}" "$PGBIN/pg_ctl" -D "$D/pg" -o "-p $PGPORT -k $D -c shared_buffers=256MB" -l "$D/pg.log" -w start > /dev/null
trap '"${AS[@]}" "$PGBIN/pg_ctl" -D "$D/pg" -m fast stop > /dev/null 2>&1 || true' EXIT
"${AS[@]}" "$PGBIN/createdb" -h 127.0.0.1 -p "$PGPORT" -U bench books
PG="postgres://bench@127.0.0.1:$PGPORT/books"
echo "$PASSWORD" | "$BIN" user add filler --role viewer --store "$PG" --password-stdin > /dev/null
s=$(date +%s); python3 "$(dirname "$0")/py/store_fill.py" postgres "$N" | psql -q -h 127.0.0.1 -p "$PGPORT" -U bench books
echo "postgres: $N items written in $(( $(date +%s) - s )) s"
load postgres "$PG"
