# The two commands a new user needs: `make demo` and `make test`.
# Both create .venv when missing, install CPU torch first (scripts/install-torch.sh: PyTorch's CPU index,
# then the configured one; it says which build it got), so pip never pulls CUDA wheels,
# then the project with its dev extras, then run.

PYTHON ?= $(shell command -v python3.11 2>/dev/null || command -v python3)
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.opsgraph-installed
# Nothing opsgraph runs may phone home.
export MLFLOW_DISABLE_TELEMETRY := true
export DO_NOT_TRACK := 1
export ANONYMIZED_TELEMETRY := False
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1

.PHONY: demo test test-fast lint typecheck bench system-deps install clean

demo: $(STAMP)
	$(BIN)/opsgraph demo

test: $(STAMP) system-deps
	$(BIN)/pytest -q

test-fast: $(STAMP)
	$(BIN)/pytest -q -m "not slow"

install: $(STAMP)

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --upgrade --quiet pip setuptools wheel

$(STAMP): pyproject.toml | $(BIN)/python
	@scripts/install-torch.sh $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

# Debian packages the tests start for real (Prometheus, Alertmanager).
system-deps:
	@scripts/install-system-deps.sh

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	@scripts/typecheck.sh

bench: $(STAMP)
	$(BIN)/python benchmarks/run_all.py

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .mypy_cache .ruff_cache
