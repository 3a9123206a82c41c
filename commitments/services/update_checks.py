"""The checks an update must pass against the record it would change."""

from collections.abc import Mapping
from datetime import date
from typing import Any, NamedTuple

from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from commitments import audit, selectors, workflow
from commitments.choices import (
    CommitmentStatus,
    UpdateState,
)
from commitments.exceptions import (
    NotAllowed,
    UpdateNotPending,
    ValidationFailed,
)
from commitments.models import (
    AuditEvent,
    Commitment,
    StatusUpdate,
)
from commitments.services._shared import _needs_parliament


class _Basis(NamedTuple):
    """What an update is applied to: the status and stage dates it moves on from, the
    earliest effective date it may carry, and the status change it supersedes (a
    correction's)."""

    status: str
    stage_dates: dict[str, date | None]
    earliest: date
    earliest_is_pledge: bool
    corrects: int | None = None


def _basis(
    commitment: Commitment,
    status: str,
    status_date: date | None,
    stage_dates: dict,
    corrects: int | None = None,
) -> _Basis:
    # The pledge (or, where none is recorded, its agreement's date) bounds every date.
    pledged = commitment.pledged_on or commitment.guarantee.agreement.signed_on
    if status_date is None or status_date <= pledged:
        return _Basis(status, stage_dates, max(pledged, status_date or pledged), True, corrects)
    return _Basis(status, stage_dates, status_date, False, corrects)


def _live_basis(commitment: Commitment) -> _Basis:
    stage_dates = {f: getattr(commitment, f) for f in workflow.STAGE_DATE_FIELDS.values()}
    return _basis(commitment, commitment.status, commitment.status_date, stage_dates)


def _corrected_basis(commitment: Commitment, sequence: int | None) -> _Basis | str:
    """The record as it stood just before status change `sequence`, which a correction says
    was wrong; or why that event cannot be corrected. None: the current status is wrong, so
    the latest standing status change is corrected (none after the pledge: nothing is)."""
    standing = selectors.status_events_standing(commitment=commitment)
    changes = standing.filter(action=audit.STATUS_CHANGED)
    if sequence is None:
        sequence = changes.values_list("sequence", flat=True).last()
        if sequence is None:
            return _live_basis(commitment)
    elif not changes.filter(sequence=sequence).exists():
        if AuditEvent.objects.filter(
            commitment=commitment, action=audit.STATUS_CHANGED, sequence=sequence
        ).exists():
            return _("Event #%s has already been corrected; name one that still stands.") % (
                sequence
            )
        return _("Event #%s is not a status change of this commitment.") % sequence
    # The record just before the named event: the status events before it that still stand
    # (those a correction superseded never happened). The pledge's date never moves.
    state = {"pledged_on": audit.jsonable(commitment.pledged_on)}
    for after in standing.filter(sequence__lt=sequence).values_list("after", flat=True):
        audit.replay(state, after)
    stage_dates = {
        f: date.fromisoformat(state[f]) if state.get(f) else None
        for f in workflow.STAGE_DATE_FIELDS.values()
    }
    status_date = date.fromisoformat(state["status_date"]) if state.get("status_date") else None
    return _basis(commitment, state["status"], status_date, stage_dates, sequence)


