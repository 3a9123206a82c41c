"""The matrix selector: now, as of a date, as known on a day, and both; filters, sort, totals."""

import datetime

import pytest

from commitments.choices import CommitmentStatus as S
from commitments.choices import GuaranteeDomain, ParticipantKind
from commitments.selectors import record_matrix
from tests.commitments.matrix_records import D, corrected_history, pledge_on
from tests.factories import (
    AgreementFactory,
    CommitmentFactory,
    GuaranteeFactory,
    ParticipantFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def record(analyst, reviewer):
    """France: a corrected history on air support (see corrected_history); Germany: pledged
    on air support on 1 August 2024, recorded that day."""
    agreement = AgreementFactory(slug="paris", signed_on=D(2024, 3, 15))
    air = GuaranteeFactory(agreement=agreement, slug="air", title="Air", position=1)
    france = ParticipantFactory(code="FR", name="France", needs_parliamentary_approval=False)
    germany = ParticipantFactory(code="DE", name="Germany")
    corrected_history(
        pledge_on(france, air, D(2024, 3, 15), recorded=D(2024, 3, 16)),
        author=analyst,
        reviewer=reviewer,
    )
    pledge_on(germany, air, D(2024, 8, 1))
    return agreement


def cell_of(matrix, code):
    return next(row.cells[0] for row in matrix.rows if row.participant.code == code)


def test_now_shows_the_live_status_and_the_date_its_stage_was_reached(record):
    matrix = record_matrix(agreement=record)

    cell = cell_of(matrix, "FR")
    assert (matrix.view, cell.status, cell.reached_on) == ("now", S.IN_FORCE, D(2024, 5, 5))
    assert cell.label == "In force"


def test_as_of_a_date_the_correction_recorded_later_already_counts(record):
    matrix = record_matrix(agreement=record, as_of=D(2024, 6, 15))

    cell = cell_of(matrix, "FR")
    assert (matrix.view, cell.status, cell.reached_on) == ("as_of", S.IN_FORCE, D(2024, 5, 5))


def test_as_of_an_earlier_date_shows_the_earlier_stage(record):
    cell = cell_of(record_matrix(agreement=record, as_of=D(2024, 4, 20)), "FR")

    assert (cell.status, cell.reached_on) == (S.SIGNED, D(2024, 4, 10))
    assert cell.stage_dates["in_force_on"] is None


def test_known_on_a_day_before_the_correction_shows_what_the_record_said_then(record):
    matrix = record_matrix(agreement=record, known_on=D(2024, 7, 15))

    cell = cell_of(matrix, "FR")
    assert (matrix.view, cell.status, cell.reached_on) == (
        "known_on",
        S.IN_PARLIAMENT,
        D(2024, 6, 1),
    )


def test_both_dates_answer_what_the_record_said_on_a_day_about_another(record):
    before = cell_of(
        record_matrix(agreement=record, as_of=D(2024, 6, 15), known_on=D(2024, 7, 15)), "FR"
    )
    after = cell_of(
        record_matrix(agreement=record, as_of=D(2024, 6, 15), known_on=D(2024, 7, 21)), "FR"
    )

    assert (before.status, before.reached_on) == (S.IN_PARLIAMENT, D(2024, 6, 1))
    assert (after.status, after.reached_on) == (S.IN_FORCE, D(2024, 5, 5))


def test_a_commitment_not_yet_pledged_on_the_date_is_an_unrecorded_cell(record):
    cell = cell_of(record_matrix(agreement=record, as_of=D(2024, 7, 1)), "DE")

    assert cell.exists and not cell.recorded
    assert cell.status is None


def test_a_commitment_not_yet_known_on_the_day_is_an_unrecorded_cell(record):
    cell = cell_of(record_matrix(agreement=record, known_on=D(2024, 7, 31)), "DE")

    assert cell.exists and not cell.recorded


def test_the_day_the_pledge_was_recorded_it_is_known(record):
    cell = cell_of(record_matrix(agreement=record, known_on=D(2024, 8, 1)), "DE")

    assert cell.status == S.PLEDGED


@pytest.fixture
def grid():
    """Two guarantees (air, sea) and three participants: Austria (2 ratified), Belgium (1 of 2
    in force), the EU (signed on air only)."""
    agreement = AgreementFactory()
    air = GuaranteeFactory(agreement=agreement, domain=GuaranteeDomain.AIR, position=1)
    sea = GuaranteeFactory(agreement=agreement, domain=GuaranteeDomain.SEA, position=2)
    austria = ParticipantFactory(code="AT", name="Austria")
    belgium = ParticipantFactory(code="BE", name="Belgium")
    eu = ParticipantFactory(code="EU", name="European Union", kind=ParticipantKind.ORGANISATION)
    for guarantee in (air, sea):
        CommitmentFactory(participant=austria, guarantee=guarantee, status=S.RATIFIED)
    CommitmentFactory(participant=belgium, guarantee=air, status=S.IN_FORCE)
    CommitmentFactory(participant=belgium, guarantee=sea, status=S.SIGNED)
    CommitmentFactory(participant=eu, guarantee=air, status=S.SIGNED)
    return agreement


def codes(matrix):
    return [row.participant.code for row in matrix.rows]


def test_rows_are_participants_by_name_and_columns_the_guarantees_in_order(grid):
    matrix = record_matrix(agreement=grid)

    assert codes(matrix) == ["AT", "BE", "EU"]
    assert [c.guarantee.domain for c in matrix.columns] == ["air", "sea"]


def test_a_missing_commitment_is_an_empty_cell_not_counted(grid):
    matrix = record_matrix(agreement=grid)

    eu = matrix.rows[2]
    assert not eu.cells[1].exists
    assert (eu.total.done, eu.total.of) == (0, 1)


def test_totals_count_ratified_or_in_force_per_participant_and_guarantee(grid):
    matrix = record_matrix(agreement=grid)

    assert [(r.total.done, r.total.of, r.total.percent) for r in matrix.rows] == [
        (2, 2, 100),
        (1, 2, 50),
        (0, 1, 0),
    ]
    assert [(c.total.done, c.total.of) for c in matrix.columns] == [(2, 3), (1, 2)]
    assert (matrix.total.done, matrix.total.of) == (3, 5)


def test_sorting_by_progress_puts_the_furthest_first(grid):
    ParticipantFactory(code="AA", name="Aardvark Republic")

    assert codes(record_matrix(agreement=grid, sort="progress")) == ["AT", "BE", "EU"]


def test_the_domain_filter_keeps_only_its_guarantees(grid):
    matrix = record_matrix(agreement=grid, domain=GuaranteeDomain.SEA)

    assert [c.guarantee.domain for c in matrix.columns] == ["sea"]
    assert codes(matrix) == ["AT", "BE"]


def test_the_status_filter_keeps_the_participants_with_a_commitment_at_that_status(grid):
    assert codes(record_matrix(agreement=grid, status=S.SIGNED)) == ["BE", "EU"]


def test_the_kind_filter_keeps_the_participants_of_that_kind(grid):
    assert codes(record_matrix(agreement=grid, kind=ParticipantKind.ORGANISATION)) == ["EU"]


@pytest.mark.parametrize("q", ["belg", "BE", "be"])
def test_the_search_matches_a_participant_name_or_code(grid, q):
    assert codes(record_matrix(agreement=grid, q=q)) == ["BE"]


def test_another_agreements_commitments_are_not_in_the_matrix(grid):
    CommitmentFactory(participant__code="ZZ")

    assert "ZZ" not in codes(record_matrix(agreement=grid))


def test_sample_data_is_marked(grid):
    CommitmentFactory(guarantee=grid.guarantees.first(), is_sample=True)

    assert record_matrix(agreement=grid).is_sample


def test_an_unknown_sort_is_refused(grid):
    with pytest.raises(ValueError):
        record_matrix(agreement=grid, sort="x")


def test_the_view_of_a_day_uses_the_end_of_that_day_in_the_site_time_zone(settings):
    from commitments.selectors import end_of_day

    settings.TIME_ZONE = "Europe/Paris"

    assert end_of_day(D(2024, 7, 15)).astimezone(datetime.UTC) == datetime.datetime(
        2024, 7, 15, 21, 59, 59, 999999, tzinfo=datetime.UTC
    )
