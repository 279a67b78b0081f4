#!/usr/bin/env bash
# Fuzzes every provider page parser and the ledger readers with cargo-fuzz (libFuzzer).
#   bench/fuzz.sh [SECONDS_PER_TARGET] [TARGET...]     (default 600 s, every target in fuzz/)
# Installs cargo-fuzz if needed. No nightly toolchain can be fetched here, so the stable one runs
# with RUSTC_BOOTSTRAP=1 (cargo-fuzz needs -Z flags). Seeds come from sample-data/ and the
# bad-input corpus. A crash is copied to tests/corpus/fuzz/<target>/, where the integration
# tests replay it (fix it, keep it). Prints one Markdown row per target for RELIABILITY.md.
source "$(dirname "$0")/common.sh"
SECS="${1:-600}"; shift || true
TARGETS=("$@")
[ ${#TARGETS[@]} -gt 0 ] || TARGETS=(page_keysecure page_txv3 page_cardapp page_usertrans ledger_csv ledger_xlsx ledger_parquet)
NORMAL_TARGET_DIR="$CARGO_TARGET_DIR"
export RUSTC_BOOTSTRAP=1
command -v cargo-fuzz > /dev/null || cargo install cargo-fuzz --locked
# Instrumented builds of every dependency (polars included) are kept apart from the normal ones.
export CARGO_TARGET_DIR="${FUZZ_TARGET_DIR:-$HOME/.cache/cardrecon-fuzz-target}"
F="$WORK/fuzz"; mkdir -p "$F"
cd "$ROOT/fuzz"

seed() {
  local t="$1" d="$F/corpus/$1"; mkdir -p "$d"
  case "$t" in
    page_*)
      local p="${t#page_}"
      # Pages as the providers answer them, from a small month served by the sandbox.
      if [ ! -d "$F/seed-run" ]; then
        # The normal binary (the sandbox serves the seed pages), built only for page targets.
        (export CARGO_TARGET_DIR="$NORMAL_TARGET_DIR"; unset RUSTC_BOOTSTRAP; build_release)
        "$BIN" generate --out "$F/seed-data" --records 300 --seed 4 > /dev/null
        start_sandbox "$F/seed-data/providers"
        write_config "$F/seed-data" "$F/seed.toml" "$F/seed-runs"
        "$BIN" fetch --config "$F/seed.toml" --out "$F/seed-run" > /dev/null
        stop_sandbox
      fi
      find "$F/seed-run/$p/pages" -name '*.json' | sort | sed -n 1,20p | xargs -I{} cp {} "$d/" ;;
    ledger_csv) cp "$ROOT"/tests/corpus/ledger/*.csv "$d/"; head -30 "$ROOT/sample-data/ledger.csv" > "$d/sample.csv" ;;
    ledger_xlsx) cp "$ROOT"/tests/corpus/ledger/*.xlsx "$d/" ;;
    ledger_parquet) cp "$ROOT"/tests/corpus/ledger/*.parquet "$d/" ;;
  esac
}

echo "building the fuzz targets (instrumented; the first build compiles polars again)..." >&2
cargo fuzz build --sanitizer none --debug-assertions > "$F/build.log" 2>&1 || { tail -30 "$F/build.log"; exit 1; }
echo "| target | seconds | executions | crashes |"
echo "|---|---|---|---|"
status=0
for t in "${TARGETS[@]}"; do
  seed "$t"
  log="$F/$t.log"
  rm -rf "$ROOT/fuzz/artifacts/$t"
  set +e
  cargo fuzz run "$t" --sanitizer none --debug-assertions "$F/corpus/$t" -- \
    -max_total_time="$SECS" -rss_limit_mb=4096 -max_len=65536 -print_final_stats=1 > "$log" 2>&1
  set -e
  runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' | tail -1)
  crashes=$(find "$ROOT/fuzz/artifacts/$t" -type f 2>/dev/null | wc -l)
  if [ "$crashes" -gt 0 ]; then
    mkdir -p "$ROOT/tests/corpus/fuzz/$t"
    cp "$ROOT/fuzz/artifacts/$t"/* "$ROOT/tests/corpus/fuzz/$t/"
    status=1
  fi
  echo "| $t | $SECS | ${runs:-?} | $crashes |"
done
exit $status
