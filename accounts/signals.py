"""What the accounts app tells the rest of the project.

accounts imports nothing from commitments; the audit history lives there, so accounts'
services announce each change they must have audited through `audited`, and the commitments
app appends it to the chain (commitments/audit/receivers.py). Receivers run at once, inside
the sender's transaction, and an exception in one propagates: an event that cannot be
recorded rolls the change back, as a direct call would.
"""

from django.dispatch import Signal

# Sent with the keyword arguments of commitments.audit.record(): action, actor, obj or
# object_type and object_id, before, after, reason.
audited = Signal()

# The audit actions about accounts, roles and tokens (commitments.audit re-exports them).
USER_CREATED = "user.created"
USER_CHANGED = "user.changed"
USER_ROLES_CHANGED = "user.roles_changed"
USER_DELETED = "user.deleted"
TOKEN_ISSUED = "token.issued"
TOKEN_REVOKED = "token.revoked"
ROLE_PERMISSIONS_CHANGED = "role.permissions_changed"


def audit(**event) -> None:
    """Have one change recorded in the audit history, in the caller's transaction."""
    if not audited.send(sender=__name__, **event):
        raise RuntimeError("Nothing records the audit history: is the commitments app installed?")
