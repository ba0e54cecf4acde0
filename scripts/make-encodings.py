#!/usr/bin/env python3
"""Write rules/encodings/{tcvn3,vni,viscii}.tsv: the byte tables of the legacy Vietnamese encodings
kehoach decodes (TextInput; `--encoding tcvn3|vni|viscii`). Windows-1258 needs no table: ICU's
converter decodes it.

Each table maps the bytes of one encoding to Unicode: every byte of the upper half it defines, and
the pairs of VNI. ASCII bytes stand for themselves and are not listed, except where the encoding
puts a letter on one (VISCII's six control-byte capitals).

Sources:
- TCVN3 and VNI: the tables of UniKey's VnConv library, x-unikey 1.0.4 (Pham Kim Long,
  https://www.unikey.org; `src/vnconv/data.cpp`, GNU GPL v2 or later per its header): SingleByteTables
  (TCVN3, VISCII) and DoubleByteTables (VNI-WIN), laid out in the order of its UnicodeTable. A copy:
  https://github.com/xmirror/unikey (commit 3521426b626facd78a12cf355e2353170cd62679). Only the
  correspondences (which bytes stand for which letter, facts of the encodings) are taken.
- VISCII: the GNU C Library's converter (`iconv -f VISCII`; Debian libc-bin; LGPL-2.1-or-later),
  which follows RFC 1456; checked here letter for letter against VnConv's VISCII table.
- The bytes TCVN3 and VNI do not use for letters: the Western symbols Windows shows there
  (Windows-1252, Python's `cp1252` codec); the five bytes Windows-1252 leaves undefined (81 8D 8F 90
  9D) are left out, and a file holding one is not in that encoding.
- TCVN3 has capitals only for Ă Â Ê Ô Ơ Ư Đ; its toned capitals were the same bytes as the small
  letters shown in a capitals font (.VnTimeH). The CAPITAL column says which capital each such byte
  also stands for (VnConv gives both letters the same byte); TextInput makes the letter a capital
  where the rest of its word is in capitals.
- Cross-checks: TCVN3's letters against glibc's TCVN5712-1 (VN1, whose upper half holds VN3's letters
  at the same bytes).

    python3 scripts/make-encodings.py --unikey PATH/src/vnconv/data.cpp [--out rules/encodings]
"""
import argparse, os, re, subprocess, unicodedata

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TOTAL = 213          # VnConv's TOTAL_VNCHARS: 186 letters, then 27 Western symbols
LETTERS = 186
SINGLE_ORDER = ["TCVN3", "VPS", "VISCII", "BKHCM1", "VIETWARE-F", "ISC"]
CP1252_UNDEFINED = {0x81, 0x8D, 0x8F, 0x90, 0x9D}

HEADERS = {
    "tcvn3": """\
# TCVN3 (ABC; TCVN 5712:1993 VN3): the 8-bit encoding of the .Vn* fonts (.VnTime, .VnArial;
# capitals fonts .VnTimeH) in which most Vietnamese government files were typed before Unicode.
# What it is for: kehoach decodes such files (detected, or `--encoding tcvn3`) into Unicode text.
# Source: UniKey VnConv (x-unikey 1.0.4, Pham Kim Long; src/vnconv/data.cpp, GPL-2.0-or-later),
# letters checked against glibc's TCVN5712-1 (VN1); the bytes it does not use for letters are the
# Windows-1252 symbols the fonts show there (Python cp1252). Facts of the encoding, not code.
# Rebuilt by: python3 scripts/make-encodings.py --unikey PATH/src/vnconv/data.cpp
# TCVN3 has no toned capitals: a capitals font drew the small letter's byte as a capital. CAPITAL
# names the capital such a byte also stands for; kehoach writes it where the rest of the word is
# in capitals (or the word starts a sentence).
""",
    "vni": """\
# VNI (VNI-Windows): the font encoding of the VNI fonts (VNI-Times, VNI-Helve), common in southern
# Vietnam before Unicode: a letter with marks is its Latin base letter followed by one byte for its
# marks ("Vieät" is Việt), and Đ đ, ơ ư, the marked i and ỵ take one byte of their own.
# What it is for: kehoach decodes such files (detected, or `--encoding vni`) into Unicode text.
# Source: UniKey VnConv (x-unikey 1.0.4, Pham Kim Long; src/vnconv/data.cpp, DoubleByteTables
# VNI-WIN, GPL-2.0-or-later); the single bytes not used for letters are the Windows-1252 symbols the
# fonts show there (Python cp1252). Facts of the encoding, not code.
# Rebuilt by: python3 scripts/make-encodings.py --unikey PATH/src/vnconv/data.cpp
""",
    "viscii": """\
# VISCII (RFC 1456): the 8-bit Vietnamese standard of the Viet-Std group, with every letter
# precomposed; six capitals sit on C0 control bytes (02 05 06 14 19 1E).
# What it is for: kehoach decodes such files (detected, or `--encoding viscii`) into Unicode text.
# Source: the GNU C Library's VISCII converter (`iconv -f VISCII`, Debian libc-bin,
# LGPL-2.1-or-later; it follows RFC 1456), checked letter for letter against UniKey VnConv's VISCII
# table (x-unikey 1.0.4, src/vnconv/data.cpp). Facts of the encoding, not code.
# Rebuilt by: python3 scripts/make-encodings.py --unikey PATH/src/vnconv/data.cpp
""",
}
COLUMNS = "# BYTES\tUNICODE\tCAPITAL\tCHARACTER"


