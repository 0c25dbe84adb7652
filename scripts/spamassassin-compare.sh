#!/usr/bin/env bash
# Side by side: bulklint and SpamAssassin on the same messages, one process per message for
# each (`bulklint check --isolated MSG` and `spamassassin -L -t < MSG`, local tests only: no
# network, no DNS), then warm (one bulklint process for all of them; spamd with spamc), with
# per-message times and the ratio. The figures in BENCHMARKS.md come from this script.
#
# usage: scripts/spamassassin-compare.sh [CORPUS_DIR] [SAMPLE]
#   CORPUS_DIR  messages to sample (default ../shared/corpus/eml, every file below it)
#   SAMPLE      how many, evenly spaced through the sorted list (default 50)
#   NO_WARM=1   skip the spamd comparison
#   BULKLINT_BIN=PATH      the binary to measure (default target/release/bulklint, built if missing)
#   BULKLINT_BEFORE=PATH   another build timed beside it on every message (cold), for a
#                          before/after ratio measured in the same run
set -euo pipefail

cd "$(dirname "$0")/.."
corpus=${1:-../shared/corpus/eml}
sample=${2:-50}
bin=${BULKLINT_BIN:-target/release/bulklint}
before=${BULKLINT_BEFORE:-}

if ! command -v spamassassin >/dev/null; then
    echo "installing spamassassin (apt-get)…" >&2
    if [ "$(id -u)" = 0 ]; then
        apt-get install -y -qq spamassassin spamc >/dev/null
    else
        sudo apt-get install -y -qq spamassassin spamc >/dev/null
    fi
fi
if [ ! -x "$bin" ]; then
    cargo build --release --quiet
fi
[ -d "$corpus" ] || { echo "no corpus at $corpus" >&2; exit 2; }

work=$(mktemp -d)
spamd_pid=
cleanup() {
    if [ -n "$spamd_pid" ]; then kill "$spamd_pid" 2>/dev/null || true; fi
    rm -rf "$work"
}
trap cleanup EXIT

# An even sample of the sorted message list (mbox files are many messages: left out).
find "$corpus" -type f ! -name '*.mbox' ! -path '*/mbox/*' | LC_ALL=C sort > "$work/all"
total=$(wc -l < "$work/all")
[ "$total" -gt 0 ] || { echo "no messages under $corpus" >&2; exit 2; }
awk -v n="$sample" -v t="$total" 'BEGIN { step = t / n; if (step < 1) step = 1; next_at = 0 }
    { if (NR - 1 >= next_at && taken < n) { print; taken++; next_at += step } }' "$work/all" > "$work/sample"
count=$(wc -l < "$work/sample")

now_ns() { date +%s%N; }
ms() { awk -v ns="$1" 'BEGIN { printf "%.1f", ns / 1e6 }'; }

echo "bulklint $("$bin" --version 2>/dev/null | awk '{print $2}') vs $(spamassassin --version | head -1)"
echo "$count messages sampled from $total under $corpus; $(nproc) cores; one cold process per message"
echo
printf '%-62s %10s %12s %8s\n' message "bulklint" "spamassassin" ratio
bl_total=0
sa_total=0
before_total=0
: > "$work/ratios"
while IFS= read -r msg; do
    t0=$(now_ns)
    "$bin" check --isolated --format json "$msg" > /dev/null 2>&1 || true
    t1=$(now_ns)
    spamassassin -L -t < "$msg" > /dev/null 2>&1 || true
    t2=$(now_ns)
    bl=$((t1 - t0))
    sa=$((t2 - t1))
    if [ -n "$before" ]; then
        t3=$(now_ns)
        "$before" check --isolated --format json "$msg" > /dev/null 2>&1 || true
        before_total=$((before_total + $(now_ns) - t3))
    fi
    bl_total=$((bl_total + bl))
    sa_total=$((sa_total + sa))
    ratio=$(awk -v a="$sa" -v b="$bl" 'BEGIN { printf "%.0f", a / b }')
    echo "$ratio" >> "$work/ratios"
    name=${msg#"$corpus"/}
    [ ${#name} -le 62 ] || name="…${name: -61}"
    printf '%-62s %8s ms %9s ms %7sx\n' "$name" "$(ms $bl)" "$(ms $sa)" "$ratio"
done < "$work/sample"

median_ratio=$(sort -n "$work/ratios" | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }')
echo
printf 'cold, per message (mean): bulklint %s ms, spamassassin %s ms: %sx; median of per-message ratios %sx\n' \
    "$(ms $((bl_total / count)))" "$(ms $((sa_total / count)))" \
    "$(awk -v a="$sa_total" -v b="$bl_total" 'BEGIN { printf "%.0f", a / b }')" "$median_ratio"
if [ -n "$before" ]; then
    printf 'the other build (%s), same messages, same run: %s ms per message: %sx\n' "$before" \
        "$(ms $((before_total / count)))" \
        "$(awk -v a="$sa_total" -v b="$before_total" 'BEGIN { printf "%.0f", a / b }')"
fi

if [ -n "${NO_WARM:-}" ] || ! command -v spamd >/dev/null || ! command -v spamc >/dev/null; then
    exit 0
fi

# Warm: SpamAssassin's rules compiled once in spamd (local tests only, loopback), each message
# through spamc; bulklint checks every message in one process (the CI and batch shape).
mkdir -p "$work/msgs"
i=0
while IFS= read -r msg; do
    i=$((i + 1))
    cp "$msg" "$work/msgs/$(printf '%03d' $i).eml"
done < "$work/sample"
port=$((20000 + RANDOM % 20000))
spamd --local --listen="127.0.0.1:$port" --max-children=1 --syslog=stderr \
    --username=nobody --nouser-config > "$work/spamd.log" 2>&1 &
spamd_pid=$!
# spamc -x: a connection failure is an error (exit 69), not a message passed through.
ready=
for _ in $(seq 1 120); do
    rc=0
    printf 'From: a@example.org\nSubject: ping\n\nping\n' | spamc -x -p "$port" -c > /dev/null 2>&1 || rc=$?
    if [ "$rc" -le 1 ]; then ready=1; break; fi
    sleep 0.5
done
[ -n "$ready" ] || { echo "spamd did not start:" >&2; cat "$work/spamd.log" >&2; exit 1; }
t0=$(now_ns)
"$bin" check --isolated --format json "$work/msgs" > /dev/null 2>&1 || true
t1=$(now_ns)
for msg in "$work"/msgs/*.eml; do
    spamc -x -p "$port" -c < "$msg" > /dev/null 2>&1 || true
done
t2=$(now_ns)
bl=$(((t1 - t0) / count))
sa=$(((t2 - t1) / count))
echo
printf 'warm, per message: bulklint (one process, %s messages) %s ms, spamd+spamc %s ms: %sx\n' \
    "$count" "$(ms $bl)" "$(ms $sa)" "$(awk -v a="$sa" -v b="$bl" 'BEGIN { printf "%.0f", a / b }')"
