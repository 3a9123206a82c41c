"""Every write to the record: one function per use case, each in one transaction.

Every check runs before the first write, so a refused call changes nothing; audit.record()
comes last, so the lock serialising the audit chain is held briefly.
"""

from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date, datetime, timedelta
from functools import partial
from typing import Any, Final, NamedTuple, TypedDict

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import IntegrityError, connection, models, transaction
from django.db.models import Exists, OuterRef, Value
from django.db.models.functions import Cast, Concat
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.roles import Role, has_role
from commitments import audit, checkpoints, notifications, selectors, tasks, workflow
from commitments.choices import (
    CommitmentStatus,
    DeliveryState,
    NotificationChannel,
    NotificationKind,
    UpdateState,
)
from commitments.exceptions import (
    NotAllowed,
    SelfReviewForbidden,
    StaleUpdate,
    UpdateNotPending,
    ValidationFailed,
    WebhookQuotaExceeded,
)
from commitments.models import (
    CHECKPOINT_TYPE,
    EVENT_TYPES,
    MAX_FILTER_VALUES,
    STATUS_CHANGED_TYPE,
    Agreement,
    AuditCheckpoint,
    AuditEvent,
    Commitment,
    Guarantee,
    Notification,
    Participant,
    Source,
    StatusUpdate,
    Subscription,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookMessage,
)


class SourceInput(TypedDict, total=False):
    url: str
    title: str
    publisher: str
    published_on: date | None
    excerpt: str


_url_validator = URLValidator(schemes=["http", "https"])
_COMMITMENT_RELATED = ("participant", "guarantee__agreement")
# update_edit's "leave `corrects` as it is" (None there names no event).
UNCHANGED: Final = object()
_SOURCE_FIELDS = ("url", "title", "publisher", "published_on", "excerpt")


# Helpers ---------------------------------------------------------------------------------


def _require_role(user: User, role: str, message: str) -> None:
    if not has_role(user, role):
        raise NotAllowed(message)


def _require_analyst(user: User) -> None:
    _require_role(user, Role.ANALYST, _("Only analysts may propose status updates."))


def _needs_parliament(commitment: Commitment) -> bool:
    return (
        commitment.subject_to_ratification and commitment.participant.needs_parliamentary_approval
    )


def _raise_from(error: ValidationError) -> None:
    """Turn a Django ValidationError into the domain's field errors."""
    if hasattr(error, "error_dict"):
        raise ValidationFailed(
            {field: [str(m) for m in messages] for field, messages in error.message_dict.items()}
        ) from error
    raise ValidationFailed({"non_field_errors": [str(m) for m in error.messages]}) from error


def _field_values(instance: models.Model) -> dict[str, Any]:
    """Concrete, editable field values by name (foreign keys as ids)."""
    return {
        field.attname if field.is_relation else field.name: getattr(instance, field.attname)
        for field in instance._meta.concrete_fields
        if field.editable and not field.primary_key
    }


def _diff(old: dict[str, Any], new: dict[str, Any]) -> tuple[dict, dict]:
    changed = [name for name in new if old.get(name) != new[name]]
    return {n: old.get(n) for n in changed}, {n: new[n] for n in changed}


def _clean_sources(sources: Sequence[SourceInput | Source]) -> list[SourceInput | Source]:
    if not sources:
        raise ValidationFailed({"sources": [_("At least one source is required.")]})
    errors: list[str] = []
    for index, source in enumerate(sources):
        if isinstance(source, Source):
            continue
        url = (source.get("url") or "").strip()
        try:
            _url_validator(url)
        except ValidationError:
            errors.append(_("Source %(n)s: enter a valid http(s) URL.") % {"n": index + 1})
        if len(url) > 2000:
            errors.append(_("Source %(n)s: the URL is longer than 2000.") % {"n": index + 1})
        unknown = set(source) - set(_SOURCE_FIELDS)
        if unknown:
            errors.append(_("Source %(n)s: unknown fields %(f)s.") % {"n": index + 1, "f": unknown})
    if errors:
        raise ValidationFailed({"sources": errors})
    return list(sources)


def _save_sources(sources: Iterable[SourceInput | Source]) -> list[Source]:
    saved = []
    for source in sources:
        if not isinstance(source, Source):
            source = Source(**{k: v for k, v in source.items() if k in _SOURCE_FIELDS})
            source.url = source.url.strip()
            try:
                source.full_clean()
            except ValidationError as error:
                _raise_from(error)
            source.save()
        saved.append(source)
    return saved


