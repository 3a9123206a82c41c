"""The audit history's rows: inserted only by commitments.audit.record()."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from commitments.exceptions import AuditedWriteForbidden
from commitments.models.record import Commitment, StatusUpdate


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
            # The few corrections, for "was this status change superseded?" (the matrix and
            # the API as of a date): without it, every commitment's whole history is read.
            models.Index(
                fields=["commitment", "sequence"],
                condition=models.Q(after__has_key="corrects"),
                name="audit_corrections",
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
