"""Recording and editing commitments; their status changes only through a review."""

from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from commitments import audit, workflow
from commitments.choices import CommitmentStatus
from commitments.exceptions import (
    NotAllowed,
    ValidationFailed,
)
from commitments.models import (
    Commitment,
    Guarantee,
    Participant,
)
from commitments.services._shared import _diff, _field_values, _raise_from

# Commitments ----------------------------------------------------------------------------

# Fields only an approved update changes.
_STATUS_FIELDS = frozenset({*workflow.STATUS_FIELDS, *workflow.STAGE_DATE_FIELDS.values()})


@transaction.atomic
def commitment_create(
    *,
    participant: Participant,
    guarantee: Guarantee,
    actor: User | None,
    pledged_on: date | None = None,
    subject_to_ratification: bool = True,
    notes: str = "",
    is_sample: bool = False,
) -> Commitment:
    """Record that a participant pledged a guarantee: status pledged, version 1."""
    pledged_on = pledged_on or guarantee.agreement.signed_on
    commitment = Commitment(
        participant=participant,
        guarantee=guarantee,
        status=CommitmentStatus.PLEDGED,
        status_date=pledged_on,
        pledged_on=pledged_on,
        status_changed_at=timezone.now(),
        subject_to_ratification=subject_to_ratification,
        notes=notes,
        is_sample=is_sample,
        version=1,
    )
    try:
        commitment.full_clean()
    except ValidationError as error:
        _raise_from(error)
    commitment.save()
    audit.record(
        action=audit.COMMITMENT_CREATED,
        actor=actor,
        obj=commitment,
        commitment=commitment,
        effective_date=pledged_on,
        after={
            "participant": participant.code,
            "guarantee": guarantee.slug,
            **audit.status_state(commitment),
            "subject_to_ratification": subject_to_ratification,
        },
    )
    return commitment


@transaction.atomic
def commitment_save(*, commitment: Commitment, actor: User | None) -> Commitment:
    """Change a commitment's notes or ratification flag; its status moves only by updates."""
    current = Commitment.objects.select_for_update().get(pk=commitment.pk)
    old, new = _field_values(current), _field_values(commitment)
    before, after = _diff(old, new)
    touched = _STATUS_FIELDS.intersection(after)
    if touched:
        raise NotAllowed(
            _("%s changes only through a reviewed status update.") % ", ".join(sorted(touched))
        )
    if {"participant_id", "guarantee_id"}.intersection(after):
        raise ValidationFailed(_("A commitment's participant and guarantee are fixed."))
    if not after:
        return current
    try:
        commitment.full_clean()
    except ValidationError as error:
        _raise_from(error)
    commitment.save(update_fields=[*after, "updated_at"])
    audit.record(
        action=audit.COMMITMENT_CHANGED,
        actor=actor,
        obj=commitment,
        commitment=commitment,
        before=before,
        after=after,
    )
    return commitment