def _drop_orphaned_sources(source_ids: Iterable[int]) -> None:
    """Delete those of these sources that no update, commitment or agreement cites any more.

    No audit event: such a source was entered with its update, unaudited, and the update's
    own event (edited, deleted) already records the URLs it lost; a reference-data event
    would also publish a draft's evidence in the changes feed."""
    Source.objects.filter(
        ~Exists(StatusUpdate.sources.through.objects.filter(source=OuterRef("pk"))),
        ~Exists(Commitment.sources.through.objects.filter(source=OuterRef("pk"))),
        ~Exists(Agreement.sources.through.objects.filter(source=OuterRef("pk"))),
        pk__in=list(source_ids),
    ).delete()


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


def _update_snapshot(update: StatusUpdate) -> dict[str, Any]:
    return {
        "state": update.state,
        "proposed_status": update.proposed_status,
        "effective_date": update.effective_date,
        "summary": update.summary,
        "is_correction": update.is_correction,
        "correction_reason": update.correction_reason,
        "corrects": update.corrects_id,
        "base_version": update.base_version,
        "sources": sorted(update.sources.values_list("url", flat=True)),
    }


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
) -> StatusUpdate:
    """Log a proposed status change with its evidence, as a draft or submitted for review.

    A correction may name the status change it corrects by its event's sequence (`corrects`).
    """
    _require_analyst(author)
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
            StatusUpdate(base_version=base_version), current_version=commitment.version
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
    if not draft:
        _outbox_update_submitted(event=event, update=update)
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
) -> StatusUpdate:
    """Change an own draft; it is rewritten against the commitment's current version.

    None leaves a field as it is, but for `corrects`, where None names no event (and
    UNCHANGED leaves it)."""
    _require_analyst(author)
    update = _lock(update)
    _own_update(update, author, _("edit"))
    if update.state != UpdateState.DRAFT:
        raise UpdateNotPending(update, expected=UpdateState.DRAFT)
    commitment = Commitment.objects.select_related(*_COMMITMENT_RELATED).get(
        pk=update.commitment_id
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
    return update


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
def update_submit(*, update: StatusUpdate, author: User) -> StatusUpdate:
    """Send an own draft to the reviewers."""
    _require_analyst(author)
    update = _lock(update)
    _own_update(update, author, _("submit"))
    workflow.check_update_transition(update.state, UpdateState.SUBMITTED)
    commitment = Commitment.objects.select_related(*_COMMITMENT_RELATED).get(
        pk=update.commitment_id
    )
    if update.base_version != commitment.version:
        raise StaleUpdate(update, current_version=commitment.version)
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


def _check_reviewer(update: StatusUpdate, reviewer: User) -> None:
    if update.state != UpdateState.SUBMITTED:
        raise UpdateNotPending(update)
    # Four eyes first: a superuser holds every role, and still never reviews their own.
    if update.proposed_by_id == reviewer.pk:
        raise SelfReviewForbidden()
    _require_role(reviewer, Role.REVIEWER, _("Only reviewers may decide on updates."))


def update_approve(*, update: StatusUpdate, reviewer: User, comment: str = "") -> Commitment:
    """Apply a submitted update to the live record; every write commits or none does.

    An update written against an older version is marked stale (recorded in its own
    transaction) and refused with StaleUpdate, naming the newer change.
    """
    try:
        return _approve(update=update, reviewer=reviewer, comment=comment)
    except StaleUpdate as stale:
        _mark_stale(update=update, reviewer=reviewer, current_version=stale.current_version)
        raise


@transaction.atomic
def _approve(*, update: StatusUpdate, reviewer: User, comment: str) -> Commitment:
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
    _outbox_status_changed(event=event, commitment=commitment, update=update)
    return commitment


def _newer_change(commitment: Commitment, base_version: int) -> str:
    """Names the applied change that moved the commitment past base_version."""
    newer = (
        AuditEvent.objects.filter(
            commitment=commitment, action__in=audit.STATUS_ACTIONS, after__version=base_version + 1
        )
        .order_by("sequence")
        .first()
    )
    if newer is None:
        return ""
    return _("It was changed to %(status)s by %(actor)s (update %(update)s, event %(seq)s).") % {
        "status": newer.after.get("status"),
        "actor": newer.actor_name,
        "update": newer.update_id,
        "seq": newer.sequence,
    }


@transaction.atomic
def _mark_stale(*, update: StatusUpdate, reviewer: User, current_version: int) -> None:
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
    _outbox_update_decided(kind=NotificationKind.UPDATE_STALE, event=event, update=update)


@transaction.atomic
def update_reject(*, update: StatusUpdate, reviewer: User, comment: str) -> StatusUpdate:
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
    _outbox_update_decided(kind=NotificationKind.UPDATE_REJECTED, event=event, update=update)
    return update


# Reference data -------------------------------------------------------------------------


def _reference_save(instance: models.Model, actor: User | None):
    """Validate, save and audit one reference-data row (created or changed)."""
    try:
        instance.full_clean()
    except ValidationError as error:
        _raise_from(error)
    creating = instance._state.adding or instance.pk is None
    old = {} if creating else _field_values(type(instance).objects.get(pk=instance.pk))
    new = _field_values(instance)
    try:
        with transaction.atomic():
            instance.save()
    except IntegrityError as error:
        raise ValidationFailed(str(error)) from error
    before, after = ({}, new) if creating else _diff(old, new)
    if creating or after:
        audit.record(
            action=audit.REFERENCE_CREATED if creating else audit.REFERENCE_CHANGED,
            actor=actor,
            obj=instance,
            before=before,
            after=after,
        )
    return instance


@transaction.atomic
def participant_save(*, participant: Participant, actor: User | None) -> Participant:
    """Create or change a participant (admin, imports, demo data); audited."""
    return _reference_save(participant, actor)


@transaction.atomic
def agreement_save(
    *, agreement: Agreement, actor: User | None, sources: Iterable[Source] | None = None
) -> Agreement:
    """Create or change an agreement; audited."""
    agreement = _reference_save(agreement, actor)
    if sources is not None:
        agreement_sources_set(agreement=agreement, sources=sources, actor=actor)
    return agreement


@transaction.atomic
def agreement_sources_set(
    *, agreement: Agreement, sources: Iterable[Source], actor: User | None
) -> Agreement:
    """Replace the sources an agreement cites; audited when they change."""
    sources = list(sources)
    before = sorted(agreement.sources.values_list("pk", flat=True))
    after = sorted(source.pk for source in sources)
    if before != after:
        agreement.sources.set(sources)
        audit.record(
            action=audit.REFERENCE_CHANGED,
            actor=actor,
            obj=agreement,
            before={"sources": before},
            after={"sources": after},
        )
    return agreement


@transaction.atomic
def guarantee_save(*, guarantee: Guarantee, actor: User | None) -> Guarantee:
    """Create or change a guarantee; audited."""
    return _reference_save(guarantee, actor)


@transaction.atomic
def source_save(*, source: Source, actor: User | None) -> Source:
    """Create or change a source (the admin's edits); audited."""
    return _reference_save(source, actor)


@transaction.atomic
def reference_delete(*, instance: models.Model, actor: User | None) -> None:
    """Delete a reference-data row that nothing depends on; audited."""
    before = _field_values(instance)
    pk = instance.pk
    try:
        with transaction.atomic():
            instance.delete()
    except models.ProtectedError as error:
        raise ValidationFailed(
            _("%(obj)s is still referred to and cannot be deleted.") % {"obj": instance}
        ) from error
    audit.record(
        action=audit.REFERENCE_DELETED,
        actor=actor,
        object_type=instance._meta.label_lower,
        object_id=pk,
        before=before,
    )


# Commitments ----------------------------------------------------------------------------

# Fields only an approved update changes.
_STATUS_FIELDS = frozenset(
    {"status", "status_date", "status_changed_at", "version", *workflow.STAGE_DATE_FIELDS.values()}
)


@transaction.atomic
def commitment_create(
    *,
    participant: Participant,
    guarantee: Guarantee,
    actor: User | None,
    pledged_on: date | None = None,
    subject_to_ratification: bool = True,
    notes: str = "",
    is_sample: bool = False,
) -> Commitment:
    """Record that a participant pledged a guarantee: status pledged, version 1."""
    pledged_on = pledged_on or guarantee.agreement.signed_on
    commitment = Commitment(
        participant=participant,
        guarantee=guarantee,
        status=CommitmentStatus.PLEDGED,
        status_date=pledged_on,
        pledged_on=pledged_on,
        status_changed_at=timezone.now(),
        subject_to_ratification=subject_to_ratification,
        notes=notes,
        is_sample=is_sample,
        version=1,
    )
    try:
        commitment.full_clean()
    except ValidationError as error:
        _raise_from(error)
    commitment.save()
    audit.record(
        action=audit.COMMITMENT_CREATED,
        actor=actor,
        obj=commitment,
        commitment=commitment,
        effective_date=pledged_on,
        after={
            "participant": participant.code,
            "guarantee": guarantee.slug,
            **audit.status_state(commitment),
            "subject_to_ratification": subject_to_ratification,
        },
    )
    return commitment


@transaction.atomic
def commitment_save(*, commitment: Commitment, actor: User | None) -> Commitment:
    """Change a commitment's notes or ratification flag; its status moves only by updates."""
    current = Commitment.objects.select_for_update().get(pk=commitment.pk)
    old, new = _field_values(current), _field_values(commitment)
    before, after = _diff(old, new)
    touched = _STATUS_FIELDS.intersection(after)
    if touched:
        raise NotAllowed(
            _("%s changes only through a reviewed status update.") % ", ".join(sorted(touched))
        )
    if {"participant_id", "guarantee_id"}.intersection(after):
        raise ValidationFailed(_("A commitment's participant and guarantee are fixed."))
    if not after:
        return current
    try:
        commitment.full_clean()
    except ValidationError as error:
        _raise_from(error)
    commitment.save(update_fields=[*after, "updated_at"])
    audit.record(
        action=audit.COMMITMENT_CHANGED,
        actor=actor,
        obj=commitment,
        commitment=commitment,
        before=before,
        after=after,
    )
    return commitment


# Notifications --------------------------------------------------------------------------
# The outbox: the workflow above writes Notification and WebhookDelivery rows in the
# transaction of the change, then hands one task per event to Celery after the commit.


_muted: ContextVar[bool] = ContextVar("notifications_muted", default=False)


@contextmanager
def notifications_muted() -> Iterator[None]:
    """Within it the workflow tells nobody: for replaying a history (the demo scenario)
    that nobody is to be notified of. Also a decorator."""
    token = _muted.set(True)
    try:
        yield
    finally:
        _muted.reset(token)


def _schedule_dispatch(event: AuditEvent) -> None:
    # robust: a broker outage is logged, and the sweep queues the rows later.
    transaction.on_commit(partial(tasks.dispatch_event.delay, event.pk), robust=True)


def _notify_people(
    *,
    kind: str,
    event: AuditEvent,
    update: StatusUpdate,
    people: Iterable[User],
    data: dict[str, Any] | None = None,
) -> list[Notification]:
    """In-app and e-mail notifications of one workflow step to the people it concerns."""
    commitment = update.commitment
    if data is None:
        data = audit.jsonable(
            {
                "event": {"id": event.pk, "sequence": event.sequence, "action": event.action},
                "commitment": {"id": commitment.pk, "version": commitment.version},
                "participant": {
                    "code": commitment.participant.code,
                    "name": commitment.participant.name,
                },
                "guarantee": {
                    "slug": commitment.guarantee.slug,
                    "title": commitment.guarantee.title,
                },
                "update": notifications.update_data(update),
                "reviewer": update.reviewed_by.get_username() if update.reviewed_by else "",
            }
        )
    recipients = [
        (person.pk, channel, person.email)
        for person in people
        for channel in (NotificationChannel.IN_APP, NotificationChannel.EMAIL)
    ]
    return notifications.notification_rows(
        kind=kind,
        recipients=recipients,
        data=data,
        key=str(event.pk),
        event=event,
        commitment=commitment,
        now=event.occurred_at,
    )


def _outbox_status_changed(
    *, event: AuditEvent, commitment: Commitment, update: StatusUpdate
) -> None:
    """Tell the subscribers, the update's author and the webhook endpoints that follow
    the commitment."""
    if _muted.get():
        return
    commitment = Commitment.objects.select_related("participant", "guarantee__agreement").get(
        pk=commitment.pk
    )
    data = notifications.event_data(event=event, commitment=commitment, update=update)
    subscribers = (
        Subscription.objects.following(commitment)
        .filter(user__is_active=True)
        .order_by("pk")
        .values_list("user_id", "channel", "user__email")
    )
    rows = notifications.notification_rows(
        kind=NotificationKind.STATUS_CHANGED,
        recipients=subscribers,
        data=data,
        key=str(event.pk),
        event=event,
        commitment=commitment,
        now=event.occurred_at,
    )
    rows += _notify_people(
        kind=NotificationKind.UPDATE_APPROVED,
        event=event,
        update=update,
        people=[update.proposed_by],
        data=data,
    )
    Notification.objects.bulk_create(rows)
    endpoints = (
        WebhookEndpoint.objects.filter(is_active=True)
        .receiving(notifications.STATUS_CHANGED_TYPE)
        .following(commitment)
    )
    _webhook_message_publish(
        event_type=notifications.STATUS_CHANGED_TYPE,
        data=data,
        endpoints=endpoints,
        occurred_at=event.occurred_at,
        event=event,
    )
    _schedule_dispatch(event)


def _webhook_message_publish(
    *,
    event_type: str,
    data: dict[str, Any],
    endpoints: models.QuerySet,
    occurred_at: datetime,
    event: AuditEvent | None = None,
) -> WebhookMessage | None:
    """One webhook message of `event_type` carrying `data`, and one pending delivery of it
    per endpoint; none when no endpoint receives it. The body is written once; each
    endpoint's delivery has its own webhook id. Queuing the deliveries is the caller's."""
    if not endpoints.exists():
        return None
    message = WebhookMessage.objects.create(
        event=event,
        event_type=event_type,
        payload=notifications.webhook_body(
            event_type=event_type, occurred_at=occurred_at, data=data
        ),
        created_at=occurred_at,
    )
    _insert_deliveries(message=message, endpoints=endpoints)
    return message


def _insert_deliveries(*, message: WebhookMessage, endpoints: models.QuerySet) -> int:
    """One pending delivery of `message` per endpoint, due now, in one INSERT ... SELECT:
    the database makes the rows, so a thousand endpoints cost the approval milliseconds (a
    thousand-row bulk_create costs over 100 ms of Python). Returns how many were made."""
    prefix = notifications.webhook_id_prefix()
    rows = endpoints.order_by().values_list(
        "pk",
        Value(message.pk),
        Concat(Value(prefix), Cast("pk", output_field=models.CharField())),
        Value(DeliveryState.PENDING),
        Value(0),
        Value(0),
        Value(message.created_at),
        Value(""),
        Value(message.created_at),
    )
    columns = (
        "endpoint_id",
        "message_id",
        "webhook_id",
        "state",
        "attempt_count",
        "schedule_offset",
        "next_attempt_at",
        "last_error",
        "created_at",
    )
    select, params = rows.query.sql_with_params()
    quote = connection.ops.quote_name
    table = quote(WebhookDelivery._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {table} ({', '.join(map(quote, columns))}) {select}", params)
        return cursor.rowcount


def _outbox_update_submitted(*, event: AuditEvent, update: StatusUpdate) -> None:
    """Tell the reviewers who may decide the update (everyone but its author)."""
    if _muted.get():
        return
    people = selectors.reviewers().exclude(pk=update.proposed_by_id)
    Notification.objects.bulk_create(
        _notify_people(
            kind=NotificationKind.UPDATE_SUBMITTED, event=event, update=update, people=people
        )
    )
    _schedule_dispatch(event)


def _outbox_update_decided(*, kind: str, event: AuditEvent, update: StatusUpdate) -> None:
    """Tell the update's author that it was rejected or went stale."""
    if _muted.get():
        return
    Notification.objects.bulk_create(
        _notify_people(kind=kind, event=event, update=update, people=[update.proposed_by])
    )
    _schedule_dispatch(event)


def _related(model: type[models.Model], values: Iterable[Any], field: str) -> list:
    """Instances or primary keys to instances, each once, in one query; an unknown one, or
    more than MAX_FILTER_VALUES, is a field error."""
    pks = {v.pk if isinstance(v, models.Model) else v for v in values or ()}
    if len(pks) > MAX_FILTER_VALUES:
        raise ValidationFailed(
            {field: [_("Name at most %d, or none for all.") % MAX_FILTER_VALUES]}
        )
    try:
        found = {obj.pk: obj for obj in model.objects.filter(pk__in=pks)}
    except (TypeError, ValueError, ValidationError):
        found = {}
    unknown = sorted(str(pk) for pk in pks if pk not in found)
    if unknown:
        raise ValidationFailed(
            {
                field: [
                    _("Unknown %(model)s: %(values)s.")
                    % {"model": model._meta.verbose_name, "values": ", ".join(unknown)}
                ]
            }
        )
    return list(found.values())


def _filters(
    participants: Iterable[Any], guarantees: Iterable[Any], agreements: Iterable[Any]
) -> dict[str, list]:
    return {
        "participants": _related(Participant, participants, "participants"),
        "guarantees": _related(Guarantee, guarantees, "guarantees"),
        "agreements": _related(Agreement, agreements, "agreements"),
    }


def _set_filters(obj: models.Model, filters: dict[str, list]) -> None:
    for name, values in filters.items():
        getattr(obj, name).set(values)


def _filter_snapshot(obj: models.Model) -> dict[str, list[int]]:
    return {
        name: sorted(getattr(obj, name).values_list("pk", flat=True))
        for name in ("participants", "guarantees", "agreements")
    }


@transaction.atomic
def subscription_create(
    *,
    user: User,
    channel: str,
    participants: Iterable[Any] = (),
    guarantees: Iterable[Any] = (),
    agreements: Iterable[Any] = (),
) -> Subscription:
    """Follow the status changes of the commitments the filters take in (none: all)."""
    errors: dict[str, list[str]] = {}
    if channel not in NotificationChannel.values:
        errors["channel"] = [_("Choose one of: %s.") % ", ".join(NotificationChannel.values)]
    elif channel != NotificationChannel.IN_APP and not user.email:
        errors["channel"] = [_("E-mail needs an address on the account.")]
    if errors:
        raise ValidationFailed(errors)
    filters = _filters(participants, guarantees, agreements)
    subscription = Subscription.objects.create(user=user, channel=channel)
    _set_filters(subscription, filters)
    return subscription


@transaction.atomic
def subscription_delete(*, subscription: Subscription, user: User) -> None:
    """Stop following; only the subscriber does."""
    if subscription.user_id != user.pk:
        raise NotAllowed(_("Only the subscriber may end this subscription."))
    subscription.delete()


def notification_mark_read(*, notification: Notification, user: User) -> Notification:
    """Mark one of the user's in-app notifications read (again: no change)."""
    if notification.recipient_id != user.pk:
        raise NotAllowed(_("This notification is someone else's."))
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])
    return notification


