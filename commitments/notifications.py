"""Render e-mails; build, sign and send webhook payloads; record every attempt.

The tasks (commitments.tasks) call these with ids. Whatever sends first claims its rows with a
lease, so a message handed out twice, or queued again by the sweep while in flight, never
sends the same row twice at once. The rows, not the broker, say what is still owed.

Webhooks follow the Standard Webhooks specification: `webhook-id` (the delivery's, stable
across attempts), `webhook-timestamp` (this attempt's) and `webhook-signature`
(`v1,` + base64 HMAC-SHA256 of `id.timestamp.body`, keyed by the secret's decoded bytes).
"""

import base64
import hashlib
import hmac
import ipaddress
import logging
import math
import queue
import random
import secrets
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urlsplit

import orjson
import requests
from django.conf import settings
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.db.models import Q, QuerySet
from django.template import Context
from django.template.loader import get_template, render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _
from requests_hardened import Config as HardenedConfig
from requests_hardened import HTTPSession
from requests_hardened.ip_filter import InvalidIPAddress
from requests_hardened.ip_filter_adapter import IPFilterAdapter

from commitments import audit
from commitments.choices import DeliveryState, NotificationChannel, NotificationKind, UpdateState
from commitments.models import (
    AuditEvent,
    Commitment,
    Notification,
    StatusUpdate,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
)
from commitments.models import notifications as models_notifications
from commitments.selectors import reviewers

logger = logging.getLogger(__name__)

STATUS_CHANGED_TYPE = models_notifications.STATUS_CHANGED_TYPE
SECRET_PREFIX = "whsec_"
MAX_URL_LENGTH = 2000
MAX_RETRY_DELAY = 8 * 3600  # one wait between attempts, at most
MAX_RETRY_AFTER = 24 * 3600  # a receiver's Retry-After is honoured up to this
EMAIL_MAX_ATTEMPTS = 8
_EXCERPT_BYTES = 500
_RETRY_STATUSES = frozenset({408, 429})
_url_validator = URLValidator(schemes=["http", "https"])


# Secrets and signatures -------------------------------------------------------------------


