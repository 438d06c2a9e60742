# dgaweb: `make run` serves the demo, `make test` runs the whole suite. See README.md.

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
MANAGE := $(BIN)/python manage.py
HOST ?= 127.0.0.1:8000

.DEFAULT_GOAL := help
.PHONY: help run test install install-dev frontend translations messages migrate seed worker beat lint format clean

help:
	@echo "make run      set up and serve the demo on http://$(HOST) (SQLite, Celery in-process)"
	@echo "make test     the whole suite on PostgreSQL, Redis, a Celery worker and Chromium"
	@echo "make worker   a Celery worker (needs REDIS_URL)      make beat   the Celery scheduler"
	@echo "make messages refresh the Thai catalogue after changing user-facing strings"

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info[:2] == (3, 11) else "dgaweb needs Python 3.11; set PYTHON=/path/to/python3.11")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	@touch $@

$(VENV)/.installed-dev: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements-dev.txt
	@touch $@ $(VENV)/.installed

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

# Bootstrap, htmx and the Sarabun font, pinned in package.json / package-lock.json.
node_modules/.package-lock.json: package.json package-lock.json
	@command -v npm >/dev/null || { echo "npm (Node.js) is needed for the front-end files: install Node.js 18 or newer"; exit 1; }
	npm ci --no-audit --no-fund --loglevel=error
frontend: node_modules/.package-lock.json

# Compiled with Babel (pure Python), so no GNU gettext is needed on the machine.
translations: $(VENV)/.installed
	$(BIN)/pybabel compile --domain django --directory locale --statistics

migrate: $(VENV)/.installed
	$(MANAGE) migrate --no-input

seed: migrate
	$(MANAGE) seed_demo

run: install frontend translations seed
	$(MANAGE) runserver $(HOST)

test: install-dev frontend translations
	DJANGO_SETTINGS_MODULE=dgaweb.settings.test $(BIN)/pytest

worker: install
	$(BIN)/celery -A dgaweb worker --loglevel INFO

beat: install
	$(BIN)/celery -A dgaweb beat --loglevel INFO

# Needs GNU gettext (xgettext) on the developer's machine; users never run this.
messages: install
	$(MANAGE) makemessages --locale th --ignore '.venv/*' --ignore 'node_modules/*' --ignore '*/tests/*' --ignore conftest.py --no-obsolete

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install-dev
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

clean:
	rm -rf $(VENV) node_modules staticfiles .artifacts .test-media locale/*/LC_MESSAGES/*.mo