def notifications_mark_all_read(*, user: User) -> int:
    """Mark every unread in-app notification of the user read; returns how many."""
    return selectors.notification_inbox(user=user, unread_only=True).update(read_at=timezone.now())


def _check_endpoint(url: str, description: str) -> str:
    url = (url or "").strip()
    errors: dict[str, list[str]] = {}
    try:
        notifications.check_target(url)
    except notifications.UnsafeTarget as error:
        errors["url"] = [str(error)]
    if len(description) > 300:
        errors["description"] = [_("At most 300 characters.")]
    if errors:
        raise ValidationFailed(errors)
    return url


def _event_types(values: Iterable[str]) -> list[str]:
    """The event types an endpoint asks for, known ones only, at least one, in EVENT_TYPES'
    order."""
    wanted = set(values)
    unknown = sorted(wanted - set(EVENT_TYPES))
    if unknown:
        raise ValidationFailed(
            {"event_types": [_("Unknown event types: %s.") % ", ".join(unknown)]}
        )
    if not wanted:
        raise ValidationFailed({"event_types": [_("Name at least one event type.")]})
    return [name for name in EVENT_TYPES if name in wanted]


def _may_manage(endpoint: WebhookEndpoint, actor: User) -> None:
    if endpoint.owner_id != actor.pk and not has_role(actor, Role.ADMIN):
        raise NotAllowed(_("Only the endpoint's owner or an admin may change it."))


