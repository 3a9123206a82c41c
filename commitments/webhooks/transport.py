"""The HTTP transport: one POST per attempt to a checked address, in parallel, with a deadline."""

import ipaddress
import logging
import math
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

import requests
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from requests_hardened import Config as HardenedConfig
from requests_hardened import HTTPSession
from requests_hardened.ip_filter import InvalidIPAddress
from requests_hardened.ip_filter_adapter import IPFilterAdapter

from commitments.notifications.schedules import _retry_after
from commitments.webhooks.targets import UnsafeTarget, check_target, public_address

# The name the log had before the split, so that log filters keep working.
logger = logging.getLogger("commitments.notifications")

_EXCERPT_BYTES = 500
_RETRY_STATUSES = frozenset({408, 429})

# Webhook delivery -----------------------------------------------------------------------


@dataclass
class Outcome:
    """What one POST came to."""

    started_at: datetime
    latency_ms: float | None = None
    status_code: int | None = None
    error: str = ""
    excerpt: str = ""
    retry_after: float | None = None
    retryable: bool = True

    @property
    def ok(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


@dataclass
class DeliveryReport:
    """What a batch left to do: the soonest retry (seconds), and e-mails to send now."""

    retry_in: float | None = None
    email_ids: list[int] = field(default_factory=list)


_local = threading.local()


class _PublicOnlyAdapter(IPFilterAdapter):
    """requests-hardened's adapter (resolve once, refuse a private answer, connect to that
    very address), also refusing whatever public_address() refuses."""

    def build_connection_pool_key_attributes(self, request, verify, cert=None):
        host_params, pool_kwargs = super().build_connection_pool_key_attributes(
            request, verify, cert
        )
        address = ipaddress.ip_address(host_params["host"].strip("[]"))
        if not public_address(address):
            raise InvalidIPAddress(address)
        return host_params, pool_kwargs


def _session() -> requests.Session:
    """One session per thread (connections are reused) and per WEBHOOK_ALLOW_PRIVATE_TARGETS.

    check_target() resolves the host, then the connection would resolve it again: a DNS
    server that answers a public address first and a private one next (DNS rebinding) would
    get past the check. Unless private targets are allowed, requests-hardened resolves once
    per connection, refuses an answer that is private or that public_address() refuses, and
    connects to that very address (Host header and TLS SNI keep the name)."""
    allow_private = settings.WEBHOOK_ALLOW_PRIVATE_TARGETS
    sessions = _local.__dict__.setdefault("sessions", {})
    session = sessions.get(allow_private)
    if session is None:
        session = HTTPSession(
            HardenedConfig(
                ip_filter_enable=not allow_private,
                ip_filter_allow_loopback_ips=False,
                never_redirect=True,
                default_timeout=None,  # each POST gives its own
            )
        )
        if not allow_private:
            session.mount("http://", _PublicOnlyAdapter(is_https_proto=False))
            session.mount("https://", _PublicOnlyAdapter(is_https_proto=True))
        # Proxies from the environment could reach what check_target() refused.
        session.trust_env = False
        sessions[allow_private] = session
    return session


def _verdict(url: str, checked: dict[str, UnsafeTarget | None]) -> UnsafeTarget | None:
    """check_target() once per URL and batch (threads racing on one URL just check twice)."""
    if url not in checked:
        try:
            check_target(url)
            checked[url] = None
        except UnsafeTarget as error:
            checked[url] = error
    return checked[url]


def _post(
    url: str,
    headers: dict[str, str],
    body: bytes,
    timeout: float,
    checked: dict[str, UnsafeTarget | None],
) -> Outcome:
    """POST once: no redirects followed, at most _EXCERPT_BYTES of the answer read."""
    outcome = Outcome(started_at=timezone.now())
    refused = _verdict(url, checked)
    if refused is not None:
        outcome.error, outcome.retryable = str(refused), refused.retryable
        return outcome
    started = time.perf_counter()
    try:
        response = _session().post(
            url,
            data=body,
            headers=headers,
            timeout=(timeout, timeout),
            allow_redirects=False,
            stream=True,
        )
        try:
            raw = response.raw.read(_EXCERPT_BYTES, decode_content=True) or b""
        finally:
            response.close()
    except requests.Timeout:
        outcome.error = _("No answer within %s s.") % timeout
    except InvalidIPAddress as refused:
        outcome.error = _("The host resolved to %s, a private or loopback address.") % refused
        outcome.retryable = False
    except requests.RequestException as error:
        outcome.error = f"{type(error).__name__}: {error}"[:2000]
    else:
        status = response.status_code
        outcome.status_code = status
        outcome.excerpt = raw.decode("utf-8", "replace")[:_EXCERPT_BYTES]
        if 300 <= status < 400:
            outcome.error = _("Redirect to %s not followed.") % response.headers.get("location")
        elif status >= 400:
            outcome.error = f"HTTP {status}"
        outcome.retryable = status >= 500 or status in _RETRY_STATUSES or 300 <= status < 400
        if status in (429, 503):
            outcome.retry_after = _retry_after(response.headers.get("retry-after"), timezone.now())
    outcome.latency_ms = round((time.perf_counter() - started) * 1000, 3)
    return outcome


def _run_all(jobs: list[Callable[[], Outcome]], *, threads: int, deadline: float) -> list:
    """Run the jobs on daemon threads; a job unfinished at the deadline is left behind (its
    result None), so one receiver that never answers cannot hold the worker."""
    results: list[Outcome | None] = [None] * len(jobs)
    started = [False] * len(jobs)
    todo: queue.SimpleQueue[int] = queue.SimpleQueue()
    for index in range(len(jobs)):
        todo.put(index)
    end = time.monotonic() + deadline

    def work() -> None:
        while time.monotonic() < end:
            try:
                index = todo.get_nowait()
            except queue.Empty:
                return
            started[index] = True
            try:
                results[index] = jobs[index]()
            except Exception as error:  # a bug must not end this thread's share of the batch
                logger.exception("Webhook job %d failed", index)
                results[index] = Outcome(
                    started_at=timezone.now(), error=f"{type(error).__name__}: {error}"[:2000]
                )

    workers = [
        threading.Thread(target=work, daemon=True, name="webhook")
        for _ in range(max(1, min(threads, len(jobs))))
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(max(0.0, end - time.monotonic()))
    return [(results[i], started[i]) for i in range(len(jobs))]


def _batch_deadline(size: int) -> float:
    """Seconds a batch may take: a connect and a read timeout per round of threads."""
    rounds = math.ceil(size / max(settings.WEBHOOK_THREADS, 1))
    # Within the task's soft time limit, so the results are always recorded.
    limit = settings.CELERY_TASK_SOFT_TIME_LIMIT - 15
    return min(2 * settings.WEBHOOK_TIMEOUT_SECONDS * rounds + 2, limit)
