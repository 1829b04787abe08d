# The directory's front door: `make run` sets everything up and serves; `make test` tests.
HOST ?= 127.0.0.1
PORT ?= 8000
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: run test install install-test migrate seed reindex lint bench clean

run: install
	$(BIN)/directory migrate
	$(BIN)/directory seed --if-empty
	$(BIN)/directory reindex
	$(BIN)/directory serve --host $(HOST) --port $(PORT)

test: install-test
	$(BIN)/python -m pytest

lint: install-test
	$(BIN)/ruff check directory tests scripts
	$(BIN)/ruff format --check directory tests scripts

bench: install-test
	$(BIN)/python scripts/benchmark.py

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test

$(VENV)/.python-ok:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is needed (found " + sys.version.split()[0] + ")")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	touch $@

$(VENV)/.installed: $(VENV)/.python-ok pyproject.toml
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed pyproject.toml
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

migrate seed reindex: install
	$(BIN)/directory $@

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache *.egg-info
