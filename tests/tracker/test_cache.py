"""The Redis cache after an error: reads and fills skip Redis for a few seconds; deletes,
which keep revoked tokens out of the cache, still ask."""

import pytest
from redis.exceptions import ConnectionError as RedisConnectionError

from tracker.cache import ResilientRedisCache


class FailingRedis:
    """Stands in for the Redis client: every call is recorded, then fails."""

    def __init__(self):
        self.calls = []

    def __getattr__(self, name):
        def call(*args, **kwargs):
            self.calls.append(name)
            raise RedisConnectionError("Connection refused.")

        return call


@pytest.fixture
def failing_cache(monkeypatch):
    monkeypatch.setattr("tracker.cache._outages", {})
    cache = ResilientRedisCache("redis://127.0.0.1:1/0", {})
    cache.__dict__["_cache"] = FailingRedis()  # _cache is a cached_property
    return cache


def test_after_a_redis_error_reads_skip_redis_but_deletes_still_ask(failing_cache):
    assert failing_cache.get("token") is None

    assert failing_cache.get("token", "missed") == "missed"
    assert failing_cache.add("throttle", 1) is True
    failing_cache.delete("token")

    assert failing_cache._cache.calls == ["get", "delete"]


def test_an_incr_during_an_outage_is_a_missing_key(failing_cache):
    with pytest.raises(ValueError, match=r"^Key 'throttle' not found\.$"):
        failing_cache.incr("throttle")
