"""Every move of the ratification ladder and of the update workflow, allowed or refused."""

import itertools

import pytest

from commitments import workflow
from commitments.choices import CommitmentStatus as S
from commitments.choices import UpdateState as U
from commitments.exceptions import InvalidTransition

ALLOWED = {
    (S.PLEDGED, S.SIGNED),
    (S.PLEDGED, S.WITHDRAWN),
    (S.SIGNED, S.IN_PARLIAMENT),
    (S.SIGNED, S.RATIFIED),
    (S.SIGNED, S.IN_FORCE),
    (S.SIGNED, S.WITHDRAWN),
    (S.IN_PARLIAMENT, S.RATIFIED),
    (S.IN_PARLIAMENT, S.REJECTED),
    (S.IN_PARLIAMENT, S.WITHDRAWN),
    (S.REJECTED, S.IN_PARLIAMENT),
    (S.REJECTED, S.WITHDRAWN),
    (S.RATIFIED, S.IN_FORCE),
    (S.RATIFIED, S.WITHDRAWN),
    (S.IN_FORCE, S.WITHDRAWN),
}
ALL_PAIRS = list(itertools.product(S.values, S.values))
UPDATE_ALLOWED = {
    (U.DRAFT, U.SUBMITTED),
    (U.DRAFT, U.WITHDRAWN),
    (U.SUBMITTED, U.APPROVED),
    (U.SUBMITTED, U.REJECTED),
    (U.SUBMITTED, U.WITHDRAWN),
    (U.SUBMITTED, U.STALE),
}
# The moves that skip parliament, refused where its approval is needed.
SKIPS_PARLIAMENT = {(S.SIGNED, S.RATIFIED), (S.SIGNED, S.IN_FORCE)}


@pytest.mark.parametrize(("old", "new"), sorted(ALLOWED))
def test_the_ladder_allows_move_without_parliament(old, new):
    workflow.check_transition(old, new, needs_parliament=False)


@pytest.mark.parametrize(("old", "new"), [p for p in ALL_PAIRS if p not in ALLOWED])
def test_the_ladder_refuses_move(old, new):
    with pytest.raises(InvalidTransition):
        workflow.check_transition(old, new, needs_parliament=False)


@pytest.mark.parametrize(("old", "new"), sorted(ALLOWED - SKIPS_PARLIAMENT))
def test_the_ladder_allows_move_with_parliament(old, new):
    workflow.check_transition(old, new, needs_parliament=True)


@pytest.mark.parametrize(("old", "new"), sorted(SKIPS_PARLIAMENT))
def test_a_commitment_needing_parliament_cannot_skip_it(old, new):
    with pytest.raises(InvalidTransition, match="skips parliament"):
        workflow.check_transition(old, new, needs_parliament=True)


REFUSED_MOVES = [p for p in ALL_PAIRS if p not in ALLOWED and p[0] != p[1]]


@pytest.mark.parametrize(("old", "new"), REFUSED_MOVES)
def test_a_correction_may_make_any_move_the_ladder_refuses(old, new):
    workflow.check_transition(old, new, correction=True)


@pytest.mark.parametrize("status", S.values)
def test_even_a_correction_cannot_move_to_the_same_status(status):
    with pytest.raises(InvalidTransition, match="already"):
        workflow.check_transition(status, status, correction=True)


def test_withdrawn_is_final():
    assert workflow.allowed_next(S.WITHDRAWN) == []


def test_allowed_next_lists_moves_in_ladder_order_without_parliament_bypass():
    assert workflow.allowed_next(S.SIGNED) == [S.IN_PARLIAMENT, S.WITHDRAWN]
    assert workflow.allowed_next(S.SIGNED, needs_parliament=False) == [
        S.IN_PARLIAMENT,
        S.RATIFIED,
        S.IN_FORCE,
        S.WITHDRAWN,
    ]


@pytest.mark.parametrize(("old", "new"), sorted(UPDATE_ALLOWED))
def test_the_update_workflow_allows(old, new):
    workflow.check_update_transition(old, new)


@pytest.mark.parametrize(
    ("old", "new"),
    [p for p in itertools.product(U.values, U.values) if p not in UPDATE_ALLOWED],
)
def test_the_update_workflow_refuses(old, new):
    with pytest.raises(InvalidTransition):
        workflow.check_update_transition(old, new)


def test_every_status_has_a_stage_date_field():
    from commitments.models import Commitment

    names = {f.name for f in Commitment._meta.fields}
    assert workflow.STAGE_DATE_FIELDS == {
        S.PLEDGED: "pledged_on",
        S.SIGNED: "signed_on",
        S.IN_PARLIAMENT: "in_parliament_on",
        S.RATIFIED: "ratified_on",
        S.REJECTED: "rejected_on",
        S.IN_FORCE: "in_force_on",
        S.WITHDRAWN: "withdrawn_on",
    }
    assert set(workflow.STAGE_DATE_FIELDS.values()) <= names
