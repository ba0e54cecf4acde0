#!/usr/bin/env python3
"""Make (clean, OCR) line pairs for learning the OCR confusion model of kehoach.

Samples paragraphs of Vietnamese legal text, wraps them into plan-like lines and runs the
`ocr-degrade` tool (render page + Tesseract English) on chunks of 60 lines with varied
rendering parameters. Deterministic: chunk k always uses the same text and parameters.

HOLD-OUT RULE (shared with the LM builder): paragraph i (0-based line index of
legal-vi.txt.gz) is held out for evaluation when i % 50 == 0. Training chunks only use
paragraphs with i % 50 != 0; --eval-docs only uses paragraphs with i % 50 == 0.

    scripts/make-ocr-pairs.py --chunks 500         # training pairs -> .work/ocr-pairs/ (resumable)
    scripts/make-ocr-pairs.py --profile faces --chunks 200   # Liberation Serif & other faces
    scripts/make-ocr-pairs.py --eval-docs          # corpus/unseen/{gold,raw}/legal-heldout-N*.txt

Each ocr-degrade call uses one core (OMP_THREAD_LIMIT=1 is set); two runs may share a profile's
chunks on disjoint ranges (--first 0 --chunks 240 and --first 240 --chunks 480), never overlap.
"""
import argparse, gzip, json, os, random, subprocess, sys, textwrap, time, unicodedata

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TEXT = "/work/shared/text/legal-vi.txt.gz"
TOOL = "/work/shared/tools/ocr-degrade"
FONTDIR = "/usr/share/fonts/truetype/freefont/"
FONTS = [("FreeSerif.ttf", 0.70), ("FreeSans.ttf", 0.15), ("FreeSerifBold.ttf", 0.15)]
# --profile faces: the typefaces pages are actually set in. Vietnamese administrative documents
# must use Times New Roman (Decree 30/2020/ND-CP), whose metrics Liberation Serif copies; its
# thin serifs and tight spacing damage the OCR quite differently from FreeSerif ("người" read as
# "ngilli", "lượt" as "IfUt"). The others widen the channel so an unseen face degrades gracefully.
# Debian packages: fonts-liberation (SIL OFL 1.1), fonts-dejavu-core (Bitstream Vera licence),
# fonts-noto-core (SIL OFL 1.1).
FACES = [("/usr/share/fonts/truetype/liberation/LiberationSerif-Regular.ttf", 0.50),
         ("/usr/share/fonts/truetype/liberation/LiberationSerif-Bold.ttf", 0.10),
         ("/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf", 0.15),
         ("/usr/share/fonts/truetype/noto/NotoSerif-Regular.ttf", 0.15),
         ("/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf", 0.10)]
WORK = os.path.join(ROOT, ".work", "ocr-pairs")
LINES_PER_CHUNK = 60
TRAIN_SEED = 20240001
EVAL_SEED = 77770000


def held_out(i):
    return i % 50 == 0


def load_paragraphs(text_path, want_held_out):
    with gzip.open(text_path, "rt", encoding="utf-8") as f:
        paras = [unicodedata.normalize("NFC", l.strip()) for l in f]
    return [p for i, p in enumerate(paras) if p and held_out(i) == want_held_out]


def make_lines(rng, paras, n, sequential_start=None):
    """n wrapped lines, width varied per call, ~8% upper case, some short lines."""
    width = rng.randint(45, 95)
    out, k = [], sequential_start
    while len(out) < n:
        if k is None:
            p = rng.choice(paras)
        else:
            p = paras[k % len(paras)]
            k += 1
        r = rng.random()
        if r < 0.10:
            # short line: a fragment of a few words (e.g. list items, headings, signatures)
            words = p.split()
            m = rng.randint(1, min(6, len(words)))
            s = rng.randint(0, len(words) - m)
            wrapped = [" ".join(words[s:s + m])]
        else:
            wrapped = textwrap.wrap(p, width=width, break_long_words=False, break_on_hyphens=False)
            if len(p) > 600 and rng.random() < 0.6:   # do not let one long article fill a page
                s = rng.randint(0, max(0, len(wrapped) - 6))
                wrapped = wrapped[s:s + rng.randint(3, 6)]
        for line in wrapped:
            if rng.random() < 0.08:
                line = line.upper()
            out.append(line)
    return out[:n]


def pick_params(rng, profile="clean"):
    # Font drawn from the chunk's own rng: deterministic per chunk. The clean/lowres profiles keep
    # their Free-font mix so that their chunks are rebuilt identical.
    faces = FACES if profile == "faces" else [(FONTDIR + n, w) for n, w in FONTS]
    r, acc, font = rng.random(), 0.0, faces[0][0]
    for name, w in faces:
        acc += w
        if r < acc:
            font = name
            break
    if profile == "lowres":
        # Small type, more blur: office scans at 200 dpi, where marks merge into letters
        # ("cấp" read as "cip", "đối" as "dbi") as they do in real archives.
        return {"size": rng.randint(22, 30), "blur": round(rng.uniform(0.9, 1.6), 2),
                "noise": rng.randint(4, 12), "seed": rng.randint(1, 10**6), "font": font}
    return {"size": rng.randint(34, 46), "blur": round(rng.uniform(0.5, 1.3), 2),
            "noise": rng.randint(3, 10), "seed": rng.randint(1, 10**6), "font": font}


