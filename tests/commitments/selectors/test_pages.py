"""The detail pages' reads: the chart's figures, a commitment's ladder and timeline, and who
may see whose names."""

import datetime
from collections import Counter

import pytest
from django.contrib.auth.models import AnonymousUser

from commitments.choices import CommitmentStatus as S
from commitments.models import Commitment
from commitments.selectors import (
    commitment_ladder,
    commitment_pending_count,
    commitment_timeline,
    commitments_as_of,
    participant_timeline,
    status_counts_over_time,
    totals_of,
)
from commitments.services import commitment_create, update_create, update_reject
from tests.commitments.stories import make_author, make_checker, make_story, tell
from tests.factories import CommitmentFactory, GuaranteeFactory, ParticipantFactory

pytestmark = pytest.mark.django_db

D = datetime.date


@pytest.fixture
def author(db):
    return make_author()


@pytest.fixture
def checker(db):
    return make_checker()


@pytest.fixture
def story(author, checker):
    return make_story(author, checker)


def figures(progress):
    return [
        (step.day, {s: n for (s, _), n in zip(progress.statuses, step.counts, strict=True) if n})
        for step in progress.steps
    ]


def test_the_chart_has_one_step_per_date_on_which_anything_changed(story):
    progress = status_counts_over_time(commitments=Commitment.objects.all())

    assert figures(progress) == [
        (D(2024, 3, 15), {S.PLEDGED: 1}),
        (D(2024, 4, 10), {S.SIGNED: 1}),
        (D(2024, 5, 5), {S.IN_FORCE: 1}),
    ]


def test_a_change_a_correction_superseded_does_not_count(story):
    progress = status_counts_over_time(commitments=Commitment.objects.all())

    assert D(2024, 6, 1) not in [step.day for step in progress.steps]
    assert S.IN_PARLIAMENT not in dict(progress.statuses)


def test_the_statuses_are_those_ever_reached_in_ladder_order(story):
    progress = status_counts_over_time(commitments=Commitment.objects.all())

    assert [s for s, _ in progress.statuses] == [S.PLEDGED, S.SIGNED, S.IN_FORCE]
    assert dict(progress.statuses)[S.IN_FORCE] == "In force"


def test_of_two_changes_on_one_date_the_last_recorded_wins(author, checker):
    commitment = commitment_create(
        participant=ParticipantFactory(needs_parliamentary_approval=False),
        guarantee=GuaranteeFactory(agreement__signed_on=D(2024, 3, 15)),
        actor=None,
    )
    commitment, _ = tell(
        commitment, S.SIGNED, D(2024, 4, 1), author=author, reviewer=checker, name="a"
    )
    tell(commitment, S.RATIFIED, D(2024, 4, 1), author=author, reviewer=checker, name="b")

    progress = status_counts_over_time(commitments=Commitment.objects.all())

    assert figures(progress)[-1] == (D(2024, 4, 1), {S.RATIFIED: 1})


def test_only_the_given_commitments_are_counted(story):
    other = commitment_create(
        participant=ParticipantFactory(), guarantee=GuaranteeFactory(), actor=None
    )

    progress = status_counts_over_time(commitments=Commitment.objects.filter(pk=other.pk))

    assert [step.total for step in progress.steps] == [1]


def test_commitments_without_a_history_are_not_counted():
    CommitmentFactory()

    progress = status_counts_over_time(commitments=Commitment.objects.all())

    assert progress.steps == () and progress.statuses == ()


def test_every_step_agrees_with_the_record_as_of_its_date(story, author, checker):
    """The chart and the as-of reads tell the same story."""
    for i, status in enumerate([S.SIGNED, S.SIGNED, S.IN_PARLIAMENT]):
        commitment = commitment_create(
            participant=ParticipantFactory(),
            guarantee=GuaranteeFactory(agreement__signed_on=D(2024, 3, 15)),
            actor=None,
        )
        commitment, _ = tell(
            commitment, S.SIGNED, D(2024, 4, 2 + i), author=author, reviewer=checker, name=f"s{i}"
        )
        if status == S.IN_PARLIAMENT:
            tell(commitment, status, D(2024, 5, 20), author=author, reviewer=checker, name="p")

    progress = status_counts_over_time(commitments=Commitment.objects.all())

    for day, counts in figures(progress):
        as_of = Counter(c.status_on for c in commitments_as_of(day=day) if c.status_on)
        assert counts == dict(as_of), day


