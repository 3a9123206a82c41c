"""Prometheus metrics at /metrics: requests and their latency, and the gauges the apps
register (commitments: the outbox, the review queue, the audit chain's checkpoints and
verifications).

Requests are counted by method, view name and status, never by raw path: /api/v1/commitments/7/
and /8/ are one series, and a scan of random paths adds one ("unresolved"), not thousands.
Latency is the time to the response object (a streamed body's sending is not in it).

Several gunicorn workers: with PROMETHEUS_MULTIPROC_DIR set (before the process starts),
prometheus-client keeps each process's values in files there, and a scrape, whichever worker
answers it, adds up every process's files (MultiProcessCollector). gunicorn's child_exit hook
(tracker.gunicorn_conf) drops a dead worker's files. Without it, the one process's values.

The gauges are read when scraped, from the database, by what the apps register
(register_gauges); a reading that fails is logged and left out, and the rest still answers.

/metrics answers only clients whose address METRICS_ALLOWED_IPS lists (addresses or networks),
the address as the throttle and the lockout see it (settings.NUM_PROXIES); anyone else gets the
404 an unknown path gets, so the endpoint's existence is not confirmed.
"""

import ipaddress
import logging
import os
import time
from collections.abc import Callable, Iterable, Iterator
from functools import cache

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily, Metric
from rest_framework.throttling import BaseThrottle

logger = logging.getLogger(__name__)

METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
UNRESOLVED = "unresolved"  # no URL pattern matched: a 404 or a redirect by the middleware

REQUESTS = Counter(
    "http_requests_total",
    "HTTP requests answered, by method, view name and status code.",
    ["method", "view", "status"],
)
LATENCY = Histogram(
    "http_request_duration_seconds",
    "Time from a request to its response, by method and view name.",
    ["method", "view"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)

# (name, help, labels, value): what a registered reading yields, one sample each.
Sample = tuple[str, str, dict[str, str], float]
_readings: list[Callable[[], Iterable[Sample]]] = []


def register_gauges(read: Callable[[], Iterable[Sample]]) -> None:
    """Add gauges read at scrape time (once, when the apps are ready): `read()` yields
    (name, help, labels, value) samples; samples of one name must share label names."""
    _readings.append(read)


class RegisteredGauges:
    """The registered readings as Prometheus gauge families."""

    def collect(self) -> Iterator[Metric]:
        families: dict[str, GaugeMetricFamily] = {}
        for read in _readings:
            try:
                samples = list(read())
            except Exception:
                logger.warning("metrics: reading %s failed", read.__qualname__, exc_info=True)
                continue
            for name, documentation, labels, value in samples:
                family = families.get(name)
                if family is None:
                    family = families[name] = GaugeMetricFamily(
                        name, documentation, labels=list(labels)
                    )
                family.add_metric(list(labels.values()), value)
        yield from families.values()


class _Scrape:
    """One scrape: every process's request metrics, then the registered gauges."""

    def __init__(self) -> None:
        if multiprocess_dir():
            self.requests = CollectorRegistry()
            multiprocess.MultiProcessCollector(self.requests)
        else:
            self.requests = REGISTRY  # also the process_* and python_* collectors

    def collect(self) -> Iterator[Metric]:
        yield from self.requests.collect()
        yield from RegisteredGauges().collect()


def multiprocess_dir() -> str:
    return os.environ.get("PROMETHEUS_MULTIPROC_DIR", "")


def exposition() -> bytes:
    """The Prometheus text exposition of everything above."""
    return generate_latest(_Scrape())


# Requests ---------------------------------------------------------------------------------


def view_label(request: HttpRequest) -> str:
    """The matched URL pattern's name, with its namespace (the view's dotted path when
    unnamed)."""
    match = getattr(request, "resolver_match", None)
    return match.view_name if match is not None else UNRESOLVED


def observe(request: HttpRequest, status: int, seconds: float) -> None:
    method = request.method if request.method in METHODS else "other"
    view = view_label(request)
    REQUESTS.labels(method, view, str(status)).inc()
    LATENCY.labels(method, view).observe(seconds)


class MetricsMiddleware:
    """Counts and times every request that reaches Django's stack."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
        response = self.get_response(request)
        observe(request, response.status_code, time.perf_counter() - started)
        return response


# The endpoint -----------------------------------------------------------------------------


@cache
def _allowed_networks(entries: tuple[str, ...]) -> tuple:
    return tuple(ipaddress.ip_network(entry.strip(), strict=False) for entry in entries)


def allowed(request: HttpRequest) -> bool:
    """Whether the client's address is one METRICS_ALLOWED_IPS lists."""
    try:
        address = ipaddress.ip_address(BaseThrottle().get_ident(request))
    except ValueError:
        return False
    networks = _allowed_networks(tuple(settings.METRICS_ALLOWED_IPS))
    return any(address in network for network in networks)


@require_safe
@never_cache
def metrics_view(request: HttpRequest) -> HttpResponse:
    if not allowed(request):
        raise Http404
    return HttpResponse(exposition(), content_type=CONTENT_TYPE_LATEST)
