#!/usr/bin/env bash
# Builds the starting corpus of each fuzz target in fuzz/corpus/<target>/ from the shared corpus
# (../shared/corpus, when present), the test fixtures, the examples and fuzz/seeds/ (inputs no
# corpus has: small Outlook .msg files). cargo fuzz then grows these directories as it runs.
# usage: fuzz/seed.sh     (from anywhere; run it once before `cargo fuzz run`)
set -euo pipefail
cd "$(dirname "$0")/.."
shared=../shared/corpus
out=fuzz/corpus

# copy TARGET FILE...: each file under a name made from its content, so reruns add nothing twice.
copy() {
    local target=$1; shift
    mkdir -p "$out/$target"
    for f in "$@"; do
        [ -f "$f" ] || continue
        cp "$f" "$out/$target/$(sha1sum "$f" | cut -c1-16)"
    done
}

find_in() { find "$@" -type f 2>/dev/null | sort; }

mapfile -t eml < <(find_in "$shared/eml" examples tests/fixtures -name '*.eml')
mapfile -t html < <(find_in "$shared/templates" examples tests/fixtures \( -name '*.html' -o -name '*.htm' \))
mapfile -t text < <(find_in "$shared/templates" tests/fixtures -name '*.txt')
mapfile -t csv < <(find_in "$shared/recipients" examples tests/fixtures -name '*.csv')
mapfile -t vcf < <(find_in "$shared/recipients" tests/fixtures -name '*.vcf')
mapfile -t toml < <(find_in tests/fixtures -name '*.toml'; echo bulklint.example.toml)
mapfile -t mjml < <(find_in tests/fixtures -name '*.mjml')
mapfile -t msg < <(find_in fuzz/seeds/msg)

copy eml "${eml[@]}"
copy html "${html[@]}"
copy csv "${csv[@]}"
copy vcard "${vcf[@]}"
copy config "${toml[@]}"
copy msg "${msg[@]}"
# The mjml target puts `<mjml><mj-body>` in front itself: seed it with what follows.
mkdir -p "$out/mjml"
for f in "${mjml[@]}"; do
    sed -e 's/^.*<mj-body[^>]*>//' "$f" > "$out/mjml/$(sha1sum "$f" | cut -c1-16)"
done
# The check target: a selector byte (draft kind, list kind), the draft, then optionally
# `\0\0LIST\0\0` and a list. Drafts of each kind alone, and the examples with their list.
mkdir -p "$out/check"
seed_check() { # SELECTOR DRAFT [LIST]
    local name
    name=$(cat "$2" ${3:+"$3"} | sha1sum | cut -c1-16)
    { printf "\\x$(printf %02x "$1")"; cat "$2"; if [ -n "${3:-}" ]; then printf '\0\0LIST\0\0'; cat "$3"; fi; } > "$out/check/$name"
}
for f in "${eml[@]:0:120}"; do seed_check 0 "$f"; done
for f in "${html[@]:0:120}"; do seed_check 1 "$f"; done
for f in "${text[@]:0:30}"; do seed_check 2 "$f"; done
seed_check 0 examples/spring-specials.eml examples/customers.csv
seed_check 0 examples/spring-specials-esp.eml examples/customers.csv
for f in "${vcf[@]}"; do seed_check 3 examples/spring-specials.eml "$f"; done

for t in "$out"/*; do echo "$(basename "$t"): $(ls "$t" | wc -l) inputs"; done
