"""Signed checkpoints of the audit chain's head (commitments.audit.checkpoints signs and
checks them).

A checkpoint is not an audit event: recording it in the chain would move the head it names.
"""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


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
