"""`make serve` refuses to start on a missing variable, a refused setting, an unreachable
database or broker: one line on stderr naming the variable or the host, exit status 2, nothing
started. It never invents a secret."""

import os
import secrets
import socket
import subprocess
import sys
from base64 import b64encode, urlsafe_b64encode
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]


def closed_port() -> int:
    """A port nothing listens on (bound, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def production(**overrides: str) -> dict[str, str]:
    environment = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "CELERY_", "REDIS_", "DATABASE_", "WEBHOOK_", "AUDIT_"))
    }
    environment.update(
        DATABASE_URL=f"postgres://postgres@127.0.0.1:{closed_port()}/tracker",
        REDIS_URL=f"redis://127.0.0.1:{closed_port()}/0",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        DJANGO_ALLOWED_HOSTS="tracker.example.org",
        AUDIT_SIGNING_KEY=b64encode(os.urandom(32)).decode(),
        WEBHOOK_SECRET_KEYS=urlsafe_b64encode(os.urandom(32)).decode(),
    )
    environment.update(overrides)
    return {k: v for k, v in environment.items() if v is not None}


def serve(environment: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "tracker.serve", "--port", str(closed_port())],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )


def refusal(result: subprocess.CompletedProcess) -> str:
    """The one line the refusal printed; it fails the test on anything more."""
    assert result.returncode == 2, result.stdout + result.stderr
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


def test_without_a_secret_key_it_names_the_variable_in_one_line():
    result = serve(production(DJANGO_SECRET_KEY=None))

    assert refusal(result) == (
        "DJANGO_SECRET_KEY: not set; make serve requires it (README: Production)"
    )


def test_it_names_every_missing_variable_at_once():
    result = serve(production(REDIS_URL="", AUDIT_SIGNING_KEY=None, WEBHOOK_SECRET_KEYS=None))

    assert refusal(result) == (
        "REDIS_URL, AUDIT_SIGNING_KEY, WEBHOOK_SECRET_KEYS: not set; make serve requires them "
        "(README: Production)"
    )


def test_a_weak_secret_key_is_refused_as_the_settings_refuse_it():
    result = serve(production(DJANGO_SECRET_KEY="too-short"))

    assert refusal(result).startswith("DJANGO_SECRET_KEY is too weak")


def test_an_audit_signing_key_that_is_not_base64_is_refused_in_one_line():
    result = serve(production(AUDIT_SIGNING_KEY="not base64!"))

    assert refusal(result) == "AUDIT_SIGNING_KEY is not valid base64."


def test_sqlite_is_refused():
    result = serve(production(DATABASE_URL="sqlite:///db.sqlite3"))

    assert (
        refusal(result) == "DATABASE_URL: make serve needs PostgreSQL (postgres://...), not sqlite"
    )


def test_an_unreachable_database_is_named_by_host_and_port():
    port = closed_port()

    result = serve(production(DATABASE_URL=f"postgres://tracker:pw@127.0.0.1:{port}/tracker"))

    assert (
        refusal(result) == f"DATABASE_URL: cannot connect to 127.0.0.1:{port} (connection refused)"
    )


def postgres_url() -> str:
    """The tests' PostgreSQL server, its always-present maintenance database."""
    db = settings.DATABASES["default"]
    credentials = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{credentials}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/postgres"


@pytest.mark.postgres
def test_a_database_that_does_not_exist_is_named_with_the_servers_reason():
    url = postgres_url().rsplit("/", 1)[0] + "/no_such_database_for_serve"

    line = refusal(serve(production(DATABASE_URL=url)))

    assert line.startswith("DATABASE_URL: cannot connect to ")
    assert 'database "no_such_database_for_serve" does not exist' in line


@pytest.mark.postgres
def test_an_unreachable_broker_is_named_by_host_and_port():
    port = closed_port()

    result = serve(production(DATABASE_URL=postgres_url(), REDIS_URL=f"redis://127.0.0.1:{port}/0"))

    assert refusal(result) == f"REDIS_URL: cannot connect to 127.0.0.1:{port} (connection refused)"