def _check_update_content(
    *,
    commitment: Commitment,
    proposed_status: str,
    effective_date: date,
    summary: str,
    is_correction: bool,
    correction_reason: str,
    corrects: int | None = None,
) -> _Basis:
    """Refuse an update the record cannot take; return what it would be applied to.

    Its effective date is not before the pledge nor before the current status's date: the
    history stays in date order. A correction that names the earlier status change it
    corrects (`corrects`, the event's sequence) moves on from the record as it stood just
    before that event, and is bounded by that record's date instead.
    """
    errors: dict[str, list[str]] = {}
    if proposed_status not in CommitmentStatus.values:
        errors["proposed_status"] = [_("Not a status on the ladder: %s.") % proposed_status]
    if effective_date > timezone.localdate():
        errors["effective_date"] = [_("The effective date cannot be in the future.")]
    if not summary.strip():
        errors["summary"] = [_("A summary is required.")]
    if is_correction and not correction_reason.strip():
        errors["correction_reason"] = [_("A correction needs a reason.")]
    basis = _live_basis(commitment)
    if corrects is not None and not is_correction:
        errors["corrects"] = [_("Only a correction names the event it corrects.")]
    elif is_correction:
        corrected = _corrected_basis(commitment, corrects)
        if isinstance(corrected, str):
            errors["corrects"] = [corrected]
        else:
            basis = corrected
    if "effective_date" not in errors and effective_date < basis.earliest:
        errors["effective_date"] = [_earliest_message(basis)]
    if errors:
        raise ValidationFailed(errors)
    if basis.corrects is None:
        workflow.check_transition(
            basis.status,
            proposed_status,
            correction=is_correction,
            needs_parliament=_needs_parliament(commitment),
        )
    # A correction of a status change may restate the status before it: that change and
    # every later one never happened ("it never went to parliament"), so none is refused.
    return basis


def _earliest_message(basis: _Basis) -> str:
    values = {"date": basis.earliest.isoformat(), "status": basis.status, "seq": basis.corrects}
    if basis.earliest_is_pledge:
        return _("The effective date cannot be before %(date)s, when it was pledged.") % values
    if basis.corrects is not None:
        return (
            _(
                "The effective date cannot be before %(date)s, the date of the status "
                "(%(status)s) the record had before event #%(seq)s."
            )
            % values
        )
    return (
        _(
            "The effective date cannot be before %(date)s, the date of the current status "
            "(%(status)s). Only a correction (of the status change it names, or of the "
            "current status) may go back further."
        )
        % values
    )


def _check_update_of_record(update: StatusUpdate, commitment: Commitment) -> _Basis:
    """_check_update_content for an update already written."""
    return _check_update_content(
        commitment=commitment,
        proposed_status=update.proposed_status,
        effective_date=update.effective_date,
        summary=update.summary,
        is_correction=update.is_correction,
        correction_reason=update.correction_reason,
        corrects=update.corrects_id,
    )


def _own_update(update: StatusUpdate, user: User, verb: str) -> None:
    if update.proposed_by_id != user.pk:
        raise NotAllowed(_("Only the author may %s this update.") % verb)


def _lock(update: StatusUpdate) -> StatusUpdate:
    try:
        update.refresh_from_db(from_queryset=StatusUpdate.objects.select_for_update())
    except StatusUpdate.DoesNotExist:
        # Deleted (a draft) since the caller read it.
        raise UpdateNotPending(update, expected=UpdateState.DRAFT) from None
    return update


def _update_snapshot(
    update: StatusUpdate | Mapping[str, Any], source_urls: list[str] | None = None
) -> dict[str, Any]:
    """What an update's audit events record of it. An import passes the row it inserts (field
    attnames to values) and its source URLs, which a saved update's sources give otherwise."""
    if isinstance(update, Mapping):
        values = update
    else:
        values = {name: getattr(update, name) for name in _SNAPSHOT_ATTNAMES}
    if source_urls is None:
        source_urls = list(update.sources.values_list("url", flat=True))
    return {
        "state": values["state"],
        "proposed_status": values["proposed_status"],
        "effective_date": values["effective_date"],
        "summary": values["summary"],
        "is_correction": values["is_correction"],
        "correction_reason": values["correction_reason"],
        "corrects": values["corrects_id"],
        "base_version": values["base_version"],
        "sources": sorted(source_urls),
    }


_SNAPSHOT_ATTNAMES = (
    "state",
    "proposed_status",
    "effective_date",
    "summary",
    "is_correction",
    "correction_reason",
    "corrects_id",
    "base_version",
)
