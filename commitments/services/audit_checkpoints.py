"""Signed checkpoints of the audit chain: on demand and on the schedule, published as webhooks."""

from functools import partial

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.roles import Role, has_role
from commitments import audit, tasks
from commitments.audit import checkpoints
from commitments.exceptions import NotAllowed
from commitments.models import (
    CHECKPOINT_TYPE,
    AuditCheckpoint,
    WebhookDelivery,
    WebhookEndpoint,
)
from commitments.services.outbox import _webhook_message_publish

# Audit checkpoints -----------------------------------------------------------------------


@transaction.atomic
def audit_checkpoint_create(*, actor: User | None = None) -> AuditCheckpoint:
    """Sign the chain's head now, keep the checkpoint, and send it to the webhook endpoints
    that receive `audit.checkpoint` (queued after the commit; the sweep queues them again if
    the broker is down). `actor` (on demand, over the API) must be an admin; the command
    passes none."""
    if actor is not None and not has_role(actor, Role.ADMIN):
        raise NotAllowed(_("Only admins sign checkpoints on demand."))
    return _checkpoint_publish(audit.head_row() or (0, audit.GENESIS))


@transaction.atomic
def audit_checkpoint_scheduled() -> AuditCheckpoint | None:
    """The schedule's checkpoint: signed and published as audit_checkpoint_create() does,
    but only when the chain's head moved since the latest checkpoint (None otherwise)."""
    head = audit.head_row() or (0, audit.GENESIS)
    latest = checkpoints.latest()
    if latest is not None and (latest.sequence, latest.hash) == head:
        return None
    return _checkpoint_publish(head)


def _checkpoint_publish(head: tuple[int, str]) -> AuditCheckpoint:
    sequence, hash_ = head
    # Stored to the microsecond on both databases: the signed text is rebuilt from it.
    checkpoint = checkpoints.signed(sequence=sequence, hash_=hash_, signed_at=timezone.now())
    checkpoint.save(force_insert=True)
    endpoints = WebhookEndpoint.objects.filter(is_active=True).receiving(CHECKPOINT_TYPE)
    message = _webhook_message_publish(
        event_type=CHECKPOINT_TYPE,
        data=checkpoints.document(checkpoint),
        endpoints=endpoints,
        occurred_at=checkpoint.signed_at,
    )
    if message is not None:
        ids = list(WebhookDelivery.objects.filter(message=message).values_list("pk", flat=True))
        transaction.on_commit(partial(tasks.deliver_webhooks.delay, ids), robust=True)
    return checkpoint
