#!/usr/bin/env bash
# Issue 17: cardrecon's generated SQL on Apache Spark (local mode), checked row for row against
# cardrecon's own engine, with both timed side by side.
#
# usage: bench/spark_check.sh [RECORDS] [ZONE]     (defaults: 1000000, America/New_York)
#
# Installs what it needs: Debian's OpenJDK when no java is on PATH, PySpark (pinned) in
# bench/.venv-spark. Then, for a generated month (stages 1-5: groups and suggestions off, since
# the statement does not express them):
#   1. cardrecon reconcile --export: the local run's reports and the hive-partitioned tables;
#   2. cardrecon sql --dialect spark: the statement, from the engine's rules and the config;
#   3. Spark runs it over the exported tables and writes its results table (Parquet);
#   4. cardrecon report --results: the reports from Spark's results;
#   5. every report file of 1 and 4 must be byte-identical (results.csv holds every row, so this
#      is the row-for-row check), and Spark's category counts equal the engine's.
# Times: Spark's query + write (JVM start excluded), and cardrecon's engine on the same month
# from its Parquet tables (reconcile --outputs json), each with its peak memory.
source "$(dirname "$0")/common.sh"
RECORDS="${1:-1000000}"
ZONE="${2:-America/New_York}"
CORES="$(nproc)"
PYSPARK_PIN="pyspark==3.5.3"

if ! command -v java >/dev/null 2>&1; then
  SUDO=""; [ "$(id -u)" != "0" ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq openjdk-17-jre-headless >/dev/null
fi
VENV="$ROOT/bench/.venv-spark"
if ! "$VENV/bin/python" -c "import pyspark, sys; sys.exit(pyspark.__version__ != '${PYSPARK_PIN#pyspark==}')" >/dev/null 2>&1; then
  echo "installing $PYSPARK_PIN into $VENV..."
  rm -rf "$VENV"
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install --quiet --disable-pip-version-check "$PYSPARK_PIN"
fi
echo "building cardrecon (release)..."
build_release

DIR="$WORK/spark-$RECORDS-${ZONE//\//_}"
rm -rf "$DIR"
mkdir -p "$DIR"
echo "generating $RECORDS records (2026-03, $ZONE)..."
"$BIN" generate --out "$DIR/data" --records "$RECORDS" --seed 1 --period 2026-03 --timezone "$ZONE" > /dev/null
cat > "$DIR/cardrecon.toml" <<TOML
timezone = "$ZONE"
period = "2026-03"
margin_days = 3
[ledger]
path = "$DIR/data/ledger.csv"
[matching]
groups = false
suggest = false
TOML
CFG="$DIR/cardrecon.toml"
IN=(--provider-data "$DIR/data/providers" --config "$CFG")

echo "1. cardrecon reconcile --export"
"$BIN" reconcile "${IN[@]}" --out "$DIR/local" --export "$DIR/export" --exit-zero > "$DIR/local.txt"
echo "2. cardrecon sql --dialect spark"
"$BIN" sql --dialect spark --config "$CFG" > "$DIR/query.sql"
echo "3. Spark local[$CORES]"
read -r SPARK_S _ < <(measure "$VENV/bin/python" "$ROOT/bench/py/spark_sql.py" "$DIR/query.sql" "$DIR/export" "$DIR/spark-results" "$CORES" "$DIR/spark.json")
[ -n "${SPARK_S:-}" ] || { echo "Spark failed (see above)" >&2; exit 1; }
echo "4. cardrecon report --results"
"$BIN" report --results "$DIR/spark-results" "${IN[@]}" --out "$DIR/from-spark" --exit-zero > "$DIR/from-spark.txt"

echo "5. comparing"
status=0
for f in results.csv discrepancies.csv summary.json links.csv cards.csv report.html report.xlsx; do
  if cmp -s "$DIR/local/$f" "$DIR/from-spark/$f"; then
    echo "  same: $f"
  else
    echo "  DIFFERENT: $f"; status=1
  fi
done
ROWS=$(($(wc -l < "$DIR/local/results.csv") - 1))

echo "timing cardrecon's engine on the same month (its Parquet tables, summary.json only)..."
read -r CR_S CR_MIB < <(measure "$BIN" reconcile --provider-data "$DIR/local/normalized/provider_records.parquet" \
  --ledger "$DIR/local/normalized/ledger_entries.parquet" --config "$CFG" --out "$DIR/engine" --outputs json --exit-zero)
SPARK_QUERY_S="$(python3 -c "import json; print(json.load(open('$DIR/spark.json'))['seconds'])")"
SPARK_JVM_MIB="$(python3 -c "import json; print(json.load(open('$DIR/spark.json'))['jvm_peak_mib'])")"
python3 - "$DIR/spark.json" "$DIR/local/results.csv" <<'PY' || status=1
import csv, json, sys
spark = json.load(open(sys.argv[1]))["by_category"]
local = {}
for row in csv.DictReader(open(sys.argv[2], newline="")):
    local[row["category"]] = local.get(row["category"], 0) + 1
print("  categories:", json.dumps(dict(sorted(local.items()))))
if spark != dict(sorted(local.items())):
    print("  Spark's categories differ:", json.dumps(spark))
    sys.exit(1)
PY

echo
echo "| records | result rows | Spark local[$CORES]: query + write | Spark: whole process (JVM start) | Spark peak memory (JVM) | cardrecon: read + match + summary | cardrecon peak memory | reports identical |"
echo "|---|---|---|---|---|---|---|---|"
echo "| $RECORDS | $ROWS | ${SPARK_QUERY_S} s | ${SPARK_S} s | ${SPARK_JVM_MIB} MiB | ${CR_S} s | ${CR_MIB} MiB | $([ $status = 0 ] && echo yes || echo NO) |"
exit $status
