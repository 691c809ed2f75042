# Set-up and everyday commands. `make run` and `make test` need only Python 3.11+.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run serve test e2e install install-test migrate bootstrap lint fmt messages bench bench-races bench-serve bench-monitoring clean ci

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed pyproject.toml
	$(PY) -m pip install --quiet -e ".[test]"
	touch $@

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test

bootstrap: install
	DJANGO_SETTINGS_MODULE=project.settings.dev $(PY) manage.py bootstrap

## The system on the embedded SQLite database, with demo data, and the timer dispatcher.
run: bootstrap
	@echo "Starting on http://$(HOST):$(PORT)/  (Ctrl-C stops the server and the timer dispatcher)"
	@DJANGO_SETTINGS_MODULE=project.settings.dev $(PY) manage.py run_timers --every 30 & \
	  TIMERS=$$!; trap "kill $$TIMERS 2>/dev/null" EXIT INT TERM; \
	  DJANGO_SETTINGS_MODULE=project.settings.dev $(PY) manage.py runserver $(HOST):$(PORT)

## The production layout on this machine: gunicorn (WORKERS processes), a Celery
## worker and beat, on PostgreSQL (DATABASE_URL, default zz_serve, created if
## missing) and Redis (CELERY_BROKER_URL, CACHE_URL), plain HTTP on loopback.
## Migrates, loads reference data (no demo data: DEBUG is off), collects static files.
WORKERS ?= 4
serve: install
	$(PY) -m project.serve --workers $(WORKERS) --bind $(HOST):$(PORT)

## The whole test suite (DATABASE_URL selects the database; default SQLite).
test: install-test
	$(PY) -m pytest -q

## Real-browser tests: installs Debian's chromium if missing (root), then runs tests/e2e.
e2e: install-test
	$(PY) -m pip install --quiet -e ".[e2e]"
	@command -v chromium >/dev/null || { apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk >/dev/null; }
	$(PY) -m pytest -q -m e2e tests/e2e

## Benchmarks at city scale (minutes): a 1k-case city, then the full city, each
## generated afresh into DATABASE_URL (default var/bench.sqlite3, never the dev
## database); writes docs/performance.md. SIZES=tiny for a quick look.
BENCH_DB ?= $(if $(DATABASE_URL),$(DATABASE_URL),sqlite:///$(CURDIR)/var/bench.sqlite3)
SIZES ?= 1k,city
bench: install
	DATABASE_URL=$(BENCH_DB) $(PY) -m bench.run --sizes $(SIZES)

## The monitoring run over a generated register beside the bare SQL join finding
## the same hits, at 40,000 and 400,000 households (MONITORING_SIZES,
## households:feed rows); writes the "Monitoring run" section of
## docs/performance.md. MONITORING_DB is dropped and created afresh (copied from a
## template database kept per data shape: generated once, then seconds).
MONITORING_DB ?= postgres://postgres@127.0.0.1:5432/zz_bench_monitoring
MONITORING_SIZES ?= 40000:100000,400000:1000000
bench-monitoring: install
	DATABASE_URL=$(MONITORING_DB) $(PY) -m bench.monitoring --sizes $(MONITORING_SIZES)

## Soak the lock order: ROUNDS rounds per pair of two processes racing on one
## task (complete/unassign, complete/reassign, complete/complete, assign/assign)
## on PostgreSQL; prints wins per side, anomalies (must be 0) and time per round.
## RACES_DB is dropped and created afresh.
RACES_DB ?= postgres://postgres@127.0.0.1:5432/zz_bench_races
ROUNDS ?= 500
bench-races: install-test
	DATABASE_URL=$(RACES_DB) $(PY) -m bench.races --rounds $(ROUNDS)

## make serve's layout at city scale, on PostgreSQL (SERVE_BENCH_DB is dropped and
## created afresh): completed steps per second over HTTP (gunicorn, 8 clients) beside
## the service-layer ceiling, then the timed restore drill (pg_dump / pg_restore,
## migrate --check, verify_audit). SIZE=1k for a quick look.
SERVE_BENCH_DB ?= postgres://postgres@127.0.0.1:5432/zz_bench_serve
SIZE ?= city
STEPS ?= 400
bench-serve: install
	DATABASE_URL=$(SERVE_BENCH_DB) $(PY) -m bench.city --size $(SIZE)
	DATABASE_URL=$(SERVE_BENCH_DB) $(PY) -m bench.throughput --steps $(STEPS)
	DATABASE_URL=$(SERVE_BENCH_DB) $(PY) -m bench.restore

## ruff, the architecture contracts (import-linter) and migrations in step with the models.
lint: install-test
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports
	DJANGO_SETTINGS_MODULE=project.settings.test $(PY) manage.py makemigrations --check --dry-run
	DJANGO_SETTINGS_MODULE=tests.testprogramme.settings $(PY) manage.py makemigrations testprogramme --check --dry-run

fmt: install-test
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

## Re-extract and compile translations (needs GNU gettext; the .mo files are committed).
## locale/vendor holds Chinese for viewflow's own strings and is never re-extracted.
messages: install
	$(PY) manage.py makemessages -l zh_Hans -l en --no-obsolete \
	  --ignore ".venv/*" --ignore "var/*" --ignore "tests/*" --ignore "bench/*" --ignore "locale/*"
	for po in $$(find locale -name "*.po"); do msgfmt --check -o $${po%.po}.mo $$po || exit 1; done

ci:
	.ci/run

clean:
	rm -rf $(VENV) var staticfiles
