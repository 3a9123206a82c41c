"""A commitment with a history told through the services, for the record's pages and their
selectors."""

import datetime
from dataclasses import dataclass

from accounts.roles import Role
from commitments.audit import STATUS_CHANGED
from commitments.choices import CommitmentStatus as S
from commitments.models import AuditEvent, Commitment
from commitments.services import commitment_create, update_approve, update_create
from tests.factories import GuaranteeFactory, ParticipantFactory, UserFactory

D = datetime.date

PENDING_SUMMARY = "Pending: the senate voted, says a rumour."
DRAFT_SUMMARY = "Draft: the minister hinted at it."


@dataclass
class Story:
    commitment: Commitment
    sequences: dict[str, int]

    @property
    def code(self) -> str:
        """The participant's code: the factory's (a fixed one could meet the factory's
        sequence in a test that makes more participants)."""
        return self.commitment.participant.code


def tell(
    commitment, status, day, *, author, reviewer, name, corrects=None, correction=None
) -> tuple:
    """Write and approve one update with a titled source; returns the commitment and the
    sequence of its status event. A `corrects` makes it a correction; so does
    correction=True (of the current status)."""
    correction = corrects is not None if correction is None else correction
    update = update_create(
        commitment=commitment,
        author=author,
        proposed_status=status,
        effective_date=day,
        summary=f"Summary of {name}.",
        sources=[
            {
                "url": f"https://news.example.org/{name}",
                "title": f"Report on {name}",
                "publisher": "Example Gazette",
            }
        ],
        is_correction=correction,
        correction_reason="Earlier reports were wrong." if correction else "",
        corrects=corrects,
    )
    commitment = update_approve(update=update, reviewer=reviewer, comment=f"Checked {name}.")
    return commitment, AuditEvent.objects.get(update=update, action=STATUS_CHANGED).sequence


def make_author():
    return UserFactory(username="alice-analyst", roles=[Role.ANALYST])


def make_checker():
    return UserFactory(username="rory-reviewer", roles=[Role.REVIEWER])


def make_story(author, checker) -> Story:
    """Pledged 2024-03-15, signed 2024-04-10, in parliament 2024-06-01; then a correction
    (recorded last, effective 2024-05-05): it came into force directly, superseding the move
    to parliament. Two updates pending review and a draft, none applied."""
    commitment = commitment_create(
        participant=ParticipantFactory(
            name="Norway", needs_parliamentary_approval=False, approval_body="Storting"
        ),
        guarantee=GuaranteeFactory(
            title="Air policing",
            slug="air-policing",
            agreement__signed_on=D(2024, 3, 15),
            agreement__slug="paris-statement",
            agreement__title="Paris statement",
        ),
        actor=None,
    )
    sequences = {}
    for name, status, day in [
        ("signing", S.SIGNED, D(2024, 4, 10)),
        ("tabling", S.IN_PARLIAMENT, D(2024, 6, 1)),
    ]:
        commitment, sequences[name] = tell(
            commitment, status, day, author=author, reviewer=checker, name=name
        )
    commitment, sequences["correction"] = tell(
        commitment,
        S.IN_FORCE,
        D(2024, 5, 5),
        author=author,
        reviewer=checker,
        name="correction",
        corrects=sequences["tabling"],
    )
    for summary, draft in [
        (PENDING_SUMMARY, False),
        (PENDING_SUMMARY, False),
        (DRAFT_SUMMARY, True),
    ]:
        update_create(
            commitment=commitment,
            author=author,
            proposed_status=S.WITHDRAWN,
            effective_date=D(2024, 7, 1),
            summary=summary,
            sources=[{"url": "https://rumours.example.org/unapplied", "title": "Unapplied source"}],
            draft=draft,
        )
    return Story(commitment, sequences)
