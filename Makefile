# Consult: `make run` and `make test` do all their own set-up.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
DEV    := $(VENV)/.installed-dev

.PHONY: run test test-unit test-integration test-e2e explore lint format bench soak profile profile-samples install install-dev migrate clean

# Runtime dependencies only (what `make run` needs).
$(STAMP): pyproject.toml requirements.lock
	tests/system-deps.sh runtime
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.lock
	touch $(STAMP)

# Test and development tools on top.
$(DEV): $(STAMP) requirements-dev.lock
	$(PY) -m pip install --quiet -r requirements-dev.lock
	touch $(DEV)

install: $(STAMP)
install-dev: $(DEV)

migrate: install
	$(PY) app.py migrate

# The local shell with the demo programme loaded (no Slack needed).
run: install
	tests/system-deps.sh runtime
	$(PY) app.py demo
	$(PY) app.py shell

# The whole suite, SQLite and a throwaway PostgreSQL cluster, after the lint.
test: lint
	tests/system-deps.sh
	tests/with-postgres.sh $(PY) -m pytest $(PYTEST_ARGS)

# Per level, for a fast loop: unit needs nothing; the others start PostgreSQL too.
test-unit: install-dev
	$(PY) -m pytest tests/unit $(PYTEST_ARGS)

test-integration: install-dev
	tests/system-deps.sh
	tests/with-postgres.sh $(PY) -m pytest tests/integration tests/faults $(PYTEST_ARGS)

test-e2e: install-dev
	tests/system-deps.sh
	tests/with-postgres.sh $(PY) -m pytest tests/e2e tests/security $(PYTEST_ARGS)

# Random sequences of real /consult commands for EXPLORE_MINUTES (default 10; split between
# SQLite and the throwaway PostgreSQL), invariants checked after every step. A failure prints
# the shrunk sequence as shell input (README, "Exploring the command surface").
EXPLORE_MINUTES ?= 10
explore: install-dev
	tests/system-deps.sh
	EXPLORE_MINUTES=$(EXPLORE_MINUTES) tests/with-postgres.sh $(PY) -m pytest tests/explore/test_explore.py -x -q -p no:cacheprovider $(PYTEST_ARGS)

lint: install-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

format: install-dev
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

bench: install-dev
	tests/with-postgres.sh $(PY) -m tests.bench

# `serve` with its scheduler under a national load for SOAK_MINUTES (default 30).
SOAK_MINUTES ?= 30
soak: install-dev
	tests/with-postgres.sh $(PY) -m tests.soak --minutes $(SOAK_MINUTES) $(SOAK_ARGS)

# CPU per request (/proc) and the top frames by CPU (perf cpu-clock, with py-spy for the Python
# functions), web process and worker: `make profile SCENARIO="engage coverage digest-now"`
# (PROFILE_ARGS="--scale 0.02 --requests 150" for a short run; writes profiles/, not committed).
SCENARIO ?= engage coverage digest-now
PROFILE_ARGS ?=
profile: install-dev
	tests/with-postgres.sh $(PY) -m tests.bench.cpu_profile $(SCENARIO) $(PROFILE_ARGS)

# The same scenarios under py-spy alone, sample counts (the older profile).
profile-samples: install-dev
	tests/with-postgres.sh $(PY) -m tests.bench.profile $(subst digest-now,digest,$(SCENARIO))

clean:
	rm -rf $(VENV) consult.db .pytest_cache