def new_secret() -> str:
    """`whsec_` + base64 of 32 random bytes (Standard Webhooks asks for 24 to 64)."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(32)).decode()


def new_webhook_id() -> str:
    return f"msg_{uuid.uuid4().hex}"


def webhook_id_prefix() -> str:
    """The random part shared by one message's deliveries: each id is this prefix followed
    by the endpoint's id, so it is unique, and stable across that delivery's attempts."""
    return f"msg_{uuid.uuid4().hex[:24]}_"


def mask_secret(secret: str) -> str:
    return f"{secret[: len(SECRET_PREFIX) + 4]}…" if secret else ""


def sign(*, secret: str, webhook_id: str, timestamp: int, body: str) -> str:
    """One `v1,` signature of `id.timestamp.body`."""
    key = base64.b64decode(secret.removeprefix(SECRET_PREFIX))
    message = f"{webhook_id}.{timestamp}.{body}".encode()
    return "v1," + base64.b64encode(hmac.new(key, message, hashlib.sha256).digest()).decode()


def webhook_headers(
    *, endpoint: WebhookEndpoint, webhook_id: str, body: str, now: datetime
) -> dict[str, str]:
    """The headers of one attempt: signed with the current secret, and with the previous
    one too while it is still honoured after a rotation."""
    timestamp = int(now.timestamp())
    keys = [endpoint.secret]
    expires = endpoint.previous_secret_expires_at
    if endpoint.previous_secret and expires and expires > now:
        keys.append(endpoint.previous_secret)
    return {
        "content-type": "application/json",
        "user-agent": "commitment-tracker-webhooks/1",
        "webhook-id": webhook_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": " ".join(
            sign(secret=key, webhook_id=webhook_id, timestamp=timestamp, body=body) for key in keys
        ),
    }


# Targets --------------------------------------------------------------------------------


class UnsafeTarget(Exception):
    """A webhook URL refused before any request; `retryable` when DNS may answer later."""

    def __init__(self, message: str, *, retryable: bool = False) -> None:
        super().__init__(message)
        self.retryable = retryable


def _networks(*cidrs: str) -> tuple:
    return tuple(ipaddress.ip_network(cidr) for cidr in cidrs)


# Every entry of IANA's IPv4 and IPv6 Special-Purpose Address Registries (2025), the globally
# reachable anycast ones (AS112, AMT, PCP/TURN) included, since no webhook receiver lives
# there; multicast; and for IPv6 what lies outside global unicast (::/8 holds the deprecated
# IPv4-compatible ::/96 and SIIT's ::ffff:0:0:0/96; fec0::/10 is deprecated site-local).
# Listed rather than left to ipaddress's is_global, whose lists change between Python
# releases (3.12.1 calls 192.0.0.8, 192.88.99.1, 3fff::1 and 64:ff9b::7f00:1 global).
SPECIAL_IPV4 = _networks(
    "0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16",
    "172.16.0.0/12", "192.0.0.0/24", "192.0.2.0/24", "192.31.196.0/24", "192.52.193.0/24",
    "192.88.99.0/24", "192.168.0.0/16", "192.175.48.0/24", "198.18.0.0/15", "198.51.100.0/24",
    "203.0.113.0/24", "224.0.0.0/4", "240.0.0.0/4", "255.255.255.255/32",
)  # fmt: skip
SPECIAL_IPV6 = _networks(
    "::/8", "::1/128", "::/128", "::ffff:0:0/96", "64:ff9b::/96", "64:ff9b:1::/48",
    "100::/64", "100:0:0:1::/64", "2001::/23", "2001:db8::/32", "2002::/16",
    "2620:4f:8000::/48", "3fff::/20", "5f00::/16", "fc00::/7", "fe80::/10", "fec0::/10",
    "ff00::/8",
)  # fmt: skip


def public_address(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    """True only for an address a webhook may reach: globally routable unicast, outside
    every special-purpose range. An IPv4-mapped address (::ffff:a.b.c.d) is the IPv4
    address it maps; the IPv4-compatible, NAT64, 6to4 and Teredo prefixes are refused whole,
    as requests-hardened refuses them when connecting. Checked when an endpoint is saved,
    before each delivery, and on the very address each connection uses (_session)."""
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return public_address(address.ipv4_mapped)
        address = ipaddress.IPv6Address(int(address))  # without a %scope
        # Every prefix that embeds an IPv4 address (IPv4-compatible ::/96, NAT64, 6to4,
        # Teredo) lies inside one of these ranges: refused whole, whatever it embeds.
        if any(address in net for net in SPECIAL_IPV6):
            return False
    elif any(address in net for net in SPECIAL_IPV4):
        return False
    return address.is_global and not address.is_multicast


def check_target(url: str) -> None:
    """Refuse a URL that is not http(s), too long, unresolvable, or (unless
    WEBHOOK_ALLOW_PRIVATE_TARGETS) on a port outside WEBHOOK_ALLOWED_PORTS or resolving to any
    address public_address() refuses."""
    if len(url) > MAX_URL_LENGTH:
        raise UnsafeTarget(_("The URL is longer than %d characters.") % MAX_URL_LENGTH)
    try:
        _url_validator(url)
    except ValidationError as error:
        raise UnsafeTarget(_("Enter a valid http(s) URL.")) from error
    parts = urlsplit(url)
    try:
        explicit = parts.port  # ":0" is a port too, not "none given"
        port = (443 if parts.scheme == "https" else 80) if explicit is None else explicit
    except ValueError as error:
        raise UnsafeTarget(_("The URL's port is not valid.")) from error
    host = parts.hostname or ""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as error:
        raise UnsafeTarget(
            _("The host %(host)s does not resolve.") % {"host": host}, retryable=True
        ) from error
    if settings.WEBHOOK_ALLOW_PRIVATE_TARGETS:
        return
    for info in infos:
        address = ipaddress.ip_address(info[4][0].split("%", 1)[0])
        if not public_address(address):
            raise UnsafeTarget(
                _("%(host)s resolves to %(address)s, a private or loopback address.")
                % {"host": host, "address": address}
            )
    # Any port would let a webhook knock on a mail, database or admin service; local
    # receivers (WEBHOOK_ALLOW_PRIVATE_TARGETS) listen wherever they like.
    allowed_ports = settings.WEBHOOK_ALLOWED_PORTS
    if port not in allowed_ports:
        raise UnsafeTarget(
            _("Port %(port)d is not allowed: use %(allowed)s.")
            % {"port": port, "allowed": ", ".join(map(str, allowed_ports))}
        )


# Payloads and titles --------------------------------------------------------------------


def _participant(commitment: Commitment) -> dict[str, Any]:
    participant = commitment.participant
    return {"id": participant.pk, "code": participant.code, "name": participant.name}


def _guarantee(commitment: Commitment) -> dict[str, Any]:
    guarantee = commitment.guarantee
    return {
        "id": guarantee.pk,
        "slug": guarantee.slug,
        "title": guarantee.title,
        "domain": guarantee.domain,
        "agreement": {"id": guarantee.agreement_id, "slug": guarantee.agreement.slug},
    }


def update_data(update: StatusUpdate) -> dict[str, Any]:
    return {
        "id": update.pk,
        "state": update.state,
        "proposed_status": update.proposed_status,
        "effective_date": update.effective_date,
        "summary": update.summary,
        "is_correction": update.is_correction,
        "correction_reason": update.correction_reason,
        "corrects": update.corrects_id,
        "base_version": update.base_version,
        "proposed_by": update.proposed_by.get_username(),
        "review_comment": update.review_comment,
    }


def event_data(*, event: AuditEvent, commitment: Commitment, update: StatusUpdate) -> dict:
    """What every notification of an event carries (JSON-ready): the commitment, its
    participant and guarantee, before and after, the update, its reviewer and sources."""
    sources = [
        {
            "url": s.url,
            "title": s.title,
            "publisher": s.publisher,
            "published_on": s.published_on,
        }
        for s in update.sources.all()
    ]
    data = {
        "event": {"id": event.pk, "sequence": event.sequence, "action": event.action},
        "commitment": {
            "id": commitment.pk,
            "status": commitment.status,
            "status_date": commitment.status_date,
            "version": commitment.version,
        },
        "participant": _participant(commitment),
        "guarantee": _guarantee(commitment),
        "before": {"status": event.before.get("status")},
        "after": {"status": event.after.get("status")},
        "version": commitment.version,
        "update": update_data(update),
        "reviewer": event.actor_name,
        "sources": sources,
    }
    return audit.jsonable(data)


def webhook_body(*, event_type: str, occurred_at: datetime, data: dict) -> str:
    """The exact text POSTed at every attempt: `type`, `timestamp` and `data`."""
    payload = {"type": event_type, "timestamp": occurred_at.isoformat(), "data": data}
    return orjson.dumps(payload).decode()


def title_for(kind: str, data: dict) -> str:
    """One line for the inbox and the e-mail subject."""
    participant = data.get("participant", {}).get("name", "")
    guarantee = data.get("guarantee", {}).get("title", "")
    after = data.get("after", {}).get("status") or data.get("update", {}).get("proposed_status")
    what = f"{participant} · {guarantee}"
    match kind:
        case NotificationKind.STATUS_CHANGED:
            before = data.get("before", {}).get("status")
            return _("%(what)s: %(before)s → %(after)s") % {
                "what": what,
                "before": before,
                "after": after,
            }
        case NotificationKind.UPDATE_SUBMITTED:
            return _("To review: %(what)s → %(after)s") % {"what": what, "after": after}
        case NotificationKind.UPDATE_APPROVED:
            return _("Approved: %(what)s → %(after)s") % {"what": what, "after": after}
        case NotificationKind.UPDATE_REJECTED:
            return _("Rejected: %(what)s → %(after)s") % {"what": what, "after": after}
        case NotificationKind.UPDATE_STALE:
            return _("Stale: %(what)s → %(after)s (the commitment changed)") % {
                "what": what,
                "after": after,
            }
        case NotificationKind.REVIEW_REMINDER:
            return _("%(n)d updates have waited more than %(days)d days for review") % {
                "n": len(data.get("updates", [])),
                "days": data.get("days", 0),
            }
        case NotificationKind.ENDPOINT_DISABLED:
            return _("Webhook endpoint disabled: %(url)s") % {"url": data.get("url", "")}
    return str(kind)


def notification_rows(
    *,
    kind: str,
    recipients: Iterable[tuple[int, str, str]],
    data: dict,
    key: str,
    event: AuditEvent | None = None,
    commitment: Commitment | None = None,
    now: datetime | None = None,
) -> list[Notification]:
    """Unsaved Notification rows, one per (user id, channel, e-mail address), once each.

    An e-mail channel without an address is skipped; in-app rows are delivered on creation.
    """
    now = now or timezone.now()
    title = title_for(kind, data)[:300]
    rows, seen = [], set()
    for user_id, channel, email in recipients:
        if (user_id, channel) in seen or (channel != NotificationChannel.IN_APP and not email):
            continue
        seen.add((user_id, channel))
        in_app = channel == NotificationChannel.IN_APP
        rows.append(
            Notification(
                recipient_id=user_id,
                kind=kind,
                channel=channel,
                key=f"{kind}:{key}:{user_id}:{channel}",
                event=event,
                commitment=commitment,
                title=title,
                data=data,
                state=DeliveryState.DELIVERED if in_app else DeliveryState.PENDING,
                sent_at=now if in_app else None,
                next_attempt_at=now,
                created_at=now,
            )
        )
    return rows


# Claims and schedules -------------------------------------------------------------------


def _claim(queryset: QuerySet, ids: Sequence[int], *, now: datetime, lease: float) -> list[int]:
    """Lease the rows among `ids` that are owed, due and not in flight; return their ids."""
    free = Q(leased_until__isnull=True) | Q(leased_until__lt=now)
    # A second of slack for countdowns that fire a little early.
    due = Q(next_attempt_at__lte=now + timedelta(seconds=1))
    with transaction.atomic():
        claimed = list(
            queryset.select_for_update(skip_locked=True)
            .filter(free, due, pk__in=list(ids), state=DeliveryState.PENDING)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        if claimed:
            queryset.model.objects.filter(pk__in=claimed).update(
                leased_until=now + timedelta(seconds=lease)
            )
    return claimed


def retry_delay(attempt: int, *, base: float, retry_after: float | None = None) -> float:
    """Seconds before the next try after failed attempt number `attempt` (1-based) of the
    current schedule: base·3^(n-1), at most 8 hours, ±20 % jitter; never sooner than the
    receiver's Retry-After (honoured up to a day)."""
    delay = min(base * 3 ** (attempt - 1), MAX_RETRY_DELAY) * random.uniform(0.8, 1.2)
    if retry_after:
        delay = max(delay, min(retry_after, MAX_RETRY_AFTER))
    return delay