@transaction.atomic
def webhook_endpoint_create(
    *,
    owner: User,
    url: str,
    description: str = "",
    participants: Iterable[Any] = (),
    guarantees: Iterable[Any] = (),
    agreements: Iterable[Any] = (),
    event_types: Iterable[str] = (STATUS_CHANGED_TYPE,),
) -> tuple[WebhookEndpoint, str]:
    """Register a receiver of webhooks (status changes unless `event_types` says otherwise);
    returns it and its secret, which is shown only now (`whsec_` + base64 of 32 random
    bytes)."""
    if not owner.is_active:
        raise NotAllowed(_("An inactive user owns no webhook endpoint."))
    # The owner's row is locked so that two concurrent registrations cannot both take the
    # last place.
    User.objects.select_for_update().filter(pk=owner.pk).exists()
    limit = settings.WEBHOOK_MAX_ENDPOINTS_PER_OWNER
    if WebhookEndpoint.objects.filter(owner=owner).count() >= limit:
        raise WebhookQuotaExceeded(limit)
    url = _check_endpoint(url, description)
    filters = _filters(participants, guarantees, agreements)
    types = _event_types(event_types)
    secret = notifications.new_secret()
    endpoint = WebhookEndpoint.objects.create(
        owner=owner, url=url, description=description.strip(), secret=secret, event_types=types
    )
    _set_filters(endpoint, filters)
    after = {"url": url, "description": endpoint.description, **_filter_snapshot(endpoint)}
    if types != [STATUS_CHANGED_TYPE]:
        after["event_types"] = types
    audit.record(action=audit.WEBHOOK_CREATED, actor=owner, obj=endpoint, after=after)
    return endpoint, secret


