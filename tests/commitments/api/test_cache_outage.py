"""With Redis down, the API answers from the database: a cache error is a miss."""

import logging
import os
import runpy
import socket
import time
from types import SimpleNamespace
from unittest import mock

import pytest
from django.utils.module_loading import import_string

from accounts.services import api_token_revoke
from commitments.models import StatusUpdate
from tests.factories import CommitmentFactory
from tests.helpers import bearer
from tracker import settings as settings_module

pytestmark = pytest.mark.django_db

DEAD_REDIS = "redis://127.0.0.1:1/0"  # nothing listens on port 1


def configured_cache(redis_url: str) -> dict:
    """The default cache tracker/settings.py configures for this REDIS_URL."""
    with mock.patch.dict(os.environ, {"REDIS_URL": redis_url}):
        return runpy.run_path(settings_module.__file__)["CACHES"]["default"]


@pytest.fixture
def redis_down(settings, monkeypatch):
    """The configured cache, pointed at a Redis that refuses every connection; the
    throttle and the API page cache on, as in production."""
    monkeypatch.setattr("tracker.cache._outages", {})
    settings.CACHES = {"default": configured_cache(DEAD_REDIS)}
    settings.API_THROTTLE_RATE = "600/min"
    settings.API_PAGE_CACHE_SECONDS = 60
    return settings


def test_with_redis_down_a_token_authenticated_list_is_answered_from_the_database(
    redis_down, analyst
):
    commitment = CommitmentFactory()
    api = bearer(analyst)

    response = api.get("/api/v1/commitments/")

    assert response.status_code == 200
    assert [item["id"] for item in response.json()["results"]] == [commitment.pk]


def test_with_redis_down_a_write_is_created(redis_down, analyst):
    commitment = CommitmentFactory()
    api = bearer(analyst)
    payload = {
        "commitment": commitment.pk,
        "proposed_status": "in_parliament",
        "effective_date": "2024-05-02",
        "summary": "The bill was tabled.",
        "sources": [{"url": "https://news.example.org/bill", "title": "Bill tabled"}],
    }

    response = api.post("/api/v1/status-updates/", payload, format="json")

    assert response.status_code == 201
    assert StatusUpdate.objects.count() == 1


def test_with_redis_down_a_revoked_token_is_refused_at_once(redis_down, analyst):
    api = bearer(analyst)
    api.get("/api/v1/commitments/")

    api_token_revoke(token=analyst.api_tokens.get(), actor=None)
    response = api.get("/api/v1/commitments/")

    assert response.status_code == 401


def test_a_redis_outage_is_logged_once_per_minute_not_per_request(
    redis_down, analyst, caplog, monkeypatch
):
    api = bearer(analyst)
    clock = [1000.0]
    # Only the cache's clock moves: each request below comes after the pause, so it asks the
    # dead Redis again and fails again.
    monkeypatch.setattr("tracker.cache.time", SimpleNamespace(monotonic=lambda: clock[0]))

    def logged_after_requests_at(*moments: float) -> int:
        with caplog.at_level(logging.WARNING, logger="tracker.cache"):
            for moment in moments:
                clock[0] = moment
                assert api.get("/api/v1/commitments/").status_code == 200
        return len([r for r in caplog.records if r.name == "tracker.cache"])

    assert logged_after_requests_at(1000.0, 1010.0, 1020.0) == 1
    assert logged_after_requests_at(1061.0) == 2
    assert caplog.records[-1].getMessage().startswith("cache unavailable, serving without it")


def test_the_redis_cache_waits_at_most_half_a_second_for_an_answer(monkeypatch):
    monkeypatch.setattr("tracker.cache._outages", {})
    # A Redis that accepts the connection and never answers: the kernel queues the
    # connection on the listening socket, nobody reads from it.
    with socket.create_server(("127.0.0.1", 0)) as silent:
        configured = configured_cache(f"redis://127.0.0.1:{silent.getsockname()[1]}/0")
        cache = import_string(configured["BACKEND"])(
            configured["LOCATION"], {"OPTIONS": configured["OPTIONS"]}
        )
        started = time.monotonic()

        value = cache.get("token", "missed")

        took = time.monotonic() - started
    assert value == "missed"
    assert 0.45 <= took < 0.95, f"the read took {took:.2f} s"
