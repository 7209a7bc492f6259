# Consult: `make run` and `make test` do all their own set-up.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: run test bench install migrate clean

$(STAMP): pyproject.toml requirements.lock
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.lock
	touch $(STAMP)

install: $(STAMP)

migrate: install
	$(PY) app.py migrate

# The local shell with the demo programme loaded (no Slack needed).
run: install
	$(PY) app.py demo
	$(PY) app.py shell

# The whole suite, SQLite and a throwaway PostgreSQL cluster.
test: install
	tests/system-deps.sh
	tests/with-postgres.sh $(PY) -m pytest $(PYTEST_ARGS)

bench: install
	tests/with-postgres.sh $(PY) -m tests.bench

clean:
	rm -rf $(VENV) consult.db .pytest_cache
