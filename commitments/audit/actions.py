"""The audit actions (dotted constants) and the groups the reads and the replay use."""

from django.utils.translation import gettext_lazy as _

from accounts.signals import (  # the accounts app's actions, kept there
    ROLE_PERMISSIONS_CHANGED,
    TOKEN_ISSUED,
    TOKEN_REVOKED,
    USER_CHANGED,
    USER_CREATED,
    USER_DELETED,
    USER_ROLES_CHANGED,
)
from commitments import workflow

# Actions: dotted constants.
COMMITMENT_CREATED = "commitment.created"
COMMITMENT_CHANGED = "commitment.changed"
STATUS_CHANGED = "commitment.status_changed"
UPDATE_CREATED = "update.created"
UPDATE_EDITED = "update.edited"
UPDATE_DELETED = "update.deleted"
UPDATE_SUBMITTED = "update.submitted"
UPDATE_WITHDRAWN = "update.withdrawn"
UPDATE_APPROVED = "update.approved"
UPDATE_REJECTED = "update.rejected"
UPDATE_STALE = "update.stale"
REFERENCE_CREATED = "reference.created"
REFERENCE_CHANGED = "reference.changed"
REFERENCE_DELETED = "reference.deleted"
WEBHOOK_CREATED = "webhook.created"
WEBHOOK_CHANGED = "webhook.changed"
WEBHOOK_SECRET_ROTATED = "webhook.secret_rotated"
WEBHOOK_DISABLED = "webhook.disabled"
WEBHOOK_RESENT = "webhook.resent"
WEBHOOK_DELETED = "webhook.deleted"

# Actions about accounts, roles, tokens and webhook endpoints: shown to admins only (e-mail
# addresses, webhook URLs that may carry credentials).
PRIVATE_ACTIONS = (
    USER_CREATED,
    USER_CHANGED,
    USER_ROLES_CHANGED,
    USER_DELETED,
    TOKEN_ISSUED,
    TOKEN_REVOKED,
    WEBHOOK_CREATED,
    WEBHOOK_CHANGED,
    WEBHOOK_SECRET_ROTATED,
    WEBHOOK_DISABLED,
    WEBHOOK_RESENT,
    WEBHOOK_DELETED,
    ROLE_PERMISSIONS_CHANGED,
)

# Actions about drafts, which are their author's own until submitted.
DRAFT_ACTIONS = (UPDATE_CREATED, UPDATE_EDITED, UPDATE_DELETED)

# Actions the sync feed (/api/v1/changes/) carries: applied status changes and
# reference-data changes.
CHANGE_ACTIONS = (
    COMMITMENT_CREATED,
    STATUS_CHANGED,
    COMMITMENT_CHANGED,
    REFERENCE_CREATED,
    REFERENCE_CHANGED,
    REFERENCE_DELETED,
)

# Actions that set a commitment's status and version (replayed by verify_audit).
STATUS_ACTIONS = (COMMITMENT_CREATED, STATUS_CHANGED)

# Everything a status event sets on its commitment; each records all of them in `after`.
STATUS_STATE_FIELDS = ("status", "status_date", *workflow.STAGE_DATE_FIELDS.values(), "version")

# Every action in words, in the order the audit log's "Action" filter offers them.
ACTION_LABELS: dict[str, str] = {
    COMMITMENT_CREATED: _("Commitment recorded"),
    STATUS_CHANGED: _("Status changed"),
    COMMITMENT_CHANGED: _("Commitment changed"),
    UPDATE_CREATED: _("Update drafted"),
    UPDATE_EDITED: _("Update edited"),
    UPDATE_DELETED: _("Update deleted"),
    UPDATE_SUBMITTED: _("Update submitted"),
    UPDATE_WITHDRAWN: _("Update withdrawn"),
    UPDATE_APPROVED: _("Update approved"),
    UPDATE_REJECTED: _("Update rejected"),
    UPDATE_STALE: _("Update marked stale"),
    REFERENCE_CREATED: _("Reference data added"),
    REFERENCE_CHANGED: _("Reference data changed"),
    REFERENCE_DELETED: _("Reference data deleted"),
    WEBHOOK_CREATED: _("Webhook endpoint created"),
    WEBHOOK_CHANGED: _("Webhook endpoint changed"),
    WEBHOOK_SECRET_ROTATED: _("Webhook secret rotated"),
    WEBHOOK_DISABLED: _("Webhook endpoint turned off"),
    WEBHOOK_RESENT: _("Webhook delivery resent"),
    WEBHOOK_DELETED: _("Webhook endpoint deleted"),
    USER_CREATED: _("User created"),
    USER_CHANGED: _("User changed"),
    USER_ROLES_CHANGED: _("User's roles changed"),
    USER_DELETED: _("User deleted"),
    TOKEN_ISSUED: _("API token issued"),
    TOKEN_REVOKED: _("API token revoked"),
    ROLE_PERMISSIONS_CHANGED: _("Role's permissions changed"),
}

# The objects events are about (`object_type`, a model's label), in words.
OBJECT_TYPE_LABELS: dict[str, str] = {
    "commitments.commitment": _("Commitment"),
    "commitments.statusupdate": _("Status update"),
    "commitments.participant": _("Participant"),
    "commitments.guarantee": _("Guarantee"),
    "commitments.agreement": _("Agreement"),
    "commitments.source": _("Source"),
    "commitments.webhookendpoint": _("Webhook endpoint"),
    "commitments.webhookdelivery": _("Webhook delivery"),
    "accounts.user": _("User"),
    "accounts.apitoken": _("API token"),
    "auth.group": _("Role"),
}
