"""A correction leaves the stage dates of the history that still stands: the change it
corrects, and every later one, never happened; what came before them did."""

import datetime

import pytest

from commitments.choices import CommitmentStatus as S
from tests.commitments.records import apply, pledge

pytestmark = pytest.mark.django_db

D = datetime.date


@pytest.fixture
def rejected_then_in_force(analyst, reviewer):
    """In parliament 2024-05-01, rejected 2024-06-01, in parliament again 2024-06-15,
    ratified 2024-07-01, in force 2024-08-01; returns the commitment and each change's
    sequence."""
    commitment, sequences = pledge(), {}
    for status, day in [
        (S.SIGNED, D(2024, 4, 1)),
        (S.IN_PARLIAMENT, D(2024, 5, 1)),
        (S.REJECTED, D(2024, 6, 1)),
        (S.IN_PARLIAMENT, D(2024, 6, 15)),
        (S.RATIFIED, D(2024, 7, 1)),
        (S.IN_FORCE, D(2024, 8, 1)),
    ]:
        commitment, sequences[status] = apply(
            commitment, status, day, author=analyst, reviewer=reviewer
        )
    return commitment, sequences


def test_correcting_the_current_status_down_to_in_parliament_keeps_the_ratification_before_it(
    rejected_then_in_force, analyst, reviewer
):
    commitment, _ = rejected_then_in_force

    commitment, _ = apply(
        commitment,
        S.IN_PARLIAMENT,
        D(2024, 9, 1),
        author=analyst,
        reviewer=reviewer,
        correction=True,
    )

    assert commitment.in_force_on is None
    assert (commitment.ratified_on, commitment.rejected_on) == (D(2024, 7, 1), D(2024, 6, 1))
    assert commitment.in_parliament_on == D(2024, 9, 1)


def test_correcting_the_ratification_clears_it_and_the_entry_into_force_but_keeps_the_rejection(
    rejected_then_in_force, analyst, reviewer
):
    commitment, sequences = rejected_then_in_force

    commitment, _ = apply(
        commitment,
        S.IN_PARLIAMENT,
        D(2024, 6, 15),
        author=analyst,
        reviewer=reviewer,
        corrects=sequences[S.RATIFIED],
    )

    assert (commitment.ratified_on, commitment.in_force_on) == (None, None)
    assert (commitment.rejected_on, commitment.in_parliament_on) == (
        D(2024, 6, 1),
        D(2024, 6, 15),
    )
