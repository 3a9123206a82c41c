"""Commitments moved through the services, for the tests of dates and corrections."""

import datetime

from commitments.audit import STATUS_CHANGED
from commitments.models import AuditEvent, Commitment
from commitments.services import commitment_create, update_approve, update_create
from tests.factories import GuaranteeFactory, ParticipantFactory

PLEDGED_ON = datetime.date(2024, 3, 15)


def pledge(*, needs_parliament: bool = True) -> Commitment:
    """A commitment pledged on 2024-03-15, recorded through the service."""
    return commitment_create(
        participant=ParticipantFactory(needs_parliamentary_approval=needs_parliament),
        guarantee=GuaranteeFactory(agreement__signed_on=PLEDGED_ON),
        actor=None,
    )


def apply(commitment, status, day, *, author, reviewer, corrects=None, correction=None):
    """Write and approve one update; returns the commitment and the sequence of its event.
    A `corrects` makes it a correction; so does correction=True."""
    correction = corrects is not None if correction is None else correction
    update = update_create(
        commitment=commitment,
        author=author,
        proposed_status=status,
        effective_date=day,
        summary=f"{status} on {day}",
        sources=[{"url": f"https://news.example.org/{status}/{day}"}],
        is_correction=correction,
        correction_reason="The earlier report was wrong." if correction else "",
        **({"corrects": corrects} if corrects is not None else {}),
    )
    commitment = update_approve(update=update, reviewer=reviewer)
    event = AuditEvent.objects.get(update=update, action=STATUS_CHANGED)
    return commitment, event.sequence
