# The two commands of the quick start: `make run` and `make test`.
PYTHON ?= python3.12
VENV ?= .venv
PORT ?= 8000
BIN := $(VENV)/bin
export UV_PYTHON_DOWNLOADS := never

.PHONY: install run test lint format migrate seed worker check-deploy clean

# The virtual environment is rebuilt only when pyproject.toml changes.
$(VENV)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $@

install: $(VENV)/.installed

migrate: install
	$(BIN)/python manage.py migrate --noinput

seed: migrate
	$(BIN)/python manage.py seed_demo

run: seed
	$(BIN)/python manage.py runserver 127.0.0.1:$(PORT)

test: install
	$(BIN)/pytest $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

worker: install
	$(BIN)/celery -A tracker worker --beat --loglevel=INFO

check-deploy: install
	DJANGO_DEBUG=false DJANGO_SECRET_KEY=check-deploy-$$(head -c 48 /dev/urandom | base64 | tr -d '/+=') \
		AUDIT_SIGNING_KEY=$${AUDIT_SIGNING_KEY:-$$(head -c 32 /dev/urandom | base64)} \
		WEBHOOK_SECRET_KEYS=$${WEBHOOK_SECRET_KEYS:-$$(head -c 32 /dev/urandom | base64 | tr "+/" "-_")} \
		$(BIN)/python manage.py check --deploy --fail-level WARNING

clean:
	rm -rf $(VENV) db.sqlite3 staticfiles

# Every benchmark in bench/ against local PostgreSQL and Redis in the production configuration:
# one table, and bench/RESULTS.md rewritten above its dated history (bench/run.py).
# BENCH_ARGS=--quick: small sizes, to show that they run; --only NAME ...: some of them.
.PHONY: bench
bench: install
	$(BIN)/python bench/run.py $(BENCH_ARGS)
