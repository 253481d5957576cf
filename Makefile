# Two commands do all set-up: `make run` and `make test`. Both create .venv when it is missing.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
KB     ?= $(or $(PLANQA_KB),kb)

.PHONY: run test venv lint clean

venv: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev,st]'
	touch $(STAMP)

run: venv
	$(BIN)/planqa --kb $(KB) ingest --if-empty data/plans
	$(BIN)/planqa --kb $(KB) serve

# the browser test drives /usr/bin/chromium; install it when we can (root with apt), else it is skipped
test: venv
	@test -x /usr/bin/chromium || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null && \
	  (apt-get install -y -qq chromium >/dev/null 2>&1 || (apt-get update -qq && apt-get install -y -qq chromium >/dev/null 2>&1)); } || \
	  echo "note: /usr/bin/chromium is missing and could not be installed; tests/test_ui_browser.py will be skipped"
	HF_HUB_OFFLINE=1 $(BIN)/python -m pytest

lint: venv
	$(BIN)/ruff check . && $(BIN)/ruff format --check . && $(BIN)/mypy

clean:
	rm -rf $(VENV) kb .pytest_cache
