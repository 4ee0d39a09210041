# Two commands for a newcomer: `make demo` starts the bot, `make test` passes every test.
# Both make their own virtualenv in .venv the first time.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo demo-reset console test lint format bench bench-1m clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP)  ## the console on the embedded SQLite store (./council.db), with a demo organisation
	@echo "The demo's data lives in $${DATABASE_URL:-./council.db}; 'make demo-reset' starts afresh."
	$(BIN)/council console --demo

demo-reset: $(STAMP)  ## the demo on a fresh ./council.db (the old file is removed)
	$(BIN)/council console --demo --reset

console: $(STAMP)  ## the console on DATABASE_URL (default: ./council.db), no demo data
	$(BIN)/council console

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

test: lint  ## every test, on SQLite and (when reachable) PostgreSQL, on every core
	$(BIN)/pytest -n auto

bench: $(STAMP)  ## BENCHMARKS.md's tables at 10k and 100k deals, SQLite and PostgreSQL (~5 min)
	$(BIN)/python -m bench.scale_bench --sizes 10000,100000 --runs 5 --http-size 100000
	$(BIN)/python -m bench.import_bench --rows 100000 --runs 1

bench-1m: $(STAMP)  ## the same at 1M deals too (about an hour)
	$(BIN)/python -m bench.scale_bench --sizes 10000,100000,1000000 --runs 5 --http-size 1000000

format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache *.egg-info
