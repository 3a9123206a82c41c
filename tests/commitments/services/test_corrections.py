"""A correction sets the stage dates the corrected ladder implies, and one that names the
status change it corrects supersedes it and every later one, in what the record says of
any date (as of) and, from the moment it was recorded, of what the record knew."""

import datetime

import pytest
from django.utils import timezone

from commitments.choices import CommitmentStatus as S
from commitments.exceptions import ValidationFailed
from commitments.selectors import commitments_as_of, commitments_known_at
from tests.commitments.records import apply, pledge

pytestmark = pytest.mark.django_db

D = datetime.date


def status_on(commitment, day):
    return commitments_as_of(day=day).get(pk=commitment.pk).status_on


@pytest.fixture
def tabled_then_ratified(analyst, reviewer):
    """Signed 2024-04-10, in parliament 2024-06-01, ratified 2024-09-20; returns the
    commitment and the sequence of each status change."""
    commitment, sequences = pledge(), {}
    for status, day in [
        (S.SIGNED, D(2024, 4, 10)),
        (S.IN_PARLIAMENT, D(2024, 6, 1)),
        (S.RATIFIED, D(2024, 9, 20)),
    ]:
        commitment, sequences[status] = apply(
            commitment, status, day, author=analyst, reviewer=reviewer
        )
    return commitment, sequences


def test_a_correction_from_withdrawn_to_in_force_clears_withdrawn_on(analyst, reviewer):
    commitment = pledge(needs_parliament=False)
    for status, day in [(S.SIGNED, D(2024, 4, 1)), (S.WITHDRAWN, D(2024, 5, 1))]:
        commitment, _ = apply(commitment, status, day, author=analyst, reviewer=reviewer)

    commitment, _ = apply(
        commitment, S.IN_FORCE, D(2024, 6, 1), author=analyst, reviewer=reviewer, correction=True
    )

    assert (commitment.status, commitment.in_force_on) == (S.IN_FORCE, D(2024, 6, 1))
    assert commitment.withdrawn_on is None
    assert commitment.signed_on == D(2024, 4, 1)


def test_a_backdated_correction_naming_an_event_supersedes_it_and_later_ones_as_of_any_day(
    tabled_then_ratified, analyst, reviewer
):
    commitment, sequences = tabled_then_ratified

    commitment, _ = apply(
        commitment,
        S.IN_FORCE,
        D(2024, 5, 5),
        author=analyst,
        reviewer=reviewer,
        corrects=sequences[S.IN_PARLIAMENT],
    )

    assert [status_on(commitment, day) for day in (D(2024, 5, 4), D(2024, 6, 1))] == [
        S.SIGNED,
        S.IN_FORCE,
    ]
    assert status_on(commitment, D(2024, 9, 20)) == commitment.status == S.IN_FORCE
    assert (commitment.status_date, commitment.in_force_on) == (D(2024, 5, 5), D(2024, 5, 5))
    assert (commitment.in_parliament_on, commitment.ratified_on) == (None, None)


def test_what_the_record_knew_before_the_correction_still_shows_the_superseded_history(
    tabled_then_ratified, analyst, reviewer
):
    commitment, sequences = tabled_then_ratified
    before_correction = timezone.now()
    apply(
        commitment,
        S.IN_FORCE,
        D(2024, 5, 5),
        author=analyst,
        reviewer=reviewer,
        corrects=sequences[S.IN_PARLIAMENT],
    )

    then = commitments_known_at(moment=before_correction, day=D(2024, 7, 1))
    now = commitments_known_at(moment=timezone.now(), day=D(2024, 7, 1))

    assert then.get(pk=commitment.pk).status_known == S.IN_PARLIAMENT
    assert now.get(pk=commitment.pk).status_known == S.IN_FORCE


def test_a_correction_naming_an_event_may_not_go_back_past_the_status_before_it(
    tabled_then_ratified, analyst, reviewer
):
    commitment, sequences = tabled_then_ratified

    with pytest.raises(ValidationFailed) as refused:
        apply(
            commitment,
            S.IN_FORCE,
            D(2024, 4, 1),
            author=analyst,
            reviewer=reviewer,
            corrects=sequences[S.IN_PARLIAMENT],
        )

    assert refused.value.fields["effective_date"] == [
        "The effective date cannot be before 2024-04-10, the date of the status (signed) "
        f"the record had before event #{sequences[S.IN_PARLIAMENT]}."
    ]


def test_an_event_a_correction_superseded_cannot_be_corrected_again(
    tabled_then_ratified, analyst, reviewer
):
    commitment, sequences = tabled_then_ratified
    commitment, _ = apply(
        commitment,
        S.IN_FORCE,
        D(2024, 5, 5),
        author=analyst,
        reviewer=reviewer,
        corrects=sequences[S.IN_PARLIAMENT],
    )

    with pytest.raises(ValidationFailed) as refused:
        apply(
            commitment,
            S.REJECTED,
            D(2024, 10, 1),
            author=analyst,
            reviewer=reviewer,
            corrects=sequences[S.RATIFIED],
        )

    assert refused.value.fields["corrects"] == [
        f"Event #{sequences[S.RATIFIED]} has already been corrected; name one that still stands."
    ]


def test_a_correction_back_to_pledged_keeps_the_pledge_date(analyst, reviewer):
    commitment, _ = apply(pledge(), S.SIGNED, D(2024, 4, 10), author=analyst, reviewer=reviewer)

    commitment, _ = apply(
        commitment, S.PLEDGED, D(2024, 5, 1), author=analyst, reviewer=reviewer, correction=True
    )

    assert (commitment.status, commitment.status_date) == (S.PLEDGED, D(2024, 5, 1))
    assert (commitment.pledged_on, commitment.signed_on) == (D(2024, 3, 15), None)


def test_a_correction_naming_an_event_may_restore_the_status_before_it(
    tabled_then_ratified, analyst, reviewer
):
    commitment, sequences = tabled_then_ratified

    commitment, _ = apply(
        commitment,
        S.SIGNED,
        D(2024, 4, 10),
        author=analyst,
        reviewer=reviewer,
        corrects=sequences[S.IN_PARLIAMENT],
    )

    assert (commitment.status, commitment.signed_on) == (S.SIGNED, D(2024, 4, 10))
    assert (commitment.in_parliament_on, commitment.ratified_on) == (None, None)
    assert [status_on(commitment, day) for day in (D(2024, 6, 15), D(2024, 10, 1))] == [
        S.SIGNED,
        S.SIGNED,
    ]
