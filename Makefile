# Everyday tasks. `make demo` and `make test` are the two commands the README promises.
PYTHON ?= python3
VENV ?= .venv
PORT ?= 8000
BIN := $(VENV)/bin

.PHONY: demo install install-test test lint format messages serve clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV) || { echo "python3 -m venv failed: install python3-venv (apt-get install python3-venv)"; exit 1; }
	$(BIN)/python -m pip install --quiet --upgrade pip

install: $(BIN)/python
	$(BIN)/pip install --quiet -e .

install-test: $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test]'

## Install, migrate the embedded SQLite database, load region + demo data and serve on $(PORT).
demo: install
	MENGKEJU_DEMO=1 PORT=$(PORT) $(BIN)/mengkeju demo

serve: install
	MENGKEJU_DEMO=1 PORT=$(PORT) $(BIN)/mengkeju serve

## Install test needs (Python packages, Chromium, PostgreSQL if none is reachable) and run everything.
test:
	bash scripts/test.sh

lint: install-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install-test
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

## Regenerate and compile translations (needs GNU gettext).
messages: install
	cd mengkeju && ../$(BIN)/django-admin makemessages -l zh_Hans -l en --settings=mengkeju.settings --ignore='static/vendor/*'
	cd mengkeju && ../$(BIN)/django-admin compilemessages --settings=mengkeju.settings

clean:
	rm -rf var .pytest_cache .ruff_cache
