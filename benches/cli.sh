#!/usr/bin/env bash
# Whole-process benchmarks of the release binary (figures: BENCHMARKS.md):
#   1. one template, cold process: the pre-commit hook case (hyperfine when installed,
#      else a spawn loop);
#   2. a 1,000,000-row recipient CSV generated here: wall time, CPU time and peak RSS (GNU
#      time), beside its floor (benches/csv_floor.rs: the csv crate and a 64-bit hash per row);
#   3. ten drafts against that same list in one run, beside one draft;
#   4. a folder of 5,000 drafts, beside 2,500 (linear: twice the time, the same memory);
#   and the size of the binary. Each figure is printed with its floor, measured in the same run.
# usage: benches/cli.sh [TEMPLATE]   (default: a Cerberus template of the shared corpus, or
#        examples/templates/spring-mailchimp.html without it)
set -euo pipefail
cd "$(dirname "$0")/.."

bin=${BULKLINT_BIN:-target/release/bulklint}
if [ -z "${BULKLINT_BIN:-}" ]; then
    cargo build --release --quiet
fi
# The floor program of section 2, built with the release profile.
floor=$(cargo bench --bench csv_floor --no-run --message-format=json 2>/dev/null |
    sed -n 's/.*"executable":"\([^"]*csv_floor[^"]*\)".*/\1/p' | tail -1)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

template=${1:-../shared/corpus/templates/sendwithus-templates/templates/cerberus/responsive.html}
[ -f "$template" ] || template=examples/templates/spring-mailchimp.html

echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2 / 1048576}' /proc/meminfo); binary $(stat -c %s "$bin") bytes"
echo
echo "== 1. one template, cold process: $template ($(stat -c %s "$template") bytes)"
if command -v hyperfine >/dev/null; then
    hyperfine --warmup 5 --runs 200 -N --ignore-failure \
        "$bin check --isolated $template" \
        "$bin check --isolated --format json $template" \
        "$bin --version" \
        "/bin/true"
else
    runs=200
    start=$(date +%s%N)
    for _ in $(seq $runs); do "$bin" check --isolated "$template" > /dev/null 2>&1 || true; done
    end=$(date +%s%N)
    awk -v ns=$((end - start)) -v n=$runs 'BEGIN { printf "mean %.2f ms over %d runs (spawn loop; install hyperfine for statistics)\n", ns / n / 1e6, n }'
fi

echo
echo "== 2. a 1,000,000-row recipient CSV"
awk 'BEGIN { print "First Name,Last Name,E-mail Address";
             for (i = 0; i < 1000000; i++) printf "First%d,Last%d,customer%d@shop%d.example.com\n", i, i, i, i % 500 }' > "$work/big.csv"
echo "big.csv: $(stat -c %s "$work/big.csv") bytes"
draft=examples/spring-specials.eml
timed() { # LABEL COMMAND...: wall, CPU and peak RSS of one run (GNU time)
    local label=$1
    shift
    /usr/bin/time -f "$label: %e s wall, %U s user + %S s sys, %M KiB peak RSS" "$@" > /dev/null 2> "$work/time" || true
    tail -1 "$work/time"
}
for run in 1 2 3; do
    timed "run $run" "$bin" check --isolated "$draft" -r "$work/big.csv"
    [ -z "$floor" ] || timed "  floor (csv crate + 64-bit hash)" "$floor" "$work/big.csv" 2
done
echo "(the draft alone, for scale:)"
timed "draft only" "$bin" check --isolated "$draft"

echo
echo "== 3. ten drafts against the same 1,000,000-row list, in one run"
mkdir -p "$work/ten"
for i in $(seq 1 10); do cp "$draft" "$work/ten/draft-$i.eml"; done
for run in 1 2 3; do
    timed "run $run, 10 drafts" "$bin" check --isolated "$work/ten" -r "$work/big.csv"
    timed "run $run, 1 draft (floor: one list load + one check)" "$bin" check --isolated "$draft" -r "$work/big.csv"
done

echo
echo "== 4. a folder of drafts: 2,500 and 5,000 (linear: twice the time, flat memory)"
for n in 2500 5000; do
    mkdir -p "$work/folder-$n"
    for i in $(seq 1 "$n"); do cp "$draft" "$work/folder-$n/draft-$i.eml"; done
done
for run in 1 2 3; do
    for n in 2500 5000; do
        timed "run $run, $n drafts" "$bin" check --isolated --format json "$work/folder-$n"
    done
done
