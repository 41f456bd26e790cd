# Two commands do all the set-up on a fresh machine: `make demo` and `make test`.
# Both create the virtual environment on first use and install the core and every
# package under plugins/ in editable mode.

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PLUGIN_DIRS := $(patsubst %/pyproject.toml,%,$(wildcard plugins/*/pyproject.toml))
STAMP := $(VENV)/.proforum-installed
PYTEST_ARGS ?=
DEMO_ARGS ?=

.PHONY: demo test lint typecheck pytest install clean

$(STAMP): pyproject.toml $(wildcard plugins/*/pyproject.toml)
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check \
		-e '.[test,lint,postgresql]' $(foreach dir,$(PLUGIN_DIRS),-e './$(dir)[test]')
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/proforum demo $(DEMO_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check src tests examples plugins
	$(BIN)/ruff format --check src tests examples plugins docs README.md

typecheck: $(STAMP)
	$(BIN)/mypy

pytest: $(STAMP)
	$(BIN)/python -m pytest tests $(wildcard plugins/*/tests) $(PYTEST_ARGS)

test: lint typecheck pytest

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis
