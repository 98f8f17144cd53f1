# Two entry points: `make run` and `make test`. Both create .venv on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
CONFIG ?= config.toml

.PHONY: run test test-sqlite test-postgresql lint check clean simulate

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

run: $(BIN)/.installed
	$(BIN)/python -m bot run --config $(CONFIG)

simulate: $(BIN)/.installed
	$(BIN)/python -m bot simulate --port $(or $(PORT),8080)

lint: $(BIN)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

# The suite twice: on SQLite, then on a PostgreSQL server the tests start themselves
# (Debian's postgresql package; see tests/support/backend.py).
test: $(BIN)/.installed lint
	$(BIN)/python -m pytest
	P2K2_TEST_BACKEND=postgresql $(BIN)/python -m pytest

test-sqlite: $(BIN)/.installed
	$(BIN)/python -m pytest

test-postgresql: $(BIN)/.installed
	P2K2_TEST_BACKEND=postgresql $(BIN)/python -m pytest

check: $(BIN)/.installed
	$(BIN)/python -m bot check --config $(CONFIG)

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
