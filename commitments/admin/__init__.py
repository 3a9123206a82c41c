"""The Django admin for the record: reference data, commitments, and the review and audit trail.

Every write goes through commitments.services, so it is validated and audited like any other;
a refused write (a DomainError) is shown as an error message and changes nothing.
"""

from commitments.admin._base import (
    ReferenceAdmin,
    RefusalMessagesMixin,
    SelectorQuerysetMixin,
    ServiceAdmin,
)
from commitments.admin.commitments import CommitmentAdmin
from commitments.admin.notifications import (
    NotificationAdmin,
    SubscriptionAdmin,
    WebhookAttemptInline,
    WebhookDeliveryAdmin,
    WebhookEndpointAdmin,
    WebhookEndpointForm,
)
from commitments.admin.reference_data import (
    AgreementAdmin,
    CommitmentInline,
    GuaranteeAdmin,
    GuaranteeCommitmentInline,
    GuaranteeInline,
    ParticipantAdmin,
    ParticipantCommitmentInline,
    SourceAdmin,
)
from commitments.admin.review import (
    AuditCheckpointAdmin,
    AuditEventAdmin,
    AuditVerificationAdmin,
    StatusUpdateAdmin,
)

__all__ = [
    "AgreementAdmin",
    "AuditCheckpointAdmin",
    "AuditEventAdmin",
    "AuditVerificationAdmin",
    "CommitmentAdmin",
    "CommitmentInline",
    "GuaranteeAdmin",
    "GuaranteeCommitmentInline",
    "GuaranteeInline",
    "NotificationAdmin",
    "ParticipantAdmin",
    "ParticipantCommitmentInline",
    "ReferenceAdmin",
    "RefusalMessagesMixin",
    "SelectorQuerysetMixin",
    "ServiceAdmin",
    "SourceAdmin",
    "StatusUpdateAdmin",
    "SubscriptionAdmin",
    "WebhookAttemptInline",
    "WebhookDeliveryAdmin",
    "WebhookEndpointAdmin",
    "WebhookEndpointForm",
]
