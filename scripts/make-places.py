#!/usr/bin/env python3
"""Write rules/restore/places.txt: the names of Vietnam's administrative units (provinces, districts,
wards, communes; before and after the 2025 reorganisation), each with the word that names its kind
as running text writes it ("huyện Kon Plông", "xã Đắk Ruồng").

Plans name places on every page, and many of these names are not in any dictionary: syllables of
minority languages (Kon, Đắk, Krông, Ea) and rare ones (Quỳnh, Hoằng, Thới). The list feeds the
language model (`kehoach rules build-lm --words`) and the syllables restoration may propose
(`kehoach rules build-syllables --places`).

It also writes rules/places/units.tsv: each commune (xã, phường, thị trấn) of the units before
2025-07-01 with its district and province, and the province and commune that hold it from
2025-07-01 (the district level was abolished that day), so that the store can roll documents up
by province (Sources/Kehoach/Places.swift).

Source: underthesea's address data (PyPI underthesea 9.5.0, underthesea/address/data/mapping.json,
Apache-2.0), itself from the vietnamadminunits package, effective 2025-07-01.

    python3 scripts/make-places.py [--mapping PATH] [--out rules/restore/places.txt] [--units-out rules/places/units.tsv]
"""
import argparse, json, os, re, unicodedata

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
KINDS = ["Thành phố", "Tỉnh", "Huyện", "Quận", "Thị xã", "Thị trấn", "Phường", "Xã", "Đặc khu"]


def default_mapping():
    try:
        import underthesea
    except ImportError:
        raise SystemExit("make-places: pip install underthesea==9.5.0 first, or pass --mapping")
    return os.path.join(os.path.dirname(underthesea.__file__), "address", "data", "mapping.json")


def split_kind(full):
    """("Huyện Kon Plông") -> ("huyện", "Kon Plông"); numbered units ("Phường 5") have no name."""
    full = unicodedata.normalize("NFC", full.strip())
    for kind in KINDS:
        if full.startswith(kind + " "):
            name = full[len(kind) + 1:].strip()
            # "Hòa Tú 2": the number tells units of one name apart and is no part of the name.
            name = re.sub(r"\s+\d+$", "", name)
            if not re.search(r"[^\W\d_]{2}", name):
                return None
            return kind[0].lower() + kind[1:], name
    return None


def running(full):
    """("Huyện Kon Plông") -> "huyện Kon Plông": the unit with its kind as running text writes it;
    numbered units keep their number ("phường 5")."""
    full = unicodedata.normalize("NFC", full.strip())
    for kind in KINDS:
        if full.startswith(kind + " "):
            return kind[0].lower() + kind[1:] + " " + full[len(kind) + 1:].strip()
    return None


def write_units(data, out, meta):
    rows = set()
    for row in data["ward_mapping"]:
        cells = [running(row[f]) if row.get(f) else None
                 for f in ("old_province", "old_district", "old_ward", "new_province", "new_ward")]
        # a district with no commune (huyện Bạch Long Vĩ, Hoàng Sa, Cồn Cỏ) keeps its row; a row
        # whose commune's name is missing (a few in the source) is left out
        if cells[0] is None or cells[1] is None or cells[3] is None:
            continue
        if not row.get("old_ward") and row.get("old_ward_key"):
            continue
        rows.add(tuple(c or "" for c in cells))
    header = [
        "# Vietnam's administrative units before and after the reorganisation of 2025-07-01, one row per commune",
        "# (xã, phường, thị trấn) as it was before that day: its district and province, then the province and the",
        "# commune (xã, phường, đặc khu) that hold it from that day. A commune split between several new ones has a row",
        "# for each. Kinds as running text writes them. Used by the store to resolve documents' places (Places.swift).",
        f"# Source: underthesea 9.5.0 address/data/mapping.json (Apache-2.0), from {meta.get('source', '?')} "
        f"{meta.get('version', '?')}, effective {meta.get('effective_date', '?')}.",
        "# Rebuild: python3 scripts/make-places.py",
        "# province\tdistrict\tcommune\tprovince from 2025-07-01\tcommune from 2025-07-01",
        f"# {len(rows)} rows",
    ]
    os.makedirs(os.path.dirname(out), exist_ok=True)
    tmp = out + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        f.write("\n".join(header + ["\t".join(r) for r in sorted(rows)]) + "\n")
    os.replace(tmp, out)
    print(f"{out}: {len(rows)} rows")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--mapping", default=None, help="underthesea's address/data/mapping.json")
    ap.add_argument("--out", default=os.path.join(ROOT, "rules", "restore", "places.txt"))
    ap.add_argument("--units-out", default=os.path.join(ROOT, "rules", "places", "units.tsv"))
    args = ap.parse_args()
    path = args.mapping or default_mapping()
    data = json.load(open(path, encoding="utf-8"))
    places = set()
    for table in ("province_names", "old_province_names"):
        for unit in data[table].values():
            found = split_kind(unit["name"])
            if found:
                places.add(found)
    for row in data["ward_mapping"]:
        for field in ("old_province", "old_district", "old_ward", "new_province", "new_ward"):
            if row.get(field):
                found = split_kind(row[field])
                if found:
                    places.add(found)
    meta = data.get("metadata", {})
    lines = sorted(f"{kind} {name}" for kind, name in places)
    header = [
        "# Names of Vietnam's administrative units, each after the word for its kind as running text writes it.",
        "# Used by `kehoach rules build-lm --words` (their syllable pairs count like a dictionary's words) and",
        "# `kehoach rules build-syllables --places` (their syllables join those restoration may propose).",
        f"# Source: underthesea 9.5.0 address/data/mapping.json (Apache-2.0), from {meta.get('source', '?')} "
        f"{meta.get('version', '?')}, effective {meta.get('effective_date', '?')}.",
        "# Rebuild: python3 scripts/make-places.py",
        f"# {len(lines)} places",
    ]
    tmp = args.out + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        f.write("\n".join(header + lines) + "\n")
    os.replace(tmp, args.out)
    print(f"{args.out}: {len(lines)} places")
    write_units(data, args.units_out, meta)


if __name__ == "__main__":
    main()
