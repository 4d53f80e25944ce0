#!/usr/bin/env bash
# The measured run alone, against a dataset built by bench/locust/build.sh (run it on a quiet machine):
#   bench/locust/measure.sh [DURATION]        default 120s; USERS=50 SPAWN=10 PORT=8000 LOCUST_DB=csdp_locust
# Fresh sessions and API tokens (bench/locust/seed.py), gunicorn with 4 sync workers on :8000, locust
# headless; prints `uptime` before and after and one line per request with p95 and failures
# (bench/locust/report.py; raw CSV in bench/locust/out/$LOCUST_DB-run_stats.csv).
# Needs locust in $LOCUST (default /tmp/ops-locust): python3 -m venv /tmp/ops-locust && /tmp/ops-locust/bin/pip install locust
set -euo pipefail
cd "$(dirname "$0")/../.."
duration=${1:-120s}
locust=${LOCUST:-/tmp/ops-locust}/bin/locust
. bench/locust/env.sh
if ! psql -h 127.0.0.1 -U postgres -d "$LOCUST_DB" -Atc "SELECT 1 FROM ipo_subscription LIMIT 1" | grep -q 1; then
  echo "no dataset in $LOCUST_DB: run bench/locust/build.sh first" >&2
  exit 1
fi
$csdp shell < bench/locust/seed.py
.venv/bin/gunicorn csdp.wsgi:application --bind 127.0.0.1:${PORT:-8000} --workers 4 --access-logfile /dev/null \
  2> "$LOCUST_OUT/$LOCUST_DB-gunicorn.log" &
server=$!
trap 'kill $server 2>/dev/null || true' EXIT
for _ in $(seq 1 60); do curl -fs http://127.0.0.1:${PORT:-8000}/healthz >/dev/null && break; sleep 1; done
curl -fs http://127.0.0.1:${PORT:-8000}/healthz >/dev/null || { echo "gunicorn did not start: $LOCUST_OUT/$LOCUST_DB-gunicorn.log" >&2; exit 1; }
# Every worker warms up before it accepts requests (csdp/ops/warmup.py logs one line each): start the
# load once all four have, not when the first answers.
for _ in $(seq 1 60); do [ "$(grep -c 'warm-up:' "$LOCUST_OUT/$LOCUST_DB-gunicorn.log")" -ge 4 ] && break; sleep 1; done
echo "before: $(uptime)"
$locust -f bench/locust/locustfile.py --headless -u "${USERS:-50}" -r "${SPAWN:-10}" -t "$duration" \
  --host http://127.0.0.1:${PORT:-8000} --csv "$LOCUST_OUT/$LOCUST_DB-run" --only-summary > "$LOCUST_OUT/$LOCUST_DB-locust.log" 2>&1 || true
echo "after:  $(uptime)"
.venv/bin/python bench/locust/report.py "$LOCUST_OUT/$LOCUST_DB-run"
