# Two commands matter: `make run` (serve the portal with demo data on SQLite) and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
COMPANIES ?= 300
PORT ?= 8000
# Coverage is measured on every `make test` (below 90 % it fails); `COVERAGE= make test` skips it.
COVERAGE ?= --cov
PYTEST_ARGS ?=

.PHONY: install messages run test lint format setup bench clean

$(VENV)/.installed: requirements.lock requirements-dev.lock
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -r requirements-dev.lock
	touch $@

install: $(VENV)/.installed

messages: install
	$(PY) manage.py compilemessages --ignore=.venv -v0

setup: install messages
	$(PY) manage.py setup_portal --companies $(COMPANIES)

run: setup
	$(PY) manage.py runserver 127.0.0.1:$(PORT)

test: install messages
	$(PY) -m pytest -n auto -q $(COVERAGE) $(PYTEST_ARGS)

lint: install
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(VENV)/bin/hadolint Dockerfile

format: install
	$(PY) -m ruff check --fix .
	$(PY) -m ruff format .

bench: install messages
	$(PY) bench/run.py $(BENCH_ARGS)

clean:
	rm -rf $(VENV) db.sqlite3 staticfiles media
