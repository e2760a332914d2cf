# One set of commands for people and CI. `make demo` runs the main job; `make test` runs the tests.
PY ?= python3.11
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: setup setup-dev demo test lint bench

$(BIN)/python:
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

setup: $(BIN)/python
	$(BIN)/pip install -q -e ".[all]"

setup-dev: $(BIN)/python
	$(BIN)/pip install -q -e ".[dev]"

demo: setup
	$(BIN)/kinchain demo

test: setup-dev
	$(BIN)/python -m pytest -q -p no:cacheprovider

lint: setup-dev
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/mypy

bench: setup-dev
	$(BIN)/python benchmarks/assess.py
