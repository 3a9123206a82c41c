"""The domain's models: the record (record.py), its audit history (audit.py), its
notifications (notifications.py), the audit chain's signed checkpoints and its verifications
(checkpoints.py), files kept between an import's check and the import (imports.py)."""

from commitments.models.audit import AuditEvent, AuditEventQuerySet
from commitments.models.bulk import bulk_insert_rows
from commitments.models.checkpoints import AuditCheckpoint, AuditVerification
from commitments.models.imports import ImportUpload
from commitments.models.notifications import (
    CHECKPOINT_TYPE,
    EVENT_TYPES,
    MAX_FILTER_VALUES,
    STATUS_CHANGED_TYPE,
    Notification,
    Subscription,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookMessage,
)
from commitments.models.record import (
    URL_MAX_LENGTH,
    Agreement,
    AuditedQuerySet,
    Commitment,
    Guarantee,
    Participant,
    Source,
    StatusUpdate,
    unaudited_bulk_create,
    url_validator,
)

__all__ = [
    "CHECKPOINT_TYPE",
    "EVENT_TYPES",
    "MAX_FILTER_VALUES",
    "STATUS_CHANGED_TYPE",
    "URL_MAX_LENGTH",
    "Agreement",
    "AuditCheckpoint",
    "AuditEvent",
    "AuditEventQuerySet",
    "AuditVerification",
    "AuditedQuerySet",
    "Commitment",
    "Guarantee",
    "ImportUpload",
    "Notification",
    "Participant",
    "Source",
    "StatusUpdate",
    "Subscription",
    "WebhookAttempt",
    "WebhookDelivery",
    "WebhookEndpoint",
    "WebhookMessage",
    "bulk_insert_rows",
    "unaudited_bulk_create",
    "url_validator",
]
