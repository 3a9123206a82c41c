"""The two state machines, declared once: the ratification ladder and the update workflow.

Forms, serializers and templates take the moves they offer from here.
"""

from collections.abc import Mapping
from datetime import date

from commitments.choices import CommitmentStatus as S
from commitments.choices import UpdateState as U
from commitments.exceptions import InvalidTransition

TRANSITIONS: dict[str, frozenset[str]] = {
    S.PLEDGED: frozenset({S.SIGNED, S.WITHDRAWN}),
    S.SIGNED: frozenset({S.IN_PARLIAMENT, S.RATIFIED, S.IN_FORCE, S.WITHDRAWN}),
    S.IN_PARLIAMENT: frozenset({S.RATIFIED, S.REJECTED, S.WITHDRAWN}),
    S.REJECTED: frozenset({S.IN_PARLIAMENT, S.WITHDRAWN}),
    S.RATIFIED: frozenset({S.IN_FORCE, S.WITHDRAWN}),
    S.IN_FORCE: frozenset({S.WITHDRAWN}),
    S.WITHDRAWN: frozenset(),
}

# Moves that skip parliament: allowed only where no parliamentary approval is needed.
PARLIAMENT_BYPASS: frozenset[tuple[str, str]] = frozenset(
    {(S.SIGNED, S.RATIFIED), (S.SIGNED, S.IN_FORCE)}
)

UPDATE_TRANSITIONS: dict[str, frozenset[str]] = {
    U.DRAFT: frozenset({U.SUBMITTED, U.WITHDRAWN}),
    U.SUBMITTED: frozenset({U.APPROVED, U.REJECTED, U.WITHDRAWN, U.STALE}),
    U.APPROVED: frozenset(),
    U.REJECTED: frozenset(),
    U.WITHDRAWN: frozenset(),
    U.STALE: frozenset(),
}

# Where each stage's date is kept on a Commitment.
STAGE_DATE_FIELDS: dict[str, str] = {status: f"{status}_on" for status in S.values}


def _preceding(status: str) -> frozenset[str]:
    """The statuses from which the ladder reaches `status` (itself too, when on a loop)."""
    found: set[str] = set()
    frontier = {status}
    while frontier:
        frontier = {old for old, new in TRANSITIONS.items() if new & frontier} - found
        found |= frontier
    return frozenset(found)


# The stages that can come before each status on the ladder, derived from TRANSITIONS.
PRECEDING: dict[str, frozenset[str]] = {status: _preceding(status) for status in TRANSITIONS}


def corrected_stage_dates(
    stage_dates: Mapping[str, date | None], status: str, day: date
) -> dict[str, date | None]:
    """The stage dates (by field name) a correction to `status` on `day` leaves, from the
    stage dates it starts from: `status`'s is `day`; a stage that cannot come before
    `status` on the ladder is cleared; every other keeps its date. The pledge's date is where
    the record starts, and no correction moves it (one back to pledged included)."""
    dates = {
        field: day
        if stage == status
        else (stage_dates.get(field) if stage in PRECEDING[status] else None)
        for stage, field in STAGE_DATE_FIELDS.items()
    }
    pledged = STAGE_DATE_FIELDS[S.PLEDGED]
    dates[pledged] = stage_dates.get(pledged)
    return dates


def allowed_next(old: str, *, needs_parliament: bool = True) -> list[str]:
    """The statuses the ladder allows after `old`, in ladder order."""
    return [
        new
        for new in S.values
        if new in TRANSITIONS[old] and not (needs_parliament and (old, new) in PARLIAMENT_BYPASS)
    ]


def check_transition(
    old: str, new: str, *, correction: bool = False, needs_parliament: bool = True
) -> None:
    """Refuse a move the ladder does not allow; a reviewed correction may go anywhere else."""
    if new not in TRANSITIONS or old not in TRANSITIONS:
        raise InvalidTransition(old, new, f"Unknown status: {new if new not in S.values else old}.")
    if new == old:
        raise InvalidTransition(old, new, f"The commitment is already {old}.")
    if correction:
        return
    if new not in TRANSITIONS[old]:
        raise InvalidTransition(old, new)
    if needs_parliament and (old, new) in PARLIAMENT_BYPASS:
        raise InvalidTransition(
            old,
            new,
            f"A move from {old} to {new} skips parliament, whose approval this commitment needs.",
        )


def check_update_transition(old: str, new: str) -> None:
    """Refuse an update-state move the workflow does not allow."""
    if new not in UPDATE_TRANSITIONS.get(old, frozenset()):
        raise InvalidTransition(old, new, f"An update cannot go from {old} to {new}.")
