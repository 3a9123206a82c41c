"""The REST API: reads through selectors and filters, writes through the services."""

from commitments.api.views._common import (
    ETAG_HEADERS,
    IDEMPOTENCY,
    IDEMPOTENCY_SHOWN_ONCE,
    IF_MATCH,
    IF_MATCH_UPDATE,
    ParticipantViewSet,
    ReadOnlyViewSet,
)
from commitments.api.views.audit_log import AuditCheckpointViewSet, AuditPublicKeyView
from commitments.api.views.changes import (
    ChangesQuerySerializer,
    ChangesView,
    cursor_for,
    not_found,
    sequence_of,
)
from commitments.api.views.commitments import AS_OF, CommitmentViewSet
from commitments.api.views.notifications import NotificationViewSet
from commitments.api.views.reference_data import AgreementViewSet, GuaranteeViewSet, SourceViewSet
from commitments.api.views.status_updates import AuditEventViewSet, StatusUpdateViewSet
from commitments.api.views.subscriptions import SubscriptionViewSet
from commitments.api.views.webhook_endpoints import WebhookEndpointViewSet

__all__ = [
    "AS_OF",
    "ETAG_HEADERS",
    "IDEMPOTENCY",
    "IDEMPOTENCY_SHOWN_ONCE",
    "IF_MATCH",
    "IF_MATCH_UPDATE",
    "AgreementViewSet",
    "AuditCheckpointViewSet",
    "AuditEventViewSet",
    "AuditPublicKeyView",
    "ChangesQuerySerializer",
    "ChangesView",
    "CommitmentViewSet",
    "GuaranteeViewSet",
    "NotificationViewSet",
    "ParticipantViewSet",
    "ReadOnlyViewSet",
    "SourceViewSet",
    "StatusUpdateViewSet",
    "SubscriptionViewSet",
    "WebhookEndpointViewSet",
    "cursor_for",
    "not_found",
    "sequence_of",
]
