# CSDP — the two commands: `make demo` and `make test`. See README.md.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
CSDP := $(VENV)/bin/csdp
STAMP := $(VENV)/.installed
export DJANGO_SETTINGS_MODULE ?= csdp.settings.dev

.PHONY: demo test test-fast lint venv assets migrate serve lock bench clean

$(STAMP): requirements.lock pyproject.toml csdp/lib/_fixedwidth.c
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade "pip>=24"
	$(PY) -m pip install --quiet --require-hashes -r requirements.lock
	$(PY) -m pip install --quiet --no-deps -e .
	touch $(STAMP)

venv: $(STAMP)

# Front-end packages from the npm registry (package.json / package-lock.json), copied under var/vendor.
var/vendor/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	mkdir -p var/vendor/htmx var/vendor/chartjs var/vendor/pico
	cp node_modules/htmx.org/dist/htmx.min.js var/vendor/htmx/
	cp node_modules/chart.js/dist/chart.umd.min.js var/vendor/chartjs/
	cp node_modules/@picocss/pico/css/pico.min.css var/vendor/pico/
	touch $@

assets: var/vendor/.installed

migrate: venv
	mkdir -p var
	$(CSDP) migrate --noinput
	$(CSDP) createcachetable

demo: venv assets migrate
	$(CSDP) demo
	@echo "服务地址 http://localhost:8000  (Ctrl-C 结束)"
	$(CSDP) runserver 0.0.0.0:8000

test: venv assets lint
	DJANGO_SETTINGS_MODULE=csdp.settings.test $(VENV)/bin/pytest -n 2 -p no:cacheprovider $(PYTEST_ARGS)

# The checks that keep one way of doing each thing (docs/architecture.md): the curated ruff rules,
# the formatter (check only), strict types where declared, and the layers and no app cycles.
lint: venv
	$(VENV)/bin/ruff check csdp tests
	$(VENV)/bin/ruff format --check csdp tests
	DJANGO_SETTINGS_MODULE=csdp.settings.test $(VENV)/bin/mypy csdp/lib csdp/ledger csdp/register
	PYTHONPATH=. $(VENV)/bin/lint-imports

test-fast: venv assets
	DJANGO_SETTINGS_MODULE=csdp.settings.test $(VENV)/bin/pytest -n 2 -m "not browser" $(PYTEST_ARGS)

# Re-pin every dependency (developers only; needs `uv` on PATH).
lock:
	uv pip compile pyproject.toml --extra test --python-version 3.11 --generate-hashes -o requirements.lock

bench: venv
	$(PY) bench/run.py

clean:
	rm -rf $(VENV) var node_modules
