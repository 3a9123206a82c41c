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

# The statuses at which a pledge binds its country: "ratified or in force" in every total.
DONE: frozenset[str] = frozenset({S.RATIFIED, S.IN_FORCE})

# Where each stage's date is kept on a Commitment.
STAGE_DATE_FIELDS: dict[str, str] = {status: f"{status}_on" for status in S.values}

# A Commitment's fields that only an approved status update sets (with the stage dates).
STATUS_FIELDS: tuple[str, ...] = ("status", "status_date", "status_changed_at", "version")


def stage_dates_after(
    stage_dates: Mapping[str, date | None], status: str, day: date
) -> dict[str, date | None]:
    """The stage dates (by field name) once `status` is reached on `day`, from those of the
    record it moves on from: `status`'s is `day`, every other keeps its date. The pledge's
    date is where the record starts, and nothing moves it (a correction back to pledged
    included). A correction moves on from the record as it stood before the change it
    corrects, so the stages only that change and later ones reached have no date here."""
    dates = dict(stage_dates)
    if status != S.PLEDGED:
        dates[STAGE_DATE_FIELDS[status]] = day
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
