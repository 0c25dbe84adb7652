#!/usr/bin/env bash
# What the dist profile's `lto = "fat"` and `codegen-units = 1` buy: builds bulklint three
# ways (cargo's default release profile, with LTO, and with LTO and one codegen unit, the
# `dist` profile of Cargo.toml that releases use, built into target/dist) and measures each on
# the same work (figures: BENCHMARKS.md):
#   binary size; one template, cold process; the template corpus in one process; a
#   1,000,000-row recipient CSV.
# usage: benches/profiles.sh   (needs hyperfine; the first two build into target/profile-*)
set -euo pipefail
cd "$(dirname "$0")/.."
command -v hyperfine >/dev/null || { echo "needs hyperfine (apt-get install hyperfine)" >&2; exit 2; }

build() { # NAME LTO CODEGEN_UNITS
    CARGO_PROFILE_RELEASE_LTO=$2 CARGO_PROFILE_RELEASE_CODEGEN_UNITS=$3 \
        cargo build --release --quiet --target-dir "target/profile-$1"
}
build default false 16
build lto true 16
cargo build --profile dist --quiet   # Cargo.toml's dist profile: LTO and one codegen unit

template=../shared/corpus/templates/sendwithus-templates/templates/cerberus/responsive.html
[ -f "$template" ] || template=examples/templates/spring-mailchimp.html
corpus=../shared/corpus/templates
[ -d "$corpus" ] || corpus=examples
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
awk 'BEGIN { print "First Name,Last Name,E-mail Address";
             for (i = 0; i < 1000000; i++) printf "First%d,Last%d,customer%d@shop%d.example.com\n", i, i, i, i % 500 }' > "$work/big.csv"

for p in default lto lto-cgu1; do
    bin=target/profile-$p/release/bulklint
    [ "$p" = lto-cgu1 ] && bin=target/dist/bulklint
    echo "== $p: $(stat -c %s "$bin") bytes"
    hyperfine -N --warmup 5 --runs 100 --ignore-failure --style basic \
        "$bin check --isolated $template" 2>&1 | grep -E "Time|Range"
    hyperfine --warmup 1 --runs 10 --ignore-failure --style basic \
        "$bin check --isolated --format json $corpus > /dev/null" 2>&1 | grep -E "Time|Range"
    hyperfine --warmup 1 --runs 5 --ignore-failure --style basic \
        "$bin check --isolated examples/spring-specials.eml -r $work/big.csv > /dev/null" 2>&1 | grep -E "Time|Range"
done
