#!/usr/bin/env bash
# Build the locust dataset ONCE into a kept PostgreSQL database (docs/performance.md "Pages under 50 users"):
#   bench/locust/build.sh [SUBSCRIPTIONS] [POSTINGS]     defaults 1000000 100000 (the issue's target)
#   LOCUST_DB=csdp_locust (default) names the database; it is dropped and rebuilt.
# migrate; `csdp ipo simulate` (one offering T-1 … L through the production code: ~1 account per
# subscription, set-based with COPY); bench/locust/postings.py (board postings, INSERT … SELECT);
# VACUUM ANALYZE; the row counts go to bench/locust/out/$LOCUST_DB-dataset.txt.
# Then measure as often as wanted with bench/locust/measure.sh (the database is not touched again
# except for the sessions and tokens the run uses).
set -euo pipefail
cd "$(dirname "$0")/../.."
subs=${1:-1000000}
postings=${2:-100000}
. bench/locust/env.sh
psql -h 127.0.0.1 -U postgres -qc "DROP DATABASE IF EXISTS $LOCUST_DB" -qc "CREATE DATABASE $LOCUST_DB"
rm -rf "$CSDP_VAR_DIR" && mkdir -p "$CSDP_VAR_DIR"
{ echo "build of $LOCUST_DB started $(date -u +%FT%TZ): $subs subscriptions, $postings postings"; uptime; } \
  > "$LOCUST_OUT/$LOCUST_DB-dataset.txt"
$csdp migrate --noinput >/dev/null && $csdp createcachetable
/usr/bin/time -f "simulate %e s" $csdp ipo simulate --subscriptions "$subs" > "$LOCUST_OUT/$LOCUST_DB-simulate.txt" 2>&1
/usr/bin/time -f "postings %e s" .venv/bin/python bench/locust/postings.py "$postings"
psql -h 127.0.0.1 -U postgres -d "$LOCUST_DB" -qc "VACUUM ANALYZE"
psql -h 127.0.0.1 -U postgres -d "$LOCUST_DB" -At -F ' ' -c "
  SELECT 'subscriptions', count(*) FROM ipo_subscription UNION ALL
  SELECT 'securities_accounts', count(*) FROM securities_securitiesaccount UNION ALL
  SELECT 'positions', count(*) FROM register_position UNION ALL
  SELECT 'pledge_postings', count(*) FROM pledge_posting UNION ALL
  SELECT 'participants', count(*) FROM securities_participantprofile" >> "$LOCUST_OUT/$LOCUST_DB-dataset.txt"
{ echo "finished $(date -u +%FT%TZ)"; uptime; } >> "$LOCUST_OUT/$LOCUST_DB-dataset.txt"
cat "$LOCUST_OUT/$LOCUST_DB-dataset.txt"
