#!/usr/bin/env bash
# Build and measure in one go on a throw-away dataset (a quick check of the harness):
#   bench/locust/run.sh [SUBSCRIPTIONS] [DURATION]    defaults 20000 120s, database csdp_bench
# For the issue's target build once with bench/locust/build.sh (1M subscriptions, 100k postings into
# csdp_locust), then measure alone with bench/locust/measure.sh.
set -euo pipefail
cd "$(dirname "$0")/../.."
export LOCUST_DB=${LOCUST_DB:-csdp_bench}
bench/locust/build.sh "${1:-20000}" "${POSTINGS:-10000}"
bench/locust/measure.sh "${2:-120s}"
