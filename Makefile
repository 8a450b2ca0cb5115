# The two commands of the README: `make run` (admin centre with demo data) and `make test` (whole suite).
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
PORT ?= 8000

.PHONY: install run prod test test-dates lint typecheck bench browser-deps clean

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

# The production profile (gunicorn, a Celery worker per queue group, beat) with config.settings.production; needs
# DATABASE_URL (PostgreSQL), SECRET_KEY, ALLOWED_HOSTS and Redis (see the README's production section).
prod: install
	bash bin/run-production

lint: install
	$(VENV)/bin/ruff check .

# mypy with django-stubs and djangorestframework-stubs (pyproject.toml: strict where money is decided).
typecheck: install
	$(VENV)/bin/mypy .

# Two processes share the unit, API and browser tests (the demo's tests in one group: it is seeded once); the
# integration suite (a real Celery worker, Redis and SMTP on loopback, PostgreSQL only) runs after them on its own.
# pytest's exit 5 (no test collected) fails. Branch coverage is printed; services, selectors and the hot path
# must stay at 90% or more.
PYTEST_ARGS ?= -n 2 --dist loadgroup
COVERAGE_GATED := */services/*,*/services.py,*/selectors.py,*/selectors/*,*/ledger_hot.py,core/sql.py
test: install browser-deps lint typecheck
	@$(PY) -m pytest $(PYTEST_ARGS) -m "not integration" --cov --cov-report=; rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "pytest ran no tests: failing"; exit 1; fi; [ $$rc -eq 0 ] || exit $$rc; \
	echo "== branch coverage of the whole product: $$($(VENV)/bin/coverage report --format=total)%"; \
	echo "== branch coverage of services, selectors and the hot path (at least 90%)"; \
	$(VENV)/bin/coverage report --include="$(COVERAGE_GATED)" --skip-covered --fail-under=90 || exit $$?; \
	$(PY) -m pytest -m integration; rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "no integration tests collected: failing"; exit 1; fi; exit $$rc

# The calendar's tests (marked `dates`) from one fixed instant: make test-dates CLOCK=2028-02-29T12:00:00Z
CLOCK ?= 2027-03-01T00:30:00Z
test-dates: install
	@$(PY) -m pytest -n 2 --dist loadgroup -m "dates and not integration and not browser" --clock=$(CLOCK) -q; rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "no calendar tests collected: failing"; exit 1; fi; exit $$rc

# Every script runs; those whose goal was missed are named at the end (and fail the target).
bench: install
	@missed=""; for script in bench/bench_*.py; do echo "== $$script"; $(PY) $$script || missed="$$missed $$script"; done; \
	if [ -n "$$missed" ]; then echo "goals missed:$$missed"; exit 1; fi

clean:
	rm -rf var artifacts .pytest_cache
