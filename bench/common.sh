# Shared by the bench scripts: build the release binary once, find free ports, time commands.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/cardrecon-target}"
# CARDRECON_BIN: another build to use (e.g. the debug one, for a quick look).
BIN="${CARDRECON_BIN:-$CARGO_TARGET_DIR/release/cardrecon}"
WORK="${BENCH_WORK:-$ROOT/bench/work}"
mkdir -p "$WORK"

build_release() {
  [ -n "${CARDRECON_BIN:-}" ] && return 0
  (cd "$ROOT" && cargo build --release --quiet)
}

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

# Runs a command under /usr/bin/time -v; prints "seconds peak_rss_mib" on stdout.
measure() {
  local log; log="$(mktemp)"
  /usr/bin/time -v "$@" > "$log.out" 2> "$log" || { cat "$log" "$log.out" >&2; return 1; }
  local secs rss
  secs=$(awk -F': ' '/Elapsed \(wall clock\)/ {print $2}' "$log" | awk -F: '{ if (NF==3) print $1*3600+$2*60+$3; else print $1*60+$2 }')
  rss=$(awk -F': ' '/Maximum resident set size/ {printf "%.0f", $2/1024}' "$log")
  echo "$secs $rss"
  rm -f "$log" "$log.out"
}

# Starts the sandbox on a free port in the background; sets SANDBOX_PID and SANDBOX_URL.
start_sandbox() {
  local data="$1"; shift
  local port; port="$(free_port)"
  "$BIN" sandbox --data "$data" --addr "127.0.0.1:$port" "$@" > "$WORK/sandbox.log" 2>&1 &
  SANDBOX_PID=$!
  SANDBOX_URL="http://127.0.0.1:$port"
  for _ in $(seq 1 600); do
    if grep -q "sandbox serving" "$WORK/sandbox.log" 2>/dev/null; then return 0; fi
    sleep 0.1
  done
  echo "the sandbox did not start: $(cat "$WORK/sandbox.log")" >&2
  return 1
}

stop_sandbox() {
  kill "$SANDBOX_PID" 2>/dev/null || true
  wait "$SANDBOX_PID" 2>/dev/null || true
}

# The sandbox's credentials, given the way real ones are: environment variables.
export CARDRECON_KEYSECURE_API_KEY=sandbox-keysecure-key CARDRECON_KEYSECURE_API_SECRET=sandbox-keysecure-secret \
  CARDRECON_TXV3_API_KEY=sandbox-txv3-key CARDRECON_CARDAPP_KEY=sandbox-cardapp-key \
  CARDRECON_USERTRANS_APP_KEY=sandbox-usertrans-key CARDRECON_USERTRANS_APP_SECRET=sandbox-usertrans-secret

# Writes a config pointing at $SANDBOX_URL for the generated month in $1 into $2.
write_config() {
  local data="$1" cfg="$2" runs="$3"
  "$BIN" init --out "$cfg" --sandbox "$SANDBOX_URL" --force > /dev/null
  sed -i "s|^path = .*|path = \"$data/ledger.csv\"|; s|^dir = .*|dir = \"$runs\"|; s|^# period = .*|period = \"2026-03\"|" "$cfg"
  # init's sandbox mode raises the rate cap; keep the concurrency it sets.
}

# Makes COMMAND available from Debian's PACKAGE (as root, where apt works); returns 1 if it is
# still missing, so a script can skip with a clear message.
ensure_command() {
  local cmd="$1" pkg="$2"
  if ! command -v "$cmd" > /dev/null && [ "$(id -u)" = 0 ] && command -v apt-get > /dev/null; then
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$pkg") > "$WORK/apt-$pkg.log" 2>&1 || true
  fi
  command -v "$cmd" > /dev/null
}

# Generates a small month into $1/data and reconciles it into $1/out (for the report checks).
small_report() {
  local d="$1"; rm -rf "$d"
  "$BIN" generate --out "$d/data" --records 3000 --seed 12 > /dev/null
  "$BIN" reconcile --provider-data "$d/data/providers" --ledger "$d/data/ledger.csv" --period 2026-03 \
    --timezone Europe/London --out "$d/out" --exit-zero > /dev/null
}
