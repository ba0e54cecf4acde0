#!/usr/bin/env python3
"""Learn the OCR character confusion model P(ocr | true) of kehoach from (clean, OCR) line pairs.

Reads .work/ocr-pairs/chunkNNN.{clean,ocr}.txt (made by scripts/make-ocr-pairs.py), aligns
words within each line (DP on diacritic-folded forms), then characters within word pairs
(weighted Levenshtein, hard EM for a few rounds), merges frequent 1->2 and 2->1 operations,
and writes rules/restore/confusions.tsv:  TRUE <TAB> OCR <TAB> COUNT <TAB> COST (nats).

    scripts/learn-confusions.py [--work .work/ocr-pairs] [--out rules/restore/confusions.tsv]
"""
import argparse, collections, glob, json, math, os, subprocess, sys, unicodedata

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
EMPTY = "\u2205"
STRIP = ',.;:()"“”!?'
LOOKALIKE = [("0", "o"), ("1", "l"), ("1", "i"), ("l", "i"), ("4", "a"), ("6", "o"), ("&", "e"),
             ("d", "đ"), ("o", "d"), ("u", "w"), ("5", "s"), ("8", "b"), ("9", "g"), ("m", "n"),
             ("c", "e"), ("j", "i"), ("t", "f"), ("h", "b"), ("y", "v"), ("2", "z"), ("3", "e")]
LOOK = set(LOOKALIKE) | {(b, a) for a, b in LOOKALIKE}
ROUNDS = 3
MERGE_MIN = 5          # a 1->2 / 2->1 pattern must be seen this often to be merged
WORD_SKIP = 0.7        # DP cost of leaving a word unaligned
WORD_MAX = 0.5         # word pairs with a (normalised) distance above this are not used


def fold_char(c):
    if c in "đĐ":
        return "d"
    d = unicodedata.normalize("NFD", c.lower())
    base = "".join(x for x in d if not unicodedata.combining(x))
    return base or c


def fold(s):
    return "".join(fold_char(c) for c in s)


def init_cost(a, b):
    if a == b:
        return 0.0
    if a == "" or b == "":
        return 1.0
    fa, fb = fold_char(a), fold_char(b)
    if fa == fb:
        return 0.3
    if (fa, fb) in LOOK or (a, b) in LOOK:
        return 0.4
    return 1.0


GLUED = ")]!"


def tokens(line, glued_from=None):
    """Lower-case NFC words without the punctuation around them. With `glued_from` (the clean line of
    an OCR line), a ")", "]" or "!" glued to the end of an OCR word stays part of it when the clean
    line has fewer of that symbol: it is a mark read as a symbol ("si)" for "số", "t!" for "tế"),
    which the restorer also keeps inside the word (Tokenizer), so the channel must know it."""
    out = []
    for w in line.split():
        core = w.strip(STRIP)
        sym = w.rstrip(",.;:")[-1:]
        if glued_from is not None and core and sym and sym in GLUED and not any(o in w for o in "(["):
            if glued_from.count(sym) < line.count(sym):
                core = core + sym
        if core:
            out.append(unicodedata.normalize("NFC", core.lower()))
    return out


def align(a, b, cost):
    """Weighted Levenshtein; returns (total, list of ops (x, y)) with x, y single chars or ''."""
    n, m = len(a), len(b)
    D = [[0.0] * (m + 1) for _ in range(n + 1)]
    B = [[0] * (m + 1) for _ in range(n + 1)]
    for i in range(1, n + 1):
        D[i][0] = D[i - 1][0] + cost(a[i - 1], "")
        B[i][0] = 1
    for j in range(1, m + 1):
        D[0][j] = D[0][j - 1] + cost("", b[j - 1])
        B[0][j] = 2
    for i in range(1, n + 1):
        ai = a[i - 1]
        Di, Dp = D[i], D[i - 1]
        for j in range(1, m + 1):
            bj = b[j - 1]
            s = Dp[j - 1] + cost(ai, bj)
            d = Dp[j] + cost(ai, "")
            ins = Di[j - 1] + cost("", bj)
            if s <= d and s <= ins:
                Di[j], B[i][j] = s, 0
            elif d <= ins:
                Di[j], B[i][j] = d, 1
            else:
                Di[j], B[i][j] = ins, 2
    ops, i, j = [], n, m
    while i or j:
        k = B[i][j]
        if k == 0:
            ops.append((a[i - 1], b[j - 1])); i -= 1; j -= 1
        elif k == 1:
            ops.append((a[i - 1], "")); i -= 1
        else:
            ops.append(("", b[j - 1])); j -= 1
    ops.reverse()
    return D[n][m], ops