@transaction.atomic
def webhook_endpoint_update(
    *,
    endpoint: WebhookEndpoint,
    actor: User,
    url: str | None = None,
    description: str | None = None,
    is_active: bool | None = None,
    participants: Iterable[Any] | None = None,
    guarantees: Iterable[Any] | None = None,
    agreements: Iterable[Any] | None = None,
    event_types: Iterable[str] | None = None,
) -> WebhookEndpoint:
    """Change an endpoint's URL, description, filters, event types or activity; turning it
    on again clears its failure record."""
    endpoint = WebhookEndpoint.objects.select_for_update().get(pk=endpoint.pk)
    _may_manage(endpoint, actor)
    new_url = endpoint.url if url is None else url
    new_description = endpoint.description if description is None else description.strip()
    if url is not None or description is not None:
        new_url = _check_endpoint(new_url, new_description)
    given = {"participants": participants, "guarantees": guarantees, "agreements": agreements}
    filters = {
        name: _related(model, values, name)
        for (name, values), model in zip(
            given.items(), (Participant, Guarantee, Agreement), strict=True
        )
        if values is not None
    }
    types = endpoint.event_types if event_types is None else _event_types(event_types)
    before = {
        "url": endpoint.url,
        "description": endpoint.description,
        "is_active": endpoint.is_active,
        "event_types": endpoint.event_types,
        **_filter_snapshot(endpoint),
    }
    endpoint.url, endpoint.description, endpoint.event_types = new_url, new_description, types
    if is_active is not None and is_active != endpoint.is_active:
        endpoint.is_active = is_active
        if is_active:
            endpoint.disabled_at, endpoint.disabled_reason = None, ""
            endpoint.failing_since = None
        else:
            endpoint.disabled_at = timezone.now()
            endpoint.disabled_reason = _("Turned off by %s.") % actor.get_username()
    endpoint.save()
    _set_filters(endpoint, filters)
    after = {
        "url": endpoint.url,
        "description": endpoint.description,
        "is_active": endpoint.is_active,
        "event_types": endpoint.event_types,
        **_filter_snapshot(endpoint),
    }
    old, changed = _diff(before, after)
    if changed:
        audit.record(
            action=audit.WEBHOOK_CHANGED, actor=actor, obj=endpoint, before=old, after=changed
        )
    return endpoint


