#!/usr/bin/env bash
# Whole-process benchmarks of the release binary (figures: BENCHMARKS.md):
#   1. one template, cold process: the pre-commit hook case (hyperfine when installed,
#      else a spawn loop);
#   2. a 1,000,000-row recipient CSV generated here: wall time and peak RSS (GNU time);
#   and the size of the binary.
# usage: benches/cli.sh [TEMPLATE]   (default: a Cerberus template of the shared corpus, or
#        examples/templates/spring-mailchimp.html without it)
set -euo pipefail
cd "$(dirname "$0")/.."

bin=${BULKLINT_BIN:-target/release/bulklint}
if [ -z "${BULKLINT_BIN:-}" ]; then
    cargo build --release --quiet
fi
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
        "$bin --version"
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
for run in 1 2 3; do
    /usr/bin/time -f "run $run: %e s wall, %M KiB peak RSS" "$bin" check --isolated "$draft" -r "$work/big.csv" > /dev/null 2> "$work/time" || true
    tail -1 "$work/time"
done
echo "(the draft alone, for scale:)"
/usr/bin/time -f "draft only: %e s wall, %M KiB peak RSS" "$bin" check --isolated "$draft" > /dev/null 2> "$work/time" || true
tail -1 "$work/time"
