# Lantern: `make run` serves the demo; `make test` runs every test on SQLite and on PostgreSQL.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEMO_DB ?= $(CURDIR)/var/demo.db
DEMO_URL ?= sqlite:///$(DEMO_DB)

.PHONY: install run test test-sqlite test-postgresql bench clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

run: install
	@mkdir -p var
	DATABASE_URL="$${DATABASE_URL:-$(DEMO_URL)}" LANTERN_DATA_DIR="$${LANTERN_DATA_DIR:-$(CURDIR)/var}" $(BIN)/lantern db upgrade
	DATABASE_URL="$${DATABASE_URL:-$(DEMO_URL)}" LANTERN_DATA_DIR="$${LANTERN_DATA_DIR:-$(CURDIR)/var}" $(BIN)/lantern demo --if-empty
	DATABASE_URL="$${DATABASE_URL:-$(DEMO_URL)}" LANTERN_DATA_DIR="$${LANTERN_DATA_DIR:-$(CURDIR)/var}" \
		LANTERN_PUBLIC_URL="$${LANTERN_PUBLIC_URL:-http://127.0.0.1:8000}" $(BIN)/lantern serve

test: install
	bash .ci/test-both

test-sqlite: install
	bash .ci/test-both sqlite

test-postgresql: install
	bash .ci/test-both postgresql

bench: install
	$(BIN)/python -m bench.generate --children 5000 --years 5
	$(BIN)/python -m bench.children_list
	$(BIN)/python -m bench.generate --children 2000 --years 5 --reset --database-url sqlite:///$(CURDIR)/bench/out/allocate.db
	$(BIN)/python -m bench.allocate_month --repeat 3 --database-url sqlite:///$(CURDIR)/bench/out/allocate.db

clean:
	rm -rf $(VENV) var test-output .pytest_cache .hypothesis