def _retry_after(value: str | None, now: datetime) -> float | None:
    """A receiver's Retry-After in seconds from `now`: delta-seconds (ASCII digits only:
    str.isdigit() also takes "²") or an HTTP date. None, the default backoff, for
    anything else: a malformed header never fails the attempt that carries it."""
    if not value:
        return None
    value = value.strip()
    if value.isascii() and value.isdigit():
        return float(value)  # float(), not int(): no digit-count limit; huge is just inf
    try:
        moment = parsedate_to_datetime(value)
        if moment.tzinfo is None:
            return None
        return max((moment - now).total_seconds(), 0.0)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None


def _owed(queryset: QuerySet, *, now: datetime, limit: int) -> list[int]:
    """Owed rows due for longer than NOTIFY_REQUEUE_AFTER_SECONDS and not in flight: their
    message was lost, or the worker that held them died."""
    overdue = now - timedelta(seconds=settings.NOTIFY_REQUEUE_AFTER_SECONDS)
    return list(
        queryset.filter(
            Q(leased_until__isnull=True) | Q(leased_until__lt=now),
            state=DeliveryState.PENDING,
            next_attempt_at__lte=overdue,
        )
        .order_by("next_attempt_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )


def _next_due(queryset: QuerySet, ids: Sequence[int], *, now: datetime) -> float | None:
    """Seconds until the soonest of these rows is due again, unless none is owed."""
    soonest = (
        queryset.filter(
            Q(leased_until__isnull=True) | Q(leased_until__lt=now),
            pk__in=list(ids),
            state=DeliveryState.PENDING,
        )
        .order_by("next_attempt_at")
        .values_list("next_attempt_at", flat=True)
        .first()
    )
    return None if soonest is None else max((soonest - now).total_seconds(), 0.0)


def chunks(ids: Sequence[int], size: int) -> list[list[int]]:
    size = max(size, 1)
    return [list(ids[i : i + size]) for i in range(0, len(ids), size)]


def owed_deliveries(*, now: datetime | None = None, limit: int = 20_000) -> list[int]:
    return _owed(WebhookDelivery.objects.all(), now=now or timezone.now(), limit=limit)


def owed_emails(*, now: datetime | None = None, limit: int = 5_000) -> list[int]:
    emails = Notification.objects.filter(channel=NotificationChannel.EMAIL)
    return _owed(emails, now=now or timezone.now(), limit=limit)


def event_outbox(*, event_id: int) -> tuple[list[int], list[int]]:
    """The e-mails and webhook deliveries an event still owes: (notification ids, delivery
    ids)."""
    pending = {"event_id": event_id, "state": DeliveryState.PENDING}
    emails = Notification.objects.filter(channel=NotificationChannel.EMAIL, **pending)
    deliveries = WebhookDelivery.objects.filter(
        message__event_id=event_id, state=DeliveryState.PENDING
    )
    return (
        list(emails.order_by("pk").values_list("pk", flat=True)),
        list(deliveries.order_by("pk").values_list("pk", flat=True)),
    )


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


def webhooks_deliver(*, delivery_ids: Sequence[int]) -> DeliveryReport:
    """Attempt each owed, due delivery among `delivery_ids` once, concurrently; record every
    attempt; schedule retries in the rows; disable endpoints that keep failing."""
    now = timezone.now()
    deadline = _batch_deadline(len(delivery_ids))
    # The lease outlives the batch (recording included), so nobody else sends these rows
    # meanwhile; a worker that dies leaves them to the sweep once it runs out.
    claimed = _claim(WebhookDelivery.objects.all(), delivery_ids, now=now, lease=deadline + 5)
    if not claimed:
        return DeliveryReport()
    deliveries = list(
        WebhookDelivery.objects.filter(pk__in=claimed)
        .select_related("endpoint", "message")
        .order_by("pk")
    )
    live = [d for d in deliveries if d.endpoint.is_active]
    timeout = settings.WEBHOOK_TIMEOUT_SECONDS
    checked: dict[str, UnsafeTarget | None] = {}

    def job(delivery: WebhookDelivery) -> Callable[[], Outcome]:
        headers = webhook_headers(
            endpoint=delivery.endpoint,
            webhook_id=delivery.webhook_id,
            body=delivery.message.payload,
            now=timezone.now(),
        )
        body = delivery.message.payload.encode()
        return lambda: _post(delivery.endpoint.url, headers, body, timeout, checked)

    results = _run_all([job(d) for d in live], threads=settings.WEBHOOK_THREADS, deadline=deadline)
    outcomes: dict[int, Outcome | None] = {}
    for delivery, (outcome, started) in zip(live, results, strict=True):
        if outcome is None and started:
            outcome = Outcome(started_at=now, error=_("No answer before the batch deadline."))
        outcomes[delivery.pk] = outcome
    report = _record(deliveries, outcomes, now=timezone.now())
    report.retry_in = _next_due(WebhookDelivery.objects.all(), delivery_ids, now=timezone.now())
    return report


def _record(
    deliveries: list[WebhookDelivery], outcomes: dict[int, Outcome | None], *, now: datetime
) -> DeliveryReport:
    base = settings.WEBHOOK_RETRY_BASE_SECONDS
    attempts: list[WebhookAttempt] = []
    succeeded, failed, gave_up = set(), set(), set()
    report = DeliveryReport()
    for delivery in deliveries:
        delivery.leased_until = None
        if not delivery.endpoint.is_active:
            delivery.state = DeliveryState.FAILED
            delivery.last_error = _("The endpoint is disabled.")
            continue
        outcome = outcomes.get(delivery.pk)
        if outcome is None:
            continue  # never started before the deadline: no attempt, still due
        delivery.attempt_count += 1
        attempts.append(
            WebhookAttempt(
                delivery=delivery,
                number=delivery.attempt_count,
                started_at=outcome.started_at,
                latency_ms=outcome.latency_ms,
                status_code=outcome.status_code,
                error=outcome.error,
                response_excerpt=outcome.excerpt,
            )
        )
        delivery.last_status_code = outcome.status_code
        delivery.last_error = outcome.error
        if outcome.ok:
            delivery.state = DeliveryState.DELIVERED
            delivery.delivered_at = now
            succeeded.add(delivery.endpoint_id)
            continue
        failed.add(delivery.endpoint_id)
        round_ = delivery.attempt_count - delivery.schedule_offset
        if outcome.retryable and round_ < settings.WEBHOOK_MAX_ATTEMPTS:
            delay = retry_delay(round_, base=base, retry_after=outcome.retry_after)
            delivery.next_attempt_at = now + timedelta(seconds=delay)
        else:
            delivery.state = DeliveryState.FAILED
            if outcome.retryable:
                gave_up.add(delivery.endpoint_id)
    fields = [
        "state",
        "attempt_count",
        "next_attempt_at",
        "leased_until",
        "last_status_code",
        "last_error",
        "delivered_at",
    ]
    with transaction.atomic():
        # A delivery deleted meanwhile (its endpoint removed by its owner) is not recorded;
        # the lock keeps the others from going the same way until this commits.
        standing = set(
            WebhookDelivery.objects.select_for_update()
            .filter(pk__in=[d.pk for d in deliveries])
            .values_list("pk", flat=True)
        )
        WebhookAttempt.objects.bulk_create([a for a in attempts if a.delivery_id in standing])
        WebhookDelivery.objects.bulk_update([d for d in deliveries if d.pk in standing], fields)
        endpoints = WebhookEndpoint.objects.all()
        healthy = succeeded - failed
        if healthy:
            endpoints.filter(pk__in=healthy, failing_since__isnull=False).update(failing_since=None)
        if failed:
            endpoints.filter(pk__in=failed - succeeded, failing_since__isnull=True).update(
                failing_since=now
            )
            cutoff = now - timedelta(hours=settings.WEBHOOK_DISABLE_AFTER_HOURS)
            failing = endpoints.filter(
                Q(pk__in=gave_up) | Q(pk__in=failed - succeeded, failing_since__lte=cutoff),
                is_active=True,
            )
            # Every row locked before the first audit event takes the chain's lock: the
            # services lock an endpoint, then the chain, and so must this.
            failing = failing.select_related("owner").select_for_update(of=("self",))
            for endpoint in list(failing.order_by("pk")):
                report.email_ids += endpoint_disable(endpoint=endpoint, now=now)
    return report


def endpoint_disable(*, endpoint: WebhookEndpoint, now: datetime) -> list[int]:
    """Turn off an endpoint that keeps failing and tell its owner (in-app and by e-mail);
    return the ids of the e-mails owed."""
    since = endpoint.failing_since or now
    reason = _("Every attempt has failed since %(since)s.") % {"since": since.isoformat()}
    endpoint.is_active = False
    endpoint.disabled_at = now
    endpoint.disabled_reason = reason
    endpoint.save(update_fields=["is_active", "disabled_at", "disabled_reason", "updated_at"])
    owner = endpoint.owner
    data = {"endpoint": endpoint.pk, "url": endpoint.url, "reason": reason}
    rows = notification_rows(
        kind=NotificationKind.ENDPOINT_DISABLED,
        recipients=[
            (owner.pk, NotificationChannel.IN_APP, owner.email),
            (owner.pk, NotificationChannel.EMAIL, owner.email),
        ],
        data=data,
        key=f"{endpoint.pk}:{now.isoformat()}",
        now=now,
    )
    Notification.objects.bulk_create(rows)
    audit.record(
        action=audit.WEBHOOK_DISABLED,
        actor=None,
        obj=endpoint,
        before={"is_active": True},
        after={"is_active": False},
        reason=reason,
    )
    logger.warning("Webhook endpoint %s disabled: %s", endpoint.pk, reason)
    return [n.pk for n in rows if n.channel == NotificationChannel.EMAIL]


# E-mail ---------------------------------------------------------------------------------


def render_email(notification: Notification) -> mail.EmailMultiAlternatives:
    """The subject, text and HTML of one notification's e-mail."""
    return _render(
        notification.kind,
        {"notification": notification, "data": notification.data},
        to=notification.recipient.email,
    )


def _render_text(name: str, context: dict) -> str:
    """A plain-text template, rendered with autoescape off: a subject or a text body is not
    HTML, so "Côte d'Ivoire" must not come out as "Côte d&#x27;Ivoire"."""
    return get_template(name).template.render(Context(context, autoescape=False))


def _render(template: str, context: dict, *, to: str) -> mail.EmailMultiAlternatives:
    """Subject and text body unescaped (the subject on one line), the HTML body escaped."""
    prefix = f"commitments/email/{template}"
    subject = " ".join(_render_text(f"{prefix}_subject.txt", context).split())
    message = mail.EmailMultiAlternatives(
        subject=subject[:250],
        body=_render_text(f"{prefix}.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[to],
    )
    message.attach_alternative(render_to_string(f"{prefix}.html", context), "text/html")
    return message


def emails_send(*, notification_ids: Sequence[int]) -> float | None:
    """Send each owed, due e-mail among `notification_ids` once; failures retry later.
    Returns the soonest retry in seconds, if any."""
    now = timezone.now()
    emails = Notification.objects.filter(channel=NotificationChannel.EMAIL)
    claimed = _claim(emails, notification_ids, now=now, lease=120)
    if not claimed:
        return None
    rows = list(Notification.objects.filter(pk__in=claimed).select_related("recipient"))
    connection = mail.mailers.default
    try:
        connection.open()
        refused = None
    except Exception as error:
        refused = error
    for row in rows:
        row.leased_until = None
        row.attempt_count += 1
        try:
            if refused is not None:
                raise refused
            connection.send_messages([render_email(row)])
        except Exception as error:
            row.last_error = f"{type(error).__name__}: {error}"[:2000]
            if row.attempt_count >= EMAIL_MAX_ATTEMPTS:
                row.state = DeliveryState.FAILED
                continue
            delay = retry_delay(row.attempt_count, base=settings.WEBHOOK_RETRY_BASE_SECONDS * 4)
            row.next_attempt_at = now + timedelta(seconds=delay)
        else:
            row.state = DeliveryState.DELIVERED
            row.sent_at = timezone.now()
            row.last_error = ""
    if refused is None:
        connection.close()
    Notification.objects.bulk_update(
        rows,
        ["state", "sent_at", "attempt_count", "next_attempt_at", "leased_until", "last_error"],
    )
    return _next_due(emails, notification_ids, now=timezone.now())


def daily_digests_send(*, now: datetime | None = None) -> int:
    """One e-mail per subscriber listing the digest lines owed to them; returns the number
    sent. A recipient whose lines another run holds is skipped."""
    now = now or timezone.now()
    owed = Notification.objects.filter(
        channel=NotificationChannel.DIGEST, state=DeliveryState.PENDING, created_at__lte=now
    )
    recipients = list(owed.order_by().values_list("recipient_id", flat=True).distinct())
    sent = 0
    for recipient_id in recipients:
        with transaction.atomic():
            lines = list(
                owed.filter(recipient_id=recipient_id)
                .select_for_update(skip_locked=True)
                .select_related("recipient")
                .order_by("created_at", "pk")
            )
            if not lines:
                continue
            recipient = lines[0].recipient
            message = _render(
                "daily_digest",
                {"recipient": recipient, "lines": lines, "day": now.date()},
                to=recipient.email,
            )
            try:
                with mail.mailers.default as connection:
                    connection.send_messages([message])
            except Exception as error:
                logger.warning("Digest for user %s not sent: %s", recipient_id, error)
                continue
            Notification.objects.filter(pk__in=[line.pk for line in lines]).update(
                state=DeliveryState.DELIVERED, sent_at=timezone.now()
            )
            sent += 1
    return sent


def review_reminders_create(*, now: datetime | None = None) -> list[int]:
    """Remind every reviewer, once a day, of the updates submitted more than
    NOTIFY_REMINDER_AFTER_DAYS days ago that they may decide; return the e-mail ids owed."""
    now = now or timezone.now()
    days = settings.NOTIFY_REMINDER_AFTER_DAYS
    waiting = list(
        StatusUpdate.objects.filter(
            state=UpdateState.SUBMITTED, submitted_at__lt=now - timedelta(days=days)
        ).select_related("commitment__participant", "commitment__guarantee", "proposed_by")
    )
    if not waiting:
        return []
    rows = []
    for reviewer in reviewers():
        theirs = [u for u in waiting if u.proposed_by_id != reviewer.pk]
        if not theirs:
            continue
        data = {
            "days": days,
            "updates": [
                {
                    "id": u.pk,
                    "commitment": str(u.commitment),
                    "proposed_status": u.proposed_status,
                    "proposed_by": u.proposed_by.get_username(),
                    "submitted_at": u.submitted_at.isoformat(),
                }
                for u in theirs
            ],
        }
        rows += notification_rows(
            kind=NotificationKind.REVIEW_REMINDER,
            recipients=[
                (reviewer.pk, NotificationChannel.IN_APP, reviewer.email),
                (reviewer.pk, NotificationChannel.EMAIL, reviewer.email),
            ],
            data=data,
            key=now.date().isoformat(),
            now=now,
        )
    Notification.objects.bulk_create(rows, ignore_conflicts=True)
    keys = [row.key for row in rows if row.channel == NotificationChannel.EMAIL]
    return list(
        Notification.objects.filter(key__in=keys, state=DeliveryState.PENDING).values_list(
            "pk", flat=True
        )
    )
