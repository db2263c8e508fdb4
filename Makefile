# Two commands on a fresh machine: `make demo` (runtime dependencies only) and `make test` (the development stack).
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
RUNTIME := $(VENV)/.runtime-installed
DEV := $(VENV)/.dev-installed

$(RUNTIME): pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e .
	touch $@

$(DEV): $(RUNTIME)
	$(BIN)/pip install -q -e '.[dev]'
	# tritonserver for the Triton tests: only its binary is used, so not its Python dependencies (numpy < 2)
	$(BIN)/pip install -q --no-deps 'nvidia-pytriton==0.7.0'
	# Triton's Python-backend stub embeds the python3 on its PATH and is built against numpy 1
	$(PY) -m venv $(VENV)/triton-env
	$(VENV)/triton-env/bin/pip install -q 'numpy<2'
	touch $@

.PHONY: install demo sandbox test test-fast lint bench
install: $(DEV)

demo: $(RUNTIME)
	$(BIN)/sevbot demo

sandbox: $(RUNTIME)
	$(BIN)/sevbot sandbox

lint: $(DEV)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

test: lint
	$(BIN)/pytest

test-fast: $(DEV)
	$(BIN)/pytest -m "not scenario and not postgres"

bench: $(DEV)
	$(BIN)/python tests/perf/ack_latency.py
	$(BIN)/python tests/perf/alert_ingest.py
	$(BIN)/python tests/perf/alert_storm.py
	$(BIN)/python tests/perf/postmortem_render.py
	$(BIN)/python tests/perf/slack_side.py
	$(BIN)/python tests/perf/paging.py
	$(BIN)/python tests/perf/app_home.py
	$(BIN)/python tests/perf/memory_lookup.py
	$(BIN)/python tests/perf/memory_served.py
