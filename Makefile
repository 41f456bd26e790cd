# Two commands do all the set-up on a fresh machine: `make demo` and `make test`.
# Both create the virtual environment on first use and install the core, every
# package under plugins/ and the example plugin in editable mode.

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PLUGIN_DIRS := $(patsubst %/pyproject.toml,%,$(wildcard plugins/*/pyproject.toml))
# Example plugins: installed and tested like plugins/*, never published by `make dist`.
EXAMPLE_PLUGIN_DIRS := examples/custom_notifier
EXAMPLE_TESTS := examples/webapp/tests examples/custom_notifier/tests examples/app_tests
STAMP := $(VENV)/.proforum-installed
# Tests run on every core (pytest-xdist); PYTEST_ARGS=-n0 runs them in one process.
PYTEST_ARGS ?= -n auto
DEMO_ARGS ?=
BENCH_ARGS ?=

.PHONY: demo test lint typecheck pytest install dist docs clean bench

$(STAMP): pyproject.toml $(wildcard plugins/*/pyproject.toml) $(EXAMPLE_PLUGIN_DIRS:%=%/pyproject.toml)
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check \
		-e '.[test,lint,postgresql,charts,examples,release,docs]' \
		$(foreach dir,$(PLUGIN_DIRS) $(EXAMPLE_PLUGIN_DIRS),-e './$(dir)[test]')
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/proforum demo $(DEMO_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check src tests examples plugins bench tools
	$(BIN)/ruff format --check src tests examples plugins bench tools docs README.md

typecheck: $(STAMP)
	$(BIN)/mypy
	$(BIN)/mypy $(EXAMPLE_PLUGIN_DIRS:%=%/src)
	$(BIN)/mypy --strict bench tools

# PostgreSQL tests run against the server PROFORUM_TEST_POSTGRES_URL names, taken
# unchanged from the environment or the command line, e.g.
#   make test PROFORUM_TEST_POSTGRES_URL=postgresql+psycopg://postgres@127.0.0.1:5432/postgres
# Unset, they are skipped (the reason says how to turn them on); set, the server
# must answer or they fail.  .ci/run sets it.
pytest: $(STAMP)
	$(BIN)/python -m pytest tests $(wildcard plugins/*/tests) $(EXAMPLE_TESTS) $(PYTEST_ARGS)

test: lint typecheck pytest docs

# The documentation site (mkdocs.yml), warnings as errors; open site/index.html.
docs: $(STAMP)
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict --site-dir site

# An sdist and a wheel of the core and of every package under plugins/, checked by twine.
dist: $(STAMP)
	rm -rf dist
	$(foreach dir,. $(PLUGIN_DIRS),$(BIN)/python -m build --outdir dist $(dir) &&) true
	$(BIN)/twine check --strict dist/*

clean:
	rm -rf $(VENV) dist site .pytest_cache .mypy_cache .ruff_cache .hypothesis

# Benchmarks (docs/performance.md): ratios against raw baselines in the same run,
# never timing assertions.  PostgreSQL too:
#   make bench BENCH_ARGS='--db sqlite --db memory --db postgresql+psycopg://postgres@127.0.0.1:5432/postgres'
bench: $(STAMP)
	$(BIN)/python -m bench --size small --json bench/results.json $(BENCH_ARGS)
