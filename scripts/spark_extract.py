#!/usr/bin/env python3
"""The map step of docs/scale-out.md as a PySpark job: `kehoach extract --jsonl` over a list of
document paths, one process per partition, the extractions (and an error record for each file that
cannot be read) written as JSON lines for `kehoach ingest`.

    spark-submit --deploy-mode client scripts/spark_extract.py --paths hdfs:///kehoach/paths.txt \
        --binary ./kehoach --rules ./rules.tar.gz --out hdfs:///kehoach/out

(client mode: the driver ships ./kehoach and ./rules.tar.gz from the machine it is started on).

Why not RDD.pipe: pipe ignores the command's exit status, so a job whose workers cannot run
kehoach (no rules) "succeeds" with empty output. Here a partition whose kehoach exits non-zero
raises, with kehoach's message, and the job fails loudly. An empty partition runs nothing (the
Scala/xargs form failed the whole job with status 123 on one).
"""
import argparse
import os
import subprocess

from pyspark import SparkFiles
from pyspark.sql import SparkSession


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--paths", required=True, help="text file of document paths, one per line (every worker reads them)")
    ap.add_argument("--binary", required=True, help="the kehoach executable (shipped to the workers)")
    ap.add_argument("--rules", required=True, help="rules.tar.gz: the rules folder's contents (tar -C rules -czf rules.tar.gz .)")
    ap.add_argument("--out", required=True, help="output folder for the JSON lines (part-*)")
    ap.add_argument("--partitions", type=int, default=0,
                    help="partitions of the path list (default: one per 200 paths, at least Spark's default parallelism)")
    args = ap.parse_args()

    spark = SparkSession.builder.appName("kehoach-extract").getOrCreate()
    sc = spark.sparkContext
    sc.addFile(args.binary)
    # unpacked on every worker as a folder named "rules" among the job's files
    sc.addArchive(args.rules + "#rules")
    binary_name = os.path.basename(args.binary)

    def extract(partition):
        paths = [p.strip() for p in partition if p.strip()]
        if not paths:
            return
        binary = SparkFiles.get(binary_name)
        os.chmod(binary, 0o755)
        env = dict(os.environ, KEHOACH_RULES=SparkFiles.get("rules"))
        done = subprocess.run([binary, "extract", "--jsonl"], input="\n".join(paths) + "\n",
                              capture_output=True, text=True, env=env)
        # 0: every path has its line (an extraction or an error record); anything else: kehoach
        # could not run (2: no rules, broken rules), which must fail the job, not empty it
        if done.returncode != 0:
            raise RuntimeError("kehoach extract --jsonl exited %d: %s" % (done.returncode, done.stderr.strip()[-2000:]))
        # (split on "\n" only: JSON may hold U+2028 or U+0085, which splitlines() would cut at)
        yield from (line for line in done.stdout.split("\n") if line)

    # one task per 200 documents at least, and every core busy: a small path list is one block,
    # which Spark would otherwise read as two partitions
    partitions = args.partitions
    if not partitions:
        count = sc.textFile(args.paths).count()
        partitions = max(sc.defaultParallelism, -(-count // 200))
    lines = sc.textFile(args.paths, minPartitions=partitions)
    lines.mapPartitions(extract).saveAsTextFile(args.out)
    spark.stop()


if __name__ == "__main__":
    main()
