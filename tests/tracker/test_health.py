"""/healthz answers whenever the process does; /readyz names each check and answers 503 while
one fails (the database, a migration, the cache, the broker, the audit head watcher) and 200
again once it passes."""

import json
from unittest import mock

import pytest
from django.db import OperationalError, connection

from commitments import headwatch
from tracker import health
from tracker.middleware import request_id

CLOSED_PORT_REDIS = "redis://127.0.0.1:1/0"
CHECKS = {"database", "migrations", "cache", "broker", "audit_head_watcher"}


def ready(client):
    response = client.get("/readyz")
    return response, json.loads(response.content)


def test_healthz_answers_ok_without_touching_the_database(db, client, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get("/healthz")

    assert response.status_code == 200
    assert json.loads(response.content) == {"status": "ok"}
    assert "no-store" in response["Cache-Control"]


def test_healthz_answers_without_database_access_at_all(client):
    # No db fixture: pytest-django refuses any database access in this test.
    assert client.get("/healthz").status_code == 200


@pytest.mark.django_db
def test_readyz_names_every_check_with_its_outcome_and_duration(client):
    response, body = ready(client)

    assert response.status_code == 200, body
    assert body["status"] == "ok"
    assert set(body["checks"]) == CHECKS
    for outcome in body["checks"].values():
        assert outcome["status"] in ("ok", "skipped")
        assert outcome["duration_ms"] >= 0
    assert body["checks"]["database"]["status"] == "ok"
    assert body["checks"]["migrations"]["status"] == "ok"
    assert "no-store" in response["Cache-Control"]


@pytest.mark.django_db
def test_readyz_skips_the_broker_and_cache_when_tasks_run_in_process_and_cache_is_local(
    client, settings
):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

    _, body = ready(client)

    assert body["checks"]["broker"]["status"] == "skipped"
    assert body["checks"]["cache"]["status"] == "skipped"


@pytest.mark.django_db
def test_readyz_answers_503_while_the_database_fails_and_200_after(client, monkeypatch):
    def refused():
        raise OperationalError("connection refused")

    monkeypatch.setitem(health._checks, "database", refused)
    response, body = ready(client)

    assert response.status_code == 503
    assert body["status"] == "fail"
    assert body["checks"]["database"] == {
        "status": "fail",
        "error": "OperationalError",
        "duration_ms": body["checks"]["database"]["duration_ms"],
    }
    assert body["checks"]["cache"]["status"] in ("ok", "skipped")

    monkeypatch.setitem(health._checks, "database", health.database)
    assert ready(client)[0].status_code == 200


@pytest.mark.django_db
def test_readyz_answers_503_while_a_migration_is_unapplied(client, monkeypatch):
    monkeypatch.setattr(health, "_migrations_applied", False)
    unapplied = mock.Mock(app_label="commitments", name="0099_future")
    unapplied.name = "0099_future"
    with mock.patch(
        "django.db.migrations.executor.MigrationExecutor.migration_plan",
        return_value=[(unapplied, False)],
    ):
        response, body = ready(client)

    assert response.status_code == 503
    assert body["checks"]["migrations"]["status"] == "fail"
    assert body["checks"]["migrations"]["error"] == "UnappliedMigrations"


@pytest.mark.django_db
def test_the_migrations_check_remembers_its_success_and_asks_no_more(client, monkeypatch):
    monkeypatch.setattr(health, "_migrations_applied", False)
    assert health.migrations() == "ok"

    with mock.patch("django.db.migrations.executor.MigrationExecutor") as executor:
        assert health.migrations() == "ok"

    executor.assert_not_called()


@pytest.mark.django_db
def test_readyz_answers_503_while_the_cache_is_unreachable_and_200_after(client, settings):
    working = settings.CACHES
    settings.CACHES = {
        "default": {
            "BACKEND": "tracker.cache.ResilientRedisCache",
            "LOCATION": CLOSED_PORT_REDIS,
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    }

    response, body = ready(client)

    assert response.status_code == 503
    assert body["checks"]["cache"]["status"] == "fail"
    # redis-py retries a refused connection: on a busy machine the deadline may come first.
    assert body["checks"]["cache"]["error"] in ("ConnectionError", "Timeout")

    settings.CACHES = working
    assert ready(client)[0].status_code == 200


@pytest.mark.django_db
def test_readyz_answers_503_while_the_broker_is_unreachable_and_200_after(client, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    working = settings.CELERY_BROKER_URL
    settings.CELERY_BROKER_URL = CLOSED_PORT_REDIS

    response, body = ready(client)

    assert response.status_code == 503
    assert body["checks"]["broker"]["status"] == "fail"
    assert body["checks"]["broker"]["duration_ms"] < 2000

    settings.CELERY_BROKER_URL = working
    response, body = ready(client)
    assert response.status_code == 200, body
    expected = "skipped" if working.startswith("memory://") else "ok"
    assert body["checks"]["broker"]["status"] == expected


@pytest.mark.django_db
def test_a_check_that_hangs_fails_at_the_deadline_instead_of_holding_the_probe(monkeypatch):
    release = __import__("threading").Event()
    monkeypatch.setitem(health._checks, "stuck", lambda: release.wait(10) and "ok")
    try:
        results = health.run_checks(timeout=0.3)
    finally:
        release.set()

    assert results["stuck"]["status"] == "fail"
    assert results["stuck"]["error"] == "Timeout"


@pytest.mark.postgres
@pytest.mark.django_db
def test_readyz_fails_while_the_audit_head_watcher_is_not_current_and_passes_when_it_is(
    client, settings, monkeypatch
):
    settings.AUDIT_HEAD_WATCH = True
    watcher = headwatch.HeadWatcher(params=headwatch.connection_params())
    monkeypatch.setattr(headwatch, "WATCHER", watcher)
    monkeypatch.setattr(headwatch, "READY_WAIT_SECONDS", 0.0)
    try:
        response, body = ready(client)  # starts the watcher, which has not read the head yet
        assert response.status_code == 503
        assert body["checks"]["audit_head_watcher"]["error"] == "WatcherNotCurrent"

        monkeypatch.setattr(headwatch, "READY_WAIT_SECONDS", 1.5)
        response, body = ready(client)
        assert response.status_code == 200, body
        assert body["checks"]["audit_head_watcher"]["status"] == "ok"
    finally:
        watcher.stop()


def test_the_operations_paths_are_named_for_other_middleware():
    assert health.PATHS == ("/healthz", "/readyz", "/metrics")


@pytest.mark.django_db
def test_readyz_refuses_a_post(client):
    assert client.post("/readyz").status_code == 405
    assert connection.vendor  # the refusal needs no check to run


@pytest.mark.django_db
def test_a_check_runs_with_the_probes_request_id_for_its_log_lines(client, monkeypatch):
    seen = []
    monkeypatch.setitem(health._checks, "spy", lambda: seen.append(request_id.get()) or "ok")

    response = client.get("/readyz", HTTP_X_REQUEST_ID="probe-7")

    assert seen == ["probe-7"] == [response["X-Request-ID"]]
