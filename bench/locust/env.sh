# Sourced by build.sh, measure.sh and run.sh: one database and one files directory per dataset.
export LOCUST_DB=${LOCUST_DB:-csdp_locust}
export DJANGO_SETTINGS_MODULE=csdp.settings.dev DEBUG=0 PYTHONPATH=$PWD
export DATABASE_URL=postgres://postgres@127.0.0.1:5432/$LOCUST_DB
export CSDP_VAR_DIR=${CSDP_VAR_DIR:-/tmp/csdp-$LOCUST_DB-var}
export LOCUST_OUT=$PWD/bench/locust/out
export LOCUST_IDENTITIES=$LOCUST_OUT/$LOCUST_DB-identities.json
mkdir -p "$CSDP_VAR_DIR" "$LOCUST_OUT"
csdp=.venv/bin/csdp
# Every simulated back office calls from the loopback address; in production each has its own, so the
# per-address API limit is lifted here (the per-token limit still applies to each token).
export CSDP_API_PER_ADDRESS_PER_MINUTE=${CSDP_API_PER_ADDRESS_PER_MINUTE:-1000000}
