# The two commands of the README: `make run` (admin centre with demo data) and `make test` (whole suite).
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
PORT ?= 8000

.PHONY: install run test test-dates lint bench browser-deps clean

# requirements.txt is what production runs; requirements-dev.txt adds the tests' and developers' tools.
$(STAMP): requirements.txt requirements-dev.txt package.json package-lock.json
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -r requirements.txt -r requirements-dev.txt
	npm ci --no-audit --no-fund --loglevel=error
	touch $(STAMP)

install: $(STAMP)

# Debian's Chromium for the Playwright tests (Playwright's own browser download does not work offline).
browser-deps:
	@if [ ! -x /usr/bin/chromium ] || ! command -v pdftoppm >/dev/null; then \
		apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium poppler-utils fonts-dejavu-core; \
	fi

run: install
	$(PY) manage.py migrate --noinput
	$(PY) manage.py seed_demo
	PORT=$(PORT) bash bin/run-local

lint: install
	$(VENV)/bin/ruff check .

# Two processes share the unit, API and browser tests; the integration suite (a real Celery worker, Redis and
# SMTP on loopback, PostgreSQL only) runs after them on its own. pytest's exit 5 (no test collected) fails.
PYTEST_ARGS ?= -n 2 --dist loadgroup
test: install browser-deps lint
	@$(PY) -m pytest $(PYTEST_ARGS) -m "not integration"; rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "pytest ran no tests: failing"; exit 1; fi; [ $$rc -eq 0 ] || exit $$rc; \
	$(PY) -m pytest -m integration; rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "no integration tests collected: failing"; exit 1; fi; exit $$rc

# The calendar's tests (marked `dates`) from one fixed instant: make test-dates CLOCK=2028-02-29T12:00:00Z
CLOCK ?= 2027-03-01T00:30:00Z
test-dates: install
	@$(PY) -m pytest -n 2 --dist loadgroup -m "dates and not integration and not browser" --clock=$(CLOCK) -q; rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "no calendar tests collected: failing"; exit 1; fi; exit $$rc

bench: install
	@for script in bench/bench_*.py; do echo "== $$script"; $(PY) $$script || exit 1; done

clean:
	rm -rf var artifacts .pytest_cache
