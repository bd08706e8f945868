# kiemdiem — two commands for a fresh machine: `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
DEMO_SCALE ?= province
DEMO_SEED ?= 1
# pytest workers per suite (pytest-xdist): one per core; TEST_WORKERS=0 runs in one process
TEST_WORKERS ?= auto
PYTEST := $(BIN)/pytest -n $(TEST_WORKERS) --dist loadfile

.PHONY: run test install lint pytest pytest-sqlite pytest-postgres bench bench-national loadtest reliability \
	reliability-short lock clean

## make run: install everything, migrate, load the demo province if empty, serve on 127.0.0.1:8000
## together with the background worker (summaries, overdue sweep, reminder e-mails)
run: install
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py seed_demo --scale $(DEMO_SCALE) --seed $(DEMO_SEED) --if-empty \
	  --logins-file var/demo-logins.txt
	$(BIN)/python manage.py seed_campaign --if-absent
	@echo; echo "Mở http://$(HOST):$(PORT)/ và đăng nhập bằng một tài khoản demo:"; \
	  cat var/demo-logins.txt 2>/dev/null || true; echo
	@echo "Tiến trình nền (tổng hợp số liệu, đánh dấu quá hạn, thư nhắc việc) chạy cùng máy chủ."
	$(BIN)/python manage.py worker > var/worker.log 2>&1 & \
	  trap 'kill $$! 2>/dev/null' EXIT INT TERM; \
	  $(BIN)/python manage.py runserver $(HOST):$(PORT)

## make test: lint + the whole suite on SQLite and on a throwaway PostgreSQL 15 (browser tests included)
test: install lint pytest-sqlite pytest-postgres

install: $(VENV)/.installed node_modules/.installed

$(VENV)/.installed: requirements.lock pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --disable-pip-version-check -q -r requirements.lock
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/mypy
	$(BIN)/python manage.py check
	DJANGO_SETTINGS_MODULE=kiemdiem.settings_test $(BIN)/python manage.py makemigrations --check --dry-run

pytest-sqlite: install
	$(PYTEST)

pytest-postgres: install
	scripts/with-postgres.sh $(PYTEST)

## make bench: benchmarks (app vs baseline in the same run), one BENCH line each. Needs nothing
## beyond make install and PostgreSQL: W1 (pages) uses wrk when it is installed (Debian package
## wrk, `apt-get install -y wrk`; not installed by make) and otherwise its built-in Python load
## generator (which flatters the ratios); KIEMDIEM_BENCH_LOADGEN=wrk|python picks one.
bench: install
	scripts/with-postgres.sh $(BIN)/python -m bench

## make bench-national: W3 (national dashboard vs a raw national GROUP BY) and W8's national report
## on the national data set kept between runs in var/bench/national-pg (bench/national_data.py: the
## first run builds it set-based: seed_demo national, all 34 provinces unless
## KIEMDIEM_BENCH_NATIONAL_PROVINCES says fewer, then a campaign over the root, ~5.8 M reviews; about
## an hour and ~26 GB here; an interrupted build is wiped and redone). Delete that directory to
## rebuild it (e.g. at another number of provinces).
bench-national: install
	KIEMDIEM_PGDATA=var/bench/national-pg scripts/with-postgres.sh \
		$(BIN)/python -m bench national-dashboard

## make loadtest: the deadline-day load test (docs/performance.md, "Deadline-day load test"):
## the province demo with a campaign under way on a throwaway PostgreSQL, gunicorn with the
## production config and the background worker on 127.0.0.1, then locust (headless) with cell
## secretaries, commune secretaries and the provincial office in steps of 10, 20, 40 and 80 users,
## 60 s each (KIEMDIEM_LOADTEST_STEPS, KIEMDIEM_LOADTEST_STEP_SECONDS). ~10 minutes; report in
## var/loadtest/report.md. Not part of make test.
loadtest: install
	scripts/with-postgres.sh $(BIN)/python -m bench deadline-day

## make reliability: R1–R13 of issue 15 (kill -9 of PostgreSQL, web and task workers, SQLite
## writers; backup/restore; locking; fuzzing; lockout; IDOR sweep; audit chain; summaries; a
## deadline-day spike; check --deploy) and R14–R15 of issue 17 (a streaming read replica and the
## router; PgBouncer in transaction mode, skipped without the Debian package), one RELIABILITY line each; exits 1 if one fails.
## Starts its own PostgreSQL servers; loads only 127.0.0.1. Not part of make test (~15 min).
reliability: install
	$(BIN)/python -m reliability

## make reliability-short: the same scenarios, smaller (~6 min)
reliability-short: install
	$(BIN)/python -m reliability --short

## make lock: re-pin the whole dependency tree after changing pyproject.toml
lock:
	rm -rf /tmp/kiemdiem-lock && $(PYTHON) -m venv /tmp/kiemdiem-lock
	/tmp/kiemdiem-lock/bin/pip install -q ".[dev]"
	/tmp/kiemdiem-lock/bin/pip freeze --exclude-editable | grep -v '^kiemdiem' > requirements.lock
	rm -rf build *.egg-info

clean:
	rm -rf $(VENV) node_modules staticfiles