def strip_comments(src: bytes) -> bytes:
    src = re.sub(rb"/\*.*?\*/", b"", src, flags=re.S)
    return re.sub(rb"//[^\n]*", b"", src)


def block(src: bytes, name: bytes) -> bytes:
    """The initializer of the array `name` (from its '=' to the closing '};')."""
    start = src.index(name)
    start = src.index(b"=", start) + 1
    return src[start:src.index(b"};", start)]


def tokens(body: bytes):
    """Char literals (raw bytes) and hex/decimal numbers, in order."""
    out = []
    for m in re.finditer(rb"'(\\.|[^'\\])'|0[xX][0-9A-Fa-f]+|\b\d+\b", body):
        t = m.group(0)
        if t.startswith(b"'"):
            ch = m.group(1)
            if ch.startswith(b"\\"):
                ch = {b"\\'": b"'", b"\\\\": b"\\", b"\\0": b"\0"}[ch]
            out.append(ch[0])
        else:
            out.append(int(t, 0))
    return out


def load_unikey(path):
    src = strip_comments(open(path, "rb").read())
    unicode_table = tokens(block(src, b"UnicodeTable[TOTAL_VNCHARS]"))[:TOTAL]
    single = tokens(block(src, b"SingleByteTables[][TOTAL_VNCHARS]"))
    double = tokens(block(src, b"DoubleByteTables[][TOTAL_VNCHARS]"))
    if len(unicode_table) != TOTAL or len(single) % TOTAL or len(double) % TOTAL:
        raise SystemExit(f"make-encodings: {path}: unexpected table sizes "
                         f"({len(unicode_table)}, {len(single)}, {len(double)})")
    singles = {name: single[i * TOTAL:(i + 1) * TOTAL] for i, name in enumerate(SINGLE_ORDER)}
    return unicode_table, singles, double[:TOTAL]


def glibc(charset):
    """byte -> code point for all 256 bytes, through glibc's iconv."""
    out = subprocess.run(["iconv", "-f", charset, "-t", "UTF-32BE"], input=bytes(range(256)),
                         capture_output=True, check=True).stdout
    cps = [int.from_bytes(out[i:i + 4], "big") for i in range(0, len(out), 4)]
    if len(cps) != 256:
        raise SystemExit(f"make-encodings: iconv {charset} gave {len(cps)} characters for 256 bytes")
    return cps


def cp1252(b):
    return None if b in CP1252_UNDEFINED else ord(bytes([b]).decode("cp1252"))


def describe(cp):
    ch = chr(cp)
    name = unicodedata.name(ch, f"U+{cp:04X}")
    # Spaces, marks and format characters are named only: a TSV cell of them is unreadable.
    if unicodedata.category(ch)[0] in "ZCM":
        return name
    return f"{ch} {name}"


def row(seq, cp, capital=None):
    return "\t".join([" ".join(f"{b:02X}" for b in seq), f"U+{cp:04X}",
                      f"U+{capital:04X}" if capital else "-", describe(cp)])


