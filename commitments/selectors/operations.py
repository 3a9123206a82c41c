"""What an operator watches (the /metrics gauges): the outbox's backlog and failures, the
review queue's length, the newest signed checkpoint of the audit chain and its newest
verification."""

from datetime import datetime

from django.db.models import Count

from commitments.choices import DeliveryState, NotificationChannel, UpdateState
from commitments.models import (
    AuditCheckpoint,
    AuditVerification,
    Notification,
    StatusUpdate,
    WebhookDelivery,
)

# The outbox's queues: e-mail at once, the daily digest's lines, and webhook deliveries.
# In-app notifications are delivered when written and never wait.
OUTBOX_QUEUES = (NotificationChannel.EMAIL.value, NotificationChannel.DIGEST.value, "webhook")
OUTBOX_STATES = (DeliveryState.PENDING.value, DeliveryState.FAILED.value)


def outbox_counts() -> dict[tuple[str, str], int]:
    """How many rows of each outbox queue are pending (owed) and failed (given up on), by
    (queue, state); every pair is present, 0 when none. Two queries."""
    counts = dict.fromkeys(((q, s) for q in OUTBOX_QUEUES for s in OUTBOX_STATES), 0)
    notifications = (
        Notification.objects.filter(state__in=OUTBOX_STATES)
        .exclude(channel=NotificationChannel.IN_APP)
        .values_list("channel", "state")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for channel, state, n in notifications:
        counts[(channel, state)] = n
    deliveries = (
        WebhookDelivery.objects.filter(state__in=OUTBOX_STATES)
        .values_list("state")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for state, n in deliveries:
        counts[("webhook", state)] = n
    return counts


def pending_review_count() -> int:
    """Status updates submitted and waiting for a reviewer's decision."""
    return StatusUpdate.objects.filter(state=UpdateState.SUBMITTED).count()


def latest_checkpoint_signed_at() -> datetime | None:
    """When the newest checkpoint of the audit chain was signed (None before the first)."""
    return (
        AuditCheckpoint.objects.order_by("-signed_at").values_list("signed_at", flat=True).first()
    )


def latest_audit_verification() -> AuditVerification | None:
    """The newest recorded verification of the audit chain (None before the first): when it
    finished, how many events it checked, how long it took, and whether the chain held."""
    return AuditVerification.objects.order_by("-finished_at", "-pk").first()
