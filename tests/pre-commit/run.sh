#!/usr/bin/env bash
# A real pre-commit run of a bulklint hook: a throwaway git repo uses the hook; a commit with a
# bad template is refused with the diagnostic, the fixed one goes through.
#
#   run.sh wheel DIR   the `language: python` hook of packaging/pre-commit (the pre-commit
#                      mirror), with the `bulklint` wheel taken from DIR instead of the index
#   run.sh source      the `language: rust` hook of this repository (.pre-commit-hooks.yaml),
#                      compiled by `cargo install`; needs the repository's HEAD committed
#
# PYTHON names the interpreter that has (or gets) pre-commit; python3 by default.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
mode=${1:-}
python=${PYTHON:-python3}

if ! "$python" -m pre_commit --version >/dev/null 2>&1; then
  "$python" -m pip install --quiet pre-commit
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# Hermetic: pre-commit's cache lives in the scratch dir, not the home directory.
export PRE_COMMIT_HOME="$work/cache"

case "$mode" in
  wheel)
    wheels=$(cd "${2:?run.sh wheel DIR: the folder holding the bulklint wheel}" && pwd)
    version=$(sed -n 's/^version = "\(.*\)"$/\1/p' "$root/Cargo.toml" | head -n 1)
    grep -q "\"bulklint==$version\"" "$root/packaging/pre-commit/pyproject.toml" || {
      echo "FAIL: packaging/pre-commit/pyproject.toml does not pin bulklint==$version (Cargo.toml's version)"
      exit 1
    }
    # The mirror as its own repository, as the release workflow publishes it.
    cp -r "$root/packaging/pre-commit" "$work/mirror"
    git -C "$work/mirror" init -q
    git -C "$work/mirror" add -A
    git -C "$work/mirror" -c user.email=ci@example.com -c user.name=ci commit -q -m mirror
    hook_repo="$work/mirror"
    # pip resolves the mirror's `bulklint==VERSION` from the local wheel (it is not on the index
    # before a release); the mirror's build backend still comes from the index.
    export PIP_FIND_LINKS="$wheels"
    ;;
  source)
    # The hook's release build shares a target dir across runs.
    export CARGO_TARGET_DIR="$root/target/pre-commit"
    hook_repo="$root"
    ;;
  *)
    echo "usage: run.sh wheel DIR | run.sh source" >&2
    exit 2
    ;;
esac

git init -q "$work/repo"
cd "$work/repo"
git config user.email ci@example.com
git config user.name ci
cat > .pre-commit-config.yaml <<YAML
repos:
  - repo: $hook_repo
    rev: $(git -C "$hook_repo" rev-parse HEAD)
    hooks:
      - id: bulklint
YAML
"$python" -m pre_commit install >/dev/null

cat > newsletter.html <<'HTML'
<!doctype html>
<html><body>
<p>Fresh bread every morning at Bakery Example.</p>
<p>Bakery Example, 12 Main Street, Ottawa ON K1A 0B1, 613-555-0100</p>
<p><a href="#">Unsubscribe</a></p>
</body></html>
HTML
git add .pre-commit-config.yaml newsletter.html
# The first commit installs the hook's environment: the figure the README quotes.
start=$(date +%s)
if git commit -q -m "bad template" >"$work/out.txt" 2>&1; then
  cat "$work/out.txt"
  echo "FAIL: the commit with a placeholder unsubscribe link went through"
  exit 1
fi
echo "first commit (hook installed, then run): $(($(date +%s) - start)) s"
grep -q "unsubscribe-placeholder" "$work/out.txt" || { cat "$work/out.txt"; echo "FAIL: no diagnostic"; exit 1; }
echo "ok: bad template refused with unsubscribe-placeholder"

sed -i 's|href="#"|href="https://bakery.example/unsubscribe?u=1"|' newsletter.html
git add newsletter.html
git commit -q -m "fixed template" >"$work/out.txt" 2>&1 || { cat "$work/out.txt"; echo "FAIL: the fixed template was refused"; exit 1; }
echo "ok: fixed template committed"
echo "pre-commit ($mode): 2 passed, 0 failed"
