# ipwire: the two quick-start commands are `make run` and `make test`; both set everything up.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
SYSTEM := $(VENV)/.system-stamp
DB     ?= data/ipwire.duckdb
# ipwire's JSON lines of the pack pages, kept by eval_packs.py for the audit report
EVAL_ROWS := data/eval-rows

.PHONY: setup run test eval bench lint lock clean

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -qq --upgrade pip
	$(BIN)/python -m pip install -qq -c constraints.txt -e '.[dev]'
	touch $(STAMP)

setup: $(STAMP)

## Debian packages the tests use for real (chromium, postgresql); installed when missing
$(SYSTEM): deployments/system-packages.sh | $(STAMP)
	bash deployments/system-packages.sh
	touch $(SYSTEM)

## run: ingest the seed documents into $(DB) on embedded Prefect, then show them
run: setup
	$(BIN)/ipwire ingest seeds/ --db $(DB)
	$(BIN)/ipwire sql --db $(DB) -f warehouse/queries/01_latest_relevant.sql

## test: the whole suite (real HTTP server on 127.0.0.1, real DuckDB, Prefect test harness)
test: setup $(SYSTEM)
	$(BIN)/python -m pytest -q

## eval: quality figures on ../shared/eval (extraction, classification, dedup); fails when an
## extraction pack drops below its pinned floor (bench/extraction_floors.json)
eval: setup
	$(BIN)/python bench/eval_packs.py --gate --rows $(EVAL_ROWS)
	$(BIN)/python bench/eval_extraction.py
	$(BIN)/python bench/stripped_kinds.py --html --rows $(EVAL_ROWS)
	$(BIN)/python bench/eval_classify.py
	$(BIN)/python bench/eval_dedup.py --via-flow

## bench: speed and memory figures
bench: setup
	$(BIN)/python bench/bench_extract.py
	$(BIN)/python bench/bench_classify.py
	$(BIN)/python bench/bench_dedup.py --max 100000
	$(BIN)/python bench/bench_web.py
	$(BIN)/python bench/bench_extract_cli.py
	$(BIN)/python bench/bench_ingest.py --n 1000

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

## lock: re-resolve constraints.txt from pyproject.toml in a scratch venv
lock:
	rm -rf /tmp/ipwire-lock && $(PYTHON) -m venv /tmp/ipwire-lock
	/tmp/ipwire-lock/bin/pip install --quiet '.[dev]'
	/tmp/ipwire-lock/bin/pip freeze --exclude ipwire > constraints.txt

clean:
	rm -rf $(VENV) data/*.duckdb data/*.wal
