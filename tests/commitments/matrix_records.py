"""Histories for the matrix tests: status changes recorded on chosen days, and a large matrix
built in bulk."""

import contextlib
import datetime

from django.utils import timezone

from commitments import audit
from commitments.choices import CommitmentStatus as S
from commitments.models import (
    AuditEvent,
    Commitment,
    Guarantee,
    Participant,
    unaudited_bulk_create,
)
from commitments.services import commitment_create
from tests.commitments.records import apply
from tests.factories import AgreementFactory

D = datetime.date


@contextlib.contextmanager
def recorded_on(day: datetime.date):
    """Everything recorded inside is recorded at noon (UTC) on `day`."""
    moment = datetime.datetime.combine(day, datetime.time(12), tzinfo=datetime.UTC)
    original = timezone.now
    timezone.now = lambda: moment
    try:
        yield moment
    finally:
        timezone.now = original


def corrected_history(commitment, *, author, reviewer):
    """signed (effective 10 April, recorded 12 April), in parliament (1 June, recorded 3 June),
    then a correction recorded on 20 July: it never went to parliament, it came into force on
    5 May."""
    with recorded_on(D(2024, 4, 12)):
        commitment, _ = apply(
            commitment, S.SIGNED, D(2024, 4, 10), author=author, reviewer=reviewer
        )
    with recorded_on(D(2024, 6, 3)):
        commitment, tabled = apply(
            commitment, S.IN_PARLIAMENT, D(2024, 6, 1), author=author, reviewer=reviewer
        )
    with recorded_on(D(2024, 7, 20)):
        commitment, _ = apply(
            commitment, S.IN_FORCE, D(2024, 5, 5), author=author, reviewer=reviewer, corrects=tabled
        )
    return commitment


def pledge_on(participant, guarantee, day: datetime.date, *, recorded: datetime.date | None = None):
    with recorded_on(recorded or day):
        return commitment_create(
            participant=participant, guarantee=guarantee, actor=None, pledged_on=day
        )


def bulk_matrix(participants: int = 50, guarantees: int = 40):
    """An agreement of `participants` x `guarantees` commitments, each with its creation
    event, inserted in bulk (the audit chain continued in place)."""
    agreement = AgreementFactory(slug="big", signed_on=D(2024, 3, 15))
    unaudited_bulk_create(
        Participant,
        [
            Participant(code=f"P{i:03d}", name=f"Participant {i:03d}", kind="organisation")
            for i in range(participants)
        ],
    )
    unaudited_bulk_create(
        Guarantee,
        [
            Guarantee(
                agreement=agreement, slug=f"g-{j}", title=f"Guarantee {j}", domain="air", position=j
            )
            for j in range(guarantees)
        ],
    )
    people = list(Participant.objects.filter(code__startswith="P").order_by("code"))
    columns = list(Guarantee.objects.filter(agreement=agreement).order_by("position"))
    unaudited_bulk_create(
        Commitment,
        [
            Commitment(
                participant=p,
                guarantee=g,
                status=S.RATIFIED if (i + j) % 3 == 0 else S.SIGNED,
                status_date=D(2024, 5, 1),
                pledged_on=D(2024, 3, 15),
                signed_on=D(2024, 4, 1),
            )
            for i, p in enumerate(people)
            for j, g in enumerate(columns)
        ],
    )
    head = AuditEvent.objects.order_by("-sequence").values_list("sequence", "hash").first()
    sequence, prev_hash = head if head else (0, audit.GENESIS)
    events = []
    recorded = datetime.datetime(2024, 3, 16, 12, tzinfo=datetime.UTC)
    for commitment in Commitment.objects.filter(guarantee__agreement=agreement).order_by("pk"):
        sequence += 1
        digest = f"{sequence:064x}"
        events.append(
            AuditEvent(
                sequence=sequence,
                occurred_at=recorded,
                actor_name="system",
                action=audit.COMMITMENT_CREATED,
                object_type="commitments.commitment",
                object_id=str(commitment.pk),
                commitment=commitment,
                effective_date=D(2024, 3, 15),
                after={"status": "pledged", "status_date": "2024-03-15", "version": 1},
                prev_hash=prev_hash,
                hash=digest,
            )
        )
        prev_hash = digest
    unaudited_bulk_create(AuditEvent, events)
    return agreement
