# Two entry points for a new machine: `make demo` and `make test`.
# Each creates .venv and installs what it needs; nothing else is required.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
BOOK   := examples/book
PORT   ?= 8000
# make test spreads the suite over this many worker processes (pytest-xdist); a test file
# runs whole in one worker, so its module fixtures (a browser, a server) start once.
JOBS   ?= $(shell nproc 2>/dev/null || echo 2)
# (The API fuzz test runs on its own after them: schemathesis gives each of its cases the
# same test ID, and xdist runs only one test of an ID.)
FUZZ   := tests/test_api_fuzz.py
PYTEST := $(BIN)/python -m pytest -q -n $(JOBS) --dist loadfile --deselect $(FUZZ) \
          && $(BIN)/python -m pytest -q $(FUZZ)
# The example book's documents are dated up to late 2026; the demo runs on a day when they
# show what they are meant to (an open review, nothing stale) however old the clone is.
DEMO_TODAY ?= 2026-11-20
DEMO   := cd $(BOOK) && SPECBOOK_TODAY=$(DEMO_TODAY) ../../$(BIN)/specbook
# `make test-dates` runs the suite with the system clock moved to this day (libfaketime)
DATE   ?= 2031-06-15
# Browser tests drive Debian's Chromium; install it when it is missing (CI runs as root).
SUDO   := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: demo test test-dates lint typecheck bench clean chromium postgresql faketime

# (setup.py builds the C scanner in place; an edited C file is rebuilt by the same install)
$(STAMP): pyproject.toml setup.py src/specbook/parse/scan/_cscan.c
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP)
	@echo "== the example book ($(BOOK)) as of $(DEMO_TODAY) (SPECBOOK_TODAY pins today)"
	@echo "== specbook list"
	$(DEMO) list
	@echo
	@echo "== specbook lint"
	$(DEMO) lint
	@echo
	@echo "== specbook search webhook"
	$(DEMO) search webhook
	@echo
	@echo "== specbook serve (the portal; Ctrl-C stops it)"
	$(DEMO) serve --port $(PORT)

chromium:
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "installing Debian's chromium for the browser tests"; \
	  $(SUDO) apt-get update -q && $(SUDO) DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium; }

# The PostgreSQL store tests start their own server; install Debian's when it is missing
# (the package also creates the postgres user the tests run the server as under root).
postgresql:
	@{ { ls /usr/lib/postgresql/*/bin/initdb || command -v initdb; } && id postgres; } >/dev/null 2>&1 || { \
	  echo "installing Debian's postgresql for the PostgreSQL store tests"; \
	  $(SUDO) apt-get update -q && $(SUDO) DEBIAN_FRONTEND=noninteractive apt-get install -y -q postgresql; }

faketime:
	@command -v faketime >/dev/null 2>&1 || { \
	  echo "installing Debian's faketime for make test-dates"; \
	  $(SUDO) apt-get update -q && $(SUDO) DEBIAN_FRONTEND=noninteractive apt-get install -y -q faketime; }

# lint-imports checks the layer and no-cycle contracts of pyproject.toml [tool.importlinter]
lint: $(STAMP)
	$(BIN)/ruff check src tests bench scripts
	$(BIN)/ruff format --check src tests bench scripts
	$(BIN)/lint-imports --no-logo --no-cache

typecheck: $(STAMP)
	$(BIN)/mypy

test: $(STAMP) chromium postgresql lint typecheck
	$(PYTEST)

# The suite with the system's wall clock moved to $(DATE) (running on from there): no test
# may depend on today. libfaketime moves the wall clock only, by the same offset in every
# process (FAKETIME=+Nd), so a parent and its children agree on the time;
# tests/tools/faketime_sleep_fix.c says why the monotonic clock stays real and mends
# sleeping on it.
FAKETIME_FIX := $(VENV)/faketime_sleep_fix.so
$(FAKETIME_FIX): tests/tools/faketime_sleep_fix.c $(STAMP)
	cc -shared -fPIC -O2 -o $@ $< -ldl

test-dates: $(STAMP) chromium postgresql faketime $(FAKETIME_FIX)
	@days=$$(( ( $$(date -u -d $(DATE) +%s) - $$(date -u -d $$(date -u +%F) +%s) ) / 86400 )); \
	case $$days in -*) offset=$${days}d ;; *) offset=+$${days}d ;; esac; \
	echo "== the suite with the clock moved to $(DATE) (FAKETIME=$$offset)"; \
	export CI=1 FAKETIME=$$offset FAKETIME_DONT_FAKE_MONOTONIC=1 \
	  LD_PRELOAD="$(abspath $(FAKETIME_FIX)):$$(dpkg -L libfaketime | grep '/libfaketime.so.1$$')"; \
	$(PYTEST)

bench: $(STAMP)
	$(BIN)/python bench/parse_bench.py
	$(BIN)/python bench/lint_bench.py
	$(BIN)/python bench/lint_cost.py
	$(BIN)/python bench/sql_bench.py
	$(BIN)/python bench/index_bench.py
	$(BIN)/python bench/export_bench.py
	$(BIN)/python bench/site_bench.py
	$(BIN)/python bench/portal_bench.py
	$(BIN)/python bench/search_bench.py
	$(BIN)/python bench/signin_bench.py
	$(BIN)/python bench/zeroconf_bench.py
	$(BIN)/python bench/trace_bench.py
	$(BIN)/python bench/pg_bench.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
