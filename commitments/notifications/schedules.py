"""Leases and schedules: claiming owed rows, retry delays, what an event still owes."""

import random
from collections.abc import Sequence
from datetime import datetime, timedelta
from email.utils import parsedate_to_datetime

from django.conf import settings
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from commitments.choices import DeliveryState, NotificationChannel
from commitments.models import (
    Notification,
    WebhookDelivery,
)

MAX_RETRY_DELAY = 8 * 3600  # one wait between attempts, at most
MAX_RETRY_AFTER = 24 * 3600  # a receiver's Retry-After is honoured up to this

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
