#!/usr/bin/env python3
"""Compare the speed of two kehoach builds on a machine whose speed drifts.

    python3 scripts/ab-bench.py OLD_BINARY NEW_BINARY [--stage restore|extract] [--rounds 16] [--mb 2]

Runs `BINARY bench STAGE --mb MB --jobs 1` for both builds, interleaved A B B A A B …, so that each
pair of runs shares the host's conditions of the moment, and prints each build's median and best
MB per CPU-second and the median of the per-round ratios NEW/OLD. On a shared host single runs of
one build differ by ±20 %; the median ratio of 16 rounds settles within about ±3 %.
Standard library only. Build the two binaries first (copy `.build/release/kehoach` aside).
"""
import argparse
import re
import statistics
import subprocess
import sys


def speed(binary: str, stage: str, mb: str) -> float:
    out = subprocess.run([binary, "bench", stage, "--mb", mb, "--jobs", "1"], capture_output=True, text=True)
    found = re.search(r"jobs=1: .*?; ([0-9.]+) MB per CPU-second", out.stdout)
    if out.returncode != 0 or not found:
        sys.exit(f"{binary}: bench failed (exit {out.returncode}):\n{out.stdout}{out.stderr}")
    return float(found.group(1))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("old")
    parser.add_argument("new")
    parser.add_argument("--stage", default="restore", choices=["restore", "extract"])
    parser.add_argument("--rounds", type=int, default=16)
    parser.add_argument("--mb", default="2", help="MB of repeated corpus per run (default 2)")
    args = parser.parse_args()
    old, new, ratios = [], [], []
    for r in range(args.rounds):
        if r % 2 == 0:
            a = speed(args.old, args.stage, args.mb); b = speed(args.new, args.stage, args.mb)
        else:
            b = speed(args.new, args.stage, args.mb); a = speed(args.old, args.stage, args.mb)
        old.append(a); new.append(b); ratios.append(b / a)
        print(f"round {r + 1}: old {a:.2f}  new {b:.2f}  ratio {b / a:.3f}", file=sys.stderr)
    print(f"{args.stage}, MB per CPU-second: old median {statistics.median(old):.2f} (best {max(old):.2f}), "
          f"new median {statistics.median(new):.2f} (best {max(new):.2f}); "
          f"new/old median {statistics.median(ratios):.3f} over {args.rounds} rounds")


if __name__ == "__main__":
    main()
