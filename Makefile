# Every target builds its own virtualenv from scratch when missing, so a fresh machine with
# only Python 3.10+ and PyPI access can run `make demo` / `make test` / `make bench`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin

.PHONY: test lint typecheck pytest demo bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# The runtime package only: enough for the demo.
$(VENV)/.installed: $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet -e .
	touch $@

# Test tools, the official SDKs the fake gateway is checked against, Ray for the adapter test.
$(VENV)/.installed-dev: $(VENV)/.installed
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $@

$(VENV)/.installed-bench: $(VENV)/.installed-dev
	$(BIN)/python -m pip install --quiet -e ".[dev,bench]"
	touch $@

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check .

typecheck: $(VENV)/.installed-dev
	$(BIN)/mypy --strict aiotokenhot

pytest: $(VENV)/.installed-dev
	$(BIN)/pytest -q -p no:cacheprovider

test: lint typecheck pytest

demo: $(VENV)/.installed
	$(BIN)/python -m aiotokenhot demo

# Writes benchmarks/RESULTS.md, benchmarks/results.svg and the README's numbers (~10 min on 2
# cores); `make bench BENCH_QUICK=1` runs small sizes in about a minute (README left alone).
bench: $(VENV)/.installed-bench
	$(BIN)/python -m benchmarks $(if $(filter-out 0,$(BENCH_QUICK)),--quick)

clean:
	rm -rf $(VENV) build *.egg-info .mypy_cache .ruff_cache .pytest_cache
