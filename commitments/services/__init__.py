"""Every write to the record: one function per use case, each in one transaction.

Every check runs before the first write, so a refused call changes nothing; audit.record()
comes last, so the lock serialising the audit chain is held briefly.
"""

from commitments.services._shared import UNCHANGED, SourceInput
from commitments.services.audit_checkpoints import (
    audit_checkpoint_create,
    audit_checkpoint_scheduled,
)
from commitments.services.audit_verifications import (
    audit_verification_record,
    audit_verification_run,
)
from commitments.services.commitments import commitment_create, commitment_save
from commitments.services.reference_data import (
    agreement_save,
    agreement_sources_set,
    guarantee_save,
    participant_save,
    reference_delete,
    source_save,
)
from commitments.services.reviews import (
    ApprovalOutcome,
    update_approve,
    update_reject,
    updates_approve,
)
from commitments.services.status_updates import (
    update_create,
    update_delete,
    update_edit,
    update_submit,
    update_withdraw,
)
from commitments.services.subscriptions import (
    notification_mark_read,
    notifications_mark_all_read,
    subscription_create,
    subscription_delete,
)
from commitments.services.webhook_endpoints import (
    webhook_delivery_resend,
    webhook_endpoint_create,
    webhook_endpoint_delete,
    webhook_endpoint_disable,
    webhook_endpoint_rotate_secret,
    webhook_endpoint_update,
    webhook_secrets_reencrypt,
)

__all__ = [
    "UNCHANGED",
    "ApprovalOutcome",
    "SourceInput",
    "agreement_save",
    "agreement_sources_set",
    "audit_checkpoint_create",
    "audit_checkpoint_scheduled",
    "audit_verification_record",
    "audit_verification_run",
    "commitment_create",
    "commitment_save",
    "guarantee_save",
    "notification_mark_read",
    "notifications_mark_all_read",
    "participant_save",
    "reference_delete",
    "source_save",
    "subscription_create",
    "subscription_delete",
    "update_approve",
    "update_create",
    "update_delete",
    "update_edit",
    "update_reject",
    "update_submit",
    "update_withdraw",
    "updates_approve",
    "webhook_delivery_resend",
    "webhook_endpoint_create",
    "webhook_endpoint_delete",
    "webhook_endpoint_disable",
    "webhook_endpoint_rotate_secret",
    "webhook_endpoint_update",
    "webhook_secrets_reencrypt",
]
