"""The domain's models: the record (record.py); notifications join later in their own module."""

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
    "Participant",
    "Source",
    "StatusUpdate",
]
