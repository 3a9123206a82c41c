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


def _reaches() -> dict[str, set[str]]:
    """reaches[a]: the statuses some ladder path leads to from a (transitive closure)."""
    reaches = {a: set(b) for a, b in workflow.TRANSITIONS.items()}
    for via in reaches:
        for a in reaches:
            if via in reaches[a]:
                reaches[a] |= reaches[via]
    return reaches


REACHES = _reaches()


@dataclass
class Event:
    sequence: int
    status: str
    day: datetime.date
    stages: dict[str, datetime.date | None]
    standing: bool = True


@dataclass
class Reference:
    """The history as a list of status events; a correction naming an event strikes it and
    every later one. Each event keeps the stage dates it leaves."""

    events: list[Event] = field(default_factory=list)

    @property
    def current(self) -> Event:
        return self.events[-1]

    def before(self, sequence: int) -> Event:
        return [e for e in self.events if e.sequence < sequence][-1]

    def add(self, sequence, status, day, *, correction, corrects=None):
        base = self.before(corrects) if corrects else self.current
        if correction:
            stages = {
                s: day if s == status else (base.stages[s] if status in REACHES[s] else None)
                for s in S.values
            }
            stages[S.PLEDGED] = base.stages[S.PLEDGED]  # the pledge never moves
        else:
            stages = {**base.stages, status: day}
        for event in self.events:
            if corrects and event.sequence >= corrects:
                event.standing = False
        self.events.append(Event(sequence, status, day, stages))

    def status_on(self, day):
        known = [e for e in self.events if e.standing and e.day <= day]
        return max(known, key=lambda e: (e.day, e.sequence)).status if known else None


def draw_step(data, reference, needs_parliament):
    """One update the rules allow: a move up the ladder, a correction of the current status,
    or a correction naming a standing status change; dated on or after what bounds it."""
    current = reference.current
    kinds = ["correct"]
    if workflow.allowed_next(current.status, needs_parliament=needs_parliament):
        kinds += ["move", "move"]
    named = [e for e in reference.events[1:] if e.standing]
    if named:
        kinds.append("correct_event")
    kind = data.draw(st.sampled_from(kinds))
    corrects, since = None, current
    if kind == "move":
        choices = workflow.allowed_next(current.status, needs_parliament=needs_parliament)
    else:
        if kind == "correct_event":
            corrects = data.draw(st.sampled_from([e.sequence for e in named]))
            since = reference.before(corrects)
        choices = [s for s in S.values if s != since.status]
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
        assert audit.verify().ok
        transaction.set_rollback(True)
