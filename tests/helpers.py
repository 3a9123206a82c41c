"""Helpers shared by the tests. A test that waits for something polls for it with
`wait_until`, bounded and with a message that says what never happened; no test sleeps."""

import time
from collections.abc import Callable

from rest_framework.test import APIClient

from accounts.models import TokenScope
from accounts.services import api_token_issue


def wait_until[T](
    predicate: Callable[[], T], *, timeout: float, interval: float = 0.05, message: str
) -> T:
    """Call `predicate` every `interval` seconds until it returns something truthy, and return
    that; after `timeout` seconds, fail with "Timed out after <timeout> s waiting for
    <message>." The predicate always runs at least once, and once more at the deadline."""
    deadline = time.monotonic() + timeout
    while True:
        if value := predicate():
            return value
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise AssertionError(f"Timed out after {timeout} s waiting for {message}.")
        time.sleep(min(interval, remaining))


def bearer(user, scope=TokenScope.WRITE) -> APIClient:
    _, key = api_token_issue(user=user, scope=scope)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    return client
