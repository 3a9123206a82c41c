"""The login lockout (django-axes, configured in settings under LOGIN LOCKOUT): the client's
address, the backend that refuses a locked-out login, and the page that says how long to wait."""

import math
from datetime import datetime

from axes.backends import AxesStandaloneBackend
from axes.helpers import get_client_username
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Max, Q, Sum
from django.shortcuts import render
from django.utils import timezone
from rest_framework.throttling import BaseThrottle


def client_ip(request) -> str:
    """The client's address as the API throttle counts it: REMOTE_ADDR, or the address the
    configured number of proxies (settings.NUM_PROXIES) put into X-Forwarded-For."""
    return BaseThrottle().get_ident(request)


class LockoutBackend(AxesStandaloneBackend):
    """Refuses the password check to a locked-out address or username. A call without a
    request (test clients' login(), code on the server) comes from no address: it passes."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)


def locked_until(*, ip_address: str, username: str | None) -> datetime:
    """When the counters that lock this address or username out fall below the limit again
    (at the latest): the cool-off after the last failure each of them counts."""
    now = timezone.now()
    recent = AccessAttempt.objects.filter(attempt_time__gte=now - settings.AXES_COOLOFF_TIME)
    counters = [Q(ip_address=ip_address)]
    if username:
        counters.append(Q(username=username))
    last = None
    for counter in counters:
        totals = recent.filter(counter).aggregate(
            failures=Sum("failures_since_start"), last=Max("attempt_time")
        )
        if (totals["failures"] or 0) >= settings.AXES_FAILURE_LIMIT:
            last = max(last or totals["last"], totals["last"])
    return (last or now) + settings.AXES_COOLOFF_TIME


def lockout_response(request, original_response=None, credentials=None):
    """A 429 page naming the wait in minutes, with Retry-After in seconds."""
    until = locked_until(
        ip_address=getattr(request, "axes_ip_address", None) or client_ip(request),
        username=get_client_username(request, credentials),
    )
    seconds = max(1, math.ceil((until - timezone.now()).total_seconds()))
    response = render(
        request,
        "registration/lockout.html",
        {"minutes": math.ceil(seconds / 60), "failure_limit": settings.AXES_FAILURE_LIMIT},
        status=settings.AXES_HTTP_RESPONSE_CODE,
    )
    response["Retry-After"] = str(seconds)
    return response
