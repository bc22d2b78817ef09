# Every target builds its own virtual environment from the pinned lock files.
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run test lint typecheck bench lock clean

$(STAMP): requirements.lock requirements-dev.lock
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "need $(PYTHON) on PATH (or make PYTHON=python3)"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	# --no-deps: the lock files are complete; pip older than 23.3 (Python 3.11's own) would
	# otherwise refuse an extra (lxml[html_clean]) as unpinned. `pip check` proves them complete.
	$(PY) -m pip install --quiet --disable-pip-version-check --require-hashes --no-deps -r requirements.lock
	$(PY) -m pip install --quiet --disable-pip-version-check --require-hashes --no-deps -r requirements-dev.lock
	$(PY) -m pip check
	touch $(STAMP)

## run: the service: watch every source, match, store, deliver (terminal without TELEGRAM_BOT_TOKEN)
run: $(STAMP)
	$(PY) bot.py run

## test: the full test suite
test: $(STAMP)
	$(PY) -m pytest -q

lint: $(STAMP)
	$(VENV)/bin/ruff check .

typecheck: $(STAMP)
	$(VENV)/bin/mypy

# "before" figures: start-up on the code the open issues were measured on (the end of the first
# build); explain on the commit before its rewrite (the first build cannot read today's rules)
BENCH_BEFORE ?= 337ae3c
EXPLAIN_BEFORE ?= 4472b85^

## bench: every benchmark under bench/, printing its figures beside targets and the figures before
bench: $(STAMP)
	$(PY) bench/bench_startup.py --before $(BENCH_BEFORE)
	$(PY) bench/bench_explain.py --before $(EXPLAIN_BEFORE)
	for b in bench/bench_*.py; do \
		case $$b in *bench_startup.py|*bench_explain.py) ;; *) $(PY) $$b || exit 1;; esac; \
	done

## lock: re-pin dependencies (needs network to the package index)
lock:
	$(PYTHON) -m venv .lockenv && .lockenv/bin/pip install -q pip-tools==7.6.2
	.lockenv/bin/pip-compile -q --strip-extras --generate-hashes --allow-unsafe --no-emit-index-url --no-emit-find-links -o requirements.lock requirements.in
	.lockenv/bin/pip-compile -q --strip-extras --generate-hashes --allow-unsafe --no-emit-index-url --no-emit-find-links -o requirements-dev.lock requirements-dev.in

clean:
	rm -rf $(VENV) .lockenv .mypy_cache .ruff_cache .pytest_cache
