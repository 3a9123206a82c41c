"""Signed checkpoints of the audit chain's head (commitments.audit.checkpoints signs and
checks them), and the recorded outcome of each verification of the chain.

Neither is an audit event: recording one in the chain would move the head it names or checks.
"""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from commitments.choices import VerificationTrigger


class AuditCheckpoint(models.Model):
    """The head of the audit chain at one moment, signed with the tracker's Ed25519 key."""

    sequence = models.BigIntegerField(_("sequence"))
    hash = models.CharField(_("hash"), max_length=64)
    signed_at = models.DateTimeField(_("signed at"), db_index=True)
    key_id = models.CharField(_("key id"), max_length=64)
    signature = models.CharField(_("signature"), max_length=128)

    class Meta:
        ordering = ["-signed_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(sequence__gte=0), name="checkpoint_sequence_natural"
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.sequence} {self.hash[:12]}… signed {self.signed_at:%Y-%m-%d %H:%M}"


class AuditVerification(models.Model):
    """One walk of the whole audit chain (audit.verify(): every hash, the status replay, the
    stored checkpoints) and what it found. Written once by
    services.audit_verification_record() and never changed: the history of the checks."""

    started_at = models.DateTimeField(_("started at"))
    finished_at = models.DateTimeField(_("finished at"), db_index=True)
    events_checked = models.PositiveBigIntegerField(_("events checked"))
    checkpoints_checked = models.PositiveIntegerField(_("checkpoints checked"), default=0)
    seconds = models.FloatField(_("seconds"))
    ok = models.BooleanField(_("intact"))
    # Why not, in sentences (the first broken event, each disagreement, each checkpoint).
    problem = models.TextField(_("problem"), blank=True)
    trigger = models.CharField(_("trigger"), max_length=20, choices=VerificationTrigger.choices)

    class Meta:
        ordering = ["-finished_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(trigger__in=VerificationTrigger.values),
                name="audit_verification_trigger_valid",
            ),
            models.CheckConstraint(
                condition=Q(ok=True, problem="") | Q(ok=False) & ~Q(problem=""),
                name="audit_verification_problem_iff_not_ok",
            ),
        ]

    def __str__(self) -> str:
        result = _("intact") if self.ok else _("BROKEN")
        return f"{self.finished_at:%Y-%m-%d %H:%M} · {self.events_checked} events · {result}"
