# Two commands on a fresh machine: `make run` serves, `make test` runs every test.
SHELL := /bin/bash
PYTHON ?= $(shell for p in python3.12 python3.11 python3; do \
	if command -v $$p >/dev/null && $$p -c 'import sys; sys.exit(not (3,11) <= sys.version_info[:2] < (3,13))' 2>/dev/null; then echo $$p; break; fi; done)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test soak lint typecheck pytest postgres browser screenshots bench lock clean

$(STAMP): requirements.lock pyproject.toml
	@test -n "$(PYTHON)" || { echo "error: Python 3.11 or 3.12 is needed (durable-rules does not build on 3.13)"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements.lock
	$(BIN)/pip install --quiet --no-deps -e .
	@touch $(STAMP)

run: $(STAMP)
	$(BIN)/playbook serve

# PostgreSQL 15 server binaries for the test harness (it starts its own throwaway cluster).
postgres:
	@if [ -n "$$PLAYBOOK_TEST_POSTGRES_URL" ] || ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then :; \
	else echo "installing Debian's postgresql for the test harness"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq postgresql >/dev/null; fi

# Debian's Chromium for the board's browser tests (Playwright drives it; nothing downloaded),
# and a CJK font so Korean renders in pages and screenshots.
browser:
	@{ command -v chromium >/dev/null && fc-list 2>/dev/null | grep -qi "Noto Sans CJK"; } || { \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium fonts-noto-cjk >/dev/null; }

# The README's pictures: the board, an incident, its report and the playground (docs/screenshots/).
screenshots: $(STAMP) browser
	$(BIN)/python -m bench.screenshots

lint: $(STAMP)
	$(BIN)/ruff check playbook service tests bench
	$(BIN)/ruff format --check playbook service tests bench

typecheck: $(STAMP)
	$(BIN)/mypy

pytest: $(STAMP) postgres browser
	$(BIN)/pytest -q

test: lint typecheck pytest

# Long chaos and kill -9 runs (tests/soak, marked `soak`; README "Soak and chaos runs").
soak: $(STAMP) postgres
	$(BIN)/pytest -q -s -m soak tests/soak

bench: $(STAMP)
	$(BIN)/python bench/api.py

lock:
	rm -rf /tmp/playbook-lock && $(PYTHON) -m venv /tmp/playbook-lock
	/tmp/playbook-lock/bin/pip install --quiet -e '.[dev]'
	/tmp/playbook-lock/bin/pip freeze --exclude-editable > requirements.lock

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
