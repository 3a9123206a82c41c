"""An analyst's status updates: create, edit, delete, submit, withdraw."""

from collections.abc import Sequence
from datetime import date
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from commitments import audit, workflow
from commitments.choices import UpdateState
from commitments.exceptions import (
    StaleUpdate,
    UpdateNotPending,
    ValidationFailed,
)
from commitments.models import (
    Commitment,
    Source,
    StatusUpdate,
)
from commitments.services._shared import (
    _COMMITMENT_RELATED,
    UNCHANGED,
    SourceInput,
    _clean_sources,
    _diff,
    _drop_orphaned_sources,
    _require_analyst,
    _save_sources,
)
from commitments.services.form_tokens import _form_token_claim, _form_token_saved
from commitments.services.outbox import _outbox_update_submitted
from commitments.services.reviews import _newer_change
from commitments.services.update_checks import (
    _check_update_content,
    _check_update_of_record,
    _lock,
    _own_update,
    _update_snapshot,
)

# Status updates -------------------------------------------------------------------------


@transaction.atomic
def update_create(
    *,
    commitment: Commitment,
    author: User,
    proposed_status: str,
    effective_date: date,
    summary: str,
    sources: Sequence[SourceInput | Source],
    is_correction: bool = False,
    correction_reason: str = "",
    corrects: int | None = None,
    base_version: int | None = None,
    draft: bool = False,
    notify: bool = True,
    form_token: str = "",
) -> StatusUpdate:
    """Log a proposed status change with its evidence, as a draft or submitted for review.

    A correction may name the status change it corrects by its event's sequence (`corrects`).
    `form_token`, the token of the form it comes from, saves once (services.form_tokens):
    a second call with it raises AlreadySaved.
    """
    _require_analyst(author)
    claim = _form_token_claim(user=author, token=form_token)
    commitment = Commitment.objects.select_related(*_COMMITMENT_RELATED).get(pk=commitment.pk)
    if base_version is None:
        base_version = commitment.version
    elif base_version > commitment.version:
        raise ValidationFailed(
            {
                "base_version": [
                    _("No such version yet: the commitment is at %s.") % commitment.version
                ]
            }
        )
    _check_update_content(
        commitment=commitment,
        proposed_status=proposed_status,
        effective_date=effective_date,
        summary=summary,
        is_correction=is_correction,
        correction_reason=correction_reason,
        corrects=corrects,
    )
    sources = _clean_sources(sources)
    if base_version != commitment.version:
        raise StaleUpdate(
            StatusUpdate(base_version=base_version),
            current_version=commitment.version,
            newer_change=_newer_change(commitment, base_version),
        )

    now = timezone.now()
    update = StatusUpdate.objects.create(
        commitment=commitment,
        proposed_status=proposed_status,
        effective_date=effective_date,
        summary=summary.strip(),
        is_correction=is_correction,
        correction_reason=correction_reason.strip(),
        corrects_id=corrects,
        base_version=base_version,
        proposed_by=author,
        state=UpdateState.DRAFT if draft else UpdateState.SUBMITTED,
        submitted_at=None if draft else now,
    )
    update.sources.set(_save_sources(sources))
    event = audit.record(
        action=audit.UPDATE_CREATED if draft else audit.UPDATE_SUBMITTED,
        actor=author,
        obj=update,
        commitment=commitment,
        update=update,
        effective_date=effective_date,
        after=_update_snapshot(update),
    )
    if not draft and notify:
        _outbox_update_submitted(event=event, update=update)
    _form_token_saved(claim, update)
    return update


