#!/usr/bin/env bash
# Runs docs/scale-out.md's PySpark recipe (scripts/spark_extract.py) in Spark's local mode on the
# bundled corpus (corpus/raw) plus a file that cannot be read, loads the job's output with
# `kehoach ingest`, and checks that this store equals a `batch` store of the same files row for
# row, the bad file a failed document in both. Then runs the job with rules that do not load and
# checks that it fails, loudly. Exit 0 when all holds.
#
# Needs Python 3.8+ with venv, a Java 17 runtime (Debian: default-jre-headless, installed here when
# missing) and, the first time, the network for `pip install pyspark` (into .build/spark-venv).
# Usage: scripts/spark-local.sh [WORKDIR]
set -euo pipefail
cd "$(dirname "$0")/.."
work=${1:-$(mktemp -d)}
mkdir -p "$work"
step() { printf '\n==> %s\n' "$*"; }

if ! command -v java >/dev/null; then
  step "installing a Java runtime"
  sudo=(); [ "$(id -u)" != 0 ] && sudo=(sudo -n)
  "${sudo[@]}" apt-get install -y --no-install-recommends default-jre-headless
fi
venv=.build/spark-venv
if ! "$venv/bin/python" -c 'import pyspark' 2>/dev/null; then
  step "installing pyspark 3.5.3 into $venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q 'pyspark==3.5.3'
fi

step "building kehoach (release) and packing the rules as a job ships them"
swift build -c release
mkdir -p "$work/ship"
cp .build/release/kehoach "$work/ship/kehoach"
tar -C rules -czf "$work/ship/rules.tar.gz" .
kehoach=.build/release/kehoach

step "the archive: corpus/raw and an empty file"
rm -rf "$work/archive" && mkdir -p "$work/archive"
cp corpus/raw/*.txt "$work/archive/"
: > "$work/archive/empty.txt"
archive=$(cd "$work/archive" && pwd -P)
find "$archive" -name '*.txt' | sort > "$work/paths.txt"

step "the Spark job (local mode, 3 partitions)"
rm -rf "$work/spark-out"
# (the ship folder stands for what a cluster job is given; no rules beside the shipped binary)
(cd "$work" && "$OLDPWD/$venv/bin/python" "$OLDPWD/scripts/spark_extract.py" --paths "$work/paths.txt" \
   --binary "$work/ship/kehoach" --rules "$work/ship/rules.tar.gz" --out "$work/spark-out" --partitions 3) 2> "$work/spark.log" \
  || { tail -40 "$work/spark.log"; echo "spark-local: the job failed" >&2; exit 1; }
cat "$work"/spark-out/part-* > "$work/extractions.jsonl"
rm -f "$work/spark.sqlite"
"$kehoach" ingest "$work/extractions.jsonl" --db "$work/spark.sqlite"

step "the same files through batch"
rm -rf "$work/batch" "$work/batch.sqlite"
"$kehoach" batch "$archive" --out "$work/batch" --db "$work/batch.sqlite" --no-changes || true   # exit 1: the empty file

step "the two stores, row for row"
"$venv/bin/python" - "$work/batch.sqlite" "$work/spark.sqlite" <<'PY'
import sqlite3, sys
# what both kinds of store hold (batch also keeps its outputs' paths and hashes, and its origin)
tables = {
    "documents": "path, sha256, status, error_kind, error, error_offset, kind, number, issuer, place, province, date, year, title, signer, commune, district, province_2025",
    "targets": "*", "deadlines": "*", "agencies": "*", "legal_refs": "*",
}
def dump(path):
    db = sqlite3.connect(path)
    return {t: sorted(map(repr, db.execute(f"SELECT {cols} FROM {t}"))) for t, cols in tables.items()}
a, b = dump(sys.argv[1]), dump(sys.argv[2])
bad = False
for t in tables:
    if a[t] != b[t]:
        bad = True
        print(f"{t}: batch has {len(a[t])} rows, the Spark store {len(b[t])}; first difference:")
        for x, y in zip(a[t], b[t]):
            if x != y: print("  batch:", x[:300]); print("  spark:", y[:300]); break
    else:
        print(f"{t}: {len(a[t])} rows, equal")
failed = sqlite3.connect(sys.argv[2]).execute("SELECT path, error_kind FROM documents WHERE status = 'failed'").fetchall()
print("failed in the Spark store:", failed)
if bad or len(failed) != 1 or failed[0][1] != "empty": sys.exit(1)
PY

step "the job without rules fails loudly"
mkdir -p "$work/norules" && tar -C "$work/norules" -czf "$work/ship/empty-rules.tar.gz" .
rm -rf "$work/spark-out-2"
if (cd "$work" && "$OLDPWD/$venv/bin/python" "$OLDPWD/scripts/spark_extract.py" --paths "$work/paths.txt" \
      --binary "$work/ship/kehoach" --rules "$work/ship/empty-rules.tar.gz" --out "$work/spark-out-2") 2> "$work/spark-2.log"; then
  echo "spark-local: the job without rules succeeded" >&2; exit 1
fi
grep -m1 -o 'kehoach extract --jsonl exited 2: [^\\]*' "$work/spark-2.log" || { tail -20 "$work/spark-2.log"; exit 1; }
printf '\nspark-local: ok (work folder %s)\n' "$work"
