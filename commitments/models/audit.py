"""The audit history's rows: inserted only by commitments.audit.record()."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from commitments.exceptions import AuditedWriteForbidden
from commitments.models.record import Commitment, StatusUpdate

# audit.STATUS_ACTIONS, the actions that set a commitment's status (the audit package imports
# the models, so they are named here; a test holds the two equal): the partial indexes'
# condition, which a query must repeat to use them.
STATUS_ACTIONS = ("commitment.created", "commitment.status_changed")


class AuditEventQuerySet(models.QuerySet):
    """Only audit.record() inserts events, one at a time under the chain's lock."""

    def update(self, **kwargs):
        raise AuditedWriteForbidden("Audit events are append-only.")

    update.queryset_only = True

    def delete(self):
        raise AuditedWriteForbidden("Audit events are append-only.")

    delete.queryset_only = True

    def bulk_create(self, objs, *args, **kwargs):
        raise AuditedWriteForbidden("Audit events are inserted only by audit.record().")

    def bulk_update(self, objs, *args, **kwargs):
        raise AuditedWriteForbidden("Audit events are append-only.")


class AuditEvent(models.Model):
    """One entry of the append-only, hash-chained history. Inserted only by audit.record()."""

    sequence = models.BigIntegerField(_("sequence"), unique=True)
    occurred_at = models.DateTimeField(_("recorded at"), db_index=True)
    # No database constraint: the event outlives the user, whose name is kept as text.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        blank=True,
        related_name="+",
    )
    actor_name = models.CharField(_("actor"), max_length=150, blank=True)
    action = models.CharField(_("action"), max_length=64, db_index=True)
    object_type = models.CharField(_("object type"), max_length=64)
    object_id = models.CharField(_("object id"), max_length=64)
    commitment = models.ForeignKey(
        Commitment,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="audit_events",
    )
    # No database constraint: a deleted draft keeps its events.
    update = models.ForeignKey(
        StatusUpdate,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        blank=True,
        related_name="audit_events",
    )
    effective_date = models.DateField(_("effective date"), null=True, blank=True)
    before = models.JSONField(_("before"), default=dict, blank=True)
    after = models.JSONField(_("after"), default=dict, blank=True)
    reason = models.TextField(_("reason or comment"), blank=True)
    request_id = models.CharField(_("request id"), max_length=64, blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        ordering = ["sequence"]
        indexes = [
            models.Index(fields=["object_type", "object_id"]),
            models.Index(fields=["commitment", "effective_date"]),
            # What the record said at a moment: each commitment's latest event recorded by
            # then, one index step (the matrix's known_on, the API's).
            models.Index(fields=["commitment", "occurred_at"], name="audit_commitment_recorded"),
            # The record as of a date and as known at a moment (selectors/timeline.py), per
            # commitment: its status events only (a few in a hundred events of a long
            # history), in the two orders those reads take them: newest first by effective
            # date, and by sequence. bench/matrix.py measures what they buy.
            models.Index(
                fields=["commitment", "-effective_date", "-sequence"],
                name="audit_status_by_date_idx",
                condition=Q(action__in=STATUS_ACTIONS),
            ),
            models.Index(
                fields=["commitment", "sequence"],
                name="audit_status_by_seq_idx",
                condition=Q(action__in=STATUS_ACTIONS),
            ),
            # The corrections alone (a few in a hundred status events), for the check that
            # a correction superseded a status event, which names both conditions.
            models.Index(
                fields=["commitment", "sequence"],
                name="audit_corrections_idx",
                condition=Q(action="commitment.status_changed", after__has_key="corrects"),
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.sequence} {self.action} {self.object_type}:{self.object_id}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AuditedWriteForbidden("Audit events are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AuditedWriteForbidden("Audit events are append-only.")