@transaction.atomic
def update_edit(
    *,
    update: StatusUpdate,
    author: User,
    proposed_status: str | None = None,
    effective_date: date | None = None,
    summary: str | None = None,
    sources: Sequence[SourceInput | Source] | None = None,
    is_correction: bool | None = None,
    correction_reason: str | None = None,
    corrects: int | object | None = UNCHANGED,
    base_version: int | None = None,
    form_token: str = "",
) -> StatusUpdate:
    """Change an own draft; it is rewritten against the commitment's current version.

    None leaves a field as it is, but for `corrects`, where None names no event (and
    UNCHANGED leaves it). `base_version`, when given, is the version the author saw while
    editing: if the commitment has moved on since, StaleUpdate names the newer change.
    `form_token` saves once, as in update_create."""
    _require_analyst(author)
    claim = _form_token_claim(user=author, token=form_token)
    update = _lock(update)
    _own_update(update, author, _("edit"))
    if update.state != UpdateState.DRAFT:
        raise UpdateNotPending(update, expected=UpdateState.DRAFT)
    commitment = Commitment.objects.select_related(*_COMMITMENT_RELATED).get(
        pk=update.commitment_id
    )
    if base_version is not None and base_version != commitment.version:
        raise StaleUpdate(
            StatusUpdate(pk=update.pk, base_version=base_version),
            current_version=commitment.version,
            newer_change=_newer_change(commitment, base_version),
        )
    before = _update_snapshot(update)
    new = {
        "proposed_status": update.proposed_status if proposed_status is None else proposed_status,
        "effective_date": update.effective_date if effective_date is None else effective_date,
        "summary": update.summary if summary is None else summary.strip(),
        "is_correction": update.is_correction if is_correction is None else is_correction,
        "correction_reason": (
            update.correction_reason if correction_reason is None else correction_reason.strip()
        ),
        "corrects": update.corrects_id if corrects is UNCHANGED else corrects,
    }
    _check_update_content(commitment=commitment, **new)
    if sources is not None:
        sources = _clean_sources(sources)

    for name, value in new.items():
        setattr(update, "corrects_id" if name == "corrects" else name, value)
    update.base_version = commitment.version
    update.save()
    if sources is not None:
        replaced = set(update.sources.values_list("pk", flat=True))
        update.sources.set(_save_sources(sources))
        _drop_orphaned_sources(replaced)
    old, changed = _diff(before, _update_snapshot(update))
    audit.record(
        action=audit.UPDATE_EDITED,
        actor=author,
        obj=update,
        commitment=commitment,
        update=update,
        before=old,
        after=changed,
    )
    _form_token_saved(claim, update)
    return update


@transaction.atomic
def update_edit_submit(
    *, update: StatusUpdate, author: User, notify: bool = True, **changes: Any
) -> StatusUpdate:
    """Change an own draft (update_edit's arguments) and send it to the reviewers, together:
    if either is refused, the draft stays as it was."""
    update = update_edit(update=update, author=author, **changes)
    return update_submit(update=update, author=author, notify=notify)


@transaction.atomic
def update_delete(*, update: StatusUpdate, author: User) -> None:
    """Delete an own draft (submitted updates are withdrawn instead, and kept)."""
    update = _lock(update)
    _own_update(update, author, _("delete"))
    if update.state != UpdateState.DRAFT:
        raise UpdateNotPending(update, expected=UpdateState.DRAFT)
    before = _update_snapshot(update)
    pk, commitment = update.pk, update.commitment
    cited = list(update.sources.values_list("pk", flat=True))
    update.delete()
    _drop_orphaned_sources(cited)
    audit.record(
        action=audit.UPDATE_DELETED,
        actor=author,
        object_type="commitments.statusupdate",
        object_id=pk,
        commitment=commitment,
        before=before,
    )


@transaction.atomic
def update_submit(*, update: StatusUpdate, author: User, notify: bool = True) -> StatusUpdate:
    """Send an own draft to the reviewers (told unless notify=False)."""
    _require_analyst(author)
    update = _lock(update)
    _own_update(update, author, _("submit"))
    workflow.check_update_transition(update.state, UpdateState.SUBMITTED)
    commitment = Commitment.objects.select_related(*_COMMITMENT_RELATED).get(
        pk=update.commitment_id
    )
    if update.base_version != commitment.version:
        raise StaleUpdate(
            update,
            current_version=commitment.version,
            newer_change=_newer_change(commitment, update.base_version),
        )
    _check_update_of_record(update, commitment)
    update.state = UpdateState.SUBMITTED
    update.submitted_at = timezone.now()
    update.save(update_fields=["state", "submitted_at", "updated_at"])
    event = audit.record(
        action=audit.UPDATE_SUBMITTED,
        actor=author,
        obj=update,
        commitment=commitment,
        update=update,
        before={"state": UpdateState.DRAFT},
        after={"state": UpdateState.SUBMITTED},
    )
    if notify:
        _outbox_update_submitted(event=event, update=update)
    return update


@transaction.atomic
def update_withdraw(*, update: StatusUpdate, author: User) -> StatusUpdate:
    """Take back an own draft or submitted update; it stays on record as withdrawn."""
    update = _lock(update)
    _own_update(update, author, _("withdraw"))
    old_state = update.state
    if UpdateState.WITHDRAWN not in workflow.UPDATE_TRANSITIONS[old_state]:
        raise UpdateNotPending(update, expected=_("draft or submitted"))
    update.state = UpdateState.WITHDRAWN
    update.save(update_fields=["state", "updated_at"])
    audit.record(
        action=audit.UPDATE_WITHDRAWN,
        actor=author,
        obj=update,
        commitment=update.commitment,
        update=update,
        before={"state": old_state},
        after={"state": UpdateState.WITHDRAWN},
    )
    return update
