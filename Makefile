# OCOP and standards registry. `make run` serves it; `make test` tests it. `make help` lists the rest.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
STAMP := $(VENV)/.installed
CATALOGUES := registry/translations
MO := $(CATALOGUES)/en/LC_MESSAGES/messages.mo

.PHONY: help run test lint fmt migrate seed bench check-migrations install translations clean

help: ## this list
	@grep -E '^[a-z-]+:.*##' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-18s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -c constraints.txt -e '.[dev]'
	@touch $(STAMP)

install: $(STAMP) $(MO) ## create .venv, install the project with its pinned constraints, compile the catalogues

# The compiled catalogues (.mo) are build output, not committed.
$(MO): $(CATALOGUES)/en/LC_MESSAGES/messages.po $(STAMP)
	$(BIN)/pybabel -q compile -d $(CATALOGUES)

translations: $(STAMP) ## extract the page texts, add new ones to the English catalogue, compile it
	$(BIN)/pybabel -q extract -F babel.cfg -k _lp:1c,2 --no-location --sort-output -w 100 -o $(VENV)/messages.pot .
	$(BIN)/pybabel -q update -i $(VENV)/messages.pot -d $(CATALOGUES) --no-fuzzy-matching --ignore-pot-creation-date -w 100
	$(BIN)/pybabel -q compile -d $(CATALOGUES)

migrate: install ## apply the database migrations (SQLite at instance/registry.db unless DATABASE_URL)
	$(BIN)/registry db upgrade

seed: migrate ## load provinces, communes, plans, the first admin and demo data (REGISTRY_DEMO=0 to skip)
	$(BIN)/registry seed

run: seed ## migrate, seed and serve with gunicorn on http://127.0.0.1:$(PORT)
	PORT=$(PORT) $(BIN)/gunicorn -c deploy/gunicorn.conf.py 'registry:create_app()'

test: install ## run the whole suite (PostgreSQL too when TEST_DATABASE_URL is set)
	$(BIN)/pytest

lint: $(STAMP) ## ruff (check and format), mypy over registry/, and the layer contract (import-linter)
	$(BIN)/ruff check registry tests scripts benchmarks
	$(BIN)/ruff format --check registry tests scripts benchmarks
	$(BIN)/mypy
	$(BIN)/lint-imports

fmt: $(STAMP) ## format the code
	$(BIN)/ruff format registry tests scripts benchmarks
	$(BIN)/ruff check --fix registry tests scripts benchmarks

check-migrations: $(STAMP) ## fail if the models and the migrations disagree
	$(BIN)/python scripts/check_migrations.py

bench: $(STAMP) ## run the benchmarks (see benchmarks/README.md)
	$(BIN)/python -m benchmarks

clean: ## remove the virtual environment and caches (keeps instance/)
	rm -rf $(VENV) .pytest_cache .ruff_cache
