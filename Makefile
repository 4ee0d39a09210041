# Two commands for a newcomer: `make demo` starts the bot, `make test` passes every test.
# Both make their own virtualenv in .venv the first time.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo console test lint format bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP)  ## the console on the embedded SQLite store, with a demo organisation
	$(BIN)/council console --demo

console: $(STAMP)  ## the console on DATABASE_URL (default: ./council.db), no demo data
	$(BIN)/council console

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

test: lint  ## every test, on SQLite and (when reachable) PostgreSQL
	$(BIN)/pytest

bench: $(STAMP)  ## import throughput at 100k rows, SQLite and PostgreSQL (a few minutes)
	$(BIN)/python -m bench.import_bench --rows 100000 --runs 3

format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache *.egg-info
