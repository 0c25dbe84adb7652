#!/usr/bin/env bash
# The shared ledger on PostgreSQL (BENCHMARKS.md, "The shared ledger on PostgreSQL"):
#  1. `bulklint ledger migrate` of a 10,000-send SQLite ledger (20 recipient hashes a send) into
#     an empty schema, timed, then run again: the second run must add nothing;
#  2. the 24-hour window query on 1,000,000 recorded sends: its plans (EXPLAIN ANALYZE, for one
#     sender and for every sender) and `bulklint history` timed through the binary.
# Needs a server: BENCHMARKS_POSTGRES=postgres://… naming a database the user may create schemas
# in (the schemas bench_migrate and bench_window are dropped and made again). psql and sqlite3 on
# PATH. BULKLINT=path/to/bulklint to time another build (default: the release build).
set -euo pipefail
cd "$(dirname "$0")/.."
url=${BENCHMARKS_POSTGRES:?set BENCHMARKS_POSTGRES to a postgres:// URL}
if [ -z "${BULKLINT:-}" ]; then
  cargo build --release --quiet
  BULKLINT=${CARGO_TARGET_DIR:-target}/release/bulklint
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export HOME=$work XDG_DATA_HOME=$work/data XDG_CONFIG_HOME=$work/config NO_COLOR=1
export BULKLINT_LEDGER_KEY="bench secret, long enough to be a key"
now=1741165200 # 2025-03-05T09:00:00Z
sep='?'
[[ $url == *\?* ]] && sep='&'
in_schema() { printf '%s%soptions=-csearch_path%%3D%s' "$url" "$sep" "$1"; }
fresh_schema() { psql "$url" -qX -c "DROP SCHEMA IF EXISTS $1 CASCADE" -c "CREATE SCHEMA $1" >/dev/null 2>&1; }
# One send recorded by bulklint makes a ledger (its tables and key check); SQL adds the rest.
seed() {
  printf 'From: ann@bakery.example\nTo: a@reader.example\nSubject: Hi\n\nHello\n' >"$work/one.eml"
  "$BULKLINT" record "$work/one.eml" --isolated --ledger "$1" --now "$now" >/dev/null
}
TIMEFORMAT='  (%R s)'
seconds() { time "$@"; }

echo "== ledger migrate: 10,000 sends, 200,000 recipient hashes"
seed "$work/mine.sqlite3"
sqlite3 "$work/mine.sqlite3" <<SQL
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 9999)
INSERT INTO sends (sent_at, sender, provider, recipients, internal, external, messages, origin, recorded_at)
SELECT $now - i * 60, 'sender' || (i % 7) || '@bakery.example', 'microsoft365', 20, 0, 20, 1, 'record', $now - i * 60 FROM n;
WITH RECURSIVE k(j) AS (SELECT 1 UNION ALL SELECT j + 1 FROM k WHERE j < 20)
INSERT OR IGNORE INTO send_recipients (send_id, hash) SELECT s.id, randomblob(16) FROM sends s, k;
SQL
fresh_schema bench_migrate
target=$(in_schema bench_migrate)
seconds "$BULKLINT" ledger migrate --ledger "$work/mine.sqlite3" --to "$target"
seconds "$BULKLINT" ledger migrate --ledger "$work/mine.sqlite3" --to "$target"
psql "$url" -qXAt -c "SELECT 'in the server: ' || (SELECT count(*) FROM bench_migrate.sends) || ' sends, ' || (SELECT count(*) FROM bench_migrate.send_recipients) || ' hashes'"

echo "== the 24-hour window on 1,000,000 sends (100 days, 200 senders, 3 hashes a send)"
fresh_schema bench_window
window=$(in_schema bench_window)
seed "$window"
psql "$url" -qX <<SQL
SET search_path = bench_window;
INSERT INTO sends (sent_at, sender, provider, recipients, internal, external, messages, origin, recorded_at)
SELECT $now - i * 864 / 100, 'sender' || (i % 200) || '@bakery.example', 'microsoft365', 3, 0, 3, 1, 'record', $now
FROM generate_series(1, 999999) AS i;
INSERT INTO send_recipients (send_id, hash)
SELECT id, decode(md5(id::text || '/' || j), 'hex') FROM sends, generate_series(1, 3) AS j
ON CONFLICT DO NOTHING;
ANALYZE;
SELECT count(*) AS sends, count(*) FILTER (WHERE sent_at > $now - 86400) AS in_window FROM sends;
PREPARE w(bigint, bigint, text) AS
  SELECT id, sent_at, sender, provider, recipients, internal, external, messages, fingerprint, signature, subject
  FROM sends WHERE sent_at > \$1 AND sent_at <= \$2 AND (CAST(\$3 AS TEXT) IS NULL OR sender = \$3)
  ORDER BY sent_at, id;
PREPARE h(bigint, bigint, text) AS
  SELECT r.send_id, r.hash FROM send_recipients r JOIN sends s ON s.id = r.send_id
  WHERE s.sent_at > \$1 AND s.sent_at <= \$2 AND (CAST(\$3 AS TEXT) IS NULL OR s.sender = \$3)
  ORDER BY r.send_id, r.hash;
\echo '-- one sender'
EXPLAIN (ANALYZE, COSTS OFF) EXECUTE w($now - 86400, $now, 'sender7@bakery.example');
EXPLAIN (ANALYZE, COSTS OFF) EXECUTE h($now - 86400, $now, 'sender7@bakery.example');
\echo '-- every sender'
EXPLAIN (ANALYZE, COSTS OFF) EXECUTE w($now - 86400, $now, NULL);
EXPLAIN (ANALYZE, COSTS OFF) EXECUTE h($now - 86400, $now, NULL);
SQL
echo "bulklint history --sender sender7@bakery.example (window of one sender):"
seconds "$BULKLINT" history --isolated --ledger "$window" --sender sender7@bakery.example --now "$now" --format json >/dev/null
echo "bulklint history (every sender's window):"
seconds "$BULKLINT" history --isolated --ledger "$window" --now "$now" --format json >/dev/null
printf '[tenant]\nprovider = "microsoft365"\nlicences = 40\ndomains = ["bakery.example"]\n' >"$work/bulklint.toml"
echo "bulklint history --tenant (per-sender totals of the tenant):"
seconds "$BULKLINT" history --config "$work/bulklint.toml" --ledger "$window" --tenant --now "$now" >/dev/null
printf 'From: sender7@bakery.example\nTo: a@reader.example, b@reader.example\nSubject: Hi\nX-Mailer: Microsoft Outlook 16.0\n\nHello\n' >"$work/check.eml"
echo "bulklint check with [tenant] (the sender's window with hashes, the tenant's totals):"
seconds "$BULKLINT" check "$work/check.eml" --config "$work/bulklint.toml" --ledger "$window" --now "$now" --select recipient-limit >/dev/null || true
