# writing-api: `make run` serves the demo blog, `make test` runs the whole suite.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/postgres
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test test-sqlite test-postgres scale-check lint format schema bench load clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
		{ echo "writing-api needs Python 3.11 or newer (found $$($(PYTHON) --version))."; exit 1; }
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

# Where the admin is served (`DJANGO_ADMIN_URL`, as settings.py reads it).
ADMIN_PATH = $(patsubst /%,%,$(patsubst %/,%,$(or $(DJANGO_ADMIN_URL),admin/)))/

run: $(STAMP)
	DJANGO_DEBUG=true $(PY) manage.py migrate --noinput
	DJANGO_DEBUG=true $(PY) manage.py seed_demo
	DJANGO_DEBUG=true $(PY) manage.py ensure_admin
	@echo
	@echo "  API        http://$(HOST):$(PORT)/api/v1/"
	@echo "  API docs   http://$(HOST):$(PORT)/api/v1/docs/  (ReDoc: /api/v1/redoc/)"
	@echo "  Admin      http://$(HOST):$(PORT)/$(ADMIN_PATH)"
	@echo "  Webhooks   DJANGO_DEBUG=true $(PY) manage.py add_webhook URL  (the worker delivers them)"
	@echo
	@# The worker (webhooks, CDN purges, scheduled publishes) beside the server,
	@# stopped with it.
	DJANGO_DEBUG=true $(PY) manage.py run_worker & worker=$$!; \
		trap 'kill $$worker 2>/dev/null; wait $$worker' EXIT; \
		DJANGO_DEBUG=true $(PY) manage.py runserver $(HOST):$(PORT)

# The whole suite on SQLite, then again on PostgreSQL when one is reachable
# (REQUIRE_POSTGRES=true makes an unreachable server an error, as in CI).
test: $(STAMP)
	@rm -f .test-databases
	$(MAKE) --no-print-directory test-sqlite
	@if $(PY) -c "import psycopg,sys; psycopg.connect(sys.argv[1], connect_timeout=3).close()" \
		"$(TEST_DATABASE_URL)" 2>/dev/null; then \
		$(MAKE) --no-print-directory test-postgres; \
	elif [ "$$REQUIRE_POSTGRES" = "true" ]; then \
		echo "PostgreSQL at $(TEST_DATABASE_URL) is unreachable and REQUIRE_POSTGRES=true."; exit 1; \
	else \
		echo "PostgreSQL at $(TEST_DATABASE_URL) is unreachable: skipped that run."; \
	fi
	@echo "Databases the suite ran on: $$(paste -sd, .test-databases)"

test-sqlite: $(STAMP)
	@echo "=== Test suite on SQLite ==="
	env -u DATABASE_URL $(PY) -m pytest $(PYTEST_ARGS)
	@echo sqlite >> .test-databases

test-postgres: $(STAMP)
	@echo "=== Test suite on PostgreSQL ($(TEST_DATABASE_URL)) ==="
	DATABASE_URL=$(TEST_DATABASE_URL) $(PY) -m pytest $(PYTEST_ARGS)
	@echo postgresql >> .test-databases

# The scale-out deployment on this machine (tests/scale/): Varnish, haproxy, two
# gunicorn hosts, Redis, a PostgreSQL primary and streaming replica, each started
# in a temporary folder and stopped at the end; numbers in bench/results/scale.md.
scale-check: $(STAMP)
	SCALE_CHECK=1 $(PY) -m pytest tests/scale -p no:cacheprovider -s -v $(PYTEST_ARGS)

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: $(STAMP)
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

# Regenerate the committed OpenAPI document after an intended contract change.
schema: $(STAMP)
	DJANGO_DEBUG=true $(PY) manage.py spectacular --validate --fail-on-warn --file tests/api/openapi.yaml

bench: $(STAMP)
	bash bench/run.sh

load: $(STAMP)
	bash bench/load.sh

clean:
	rm -rf $(VENV) db.sqlite3 .test-databases .pytest_cache staticfiles test-output .cache
