#!/usr/bin/env bash
# The locust benchmark end to end (docs/performance.md "Pages under 50 users"):
#   bench/locust/run.sh [SUBSCRIPTIONS]   (default 20000; the issue's target dataset is 1,000,000)
# A fresh PostgreSQL database csdp_bench: migrate, one synthetic offering run T … L with
# SUBSCRIPTIONS orders (csdp ipo simulate: accounts, subscriptions, allocation, registration), then
# gunicorn (4 workers) and 50 locust users for 120 s. Needs locust in $LOCUST (default /tmp/ops-locust).
set -euo pipefail
cd "$(dirname "$0")/../.."
subs=${1:-20000}
locust=${LOCUST:-/tmp/ops-locust}/bin/locust
export DJANGO_SETTINGS_MODULE=csdp.settings.dev DEBUG=0 PYTHONPATH=$PWD
export DATABASE_URL=postgres://postgres@127.0.0.1:5432/csdp_bench CSDP_VAR_DIR=${CSDP_VAR_DIR:-/tmp/csdp-bench-var}
psql -h 127.0.0.1 -U postgres -qc "DROP DATABASE IF EXISTS csdp_bench" -qc "CREATE DATABASE csdp_bench"
mkdir -p "$CSDP_VAR_DIR" bench/locust/out
csdp=.venv/bin/csdp
$csdp migrate --noinput >/dev/null && $csdp createcachetable
/usr/bin/time -f "simulate %e s" $csdp ipo simulate --subscriptions "$subs" > bench/locust/out/simulate.txt
$csdp shell < bench/locust/seed.py
.venv/bin/gunicorn csdp.wsgi:application --bind 127.0.0.1:8000 --workers 4 --access-logfile /dev/null &
server=$!
trap 'kill $server 2>/dev/null || true' EXIT
for _ in $(seq 1 60); do curl -fs http://127.0.0.1:8000/healthz >/dev/null && break; sleep 1; done
$locust -f bench/locust/locustfile.py --headless -u 50 -r 10 -t 120s --host http://127.0.0.1:8000 \
  --csv bench/locust/out/run --only-summary 2>&1 | tail -40
