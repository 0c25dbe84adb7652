#!/usr/bin/env bash
# The Action's shell steps (scripts/action/) with hostile inputs: file names with spaces, `$(…)`,
# `;` and globs reach bulklint as the arguments they are, nothing is executed, the check runs
# once and writes SARIF from that run; the install step verifies the checksum, refuses a
# tampered download and falls back to `cargo install --locked`.
#
#   run.sh BULKLINT   a built bulklint binary
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
real=$(cd "$(dirname "${1:?run.sh BULKLINT: a built bulklint binary}")" && pwd)/$(basename "$1")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
passed=0
failed=0
ok() { echo "ok: $1"; passed=$((passed + 1)); }
fail() { echo "FAIL: $1"; failed=$((failed + 1)); }

# A `bulklint` first on PATH that logs its arguments (one per line) and runs the real one.
mkdir -p "$work/shim"
cat >"$work/shim/bulklint" <<SH
#!/usr/bin/env bash
printf '%s\n' "\$@" >>"$work/calls.log"
echo "--- end of call" >>"$work/calls.log"
exec "$real" "\$@"
SH
chmod +x "$work/shim/bulklint"

mkdir -p "$work/repo/my templates"
cd "$work/repo"
bad='<html><body><p>Fresh bread at Bakery Example.</p><p><a href="#">Unsubscribe</a></p></body></html>'
printf '%s\n' "$bad" >"my templates/spring issue.html"
printf '%s\n' "$bad" >'$(touch PWNED-subst).html'
printf '%s\n' "$bad" >'a;touch PWNED-semicolon;.html'
printf '%s\n' "$bad" >'glob one.txt'

# --- check.sh --------------------------------------------------------------------------------
paths='my templates/spring issue.html
$(touch PWNED-subst).html
a;touch PWNED-semicolon;.html
*.txt'
set +e
PATH="$work/shim:$PATH" BULKLINT_PATHS="$paths" BULKLINT_ARGS='--isolated  --no-ledger' \
  BULKLINT_SARIF="out dir/results.sarif" bash "$root/scripts/action/check.sh" >"$work/out.txt" 2>&1
status=$?
set -e
expected='check
--format
github
--sarif
out dir/results.sarif
--isolated
--no-ledger
--
my templates/spring issue.html
$(touch PWNED-subst).html
a;touch PWNED-semicolon;.html
*.txt
--- end of call'
if [ "$(cat "$work/calls.log")" = "$expected" ]; then
  ok "one bulklint call, each path and argument exactly as given"
else
  fail "bulklint was called with:"; cat "$work/calls.log"
fi
if [ -e PWNED-subst ] || [ -e PWNED-semicolon ]; then fail "an input was executed"; else ok "no input executed (\$(…), ;)"; fi
# The SARIF folder did not exist: bulklint cannot write there, and says so (exit 2).
[ "$status" = 2 ] && grep -q "cannot write SARIF: out dir/results.sarif" "$work/out.txt" &&
  ok "an unwritable SARIF path is an error naming it" || { cat "$work/out.txt"; fail "SARIF path error (exit $status)"; }
mkdir -p "out dir"

: >"$work/calls.log"
set +e
PATH="$work/shim:$PATH" BULKLINT_PATHS="$paths" BULKLINT_ARGS='--isolated' \
  BULKLINT_SARIF="out dir/results.sarif" bash "$root/scripts/action/check.sh" >"$work/out.txt" 2>&1
status=$?
set -e
annotations=$(grep -c '^::error file=' "$work/out.txt" || true)
files=$(grep -o '^::error file=[^,]*' "$work/out.txt" | sort -u | wc -l)
results=$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["runs"][0]["results"]))' "out dir/results.sarif" 2>/dev/null || echo 0)
calls=$(grep -c -- '--- end of call' "$work/calls.log")
if [ "$status" = 1 ] && [ "$files" = 4 ] && [ "$calls" = 1 ] && [ "$results" -ge "$annotations" ] && [ "$annotations" -ge 4 ]; then
  ok "one run: exit 1, $annotations annotations on the 4 files (the glob expanded by bulklint), $results SARIF results"
