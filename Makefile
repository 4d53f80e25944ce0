# CSDP — the two commands: `make demo` and `make test`. See README.md.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
CSDP := $(VENV)/bin/csdp
STAMP := $(VENV)/.installed
export DJANGO_SETTINGS_MODULE ?= csdp.settings.dev

.PHONY: demo test test-fast lint venv assets migrate serve lock bench clean wheel

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

# PORT=8001 make demo serves elsewhere; the address printed is the one served. The browser must use
# localhost (not 0.0.0.0 or an IP): WebAuthn, which the software USB-KEY uses, needs a secure context.
PORT ?= 8000
demo: venv assets migrate
	$(CSDP) demo --url http://localhost:$(PORT)
	@echo "服务地址 http://localhost:$(PORT)/  (Ctrl-C 结束)"
	$(CSDP) runserver 0.0.0.0:$(PORT)

test: venv assets lint
	@test -x /usr/bin/chromium || echo "注意：未找到 /usr/bin/chromium，浏览器测试将跳过（sudo apt-get install chromium）。"
	DJANGO_SETTINGS_MODULE=csdp.settings.test $(VENV)/bin/pytest -n 2 -p no:cacheprovider $(PYTEST_ARGS)

# The checks that keep one way of doing each thing (docs/architecture.md): the curated ruff rules,
# the formatter (check only), strict types where declared, and the layers and no app cycles.
lint: venv
	$(VENV)/bin/ruff check csdp tests
	$(VENV)/bin/ruff format --check csdp tests
	DJANGO_SETTINGS_MODULE=csdp.settings.test $(VENV)/bin/mypy csdp/lib csdp/ledger csdp/register csdp/ipo/engine csdp/dividend/engine
	PYTHONPATH=. $(VENV)/bin/lint-imports

test-fast: venv assets
	DJANGO_SETTINGS_MODULE=csdp.settings.test $(VENV)/bin/pytest -n 2 -m "not browser" $(PYTEST_ARGS)

# Re-pin every dependency (developers only; needs `uv` on PATH).
lock:
	uv pip compile pyproject.toml --extra test --python-version 3.11 --generate-hashes -o requirements.lock
	$(PYTHON) bench/production_lock.py

# The production artefact: a wheel that carries the front-end assets (README "Running in production").
wheel: venv assets
	rm -rf csdp/static/vendor && cp -r var/vendor csdp/static/vendor
	$(PY) -m pip wheel --no-deps -w dist . || { rm -rf csdp/static/vendor; exit 1; }
	rm -rf csdp/static/vendor build

bench: venv
	$(PY) bench/run.py

clean:
	rm -rf $(VENV) var node_modules
