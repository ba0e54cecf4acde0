#!/usr/bin/env python3
"""Give spec cases taken from a corpus document the lines that place them in it: the document's kind
line ("KẾ HOẠCH", "BÁO CÁO", …) and its place-and-date line, as `context:` lines (see
rules/extract/cases/README.md). Only cases with an `@ corpus/…:LINES` source and no context yet.

    scripts/case-context.py rules/extract/cases/targets.cases [--pending-only]

Then run `kehoach rules check --rebalance` and review the diff.
"""
import re, sys

KINDS = re.compile(r'^\s*(KẾ HOẠCH|BÁO CÁO|QUYẾT ĐỊNH|THÔNG BÁO|CÔNG VĂN|TỜ TRÌNH|CHỈ THỊ|NGHỊ QUYẾT|HƯỚNG DẪN|CHƯƠNG TRÌNH)\b')
DATE = re.compile(r'ngày\s+(\S+)\s+tháng\s+(\S+)\s+năm\s+\d{4}|,\s*năm\s+\d{4}\s*$')

def header_lines(path):
    lines = open(path, encoding='utf-8').read().split('\n')[:30]
    kind = next((KINDS.match(l).group(1) for l in lines if KINDS.match(l)), None)
    date = next((l.strip() for l in lines if DATE.search(l)), None)
    return [x for x in (kind, date) if x]

def main():
    path = sys.argv[1]; pending_only = '--pending-only' in sys.argv
    blocks = open(path, encoding='utf-8').read().split('\n\n')
    out = []
    for b in blocks:
        lines = b.split('\n')
        src = next((l for l in lines if l.startswith('@ corpus/')), None)
        if src and not any(l.startswith('context:') for l in lines) and (not pending_only or any(l.startswith('pending:') for l in lines)):
            file = src[2:].split(':')[0]
            ctx = header_lines(file)
            i = lines.index(src) + 1
            lines[i:i] = ['context: ' + c for c in ctx]
        out.append('\n'.join(lines))
    open(path, 'w', encoding='utf-8').write('\n\n'.join(out))

main()