_wcache = {}


def word_dist(c, o):
    key = (c, o)
    if key not in _wcache:
        fc, fo = fold(c), fold(o)
        d, _ = align(fc, fo, init_cost)
        _wcache[key] = d / max(len(fc), len(fo), 1)
    return _wcache[key]


def align_words(cw, ow):
    """DP over the line: pair words (cost = folded distance) or skip them (OCR splits/merges)."""
    n, m = len(cw), len(ow)
    band = max(4, abs(n - m) + 3)
    INF = float("inf")
    D = [[INF] * (m + 1) for _ in range(n + 1)]
    B = [[0] * (m + 1) for _ in range(n + 1)]
    D[0][0] = 0.0
    for i in range(n + 1):
        for j in range(m + 1):
            if i == 0 and j == 0:
                continue
            best, bk = INF, 0
            if i and j and abs(i * m - j * n) <= band * max(n, m, 1):
                v = D[i - 1][j - 1] + word_dist(cw[i - 1], ow[j - 1])
                if v < best:
                    best, bk = v, 0
            if i and D[i - 1][j] + WORD_SKIP < best:
                best, bk = D[i - 1][j] + WORD_SKIP, 1
            if j and D[i][j - 1] + WORD_SKIP < best:
                best, bk = D[i][j - 1] + WORD_SKIP, 2
            D[i][j], B[i][j] = best, bk
    pairs, i, j = [], n, m
    while i or j:
        k = B[i][j]
        if k == 0:
            if word_dist(cw[i - 1], ow[j - 1]) <= WORD_MAX:
                pairs.append((cw[i - 1], ow[j - 1]))
            i -= 1; j -= 1
        elif k == 1:
            i -= 1
        else:
            j -= 1
    pairs.reverse()
    return pairs


class Model:
    """-ln P(y | x) from op counts, backed off to a prior derived from init_cost (beta pseudo-counts)."""

    def __init__(self, counts, alphabet, beta=1.0):
        self.alphabet = sorted(alphabet) + [""]
        self.beta = beta
        self.by_x = collections.defaultdict(collections.Counter)
        for (x, y), c in counts.items():
            self.by_x[x][y] += c
        self.tot = {x: sum(cn.values()) for x, cn in self.by_x.items()}
        self.Z = {}
        self.cache = {}

    def prior(self, x, y):
        if x not in self.Z:
            self.Z[x] = sum(math.exp(-4 * init_cost(x, z)) for z in self.alphabet if not (x == "" and z == ""))
        return math.exp(-4 * init_cost(x, y)) / self.Z[x]

    def __call__(self, x, y):
        k = (x, y)
        v = self.cache.get(k)
        if v is None:
            c = self.by_x.get(x, {}).get(y, 0)
            p = (c + self.beta * self.prior(x, y)) / (self.tot.get(x, 0) + self.beta)
            v = self.cache[k] = -math.log(p)
        return v


