# Two commands set up a machine: `make demo` and `make test`. See README.md.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: demo test test-postgres lint format serve worker bench clean

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

## demo: install, migrate, load the demo content, create the admin login, serve on 127.0.0.1:8000
demo: $(STAMP)
	$(PY) manage.py migrate --noinput
	$(PY) manage.py load_demo_content --admin-password "$${DEMO_ADMIN_PASSWORD:-change-me-demo}"
	DEBUG=1 $(PY) manage.py runserver $(HOST):$(PORT)

## serve: run the development server without reloading demo content
serve: $(STAMP)
	DEBUG=1 $(PY) manage.py runserver $(HOST):$(PORT)

## worker: a background worker for sends and emails (run the web process with TASKS_BACKEND=database)
worker: $(STAMP)
	TASKS_BACKEND=database $(PY) manage.py newsletter_resume
	TASKS_BACKEND=database $(PY) manage.py db_worker --queue-name '*'

## test: the whole suite on SQLite (set DATABASE_URL to run it on PostgreSQL)
test: $(STAMP)
	$(PY) manage.py makemigrations --check --dry-run
	$(PY) -m pytest $(PYTEST_ARGS)

## test-postgres: the whole suite against PostgreSQL on 127.0.0.1:5432 (fresh test database)
test-postgres: $(STAMP)
	DATABASE_URL=$${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/test} \
		$(PY) -m pytest --create-db $(PYTEST_ARGS)

## bench: every benchmark beside its target (about 5 minutes); figures in bench/results/latest.json.
## PostgreSQL at DATABASE_URL and Redis at REDIS_URL (default: the local servers) when they
## answer, else SQLite and local memory. One area or figure: make bench BENCH="--only send"
bench: $(STAMP)
	DATABASE_URL=$${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres} \
		REDIS_URL=$${REDIS_URL:-redis://127.0.0.1:6379/0} $(PY) -m bench.run $(BENCH)

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: $(STAMP)
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

clean:
	rm -rf $(VENV) db.sqlite3 media staticfiles test-artifacts
