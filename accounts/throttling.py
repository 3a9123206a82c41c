import time
from functools import cache as memoized

from django.conf import settings
from django.core.cache import cache
from rest_framework.throttling import BaseThrottle

from accounts.models import ApiToken

PERIODS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


@memoized
def parse_rate(rate: str) -> tuple[int, int]:
    """'600/min' -> (600, 60): requests allowed per period of seconds (DRF's notation: the
    period's first letter counts)."""
    count, _, period = rate.partition("/")
    return int(count), PERIODS[period[:1]]


class TokenRateThrottle(BaseThrottle):
    """One budget per API token (per user for sessions, per address when anonymous); the rate
    is settings.API_THROTTLE_RATE, read at each request.

    A fixed window: one counter per budget and period, incremented at each request,
    where DRF's SimpleRateThrottle keeps the time of every request of the period and pickles
    that list again at each request (at 600/min, up to 600 entries). Over the edge of two
    periods a client may spend both budgets in a row; Retry-After says when the next period
    starts.
    """

    def allow_request(self, request, view) -> bool:
        limit, period = parse_rate(settings.API_THROTTLE_RATE)
        now = time.time()
        window = int(now // period)
        key = f"throttle:{self.ident_of(request)}:{period}:{window}"
        # The key lives a second beyond its period, so it cannot expire between the check and
        # the increment of Django's incr() (on Redis, EXISTS then INCR) while still in use.
        try:
            count = cache.incr(key)
        except ValueError:  # the period's first request
            count = 1 if cache.add(key, 1, period + 1) else cache.incr(key)
        self.retry_after = (window + 1) * period - now
        return count <= limit

    def wait(self) -> float:
        return self.retry_after

    def ident_of(self, request) -> str:
        if isinstance(request.auth, ApiToken):
            return f"t{request.auth.pk}"
        if request.user and request.user.is_authenticated:
            return f"u{request.user.pk}"
        return f"a{self.get_ident(request)}"