else
  cat "$work/out.txt"
  fail "check run: exit $status, $files files annotated, $calls calls, $results SARIF results"
fi

: >"$work/calls.log"
PATH="$work/shim:$PATH" BULKLINT_PATHS='' BULKLINT_ARGS='' BULKLINT_SARIF='' \
  bash "$root/scripts/action/check.sh" >/dev/null 2>&1 || true
[ "$(sed -n '1,5p' "$work/calls.log" | tr '\n' ' ')" = "check --format github -- . " ] &&
  ok "empty inputs: the current folder, no SARIF" || { cat "$work/calls.log"; fail "empty inputs"; }

# --- install.sh ------------------------------------------------------------------------------
version=$(sed -n 's/^version = "\(.*\)"$/\1/p' "$root/Cargo.toml" | head -n 1)
archive="bulklint-v$version-x86_64-unknown-linux-musl.tar.gz"
mkdir -p "$work/release" "$work/pack"
cp "$real" "$work/pack/bulklint"
tar -czf "$work/release/$archive" -C "$work/pack" bulklint
(cd "$work/release" && sha256sum "$archive" >SHA256SUMS)

install() { # install DIR [extra env…]
  local dir=$1
  shift
  env RUNNER_OS=Linux RUNNER_ARCH=X64 GITHUB_PATH="$work/github_path" BULKLINT_SOURCE="$root" \
    BULKLINT_INSTALL_DIR="$dir" "$@" bash "$root/scripts/action/install.sh" >"$work/install.txt" 2>&1
}

: >"$work/github_path"
if install "$work/in stall;\$(touch PWNED-install)" BULKLINT_RELEASE_URL="file://$work/release" &&
  [ -x "$work/in stall;\$(touch PWNED-install)/bin/bulklint" ] &&
  [ "$(cat "$work/github_path")" = "$work/in stall;\$(touch PWNED-install)/bin" ] &&
  [ ! -e PWNED-install ] && [ ! -e "$work/PWNED-install" ]; then
  ok "release binary downloaded, checksum verified, its folder (spaces, \$(…), ;) added to PATH"
else
  cat "$work/install.txt"; fail "download install"
fi
install "$work/in stall;\$(touch PWNED-install)" BULKLINT_RELEASE_URL="file://$work/nowhere" &&
  grep -q ": cached" "$work/install.txt" && ok "a cached binary of this version is reused" ||
  { cat "$work/install.txt"; fail "cache reuse"; }

cp "$work/release/SHA256SUMS" "$work/good-sums"
# Change the checksum's first digit (to 1 when it already is 0, so the sum always differs).
sed -i 's/^0/1/;t;s/^./0/' "$work/release/SHA256SUMS"
if install "$work/tampered" BULKLINT_RELEASE_URL="file://$work/release"; then
  fail "a download whose checksum does not match was installed"
elif grep -q "checksum mismatch" "$work/install.txt" && [ ! -e "$work/tampered/bin/bulklint" ]; then
  ok "a checksum mismatch is refused, nothing installed, no fallback"
else
  cat "$work/install.txt"; fail "checksum mismatch message"
fi

# No release asset: `cargo install --locked` (a stand-in `cargo` records how it was called).
mkdir -p "$work/fake-cargo"
cat >"$work/fake-cargo/cargo" <<SH
#!/usr/bin/env bash
printf '%s\n' "\$@" >"$work/cargo-args"
root_dir=\$4
mkdir -p "\$root_dir/bin" && cp "$real" "\$root_dir/bin/bulklint"
SH
chmod +x "$work/fake-cargo/cargo"
if install "$work/from source" BULKLINT_RELEASE_URL="file://$work/nowhere" PATH="$work/fake-cargo:$PATH" &&
  [ "$(tr '\n' ' ' <"$work/cargo-args")" = "install --locked --root $work/from source --path $root " ]; then
  ok "no release asset: cargo install --locked --root DIR --path ACTION"
else
  cat "$work/install.txt"; cat "$work/cargo-args" 2>/dev/null; fail "fallback to cargo install"
fi

echo "action scripts: $passed passed, $failed failed"
[ "$failed" = 0 ]
