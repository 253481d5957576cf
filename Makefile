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

test: venv
	HF_HUB_OFFLINE=1 $(BIN)/python -m pytest

lint: venv
	$(BIN)/ruff check . && $(BIN)/ruff format --check . && $(BIN)/mypy

clean:
	rm -rf $(VENV) kb .pytest_cache