def tcvn3_rows(unicode_table, table, vn1):
    by_byte = {}
    for i in range(LETTERS):
        b, cp = table[i], unicode_table[i]
        if b == 0:
            continue
        if b < 0x80:
            assert b == cp, f"TCVN3 letter U+{cp:04X} on ASCII byte {b:02X}"
            continue
        by_byte.setdefault(b, []).append(cp)
    rows = []
    for b in range(0x80, 0x100):
        cps = by_byte.get(b)
        if cps:
            small = [c for c in cps if chr(c).islower()]
            capital = [c for c in cps if chr(c).isupper()]
            if len(cps) == 1:
                rows.append(row([b], cps[0]))
            else:
                assert len(small) == 1 and len(capital) == 1 and chr(small[0]).upper() == chr(capital[0]), (b, cps)
                rows.append(row([b], small[0], capital[0]))
            letter = small[0] if len(cps) > 1 else cps[0]
            # VN1 holds the same letter at the same byte (its capitals are elsewhere).
            assert vn1[b] == letter, f"TCVN3 {b:02X}: VnConv U+{letter:04X}, glibc TCVN5712-1 U+{vn1[b]:04X}"
        elif cp1252(b) is not None:
            rows.append(row([b], cp1252(b)))
    return rows


def vni_rows(unicode_table, table):
    pairs, singles = {}, {}
    for i in range(LETTERS):
        w, cp = table[i], unicode_table[i]
        low, high = w & 0xFF, w >> 8
        if high:
            pairs[(low, high)] = cp
        elif low >= 0x80:
            singles[low] = cp
        else:
            assert low == cp, f"VNI letter U+{cp:04X} on ASCII byte {low:02X}"
    rows = []
    for b in range(0x80, 0x100):
        if b in singles:
            rows.append(row([b], singles[b]))
        elif cp1252(b) is not None:
            rows.append(row([b], cp1252(b)))
    for (low, high), cp in sorted(pairs.items()):
        rows.append(row([low, high], cp))
    return rows


def viscii_rows(unicode_table, table, glibc_viscii):
    for i in range(LETTERS):
        b, cp = table[i], unicode_table[i]
        if b and glibc_viscii[b] != cp:
            # VnConv keeps six capitals off the control bytes and A0 (Ẳ Ẵ Ẫ Ỷ Ỹ Ỵ on 02 05 06 14 19 1E,
            # Õ on A0 in RFC 1456) by writing them as their small letters; RFC 1456 and glibc are followed.
            assert chr(cp).lower() == chr(glibc_viscii[b]) and glibc_viscii.index(cp) in (2, 5, 6, 0x14, 0x19, 0x1E, 0xA0), \
                f"VISCII {b:02X}: VnConv U+{cp:04X}, glibc U+{glibc_viscii[b]:04X}"
    # Every letter VnConv lists is in glibc's table, and glibc maps every byte.
    letters = {unicode_table[i] for i in range(LETTERS)}
    assert letters <= set(glibc_viscii), "VISCII: a letter glibc's table lacks"
    # Every byte of the upper half (Latin-1's letters too: a table lists all it decodes), and the
    # control bytes that are letters.
    return [row([b], cp) for b, cp in enumerate(glibc_viscii) if b >= 0x80 or cp != b]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--unikey", required=True, help="x-unikey's src/vnconv/data.cpp")
    ap.add_argument("--out", default=os.path.join(ROOT, "rules", "encodings"))
    args = ap.parse_args()
    unicode_table, singles, vni = load_unikey(args.unikey)
    tables = {
        "tcvn3": tcvn3_rows(unicode_table, singles["TCVN3"], glibc("TCVN5712-1")),
        "vni": vni_rows(unicode_table, vni),
        "viscii": viscii_rows(unicode_table, singles["VISCII"], glibc("VISCII")),
    }
    os.makedirs(args.out, exist_ok=True)
    for name, rows in tables.items():
        path = os.path.join(args.out, name + ".tsv")
        with open(path, "w", encoding="utf-8", newline="\n") as f:
            f.write(HEADERS[name] + COLUMNS + "\n")
            for r in rows:
                f.write(unicodedata.normalize("NFC", r) + "\n")
        print(f"{path}: {len(rows)} rows")


if __name__ == "__main__":
    main()
