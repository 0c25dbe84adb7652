#!/usr/bin/env bash
# Findings per rule and severity over folders of drafts, for measuring a rule on a corpus:
#   scripts/findings-per-rule.sh ../shared/corpus/templates tests/accuracy/cases
# Each draft is checked on its own (`--isolated`: no config, no ledger), as a template or a
# message; the counts are of findings, and of drafts with at least one.
# BULKLINT_BIN picks the binary (default: target/release/bulklint).
set -euo pipefail
bin="${BULKLINT_BIN:-target/release/bulklint}"
[ -x "$bin" ] || { echo "no binary at $bin: cargo build --release, or set BULKLINT_BIN" >&2; exit 2; }
[ $# -gt 0 ] || { echo "usage: $0 FOLDER_OR_FILE..." >&2; exit 2; }
find "$@" -type f \( -name '*.eml' -o -name '*.html' -o -name '*.htm' -o -name '*.mjml' -o -name '*.txt' -o -name '*.msg' \) \
    ! -name 'SOURCES.md' -print0 |
    xargs -0 -n 1 "$bin" check --isolated --format json 2>/dev/null |
    python3 -c '
import json, sys
from collections import Counter
findings, drafts, files = Counter(), Counter(), 0
dec = json.JSONDecoder()
text = sys.stdin.read()
i = 0
while i < len(text):
    while i < len(text) and text[i].isspace():
        i += 1
    if i >= len(text):
        break
    doc, i = dec.raw_decode(text, i)
    files += 1
    seen = set()
    for f in doc.get("findings", []):
        key = (f["rule"], f["severity"])
        findings[key] += 1
        seen.add(key)
    drafts.update(seen)
print(f"{files} drafts")
print("%-28s %-8s %8s %7s" % ("rule", "severity", "findings", "drafts"))
for (rule, sev), n in sorted(findings.items()):
    print("%-28s %-8s %8d %7d" % (rule, sev, n, drafts[(rule, sev)]))
'
