"""Property: after any valid sequence of approvals and corrections, what the record says of
every day (as of) follows a small reference model of the history, the live record's dates
agree with it, and verify_audit finds the history and the record in agreement."""

import datetime
from dataclasses import dataclass, field

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from commitments import audit, workflow
from commitments.choices import CommitmentStatus as S
from commitments.models import Commitment
from commitments.selectors import commitments_as_of
from tests.commitments.records import PLEDGED_ON, apply, pledge

pytestmark = pytest.mark.django_db

ONE_DAY = datetime.timedelta(days=1)


@dataclass
class Event:
    sequence: int
    status: str
    day: datetime.date
    stages: dict[str, datetime.date | None]
    standing: bool = True


@dataclass
class Reference:
    """The history as a list of status events. A correction strikes the status change it
    names (the latest standing one when it names none) and every later one, and moves on
    from the last event that still stands before them. Each event keeps the stage dates it
    leaves: those it moved on from, and its own status's date (the pledge's never moves)."""

    events: list[Event] = field(default_factory=list)

    @property
    def current(self) -> Event:
        return self.events[-1]

    def standing_changes(self) -> list[Event]:
        return [e for e in self.events[1:] if e.standing]

    def before(self, sequence: int) -> Event:
        return [e for e in self.events if e.standing and e.sequence < sequence][-1]

    def corrected(self, corrects: int | None) -> int | None:
        """The status change a correction strikes: the one named, else the current one."""
        if corrects is not None:
            return corrects
        changes = self.standing_changes()
        return changes[-1].sequence if changes else None

    def add(self, sequence, status, day, *, correction, corrects=None):
        struck = self.corrected(corrects) if correction else None
        base = self.before(struck) if struck else self.current
        stages = {**base.stages}
        if status != S.PLEDGED:
            stages[status] = day
        for event in self.events:
            if struck and event.sequence >= struck:
                event.standing = False
        self.events.append(Event(sequence, status, day, stages))

    def status_on(self, day):
        known = [e for e in self.events if e.standing and e.day <= day]
        return max(known, key=lambda e: (e.day, e.sequence)).status if known else None


def draw_step(data, reference, needs_parliament):
    """One update the rules allow: a move up the ladder, a correction of the current status,
    or a correction naming a standing status change; dated on or after what bounds it. A
    correction of a status change may restate any status, the one before it included."""
    current = reference.current
    kinds = ["correct"]
    if workflow.allowed_next(current.status, needs_parliament=needs_parliament):
        kinds += ["move", "move"]
    named = reference.standing_changes()
    if named:
        kinds.append("correct_event")
    kind = data.draw(st.sampled_from(kinds))
    corrects, since = None, current
    if kind == "move":
        choices = workflow.allowed_next(current.status, needs_parliament=needs_parliament)
    else:
        if kind == "correct_event":
            corrects = data.draw(st.sampled_from([e.sequence for e in named]))
        struck = reference.corrected(corrects)
        since = reference.before(struck) if struck else current
        choices = list(S.values) if struck else [s for s in S.values if s != since.status]
    status = data.draw(st.sampled_from(choices))
    day = since.day + ONE_DAY * data.draw(st.integers(0, 9))
    return status, day, kind != "move", corrects


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data(), needs_parliament=st.booleans(), steps=st.integers(1, 6))
def test_as_of_every_day_and_the_live_record_agree_with_the_replayed_history(
    analyst, reviewer, data, needs_parliament, steps
):
    with transaction.atomic():
        commitment = pledge(needs_parliament=needs_parliament)
        created = commitment.audit_events.get()
        reference = Reference(
            [
                Event(
                    created.sequence,
                    S.PLEDGED,
                    PLEDGED_ON,
                    {**dict.fromkeys(S.values), S.PLEDGED: PLEDGED_ON},
                )
            ]
        )
        for _ in range(steps):
            status, day, correction, corrects = draw_step(data, reference, needs_parliament)
            commitment, sequence = apply(
                commitment,
                status,
                day,
                author=analyst,
                reviewer=reviewer,
                correction=correction,
                corrects=corrects,
            )
            reference.add(sequence, status, day, correction=correction, corrects=corrects)

        last = max(e.day for e in reference.events)
        day = PLEDGED_ON - ONE_DAY
        while day <= last + ONE_DAY:
            as_of = commitments_as_of(day=day).get(pk=commitment.pk).status_on
            assert as_of == reference.status_on(day), day
            day += ONE_DAY
        live = Commitment.objects.get(pk=commitment.pk)
        current = reference.current
        assert (live.status, live.status_date) == (current.status, current.day)
        assert {s: live.stage_date(s) for s in S.values} == current.stages
        standing = {(e.status, e.day) for e in reference.events if e.standing}
        for status in S.values:
            # Every live stage date is a standing event's, and as of it the record says so
            # (or says what a later change of the same day made it).
            if live.stage_date(status) is not None:
                assert (status, live.stage_date(status)) in standing, status
        assert audit.verify().ok
        transaction.set_rollback(True)
