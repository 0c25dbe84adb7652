#!/usr/bin/env bash
# The HTML report in a real browser: headless Chromium loads the README's bad example's report
# at phone and desktop widths, a probe script checks that the verdict and every finding are
# visible (laid out, not hidden, inside the page's width), and a screenshot of each width is
# taken. Screenshots go to a scratch folder (or $BULKLINT_SCREENSHOTS), never into the repo.
# Usage: tests/html/run.sh BULKLINT_BINARY
set -euo pipefail
bin=${1:?usage: tests/html/run.sh BULKLINT_BINARY}
cd "$(dirname "$0")/../.."
browser=$(command -v chromium || command -v chromium-browser || command -v google-chrome || true)
if [ -z "$browser" ]; then
  if [ "${CI:-}" = true ]; then echo "html test: no Chromium found" >&2; exit 1; fi
  echo "html test: skipped (no Chromium; CI installs the Debian package)"; exit 0
fi
out=${BULKLINT_SCREENSHOTS:-$(mktemp -d)}
mkdir -p "$out"
report="$out/report.html"
set +e
"$bin" check examples/spring-specials.eml --recipients examples/customers.csv --isolated --no-ledger \
  --format html >"$report"
code=$?
set -e
[ "$code" -eq 1 ] || { echo "html test: expected exit 1 from the bad example, got $code" >&2; exit 1; }

# The probe: appended to a copy, so the report itself stays script-free.
probe="$out/probe.html"
cat "$report" >"$probe"
cat >>"$probe" <<'JS'
<script>
addEventListener('load', () => {
  const shown = el => {
    const r = el.getBoundingClientRect(), s = getComputedStyle(el);
    return r.width > 0 && r.height > 0 && s.visibility !== 'hidden' && s.display !== 'none'
      && r.left >= 0 && r.right <= document.documentElement.clientWidth + 1;
  };
  const verdict = document.getElementById('verdict');
  const findings = [...document.querySelectorAll('.finding')];
  const result = document.createElement('pre');
  result.id = 'probe-result';
  result.textContent = JSON.stringify({
    verdict: !!verdict && shown(verdict),
    outcome: verdict ? verdict.querySelector('.outcome').textContent : '',
    findings: findings.length,
    hidden: findings.filter(f => !shown(f)).map(f => f.querySelector('code').textContent),
    width: document.documentElement.clientWidth,
    overflow: document.documentElement.scrollWidth > document.documentElement.clientWidth + 1,
  });
  document.body.appendChild(result);
});
</script>
JS

chrome() { "$browser" --headless --no-sandbox --disable-gpu --hide-scrollbars --no-first-run \
  --user-data-dir="$out/profile" "$@" 2>/dev/null; }
fail=0
for size in 390,844 1280,900; do
  name=${size%,*}
  dom=$(chrome --window-size="$size" --virtual-time-budget=2000 --dump-dom "file://$probe")
  result=$(printf '%s' "$dom" | sed -n 's:.*<pre id="probe-result">\(.*\)</pre>.*:\1:p')
  echo "width $name: $result"
  case "$result" in
    *'"verdict":true'*'"outcome":"If you press Send, Microsoft 365 is likely to block your mailbox'*'"hidden":[]'*'"overflow":false'*) ;;
    *) echo "html test: at width $name the verdict or a finding is not visible" >&2; fail=1 ;;
  esac
  case "$result" in *'"findings":0'*|'') echo "html test: no findings shown at width $name" >&2; fail=1 ;; esac
  chrome --window-size="$size" --screenshot="$out/report-$name.png" "file://$report" >/dev/null
  bytes=$(wc -c <"$out/report-$name.png")
  echo "screenshot: $out/report-$name.png ($bytes bytes)"
  [ "$bytes" -gt 10000 ] || { echo "html test: the $name screenshot is empty" >&2; fail=1; }
done
# Self-contained: the report itself asks for nothing (no scripts, styles or images from elsewhere).
if grep -Eqi '<script|<link|<img|src=|@import|url\(' "$report"; then
  echo "html test: the report loads something from outside" >&2; fail=1
fi
exit $fail