def test_the_chart_costs_one_query_however_many_commitments(
    story, author, checker, django_assert_num_queries
):
    for i in range(5):
        commitment = commitment_create(
            participant=ParticipantFactory(), guarantee=GuaranteeFactory(), actor=None
        )
        tell(commitment, S.SIGNED, D(2024, 4, 1 + i), author=author, reviewer=checker, name=f"n{i}")

    with django_assert_num_queries(1):
        status_counts_over_time(commitments=Commitment.objects.all())


def test_the_ladder_adds_rejected_once_reached(author, checker):
    commitment = commitment_create(
        participant=ParticipantFactory(),
        guarantee=GuaranteeFactory(agreement__signed_on=D(2024, 3, 15)),
        actor=None,
    )
    for name, status, day in [
        ("s", S.SIGNED, D(2024, 4, 1)),
        ("p", S.IN_PARLIAMENT, D(2024, 5, 1)),
        ("r", S.REJECTED, D(2024, 6, 1)),
    ]:
        commitment, _ = tell(commitment, status, day, author=author, reviewer=checker, name=name)

    ladder = commitment_ladder(commitment=commitment)

    assert [s.status for s in ladder] == [
        S.PLEDGED,
        S.SIGNED,
        S.IN_PARLIAMENT,
        S.RATIFIED,
        S.IN_FORCE,
        S.REJECTED,
    ]
    assert [s.status for s in ladder if s.current] == [S.REJECTED]
    assert [s.status for s in ladder if s.reached] == [
        S.PLEDGED,
        S.SIGNED,
        S.IN_PARLIAMENT,
        S.REJECTED,
    ]
    assert ladder[-1].reached_on == D(2024, 6, 1)


def test_the_timeline_holds_only_applied_changes(story):
    timeline = commitment_timeline(commitment=story.commitment, viewer=AnonymousUser())

    assert len(timeline) == 4
    assert all(change.to_status != S.WITHDRAWN for change in timeline)
    assert [c.created for c in timeline] == [False, False, False, True]


def test_names_are_hidden_from_anonymous_viewers_in_the_selector(story):
    for viewer in (AnonymousUser(), None):
        timeline = commitment_timeline(commitment=story.commitment, viewer=viewer)
        assert {(c.proposed_by, c.approved_by) for c in timeline} == {(None, None)}


def test_names_are_given_to_signed_in_viewers(story, analyst):
    timeline = commitment_timeline(commitment=story.commitment, viewer=analyst)

    assert timeline[0].proposed_by == "alice-analyst"
    assert timeline[0].approved_by == "rory-reviewer"


def test_pending_counts_only_submitted_updates(story, checker):
    assert commitment_pending_count(commitment=story.commitment) == 2

    update = story.commitment.updates.filter(state="submitted").first()
    update_reject(update=update, reviewer=checker, comment="No source.")

    assert commitment_pending_count(commitment=story.commitment) == 1


def test_a_rejected_update_never_enters_the_timeline(story, checker):
    update = story.commitment.updates.filter(state="submitted").first()
    update_reject(update=update, reviewer=checker, comment="No source.")

    timeline = commitment_timeline(commitment=story.commitment, viewer=checker)

    assert len(timeline) == 4


def test_the_participants_timeline_keeps_the_latest_changes_up_to_its_limit(story):
    timeline = participant_timeline(participant=story.commitment.participant, viewer=None, limit=2)

    assert [c.to_status for c in timeline] == [S.IN_FORCE, S.IN_PARLIAMENT]


def test_totals_count_ratified_and_in_force_as_done():
    totals = totals_of([S.RATIFIED, S.IN_FORCE, S.SIGNED, S.WITHDRAWN])

    assert (totals.done, totals.total, totals.percent_done) == (2, 4, 50)
    assert dict((s, n) for s, _, n in totals.counts)[S.WITHDRAWN] == 1


def test_totals_of_nothing_are_zero():
    assert (totals_of([]).done, totals_of([]).total, totals_of([]).percent_done) == (0, 0, 0)


def test_an_update_written_but_unapplied_changes_nothing_in_the_chart(story, author):
    before = status_counts_over_time(commitments=Commitment.objects.all())
    update_create(
        commitment=story.commitment,
        author=author,
        proposed_status=S.WITHDRAWN,
        effective_date=D(2024, 8, 1),
        summary="x",
        sources=[{"url": "https://news.example.org/x"}],
    )

    assert status_counts_over_time(commitments=Commitment.objects.all()) == before
