# Two commands do all set-up: `make run` and `make test`. Both create .venv when it is missing.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
KB     ?= $(or $(PLANQA_KB),kb)

.PHONY: run test venv system lint clean

venv: $(STAMP)

# the install is quiet: pip's and setuptools' messages go to .venv/install.log, shown only when it fails
$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@echo "planqa: installing into $(VENV) (a few minutes the first time; log: $(VENV)/install.log)"
	@{ $(BIN)/python -m pip install -q --upgrade pip && $(BIN)/python -m pip install -q -e '.[dev,st]'; } \
	  > $(VENV)/install.log 2>&1 || { tail -n 40 $(VENV)/install.log; echo "planqa: install failed; see $(VENV)/install.log"; exit 1; }
	@touch $(STAMP)

# Debian programs planqa drives: tesseract (Vietnamese OCR of scanned PDFs), LibreOffice (legacy .doc/.xls);
# the tests also drive chromium. Installed when we can (root with apt); without them those formats say what
# to install and the tests that need them are skipped with the reason.
SYSTEM_PACKAGES := tesseract-ocr tesseract-ocr-vie libreoffice-writer-nogui libreoffice-calc-nogui python3-uno fonts-dejavu-core

system:
	@missing=""; for p in $(SYSTEM_PACKAGES) $(EXTRA_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null && \
	    (apt-get install -y -qq $$missing >/dev/null 2>&1 || (apt-get update -qq && apt-get install -y -qq $$missing >/dev/null 2>&1)); } || \
	  echo "note: could not install$$missing (needs root and apt-get); scanned PDFs, .doc/.xls or the browser test will say so"; \
	fi

run: EXTRA_PACKAGES :=
run: venv system
	$(BIN)/planqa --kb $(KB) ingest --if-empty data/plans
	$(BIN)/planqa --kb $(KB) serve

test: EXTRA_PACKAGES := chromium
test: venv system
	HF_HUB_OFFLINE=1 $(BIN)/python -m pytest

lint: venv
	$(BIN)/ruff check . && $(BIN)/ruff format --check . && $(BIN)/mypy

clean:
	rm -rf $(VENV) kb .pytest_cache
