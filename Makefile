# The two commands of the quick start: `make run` and `make test`.
PYTHON ?= python3.12
VENV ?= .venv
PORT ?= 8000
SERVE_HOST ?= 127.0.0.1
BIN := $(VENV)/bin
export UV_PYTHON_DOWNLOADS := never

.PHONY: install run serve test lint format migrate seed worker beat check-deploy screenshots clean

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

# Two processes (pytest-xdist): each has its own test database (pytest-django) and Redis
# database; the browser tests run in one of them (tests/conftest.py). TEST_PROCESSES=0: one.
TEST_PROCESSES ?= 2
test: install
	$(BIN)/pytest -n $(TEST_PROCESSES) $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# Production on this machine (README: Production): checks the environment, migrates once,
# then supervises gunicorn, a Celery worker and one beat.
serve: install
	$(BIN)/python -m tracker.serve --host $(SERVE_HOST) --port $(PORT)

# The worker runs tasks; beat (exactly one per deployment) queues the periodic ones.
worker: install
	$(BIN)/celery -A tracker worker --loglevel=INFO --without-gossip --without-mingle

beat: install
	$(BIN)/celery -A tracker beat --loglevel=INFO

check-deploy: install
	DJANGO_DEBUG=false DJANGO_SECRET_KEY=check-deploy-$$(head -c 48 /dev/urandom | base64 | tr -d '/+=') \
		AUDIT_SIGNING_KEY=$${AUDIT_SIGNING_KEY:-$$(head -c 32 /dev/urandom | base64)} \
		WEBHOOK_SECRET_KEYS=$${WEBHOOK_SECRET_KEYS:-$$(head -c 32 /dev/urandom | base64 | tr "+/" "-_")} \
		$(BIN)/python manage.py check --deploy --fail-level WARNING

# A 1280 x 800 PNG of each page (demo data, embedded defaults) in docs/screenshots/, taken
# with Debian's Chromium (/usr/bin/chromium); SHOTS="home login" takes only those.
screenshots: install
	$(BIN)/python -m tests.browser.screenshots $(SHOTS)

clean:
	rm -rf $(VENV) db.sqlite3 staticfiles

# Every benchmark in bench/ against local PostgreSQL and Redis in the production configuration:
# one table, and bench/RESULTS.md rewritten above its dated history (bench/run.py).
# BENCH_ARGS=--quick: small sizes, to show that they run; --only NAME ...: some of them.
.PHONY: bench
bench: install
	$(BIN)/python bench/run.py $(BENCH_ARGS)
