# Two commands set up a machine: `make demo` and `make test`. See README.md.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000
# The one public address: unsubscribe links use BASE_URL, page links the Wagtail site that
# `make demo` points at it. Derived from HOST and PORT unless BASE_URL is set.
BASE_URL ?= http://$(HOST):$(PORT)
# Local development: DEBUG on unless set (it allows the development key when SECRET_KEY is unset).
DEV_ENV := DEBUG=$${DEBUG:-1} BASE_URL=$(BASE_URL)

.PHONY: demo test test-plugin test-postgres lint format serve worker bench clean messages

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

## demo: install, migrate, load the demo content, create the admin login, serve on 127.0.0.1:8000
## (elsewhere: make demo PORT=9000; the demo site follows BASE_URL, default http://HOST:PORT)
demo: $(STAMP)
	$(DEV_ENV) $(PY) manage.py migrate --noinput
	$(DEV_ENV) $(PY) manage.py load_demo_content --admin-password "$${DEMO_ADMIN_PASSWORD:-change-me-demo}"
	@if [ -z "$$EMAIL_ESP" ] || [ "$$EMAIL_ESP" = inbox ]; then echo "Emails the site sends (not delivered): $(BASE_URL)/dev/inbox/"; fi
	$(DEV_ENV) $(PY) manage.py runserver $(HOST):$(PORT)

## serve: run the development server without reloading demo content
serve: $(STAMP)
	@if [ -z "$$EMAIL_ESP" ] || [ "$$EMAIL_ESP" = inbox ]; then echo "Emails the site sends (not delivered): $(BASE_URL)/dev/inbox/"; fi
	$(DEV_ENV) $(PY) manage.py runserver $(HOST):$(PORT)

## worker: a background worker for sends and emails (run the web process with TASKS_BACKEND=database)
## (exec: a SIGTERM or Ctrl-C to make reaches db_worker, which settles its batch; make waits)
worker: $(STAMP)
	$(DEV_ENV) TASKS_BACKEND=database exec $(PY) manage.py newsletter_resume
	$(DEV_ENV) TASKS_BACKEND=database exec $(PY) manage.py db_worker --queue-name '*' --no-reload

## test: the whole suite on SQLite (set DATABASE_URL to run it on PostgreSQL)
test: $(STAMP)
	DEBUG=1 $(PY) manage.py makemigrations --check --dry-run
	$(PY) -m pytest $(PYTEST_ARGS)

## test-plugin: the apps as a Wagtail user installs them: the built wheel in a fresh venv and a
## fresh `wagtail start` site, following the README (tests/plugin/fresh_site.py); then the apps'
## tests against a settings module without site/ (tests/plugin/settings.py)
test-plugin: $(STAMP)
	$(PY) tests/plugin/fresh_site.py
	$(PY) -m pytest --ds=tests.plugin.settings -m "not e2e" tests/advocacy tests/newsletter $(PYTEST_ARGS)

## test-postgres: the whole suite against PostgreSQL on 127.0.0.1:5432 (fresh test database)
test-postgres: $(STAMP)
	DATABASE_URL=$${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/test} \
		$(PY) -m pytest --create-db $(PYTEST_ARGS)

## bench: every benchmark beside its target (about 5 minutes); figures in bench/results/latest.json.
## PostgreSQL at DATABASE_URL and Redis at REDIS_URL (default: the local servers) when they
## answer, else SQLite and local memory. One area or figure: make bench BENCH="--only send"
bench: $(STAMP)
	DATABASE_URL=$${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres} \
		REDIS_URL=$${REDIS_URL:-redis://127.0.0.1:6379/0} \
		SECRET_KEY=$${SECRET_KEY:-benchmarks-only-key-not-for-any-deployment-0123456789} \
		$(PY) -m bench.run $(BENCH)

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: $(STAMP)
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

clean:
	rm -rf $(VENV) db.sqlite3 media staticfiles test-artifacts

## messages: update the French catalogues from the code and compile them: advocacy/locale and
## newsletter/locale (each app's own strings, extracted from inside the app) and site/locale
## (templates/ and site/). New strings arrive untranslated: translate every msgstr in the
## .po files, then run it again so the .mo files (committed beside them) match.
## tests/test_catalogues.py fails while a string is untranslated or a .mo is stale.
MESSAGES_OPTIONS := -l fr -e html,txt,py,mjml --add-location=file --no-obsolete
MESSAGES_IGNORE := -i 'advocacy/*' -i 'newsletter/*' -i 'tests/*' -i 'bench/*' -i 'docs/*' \
	-i 'examples/*' -i 'media/*' -i 'static/*' -i 'staticfiles/*' -i 'test-artifacts/*' \
	-i '*.egg-info/*'
messages: $(STAMP)
	cd advocacy && DEBUG=1 $(abspath $(PY)) ../manage.py makemessages $(MESSAGES_OPTIONS)
	cd newsletter && DEBUG=1 $(abspath $(PY)) ../manage.py makemessages $(MESSAGES_OPTIONS)
	DEBUG=1 $(PY) manage.py makemessages $(MESSAGES_OPTIONS) $(MESSAGES_IGNORE)
	for po in advocacy/locale/fr/LC_MESSAGES/django.po newsletter/locale/fr/LC_MESSAGES/django.po \
		site/locale/fr/LC_MESSAGES/django.po; do msgfmt --check -o "$${po%.po}.mo" "$$po" || exit 1; done