def merge_ops(all_ops, weights):
    """Merge sub+ins -> 1->2 and sub+del -> 2->1 when the pattern is frequent."""
    def candidates(ops):
        for k in range(len(ops) - 1):
            (a1, b1), (a2, b2) = ops[k], ops[k + 1]
            sub1 = a1 and b1 and a1 != b1
            sub2 = a2 and b2 and a2 != b2
            if (sub1 and a2 == "" and b2) or (a1 == "" and b1 and sub2):
                yield k, (a1 + a2, b1 + b2)        # 1 -> 2
            elif (sub1 and a2 and b2 == "") or (a1 and b1 == "" and sub2):
                yield k, (a1 + a2, b1 + b2)        # 2 -> 1
    freq = collections.Counter()
    for ops, w in zip(all_ops, weights):
        for _, c in candidates(ops):
            freq[c] += w
    good = {c for c, n in freq.items() if n >= MERGE_MIN}
    out = []
    for ops in all_ops:
        cands = {k: c for k, c in candidates(ops) if c in good}
        new, k = [], 0
        while k < len(ops):
            c = cands.get(k)
            c2 = cands.get(k + 1)
            if c and not (c2 and freq[c2] > freq[c]):
                new.append(c); k += 2
            else:
                new.append(ops[k]); k += 1
        out.append(new)
    return out


def read_pairs(work, faces_weight=1.0, pattern="chunk*", font=None):
    """(clean, ocr, weight) line triples and the chunks' parameters. Chunks of the faces profile
    (chunk-faces-NNN: Liberation Serif and other faces) count faces_weight times each. With `font`,
    only chunks rendered in a font whose file name contains it (a channel of one face)."""
    line_pairs, params = [], []
    paths = sorted(glob.glob(os.path.join(work, pattern + ".ocr.txt")))
    read_pairs.globbed = len(paths)   # chunks made, before the font filter: what the rebuild renders
    for ocr_path in paths:
        base = ocr_path[:-len(".ocr.txt")]
        if font and not any(f in json.load(open(base + ".params.json"))["font"] for f in font.split(",")):
            continue
        clean = open(base + ".clean.txt", encoding="utf-8").read().split("\n")
        ocr = open(ocr_path, encoding="utf-8").read().split("\n")
        if len(clean) != len(ocr):
            print(f"skip {base}: {len(clean)} vs {len(ocr)} lines", file=sys.stderr)
            continue
        w = faces_weight if os.path.basename(base).startswith("chunk-faces-") else 1.0
        line_pairs += [(c, o, w) for c, o in zip(clean, ocr)]
        if os.path.exists(base + ".params.json"):
            params.append(json.load(open(base + ".params.json")))
    return line_pairs, params


