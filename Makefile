# Two commands set everything up on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
export DJANGO_SETTINGS_MODULE := port.settings

.PHONY: run install install-dev chromium faketime test test-clock lint bench migrate demo clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e '.[dev]'
	touch $(VENV)/.installed $@

install: $(VENV)/.installed

install-dev: $(VENV)/.installed-dev

# Browser tests drive Debian's Chromium; Playwright's own browser download is never used.
chromium:
	@command -v chromium >/dev/null 2>&1 || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null)

# libfaketime sets the clock of a whole process (Debian's faketime package), for `make test-clock`.
faketime:
	@command -v faketime >/dev/null 2>&1 || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq faketime >/dev/null)

migrate: install
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py createcachetable

demo: migrate
	$(BIN)/python manage.py seed_demo

# The background worker (deadline warnings, README.md) runs beside the web server and stops with it.
# Links in its emails point at this server (make run PORT=8123), unless PORT_BASE_URL is set already.
run: export PORT_BASE_URL ?= http://$(HOST):$(PORT)
run: demo
	$(BIN)/python manage.py collectstatic --noinput -v0
	$(BIN)/python manage.py print_demo_logins --url http://$(HOST):$(PORT)/
	$(BIN)/python manage.py run_huey & huey=$$!; \
	trap 'kill $$huey 2>/dev/null; wait $$huey 2>/dev/null' EXIT; trap 'exit 130' INT TERM; \
	$(BIN)/gunicorn port.wsgi --bind $(HOST):$(PORT) --workers 3 --access-logfile - --access-logformat '%(h)s "%(m)s %(U)s" %(s)s %(M)sms'

# The suite runs on TEST_JOBS processes (pytest-xdist), each test file whole on one of them so that a
# module's world is built once; each process has its own test database (README.md, "Test").
TEST_JOBS ?= 2
PYTEST_PARALLEL = -n $(TEST_JOBS) --dist loadfile

test: install-dev chromium
	$(BIN)/ruff check port bench
	$(BIN)/ruff format --check port bench
	$(BIN)/mypy
	$(BIN)/bandit -q -r port bench -x '*/tests/*' -ll
	$(BIN)/python manage.py makemigrations --check --dry-run
	$(BIN)/pytest $(PYTEST_PARALLEL)

# The suite (browser tests aside) at fixed instants, each under a machine time zone, where a test that
# reads the wall clock, or a rule that is wrong at that instant, fails (docs/architecture.md, "Testing
# the clock"). Each run is INSTANT@ZONE (the instant in UTC); CLOCK_JOBS runs go at once; the target
# prints each run's result and fails if any run fails.
CLOCK_RUNS ?= 2026-12-01T19:30:00@UTC 2026-12-02T04:45:00@Pacific/Kiritimati \
	2027-03-14T06:30:00@America/Los_Angeles 2026-11-01T05:30:00@UTC \
	2026-12-01T04:30:00@America/New_York 2027-01-01T03:00:00@Pacific/Kiritimati
CLOCK_JOBS ?= 2
LIBFAKETIME ?= $(firstword $(wildcard /usr/lib/*/faketime/libfaketime.so.1) /usr/lib/faketime/libfaketime.so.1)

test-clock: install-dev faketime
	scripts/test-clock.sh $(BIN)/pytest $(LIBFAKETIME) $(CLOCK_JOBS) $(CLOCK_RUNS)

lint: install-dev
	$(BIN)/ruff check port bench
	$(BIN)/ruff format --check port bench
	$(BIN)/mypy

bench: install-dev
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) var/*.sqlite3* var/audit-anchors.log staticfiles
