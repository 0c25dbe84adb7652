#!/usr/bin/env bash
# A real pre-commit run against this repository's .pre-commit-hooks.yaml: a throwaway git repo
# uses the hook; a commit with a bad template is refused with the diagnostic, the fixed one
# goes through. Needs the repository's HEAD committed (pre-commit clones it).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)

if ! python3 -m pre_commit --version >/dev/null 2>&1; then
  python3 -m pip install --quiet pre-commit
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# Hermetic: pre-commit's cache lives in the scratch dir, not the home directory. The hook's
# release build skips LTO to keep CI fast; it shares a target dir across runs.
export PRE_COMMIT_HOME="$work/cache"
export CARGO_PROFILE_RELEASE_LTO=false CARGO_PROFILE_RELEASE_CODEGEN_UNITS=16
export CARGO_TARGET_DIR="$root/target/pre-commit"

git init -q "$work/repo"
cd "$work/repo"
git config user.email ci@example.com
git config user.name ci
cat > .pre-commit-config.yaml <<YAML
repos:
  - repo: $root
    rev: $(git -C "$root" rev-parse HEAD)
    hooks:
      - id: bulklint
YAML
python3 -m pre_commit install >/dev/null

cat > newsletter.html <<'HTML'
<!doctype html>
<html><body>
<p>Fresh bread every morning at Bakery Example.</p>
<p>Bakery Example, 12 Main Street, Ottawa ON K1A 0B1, 613-555-0100</p>
<p><a href="#">Unsubscribe</a></p>
</body></html>
HTML
git add .pre-commit-config.yaml newsletter.html
if git commit -q -m "bad template" >"$work/out.txt" 2>&1; then
  cat "$work/out.txt"
  echo "FAIL: the commit with a placeholder unsubscribe link went through"
  exit 1
fi
grep -q "unsubscribe-placeholder" "$work/out.txt" || { cat "$work/out.txt"; echo "FAIL: no diagnostic"; exit 1; }
echo "ok: bad template refused with unsubscribe-placeholder"

sed -i 's|href="#"|href="https://bakery.example/unsubscribe?u=1"|' newsletter.html
git add newsletter.html
git commit -q -m "fixed template" >"$work/out.txt" 2>&1 || { cat "$work/out.txt"; echo "FAIL: the fixed template was refused"; exit 1; }
echo "ok: fixed template committed"
echo "pre-commit: 2 passed, 0 failed"
