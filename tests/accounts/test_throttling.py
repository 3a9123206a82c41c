"""The API throttle: a fixed-window counter per token (accounts.throttling)."""

from types import SimpleNamespace

import pytest
from django.core.cache import cache

from accounts.models import TokenScope
from accounts.roles import Role
from accounts.throttling import parse_rate
from tests.factories import UserFactory
from tests.helpers import bearer

pytestmark = pytest.mark.django_db

URL = "/api/v1/participants/"
START = 1_800_000_000.0  # a multiple of 60: a minute starts here


@pytest.fixture
def clock(monkeypatch, settings):
    """The throttle's clock, at the start of a minute; the rate 2/min; an empty cache."""
    now = SimpleNamespace(value=START)
    monkeypatch.setattr("accounts.throttling.time", SimpleNamespace(time=lambda: now.value))
    settings.API_THROTTLE_RATE = "2/min"
    cache.clear()
    return now


def reader():
    return bearer(UserFactory(roles=[Role.API_CLIENT]), TokenScope.READ)


@pytest.mark.parametrize(
    ("rate", "parsed"), [("600/min", (600, 60)), ("5/s", (5, 1)), ("10/hour", (10, 3600))]
)
def test_a_rate_reads_as_requests_per_period_of_seconds(rate, parsed):
    assert parse_rate(rate) == parsed


def test_a_token_past_its_budget_gets_429_until_the_period_ends(clock):
    client = reader()
    assert [client.get(URL).status_code for _ in range(3)] == [200, 200, 429]

    clock.value = START + 60

    assert client.get(URL).status_code == 200


def test_retry_after_names_the_seconds_left_in_the_period(clock):
    client = reader()
    clock.value = START + 20
    client.get(URL)
    client.get(URL)

    refused = client.get(URL)

    assert refused.status_code == 429
    assert refused.headers["Retry-After"] == "40"


def test_each_token_has_a_budget_of_its_own(clock):
    first, second = reader(), reader()
    first.get(URL)
    first.get(URL)

    assert first.get(URL).status_code == 429
    assert second.get(URL).status_code == 200
