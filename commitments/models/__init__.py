"""The domain's models: the record (record.py) and its notifications (notifications.py)."""

from commitments.models.notifications import (
    Notification,
    Subscription,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookMessage,
)
from commitments.models.record import (
    Agreement,
    AuditedQuerySet,
    AuditEvent,
    AuditEventQuerySet,
    Commitment,
    Guarantee,
    Participant,
    Source,
    StatusUpdate,
)

__all__ = [
    "Agreement",
    "AuditEvent",
    "AuditEventQuerySet",
    "AuditedQuerySet",
    "Commitment",
    "Guarantee",
    "Notification",
    "Participant",
    "Source",
    "StatusUpdate",
    "Subscription",
    "WebhookAttempt",
    "WebhookDelivery",
    "WebhookEndpoint",
    "WebhookMessage",
]
