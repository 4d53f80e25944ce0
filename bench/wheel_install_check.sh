#!/usr/bin/env bash
# The README's production path, from a built wheel, in a fresh venv and an empty directory:
#   make wheel && bench/wheel_install_check.sh [postgres://postgres@127.0.0.1:5432/csdp_wheel]
# Checks: the production lock installs with --require-hashes and has no test tools; check --deploy is
# clean; migrate; collectstatic writes hashed names (manifest) under CSDP_VAR_DIR, not site-packages;
# gunicorn serves /readyz (with a task worker running), a hashed static file and the offline API docs.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
database=${1:-sqlite:////tmp/csdp-wheel/var/csdp.sqlite3}
work=$(mktemp -d /tmp/csdp-wheel-XXXX)
trap 'kill $(jobs -p) 2>/dev/null || true' EXIT
python3 -m venv "$work/venv"
"$work/venv/bin/pip" install -q --upgrade "pip>=24"
"$work/venv/bin/pip" install -q --require-hashes -r requirements-production.lock
"$work/venv/bin/pip" install -q --no-deps "$repo"/dist/csdp-*.whl
if "$work/venv/bin/python" -c "import pytest" 2>/dev/null; then echo "FAIL: pytest installed in production"; exit 1; fi
mkdir -p "$work/var" && cd "$work"   # an empty directory: nothing may come from the checkout
export DJANGO_SETTINGS_MODULE=csdp.settings.production CSDP_VAR_DIR="$work/var" ALLOWED_HOSTS=localhost \
  SECRET_KEY="$(python3 -c 'import secrets; print(secrets.token_urlsafe(60))')" DATABASE_URL="${database/\/tmp\/csdp-wheel\/var/$work/var}" \
  CSDP_CA_PASSPHRASE=wheel-check-passphrase
csdp=$work/venv/bin/csdp
$csdp check --deploy --fail-level WARNING
$csdp migrate --noinput >/dev/null
$csdp createcachetable
$csdp collectstatic --noinput >/dev/null
test -f "$work/var/static/staticfiles.json" || { echo "FAIL: no manifest"; exit 1; }
site=$("$work/venv/bin/python" -c "import csdp, pathlib; print(pathlib.Path(csdp.__file__).parent)")
test ! -e "$site/../var" || { echo "FAIL: var/ inside site-packages"; exit 1; }
htmx=$("$work/venv/bin/python" -c "import json; print(json.load(open('$work/var/static/staticfiles.json'))['paths']['vendor/htmx/htmx.min.js'])")
$csdp db_worker >/dev/null 2>&1 &
"$work/venv/bin/gunicorn" csdp.wsgi:application --bind 127.0.0.1:8765 --workers 2 >/dev/null 2>&1 &
for _ in $(seq 1 30); do curl -fs http://localhost:8765/healthz >/dev/null && break; sleep 1; done
curl -fs -o /dev/null -H "X-Forwarded-Proto: https" "http://localhost:8765/static/$htmx" && echo "static $htmx ok"
curl -fs -H "X-Forwarded-Proto: https" http://localhost:8765/api/v1/docs | grep -q "/static/ninja/swagger-ui-bundle" && echo "docs offline ok"
for _ in $(seq 1 20); do curl -fs http://localhost:8765/readyz >/dev/null && break; sleep 1; done
curl -s http://localhost:8765/readyz; echo
curl -fs http://localhost:8765/readyz >/dev/null && echo "WHEEL INSTALL OK ($work)"
