"""The review: approving (or marking stale) and rejecting a submitted update."""

from collections.abc import Iterable
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.roles import Role
from commitments import audit, selectors, workflow
from commitments.choices import (
    NotificationKind,
    UpdateState,
)
from commitments.exceptions import (
    DomainError,
    SelfReviewForbidden,
    StaleUpdate,
    UpdateNotPending,
    ValidationFailed,
)
from commitments.models import (
    Commitment,
    StatusUpdate,
)
from commitments.services._shared import _COMMITMENT_RELATED, _require_role
from commitments.services.outbox import _outbox_status_changed, _outbox_update_decided
from commitments.services.update_checks import _check_update_of_record, _lock


def _check_reviewer(update: StatusUpdate, reviewer: User) -> None:
    if update.state != UpdateState.SUBMITTED:
        raise UpdateNotPending(update)
    # Four eyes first: a superuser holds every role, and still never reviews their own.
    if update.proposed_by_id == reviewer.pk:
        raise SelfReviewForbidden()
    _require_role(reviewer, Role.REVIEWER, _("Only reviewers may decide on updates."))


def update_approve(
    *, update: StatusUpdate, reviewer: User, comment: str = "", notify: bool = True
) -> Commitment:
    """Apply a submitted update to the live record; every write commits or none does.

    An update written against an older version is marked stale (recorded in its own
    transaction) and refused with StaleUpdate, naming the newer change. With notify=False
    nobody is told (replaying a history: the demo scenario).
    """
    try:
        return _approve(update=update, reviewer=reviewer, comment=comment, notify=notify)
    except StaleUpdate as stale:
        _mark_stale(
            update=update,
            reviewer=reviewer,
            current_version=stale.current_version,
            notify=notify,
        )
        raise


@transaction.atomic
def _approve(*, update: StatusUpdate, reviewer: User, comment: str, notify: bool) -> Commitment:
    # Lock the update, then its commitment: always in this order.
    update = _lock(update)
    _check_reviewer(update, reviewer)
    commitment = (
        Commitment.objects.select_for_update(of=("self",))
        .select_related(*_COMMITMENT_RELATED)
        .get(pk=update.commitment_id)
    )
    if update.base_version != commitment.version:
        raise StaleUpdate(
            update,
            current_version=commitment.version,
            newer_change=_newer_change(commitment, update.base_version),
        )
    # Again at approval: an update written before these checks existed may not pass them.
    basis = _check_update_of_record(update, commitment)

    now = timezone.now()
    before = audit.status_state(commitment)
    stage_dates = workflow.stage_dates_after(
        basis.stage_dates, update.proposed_status, update.effective_date
    )
    for name, value in stage_dates.items():
        setattr(commitment, name, value)
    commitment.status = update.proposed_status
    commitment.status_date = update.effective_date
    commitment.status_changed_at = now
    commitment.version += 1
    commitment.save(update_fields=[*audit.STATUS_STATE_FIELDS, "status_changed_at", "updated_at"])

    update.state = UpdateState.APPROVED
    update.reviewed_by = reviewer
    update.reviewed_at = now
    update.review_comment = comment.strip()
    # A correction that named no event corrected the current status: its change, now named.
    update.corrects_id = basis.corrects
    update.save(
        update_fields=[
            "state",
            "reviewed_by",
            "reviewed_at",
            "review_comment",
            "corrects",
            "updated_at",
        ]
    )

    event = audit.record(
        action=audit.STATUS_CHANGED,
        actor=reviewer,
        obj=commitment,
        commitment=commitment,
        update=update,
        effective_date=update.effective_date,
        before=before,
        after={
            **audit.status_state(commitment),
            "proposed_by": update.proposed_by.get_username(),
            "is_correction": update.is_correction,
            # Supersedes that event and every later status change of the commitment.
            **({"corrects": basis.corrects} if basis.corrects else {}),
        },
        reason=update.correction_reason if update.is_correction else update.review_comment,
    )
    if notify:
        _outbox_status_changed(event=event, commitment=commitment, update=update)
    return commitment


def _newer_change(commitment: Commitment, base_version: int) -> str:
    """Names the applied change that moved the commitment past base_version."""
    pair = (commitment.pk, base_version)
    return selectors.overtaking_changes(pairs=[pair]).get(pair, "")


@transaction.atomic
def _mark_stale(
    *, update: StatusUpdate, reviewer: User, current_version: int, notify: bool
) -> None:
    update = _lock(update)
    if update.state != UpdateState.SUBMITTED:
        return
    update.state = UpdateState.STALE
    update.save(update_fields=["state", "updated_at"])
    event = audit.record(
        action=audit.UPDATE_STALE,
        actor=reviewer,
        obj=update,
        commitment=update.commitment,
        update=update,
        before={"state": UpdateState.SUBMITTED},
        after={"state": UpdateState.STALE, "current_version": current_version},
    )
    if notify:
        _outbox_update_decided(kind=NotificationKind.UPDATE_STALE, event=event, update=update)


@transaction.atomic
def update_reject(
    *, update: StatusUpdate, reviewer: User, comment: str, notify: bool = True
) -> StatusUpdate:
    """Turn a submitted update down, with a comment for its author."""
    update = _lock(update)
    _check_reviewer(update, reviewer)
    if not comment.strip():
        raise ValidationFailed({"comment": [_("A rejection needs a comment.")]})
    update.state = UpdateState.REJECTED
    update.reviewed_by = reviewer
    update.reviewed_at = timezone.now()
    update.review_comment = comment.strip()
    update.save(
        update_fields=["state", "reviewed_by", "reviewed_at", "review_comment", "updated_at"]
    )
    event = audit.record(
        action=audit.UPDATE_REJECTED,
        actor=reviewer,
        obj=update,
        commitment=update.commitment,
        update=update,
        before={"state": UpdateState.SUBMITTED},
        after={"state": UpdateState.REJECTED},
        reason=update.review_comment,
    )
    if notify:
        _outbox_update_decided(kind=NotificationKind.UPDATE_REJECTED, event=event, update=update)
    return update


@dataclass(frozen=True)
class ApprovalOutcome:
    """What became of one update of a bulk approval: the commitment it changed, or the
    refusal (nothing changed by that one)."""

    update: StatusUpdate
    commitment: Commitment | None = None
    refusal: DomainError | None = None


def updates_approve(
    *, updates: Iterable[StatusUpdate], reviewer: User, notify: bool = True
) -> list[ApprovalOutcome]:
    """Approve several updates, oldest first, each in its own transaction: one refused (its
    own, stale, no longer pending...) is reported and does not undo the others. Of two
    updates on one commitment, the later one then turns stale."""
    outcomes = []
    for update in sorted(updates, key=lambda u: (u.submitted_at is None, u.submitted_at, u.pk)):
        try:
            commitment = update_approve(update=update, reviewer=reviewer, notify=notify)
        except DomainError as refusal:
            outcomes.append(ApprovalOutcome(update=update, refusal=refusal))
        else:
            outcomes.append(ApprovalOutcome(update=update, commitment=commitment))
    return outcomes
