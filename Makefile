# Two entry points for a new machine: `make demo` and `make test`.
# Each creates .venv and installs what it needs; nothing else is required.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
BOOK   := examples/book

.PHONY: demo test lint typecheck bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP)
	@echo "== specbook list (example book: $(BOOK))"
	cd $(BOOK) && ../../$(BIN)/specbook list
	@echo
	@echo "== specbook show SPEC-001"
	cd $(BOOK) && ../../$(BIN)/specbook show SPEC-001
	@echo
	@echo "== specbook lint"
	cd $(BOOK) && ../../$(BIN)/specbook lint

lint: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench

typecheck: $(STAMP)
	$(BIN)/mypy

test: $(STAMP) lint typecheck
	$(BIN)/python -m pytest -q

bench: $(STAMP)
	$(BIN)/python bench/parse_bench.py
	$(BIN)/python bench/lint_bench.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
