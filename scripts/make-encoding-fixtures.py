#!/usr/bin/env python3
"""Write corpus/encodings/: one real Vietnamese passage (the first 20 lines of
corpus/dev/docs/d01-dakglong-kh-bhxh.txt) in each encoding kehoach reads, with its UTF-8 twin, for
the tests (Tests/KehoachTests/EncodingTests.swift): each file must restore and extract to what the
twin does.

The bytes come from converters other than kehoach's own tables, so that the tests check the tables
too:
- UTF-16 LE/BE, with and without a byte order mark: Python's codecs.
- Windows-1258: Python's cp1258 codec, letters written as Windows writes them: the precomposed
  letter the code page has, else its base letter (with the circumflex, breve or horn the code page
  has) and a combining tone mark ("ế" = ê + U+0301).
- TCVN3 and VNI: UniKey VnConv's tables (x-unikey 1.0.4, src/vnconv/data.cpp, GPL-2.0-or-later), read
  the way scripts/make-encodings.py reads them; TCVN3's toned capitals are the small letters' bytes.
- VISCII: the GNU C Library's converter (`iconv -t VISCII`).
- Mojibake: the UTF-8 bytes read as Windows-1252 (Python's cp1252; its five undefined bytes as
  Latin-1) and written out again as UTF-8.

    python3 scripts/make-encoding-fixtures.py --unikey PATH/src/vnconv/data.cpp [--out corpus/encodings]
"""
import argparse, importlib.util, os, subprocess, unicodedata

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SOURCE = os.path.join(ROOT, "corpus", "dev", "docs", "d01-dakglong-kh-bhxh.txt")
NAME = "d01"
TONES = {"\u0300", "\u0301", "\u0303", "\u0309", "\u0323"}


def encodings_module():
    spec = importlib.util.spec_from_file_location("make_encodings", os.path.join(ROOT, "scripts", "make-encodings.py"))
    m = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(m)
    return m


def cp1258(text):
    out = bytearray()
    for ch in text:
        try:
            out += ch.encode("cp1258")
            continue
        except UnicodeEncodeError:
            pass
        parts = unicodedata.normalize("NFD", ch)
        base = unicodedata.normalize("NFC", "".join(c for c in parts if c not in TONES))
        tones = "".join(c for c in parts if c in TONES)
        out += base.encode("cp1258") + tones.encode("cp1258")
    return bytes(out)


def unikey_encoder(m, unikey):
    unicode_table, singles, vni = m.load_unikey(unikey)
    tcvn3 = {chr(unicode_table[i]): bytes([singles["TCVN3"][i]]) for i in range(m.LETTERS) if singles["TCVN3"][i]}
    vni_map = {}
    for i in range(m.LETTERS):
        w = vni[i]
        vni_map[chr(unicode_table[i])] = bytes([w & 0xFF, w >> 8]) if w >> 8 else bytes([w & 0xFF])

    def encoder(table):
        def encode(text):
            out = bytearray()
            for ch in text:
                if ch in table:
                    out += table[ch]
                elif ord(ch) < 0x80:
                    out += ch.encode("ascii")
                else:
                    raise SystemExit(f"make-encoding-fixtures: {ch!r} has no byte in the table")
            return bytes(out)
        return encode
    return encoder(tcvn3), encoder(vni_map)


def mojibake(text):
    chars = []
    for b in text.encode("utf-8"):
        try:
            chars.append(bytes([b]).decode("cp1252"))
        except UnicodeDecodeError:
            chars.append(chr(b))
    return "".join(chars).encode("utf-8")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--unikey", required=True, help="x-unikey's src/vnconv/data.cpp")
    ap.add_argument("--out", default=os.path.join(ROOT, "corpus", "encodings"))
    args = ap.parse_args()
    lines = open(SOURCE, encoding="utf-8").read().split("\n")[:20]
    text = "\n".join(lines) + "\n"
    tcvn3, vni = unikey_encoder(encodings_module(), args.unikey)
    viscii = subprocess.run(["iconv", "-f", "UTF-8", "-t", "VISCII"], input=text.encode("utf-8"),
                            capture_output=True, check=True).stdout
    files = {
        "utf-8": text.encode("utf-8"),
        "utf-16le-bom": b"\xff\xfe" + text.encode("utf-16-le"),
        "utf-16be-bom": b"\xfe\xff" + text.encode("utf-16-be"),
        "utf-16le": text.encode("utf-16-le"),
        "utf-16be": text.encode("utf-16-be"),
        "windows-1258": cp1258(text),
        "tcvn3": tcvn3(text),
        "vni": vni(text),
        "viscii": viscii,
        "mojibake": mojibake(text),
    }
    os.makedirs(args.out, exist_ok=True)
    for name, data in files.items():
        path = os.path.join(args.out, f"{NAME}.{name}.txt")
        with open(path, "wb") as f:
            f.write(data)
        print(f"{path}: {len(data)} bytes")


if __name__ == "__main__":
    main()