@transaction.atomic
def webhook_endpoint_delete(*, endpoint: WebhookEndpoint, actor: User) -> None:
    """Remove an endpoint for good, with its deliveries (its owner or an admin); what it
    was stays in the audit history."""
    endpoint = WebhookEndpoint.objects.select_for_update().get(pk=endpoint.pk)
    _may_manage(endpoint, actor)
    before = {
        "url": endpoint.url,
        "description": endpoint.description,
        "owner": endpoint.owner_id,
        **_filter_snapshot(endpoint),
    }
    audit.record(action=audit.WEBHOOK_DELETED, actor=actor, obj=endpoint, before=before)
    endpoint.delete()


@transaction.atomic
def webhook_endpoint_rotate_secret(*, endpoint: WebhookEndpoint, actor: User) -> str:
    """Give the endpoint a new secret, shown only now. The old one still signs (a second
    signature) for WEBHOOK_SECRET_GRACE_HOURS, so the receiver can switch over."""
    endpoint = WebhookEndpoint.objects.select_for_update().get(pk=endpoint.pk)
    _may_manage(endpoint, actor)
    secret = notifications.new_secret()
    endpoint.previous_secret = endpoint.secret
    endpoint.previous_secret_expires_at = timezone.now() + timedelta(
        hours=settings.WEBHOOK_SECRET_GRACE_HOURS
    )
    endpoint.secret = secret
    endpoint.save(
        update_fields=["secret", "previous_secret", "previous_secret_expires_at", "updated_at"]
    )
    audit.record(
        action=audit.WEBHOOK_SECRET_ROTATED,
        actor=actor,
        obj=endpoint,
        after={"previous_secret_expires_at": endpoint.previous_secret_expires_at},
    )
    return secret


