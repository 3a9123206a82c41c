"""Delivering webhooks: claim owed deliveries, post them, record every attempt."""

from collections.abc import Callable, Sequence
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from commitments.choices import DeliveryState
from commitments.models import (
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
)
from commitments.notifications.schedules import _claim, _next_due, retry_delay
from commitments.services.webhook_endpoints import webhook_endpoint_disable
from commitments.webhooks.signing import webhook_headers
from commitments.webhooks.targets import UnsafeTarget
from commitments.webhooks.transport import DeliveryReport, Outcome, _batch_deadline, _post, _run_all


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
                report.email_ids += webhook_endpoint_disable(endpoint=endpoint, now=now)
    return report