def read_base_table(path):
    """Op counts of an earlier table (e.g. the Free-font table learnt from chunks 0-351 of the clean
    profile) so that new chunks add to what it knew without re-rendering its pages: returns
    (op counts, bigram occurrences, aligned true chars, the header's data line)."""
    import re
    counts, bigrams, n_true, info = collections.Counter(), collections.Counter(), 0, ""
    for line in open(path, encoding="utf-8"):
        if line.startswith("#"):
            m = re.search(r"(\d+) aligned true characters", line)
            if m:
                n_true, info = int(m.group(1)), line[1:].strip()
            continue
        x, y, n, c = line.rstrip("\n").split("\t")
        x, y = ("" if x == EMPTY else x), ("" if y == EMPTY else y)
        counts[(x, y)] += int(n)
        if len(x) == 2:   # cost = -ln(n / occurrences of the bigram)
            bigrams[x] = max(bigrams[x], round(int(n) / math.exp(-float(c))))
    return counts, bigrams, n_true, info


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--work", default=os.path.join(ROOT, ".work", "ocr-pairs"))
    ap.add_argument("--out", default=os.path.join(ROOT, "rules", "restore", "confusions.tsv"))
    ap.add_argument("--faces-weight", type=float, default=1.0,
                    help="weight of each chunk-faces-NNN chunk's word pairs relative to the Free-font chunks")
    ap.add_argument("--pattern", default="chunk*",
                    help="which chunks to read (glob; 'chunk-faces-*' with a --base-table that holds the Free-font ones)")
    ap.add_argument("--font", help="only chunks rendered in a font whose file name contains this, or one of "
                    "these (comma-separated): 'Liberation' makes the channel of Times-like pages, "
                    "rules/restore/confusions-times.tsv")
    ap.add_argument("--glued-marks", action="store_true",
                    help="keep a ')', ']' or '!' glued to an OCR word as part of it where the clean line lacks it "
                         "(a mark read as a symbol, as Liberation Serif pages show: 'si)' for 'số')")
    ap.add_argument("--base-table", help="add the op counts of this earlier table (its pages need not be re-rendered)")
    a = ap.parse_args()
    base_counts, base_bigrams, base_true, base_info = (read_base_table(a.base_table) if a.base_table
                                                       else (collections.Counter(), collections.Counter(), 0, ""))

    line_pairs, params = read_pairs(a.work, a.faces_weight, a.pattern, a.font)
    wc = collections.Counter()
    for c, o, lw in line_pairs:
        cw, ow = tokens(c), tokens(o, glued_from=c if a.glued_marks else None)
        if cw and ow:
            for pair in align_words(cw, ow):
                wc[pair] += lw
    words, weights = list(wc), [wc[k] for k in wc]   # distinct pairs, aligned once each
    n_pairs = round(sum(weights))
    alphabet = {ch for c, o in words for ch in c + o}
    print(f"{len(params)} chunks, {len(line_pairs)} lines, {n_pairs} word pairs ({len(words)} distinct)")

    def count(all_ops):
        cn = collections.Counter()
        for ops, w in zip(all_ops, weights):
            for op in ops:
                cn[op] += w
        cn.update(base_counts)
        return cn

    cost = init_cost
    for r in range(ROUNDS):
        all_ops, total = [], 0.0
        for (c, o), w in zip(words, weights):
            d, ops = align(c, o, cost)
            total += d * w
            all_ops.append(ops)
        counts = count(all_ops)
        print(f"round {r + 1}: total cost {total:.0f}", flush=True)
        cost = Model(counts, alphabet)

    all_ops = merge_ops(all_ops, weights)
    counts = count(all_ops)
    n_true = round(sum(len(c) * w for (c, _), w in zip(words, weights))) + base_true
    bigrams = collections.Counter(base_bigrams)
    for (c, _), w in zip(words, weights):
        for k in range(len(c) - 1):
            bigrams[c[k:k + 2]] += w

    by_true = collections.defaultdict(collections.Counter)
    for (x, y), n in counts.items():
        by_true[x][y] += n
    rows = []
    for x, outs in by_true.items():
        if x == "":
            for y, n in outs.items():
                rows.append((x, y, n, -math.log(n / n_true)))
        elif len(x) == 2:
            for y, n in outs.items():
                rows.append((x, y, n, -math.log(n / max(bigrams[x], n))))
        else:
            tot = sum(outs.values()) + 0.5 * len(outs)
            for y, n in outs.items():
                rows.append((x, y, n, -math.log((n + 0.5) / tot)))
    rows = [r for r in rows if round(r[2]) >= 2]
    show = lambda s: s if s else EMPTY
    rows.sort(key=lambda r: (show(r[0]), r[3], show(r[1])))

    try:
        tver = subprocess.run(["tesseract", "--version"], capture_output=True, text=True).stdout.split("\n")[0]
    except OSError:
        tver = "tesseract (unknown version)"
    fonts = collections.Counter(os.path.basename(p["font"]) for p in params)
    n_faces = sum(1 for p in params if p.get("profile") == "faces" or "/freefont/" not in p["font"])
    n_clean = len(params) - n_faces
    rng = lambda k: f"{min(p[k] for p in params)}-{max(p[k] for p in params)}" if params else "?"
    header = [
        "# kehoach OCR confusion model: P(OCR | TRUE) for Vietnamese text read by Tesseract's English model.",
        "# Used by the restorer's noisy-channel scorer to rank candidate true syllables for each OCR token.",
        "# Columns: TRUE<TAB>OCR<TAB>COUNT<TAB>COST. TRUE/OCR are 0-2 lowercase NFC code points; "
        f"{EMPTY} = empty string.",
        "# COST = -ln P(OCR | TRUE) in nats. For a single TRUE char the probabilities over all its outputs",
        "#   (identity, substitutions, 1->2 outputs, deletion) sum to 1 (add-0.5 smoothing over observed outputs;",
        "#   rows with COUNT < 2 are omitted). TRUE = " + EMPTY + ": insertion, COST = -ln(count / aligned true chars).",
        "#   2-char TRUE: COST = -ln(count / occurrences of that TRUE bigram in aligned true words).",
        f"# Source: /work/shared/text/legal-vi.txt.gz (training paragraphs only: line index i % 50 != 0),",
        f"#   rendered and OCR'd by /work/shared/tools/ocr-degrade with {tver} (-l eng --psm 6);",
        f"#   {len(params)} chunks of 60 lines; size {rng('size')}, blur {rng('blur')}, noise {rng('noise')}; "
        "fonts " + ", ".join(f"{f} x{n}" for f, n in sorted(fonts.items())) + ".",
        f"#   Chunks of the faces profile (chunk-faces-NNN) weighted x{a.faces_weight:g}.",
        *([f"#   Only the chunks rendered in a font whose file name contains '{a.font}': the channel of that face,",
           "#   which the restorer uses for the pages it judges set in it (Restorer.detectProfile)."] if a.font else []),
        *([f"# Plus the op counts of the earlier table (chunks 0-351 of the clean profile, Free fonts): {base_info}"]
          if a.base_table else []),
        "# Fonts (Debian packages, all free): FreeSerif/FreeSans (fonts-freefont-ttf, GPL-3+ with font exception);",
        "#   Liberation Serif/Sans (fonts-liberation, SIL OFL 1.1; Times New Roman's/Arial's metrics, the face",
        "#   Vietnamese administrative documents must use); DejaVu Serif (fonts-dejavu-core, Bitstream Vera licence);",
        "#   Noto Serif (fonts-noto-core, SIL OFL 1.1).",
        f"# Data: {len(line_pairs)} line pairs, {n_pairs} word pairs (after weighting) from these chunks; {n_true} aligned "
        f"true characters{' with the earlier table' if a.base_table else ''}; "
        f"alignment: word DP on diacritic-folded forms, weighted Levenshtein, {ROUNDS} rounds of hard EM.",
        "# Licence: derived from Vietnamese legal texts, public domain under Vietnamese IP law art. 15(2).",
        "# Rebuild: " + " && ".join(
            ([f"python3 scripts/make-ocr-pairs.py --chunks {n_clean}"] if n_clean else [])
            + ([f"python3 scripts/make-ocr-pairs.py --profile faces --chunks {read_pairs.globbed if a.font else n_faces}"] if n_faces else [])
            + (["git show 928b004:rules/restore/confusions.tsv > .work/confusions-free-352.tsv"] if a.base_table else [])
            + [f"python3 scripts/learn-confusions.py --pattern '{a.pattern}' --faces-weight {a.faces_weight:g}"
               + (" --base-table .work/confusions-free-352.tsv" if a.base_table else "")
               + (f" --font {a.font}" if a.font else "") + (" --glued-marks" if a.glued_marks else "")
               + (f" --out {os.path.relpath(a.out, ROOT)}" if a.font else "")]),
    ]
    os.makedirs(os.path.dirname(a.out), exist_ok=True)
    with open(a.out, "w", encoding="utf-8") as f:
        f.write("\n".join(header) + "\n")
        for x, y, n, c in rows:
            f.write(f"{show(x)}\t{show(y)}\t{round(n)}\t{max(round(c, 3), 0.0) + 0.0:.3f}\n")

    nonid = sorted(((n, x, y) for (x, y), n in counts.items() if x != y), reverse=True)
    print(f"{n_pairs} word pairs, {n_true} true chars aligned, {len(rows)} rows -> {a.out}")
    print("top confusions: " + ", ".join(f"{show(x)}->{show(y)} {n}" for n, x, y in nonid[:15]))


if __name__ == "__main__":
    main()
