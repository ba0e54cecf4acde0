#!/usr/bin/env python3
"""Write corpus/general/wiki-heldout.gold.txt: Vietnamese Wikipedia paragraphs that no language
model of rules/ counted (build-lm leaves out every 50th paragraph of each file), for `kehoach eval`
to score text of another genre typed without marks (restore.stripped.general).

Source: ../shared/text-admin/wiki-vi.txt.gz (Vietnamese Wikipedia, 2017 articles; text by
Wikipedia's contributors, CC BY-SA 3.0). Usage: python3 scripts/make-general-sample.py [--count 250]
"""
import argparse, gzip, random

ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
ap.add_argument("--source", default="../shared/text-admin/wiki-vi.txt.gz")
ap.add_argument("--count", type=int, default=250)
ap.add_argument("--out", default="corpus/general/wiki-heldout.gold.txt")
args = ap.parse_args()

with gzip.open(args.source, "rt", encoding="utf-8") as f:
    lines = f.read().split("\n")
# the paragraphs build-lm's --hold-out 50 leaves out, of a length a reader meets in prose
held = [l for i, l in enumerate(lines) if i % 50 == 0 and 40 < len(l) < 600]
random.seed(2026)
sample = random.sample(held, args.count)
with open(args.out, "w", encoding="utf-8") as f:
    f.write("\n".join(sample) + "\n")
print(f"{args.out}: {len(sample)} paragraphs, {sum(len(l.split()) for l in sample)} words")
