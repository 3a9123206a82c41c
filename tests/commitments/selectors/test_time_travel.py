"""What was the status on a date (effective dates), and what did the record say at a moment
(recorded times)?"""

import datetime

import pytest
from django.utils import timezone

from commitments.audit import STATUS_CHANGED
from commitments.choices import CommitmentStatus as S
from commitments.models import AuditEvent
from commitments.selectors import commitment_history, commitments_as_of, commitments_known_at
from commitments.services import commitment_create, update_approve, update_create
from tests.factories import GuaranteeFactory, ParticipantFactory

pytestmark = pytest.mark.django_db

D = datetime.date


@pytest.fixture
def timeline(analyst, reviewer):
    """A commitment pledged 2024-03-15, then told (in this recorded order):
    signed on 2024-04-10, in parliament on 2024-06-01, ratified on 2024-09-20, and finally a
    back-dated correction of the move to parliament and all after it: it never went to
    parliament but came into force directly on 2024-05-05 (recorded last, effective earlier
    than two of the others, which it supersedes)."""
    commitment = commitment_create(
        participant=ParticipantFactory(needs_parliamentary_approval=False),
        guarantee=GuaranteeFactory(agreement__signed_on=D(2024, 3, 15)),
        actor=None,
    )
    moments = {"created": timezone.now()}
    sequences = {}
    steps = [
        ("signed", S.SIGNED, D(2024, 4, 10), False),
        ("tabled", S.IN_PARLIAMENT, D(2024, 6, 1), False),
        ("ratified", S.RATIFIED, D(2024, 9, 20), False),
        ("corrected", S.IN_FORCE, D(2024, 5, 5), True),
    ]
    for name, status, day, correction in steps:
        update = update_create(
            commitment=commitment,
            author=analyst,
            proposed_status=status,
            effective_date=day,
            summary=name,
            sources=[{"url": f"https://news.example.org/{name}"}],
            is_correction=correction,
            correction_reason="Earlier reports were wrong." if correction else "",
            corrects=sequences["tabled"] if correction else None,
        )
        commitment = update_approve(update=update, reviewer=reviewer)
        moments[name] = timezone.now()
        sequences[name] = AuditEvent.objects.get(update=update, action=STATUS_CHANGED).sequence
    return commitment, moments


def status_on(commitment, day):
    return commitments_as_of(day=day).get(pk=commitment.pk).status_on


def status_known(commitment, moment):
    return commitments_known_at(moment=moment).get(pk=commitment.pk).status_known


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (D(2024, 3, 14), None),
        (D(2024, 3, 15), S.PLEDGED),
        (D(2024, 4, 9), S.PLEDGED),
        (D(2024, 4, 10), S.SIGNED),
        (D(2024, 5, 5), S.IN_FORCE),
        (D(2024, 6, 1), S.IN_FORCE),
        (D(2024, 9, 20), S.IN_FORCE),
        (D(2026, 1, 1), S.IN_FORCE),
    ],
)
def test_the_status_on_a_date_follows_effective_dates(timeline, day, expected):
    commitment, _ = timeline

    assert status_on(commitment, day) == expected


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        ("created", S.PLEDGED),
        ("signed", S.SIGNED),
        ("tabled", S.IN_PARLIAMENT),
        ("ratified", S.RATIFIED),
        ("corrected", S.IN_FORCE),
    ],
)
def test_what_the_record_said_follows_recorded_times(timeline, moment, expected):
    commitment, moments = timeline

    assert status_known(commitment, moments[moment]) == expected


def test_before_the_commitment_was_recorded_the_record_knew_nothing(timeline):
    commitment, moments = timeline

    assert status_known(commitment, moments["created"] - datetime.timedelta(seconds=1)) is None


def test_the_history_of_a_commitment_lists_each_change_with_its_people_and_sources(timeline):
    commitment, _ = timeline

    events = [e for e in commitment_history(commitment=commitment) if e.status_update]
    applied = [e for e in events if e.action == "commitment.status_changed"]

    assert [e.after["status"] for e in applied] == [
        "signed",
        "in_parliament",
        "ratified",
        "in_force",
    ]
    last = applied[-1]
    assert last.actor_name == "rev"
    assert last.status_update.proposed_by.username == "ana"
    assert [s.url for s in last.status_update.sources.all()] == [
        "https://news.example.org/corrected"
    ]
    assert last.effective_date == D(2024, 5, 5)
    assert last.reason == "Earlier reports were wrong."
