"""The client's address, for the anonymous API throttle and the login lockout alike, trusts
X-Forwarded-For only as far as settings.NUM_PROXIES says (accounts.lockout.client_ip)."""

from types import SimpleNamespace

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from accounts.lockout import client_ip

pytestmark = pytest.mark.django_db

URL = "/api/v1/audit/public-key/"  # open to anonymous clients
START = 1_800_000_000.0


@pytest.fixture
def clock(monkeypatch, settings):
    monkeypatch.setattr("accounts.throttling.time", SimpleNamespace(time=lambda: START))
    settings.API_THROTTLE_RATE = "2/min"
    cache.clear()


@pytest.fixture
def proxies(settings):
    def set_count(count: int) -> None:
        settings.NUM_PROXIES = count
        settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": count}

    return set_count


def test_ten_forwarded_for_values_from_one_address_are_throttled_as_one_client(clock):
    client = APIClient(REMOTE_ADDR="203.0.113.7")

    statuses = [
        client.get(URL, HTTP_X_FORWARDED_FOR=f"198.51.100.{n}").status_code for n in range(10)
    ]

    assert statuses == [200, 200] + [429] * 8


def test_the_login_lockout_counts_the_same_address_as_the_throttle(rf, proxies):
    proxies(1)
    request = rf.post(
        "/login/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="1.2.3.4, 198.51.100.1"
    )

    assert client_ip(request) == "198.51.100.1"