@transaction.atomic
def webhook_delivery_resend(*, delivery: WebhookDelivery, actor: User) -> WebhookDelivery:
    """Send a delivered or failed delivery again, same `webhook-id` and body, with a new
    retry schedule; queued after the commit."""
    delivery = (
        WebhookDelivery.objects.select_for_update(of=("self",))
        .select_related("endpoint")
        .get(pk=delivery.pk)
    )
    _may_manage(delivery.endpoint, actor)
    if delivery.state == DeliveryState.PENDING:
        raise ValidationFailed(_("This delivery is still being attempted."))
    if not delivery.endpoint.is_active:
        raise ValidationFailed(_("The endpoint is disabled: turn it on first."))
    before = {"state": delivery.state, "attempt_count": delivery.attempt_count}
    delivery.state = DeliveryState.PENDING
    delivery.schedule_offset = delivery.attempt_count
    delivery.next_attempt_at = timezone.now()
    delivery.leased_until = None
    delivery.save(update_fields=["state", "schedule_offset", "next_attempt_at", "leased_until"])
    audit.record(
        action=audit.WEBHOOK_RESENT,
        actor=actor,
        obj=delivery,
        before=before,
        after={"state": delivery.state},
    )
    transaction.on_commit(partial(tasks.deliver_webhooks.delay, [delivery.pk]), robust=True)
    return delivery


