# AgileTrack: `make run` starts everything, `make test` checks everything.

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
STAMP := $(VENV)/.installed

.PHONY: help venv assets run setup test test-faults lint format test-fast bench audit clean

help:
	@echo "make run    - install, migrate, create an admin, start web + worker + beat + sandbox"
	@echo "make test   - install, lint (ruff + mypy), run the whole test suite"
	@echo "make bench  - benchmarks: sync requests and time, ingest, latency, fan-out (tables)"
	@echo "make lint   - ruff and mypy only"
	@echo "make audit  - pip-audit over the pinned requirements (fails on a known vulnerability)"
	@echo "make assets - npm ci: the browser libraries (chart.js) served as static files"
	@echo "make format - ruff format and autofix"

venv: $(STAMP) assets

$(STAMP): requirements.txt requirements-dev.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $(STAMP)

# Browser libraries pinned in package-lock.json; settings.STATICFILES_DIRS serves them from here.
# The stamp lives inside node_modules/, so deleting that folder installs them again.
NODE_STAMP := node_modules/.agiletrack-installed

assets: $(NODE_STAMP)

$(NODE_STAMP): package.json package-lock.json
	@command -v npm >/dev/null || { echo "npm is missing: install Node.js and npm (apt-get install nodejs npm)" >&2; exit 1; }
	npm ci --no-audit --no-fund
	touch $(NODE_STAMP)

# The bundled sandbox API (python -m sandbox) is allowlisted so integrations can point at it.
SANDBOX_PORT ?= 8900
SANDBOX_HOSTS := $${AGILETRACK_ALLOWED_API_HOSTS:-127.0.0.1:$(SANDBOX_PORT)}

setup: venv
	$(PY) manage.py migrate --noinput
	$(PY) manage.py createcachetable
	$(PY) manage.py collectstatic --noinput --verbosity 0
	$(PY) manage.py ensure_admin
	AGILETRACK_ALLOWED_API_HOSTS="$(SANDBOX_HOSTS)" $(PY) manage.py seed_demo --sandbox-port $(SANDBOX_PORT)

# scripts/devrun.py runs the Procfile with honcho, prints where to sign in once /healthz answers,
# and stops every process it started with it (Ctrl-C, SIGTERM, or when it dies itself).
run: setup
	PATH="$(abspath $(BIN)):$$PATH" SANDBOX_PORT=$(SANDBOX_PORT) \
	AGILETRACK_ALLOWED_API_HOSTS="$(SANDBOX_HOSTS)" \
	AGILETRACK_EMAIL_BACKEND="$${AGILETRACK_EMAIL_BACKEND:-django.core.mail.backends.console.EmailBackend}" \
	$(PY) scripts/devrun.py start --procfile Procfile

lint: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

format: venv
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# BENCH_ARGS: e.g. "--quick", "--only 1,3", "--write var/bench.md" (python -m bench --help).
bench: venv
	$(PY) -m bench $(BENCH_ARGS)

# pip-audit over the pinned requirements (scripts/audit.py): exit 1 on a known vulnerability;
# "NOT CHECKED" and exit 0 when the advisory service cannot be reached.
audit: venv
	$(PY) scripts/audit.py -r requirements-dev.txt

test: lint
	$(BIN)/pytest

# Fault injection (real worker/beat processes, the sandbox; docs/operations.md); not in `test`.
test-faults: venv
	AGILETRACK_FAULT_SUITE=1 $(PY) -m pytest -q -p no:logging tests/faults

clean:
	rm -rf $(VENV) node_modules var/*.sqlite3* var/static .pytest_cache .mypy_cache .ruff_cache
