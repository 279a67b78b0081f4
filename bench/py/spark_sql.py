"""Runs cardrecon's generated Spark SQL in Spark's local mode (issue 17).

usage: spark_sql.py QUERY.sql EXPORT_DIR RESULTS_DIR CORES OUT.json

Registers the tables `cardrecon export` wrote as the views the statement names, runs the
statement and writes its rows to RESULTS_DIR (Parquet, one file per task), then writes OUT.json:
the seconds the query and write took, the rows, and the category counts.

The views read the files recursively, ignoring the provider=/accounting_day= directories: every
file holds all of its columns, so nothing is lost, and no partition value is re-typed by Spark's
inference (a provider instance named "2024" would otherwise become an integer).
"""
import json
import sys
import time

from pyspark.sql import SparkSession

query_path, export_dir, results_dir, cores, out_json = sys.argv[1:6]

spark = (
    SparkSession.builder.master(f"local[{cores}]")
    .appName("cardrecon-spark-check")
    .config("spark.driver.memory", "12g")
    .config("spark.sql.session.timeZone", "UTC")
    .config("spark.sql.shuffle.partitions", str(int(cores) * 4))
    # Instants as Parquet's microsecond timestamps (Spark 3 writes INT96 by default).
    .config("spark.sql.parquet.outputTimestampType", "TIMESTAMP_MICROS")
    .config("spark.ui.enabled", "false")
    .getOrCreate()
)
spark.sparkContext.setLogLevel("ERROR")
for table in ("provider_records", "ledger_entries"):
    (
        spark.read.option("recursiveFileLookup", "true")
        .parquet(f"{export_dir}/{table}")
        .createOrReplaceTempView(table)
    )
query = open(query_path).read()
start = time.monotonic()
results = spark.sql(query)
results.write.mode("overwrite").parquet(results_dir)
seconds = time.monotonic() - start
written = spark.read.parquet(results_dir)
counts = {r["category"]: r["count"] for r in written.groupBy("category").count().collect()}
# The JVM's peak memory (VmHWM): it is the gateway's child process, which the process-tree
# measure of the script does not see.
jvm_mib = None
try:
    pid = spark.sparkContext._gateway.proc.pid
    for line in open(f"/proc/{pid}/status"):
        if line.startswith("VmHWM:"):
            jvm_mib = round(int(line.split()[1]) / 1024)
except Exception:
    pass
with open(out_json, "w") as f:
    json.dump({
        "seconds": round(seconds, 2),
        "jvm_peak_mib": jvm_mib,
        "rows": sum(counts.values()),
        "by_category": dict(sorted(counts.items())),
    }, f)
spark.stop()