def webhook_secrets_reencrypt(*, batch_size: int = 500) -> int:
    """Encrypt every endpoint's secrets again under the newest key of WEBHOOK_SECRET_KEYS
    (any configured key still decrypts them); returns how many endpoints. Run after putting a
    new key first, before dropping the old one."""
    count = 0
    pks = list(WebhookEndpoint.objects.order_by("pk").values_list("pk", flat=True))
    for batch in notifications.chunks(pks, batch_size):
        with transaction.atomic():
            for endpoint in WebhookEndpoint.objects.select_for_update().filter(pk__in=batch):
                # The fields decrypt when read and encrypt under the newest key when written.
                WebhookEndpoint.objects.filter(pk=endpoint.pk).update(
                    secret=endpoint.secret, previous_secret=endpoint.previous_secret
                )
                count += 1
    return count


# Audit checkpoints -----------------------------------------------------------------------


@transaction.atomic
def audit_checkpoint_create(*, actor: User | None = None) -> AuditCheckpoint:
    """Sign the chain's head now, keep the checkpoint, and send it to the webhook endpoints
    that receive `audit.checkpoint` (queued after the commit; the sweep queues them again if
    the broker is down). `actor` (on demand, over the API) must be an admin; the command
    passes none."""
    if actor is not None and not has_role(actor, Role.ADMIN):
        raise NotAllowed(_("Only admins sign checkpoints on demand."))
    return _checkpoint_publish(audit.head_row() or (0, audit.GENESIS))


@transaction.atomic
def audit_checkpoint_scheduled() -> AuditCheckpoint | None:
    """The schedule's checkpoint: signed and published as audit_checkpoint_create() does,
    but only when the chain's head moved since the latest checkpoint (None otherwise)."""
    head = audit.head_row() or (0, audit.GENESIS)
    latest = checkpoints.latest()
    if latest is not None and (latest.sequence, latest.hash) == head:
        return None
    return _checkpoint_publish(head)


def _checkpoint_publish(head: tuple[int, str]) -> AuditCheckpoint:
    sequence, hash_ = head
    # Stored to the microsecond on both databases: the signed text is rebuilt from it.
    checkpoint = checkpoints.signed(sequence=sequence, hash_=hash_, signed_at=timezone.now())
    checkpoint.save(force_insert=True)
    endpoints = WebhookEndpoint.objects.filter(is_active=True).receiving(CHECKPOINT_TYPE)
    message = _webhook_message_publish(
        event_type=CHECKPOINT_TYPE,
        data=checkpoints.document(checkpoint),
        endpoints=endpoints,
        occurred_at=checkpoint.signed_at,
    )
    if message is not None:
        ids = list(WebhookDelivery.objects.filter(message=message).values_list("pk", flat=True))
        transaction.on_commit(partial(tasks.deliver_webhooks.delay, ids), robust=True)
    return checkpoint
