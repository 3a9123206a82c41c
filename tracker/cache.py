"""Django's Redis cache, for which a Redis outage is a cache miss instead of a 500.

Everything the project caches (API tokens, throttle counters, API list pages) can be read
again from PostgreSQL, so a Redis that is down, restarting or timing out only makes requests
slower. An error leaves that Redis alone for OUTAGE_PAUSE_SECONDS (deletes excepted), so an
outage costs one timeout per process every few seconds, not one per cache call; it is logged
at most once every LOG_EVERY_SECONDS per process.

A delete that fails (a token revoked while Redis cannot be reached) leaves the entry to
expire by itself: the token cache keeps entries 30 seconds (accounts.authentication).
"""

import logging
import threading
import time
from dataclasses import dataclass
from functools import partial

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

OUTAGE_PAUSE_SECONDS = 5.0
LOG_EVERY_SECONDS = 60.0


@dataclass
class _Outage:
    until: float = 0.0
    logged_at: float | None = None


# Per Redis location and process, shared by every thread's cache instance.
_outages: dict[str, _Outage] = {}
_lock = threading.Lock()


class ResilientRedisCache(RedisCache):
    """RedisCache whose every call behaves as on an empty cache when Redis fails: reads
    find nothing, writes store nothing, add() reports the key as absent (True) and incr()
    raises ValueError as for a missing key, so callers written for an ordinary miss (the
    throttle: incr, else add) need nothing more."""

    def __init__(self, server, params):
        super().__init__(server, params)
        location = ",".join(self._servers)
        with _lock:
            self._outage = _outages.setdefault(location, _Outage())

    def _try(self, call, fallback, *, always: bool = False):
        """call(), or fallback() when Redis fails, or without asking while it is paused
        after a failure; `always` asks anyway (deletes: an entry a paused delete left
        behind would outlive the outage)."""
        outage = self._outage
        if not always and time.monotonic() < outage.until:
            return fallback()
        try:
            return call()
        except RedisError as error:
            now = time.monotonic()
            outage.until = now + OUTAGE_PAUSE_SECONDS
            if outage.logged_at is None or now - outage.logged_at >= LOG_EVERY_SECONDS:
                outage.logged_at = now
                logger.warning(
                    "cache unavailable, serving without it (%s: %s)", type(error).__name__, error
                )
            return fallback()

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._try(partial(super().add, key, value, timeout, version), lambda: True)

    def get(self, key, default=None, version=None):
        return self._try(partial(super().get, key, default, version), lambda: default)

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._try(partial(super().set, key, value, timeout, version), lambda: None)

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        return self._try(partial(super().touch, key, timeout, version), lambda: False)

    def delete(self, key, version=None):
        return self._try(partial(super().delete, key, version), lambda: False, always=True)

    def get_many(self, keys, version=None):
        return self._try(partial(super().get_many, keys, version), dict)

    def has_key(self, key, version=None):
        return self._try(partial(super().has_key, key, version), lambda: False)

    def incr(self, key, delta=1, version=None):
        def missing():
            raise ValueError(f"Key '{key}' not found.")

        return self._try(partial(super().incr, key, delta, version), missing)

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        return self._try(partial(super().set_many, data, timeout, version), lambda: list(data))

    def delete_many(self, keys, version=None):
        return self._try(partial(super().delete_many, keys, version), lambda: None, always=True)

    def clear(self):
        return self._try(super().clear, lambda: False, always=True)