def run_tool(clean_path, out_path, p):
    env = dict(os.environ, OMP_THREAD_LIMIT="1")
    tmp = out_path + ".part"
    cmd = [TOOL, clean_path, tmp, "--size", str(p["size"]), "--blur", str(p["blur"]),
           "--noise", str(p["noise"]), "--seed", str(p["seed"]), "--font", p["font"]]
    subprocess.run(cmd, env=env, check=True, stderr=subprocess.DEVNULL)
    os.replace(tmp, out_path)   # atomic: a chunk is done iff its .ocr.txt exists


def write_lines(path, lines):
    with open(path, "w", encoding="utf-8") as f:
        f.write("\n".join(lines))   # no trailing newline: ocr-degrade keeps line counts equal


def training(args):
    os.makedirs(args.work, exist_ok=True)
    paras = load_paragraphs(args.text, want_held_out=False)
    print(f"{len(paras)} training paragraphs", flush=True)
    prefix = "chunk" if args.profile == "clean" else f"chunk-{args.profile}-"
    seed = {"clean": TRAIN_SEED, "lowres": TRAIN_SEED + 7_000_000, "faces": TRAIN_SEED + 9_000_000}[args.profile]
    for c in range(args.first, args.chunks):
        base = os.path.join(args.work, f"{prefix}{c:03d}")
        if os.path.exists(base + ".ocr.txt"):
            continue
        rng = random.Random(seed + 1000 * c)
        lines = make_lines(rng, paras, LINES_PER_CHUNK)
        p = pick_params(rng, args.profile)
        write_lines(base + ".clean.txt", lines)
        with open(base + ".params.json", "w") as f:
            json.dump(p, f)
        t = time.time()
        run_tool(base + ".clean.txt", base + ".ocr.txt", p)
        print(f"{os.path.basename(base)} done in {time.time() - t:.0f}s {json.dumps(p)}", flush=True)


def eval_docs(args):
    paras = load_paragraphs(args.text, want_held_out=True)
    gold_dir = os.path.join(ROOT, "corpus", "unseen", "gold")
    raw_dir = os.path.join(ROOT, "corpus", "unseen", "raw")
    os.makedirs(gold_dir, exist_ok=True)
    os.makedirs(raw_dir, exist_ok=True)
    # Documents 1-3 draw random rendering parameters (some very noisy); 4-5 use ocr-degrade's
    # defaults, the settings of corpus/synthetic/, so that unseen and public synthetic text compare.
    for n in range(1, 6):
        gold = os.path.join(gold_dir, f"legal-heldout-{n}.gold.txt")
        raw = os.path.join(raw_dir, f"legal-heldout-{n}.txt")
        if os.path.exists(gold) and os.path.exists(raw):
            continue
        rng = random.Random(EVAL_SEED + 1000 * n)
        start = rng.randrange(len(paras))   # consecutive held-out paragraphs read like a document
        lines = make_lines(rng, paras, 120, sequential_start=start)
        p = pick_params(rng)
        if n >= 4:
            p = {"size": 40, "blur": 0.8, "noise": 6, "seed": p["seed"], "font": FONTDIR + "FreeSerif.ttf"}
        ocr = []
        for half in range(2):   # two pages of 60 lines, each with its own parameters/seed
            part = lines[half * 60:(half + 1) * 60]
            tmp_clean = os.path.join(raw_dir, f".legal-heldout-{n}.{half}.clean")
            tmp_out = os.path.join(raw_dir, f".legal-heldout-{n}.{half}.ocr")
            write_lines(tmp_clean, part)
            pp = dict(p, seed=p["seed"] + half)
            run_tool(tmp_clean, tmp_out, pp)
            with open(tmp_out, encoding="utf-8") as f:
                got = f.read().split("\n")
            assert len(got) == len(part), (len(got), len(part))
            ocr += got
            os.remove(tmp_clean)
            os.remove(tmp_out)
        with open(raw, "w", encoding="utf-8") as f:
            f.write("\n".join(ocr) + "\n")
        with open(gold, "w", encoding="utf-8") as f:
            f.write("\n".join(lines) + "\n")
        print(f"eval doc {n} done {json.dumps(p)}", flush=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--chunks", type=int, default=500, help="number of training chunks to have (resumes)")
    ap.add_argument("--first", type=int, default=0,
                    help="first chunk to make: two runs on disjoint ranges (--first 0 --chunks 120, --first 120 "
                         "--chunks 240) use two cores and make the same chunks as one run")
    ap.add_argument("--profile", choices=["clean", "lowres", "faces"], default="clean",
                    help="rendering profile: clean (34-46 px, Free fonts), lowres (22-30 px, more blur) or "
                         "faces (34-46 px, Liberation Serif/DejaVu Serif/Noto Serif/Liberation Sans); "
                         "chunks are named apart (chunkNNN, chunk-lowres-NNN, chunk-faces-NNN)")
    ap.add_argument("--eval-docs", action="store_true", help="write the 3 held-out evaluation documents instead")
    ap.add_argument("--work", default=WORK)
    ap.add_argument("--text", default=TEXT)
    a = ap.parse_args()
    if a.eval_docs:
        eval_docs(a)
    else:
        training(a)


if __name__ == "__main__":
    main()
