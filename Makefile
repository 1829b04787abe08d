# The directory's front door: `make run` sets everything up and serves; `make test` tests.
HOST ?= 127.0.0.1
PORT ?= 8000
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: run test install install-test browser-deps screenshots migrate seed reindex lint bench relevance clean audit

run: install
	$(BIN)/directory migrate
	$(BIN)/directory seed --if-empty
	$(BIN)/directory reindex
	$(BIN)/directory serve --host $(HOST) --port $(PORT)

# The tests measure how much of directory/ they run, in every process they start, and fail
# below the floor ([tool.coverage] in pyproject.toml).
test: lint browser-deps
	$(BIN)/python scripts/audit.py
	$(BIN)/python -m pytest --cov

# Style and types: ruff on everything; mypy (settings in pyproject.toml), strict on directory/
# and scripts/, and on tests/ checking every test's body without asking for annotations.
lint: install-test
	$(BIN)/ruff check directory tests scripts
	$(BIN)/ruff format --check directory tests scripts
	$(BIN)/mypy

# Figures, not pass/fail: search at 10,000 and 100,000 listings, then HTTP load on 127.0.0.1.
bench: install-test
	$(BIN)/python scripts/benchmark.py
	$(BIN)/python scripts/loadtest.py

# The relevance suite's searches (tests/relevance/queries.toml) on a fresh seeded index: the
# pass rate and each failure with what came back. Figures, not pass/fail: ARGS=--strict fails
# on any failure; ARGS="--backend meilisearch" asks the server at MEILI_URL.
relevance: install-test
	$(BIN)/python scripts/relevance.py $(ARGS)

# Every page type at 375 px and 1280 px wide, into screenshots/ (not kept in git).
screenshots: install-test browser-deps
	$(BIN)/python scripts/screenshots.py screenshots

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test

# What the browser tests need besides Python packages: Debian's Chromium (installed only when
# missing, and only where apt-get can as root) and axe-core from the npm registry. Without
# them the browser tests are skipped outside CI and fail in CI.
CHROMIUM := /usr/bin/chromium
AXE := tests/browser/node_modules/axe-core/axe.min.js

browser-deps: $(AXE)
	@if [ ! -x $(CHROMIUM) ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y chromium; \
	  else \
	    echo "warning: no $(CHROMIUM), and installing it needs root and apt-get" >&2; \
	  fi; \
	fi

$(AXE): tests/browser/package.json tests/browser/package-lock.json
	@if command -v npm >/dev/null; then \
	  npm ci --prefix tests/browser --no-audit --no-fund && touch $@; \
	else \
	  echo "warning: npm is missing, so axe-core cannot be installed" >&2; \
	fi

$(VENV)/.python-ok:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is needed (found " + sys.version.split()[0] + ")")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip setuptools
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
	rm -rf $(VENV) var .pytest_cache .ruff_cache .hypothesis .coverage .coverage.* *.egg-info tests/browser/node_modules screenshots

# Known vulnerabilities in every installed package, from the package index's advisory data
# (scripts/audit.py says why not pip-audit). `make test` runs it too; --strict here also
# fails on any package it could not audit.
audit: install-test
	$(BIN)/python scripts/audit.py --strict
