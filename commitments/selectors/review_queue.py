"""The review queue's rows (/review/): each submitted update with the diff its approval
would make to the live record, and the change that overtook it, if any."""

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from urllib.parse import urlsplit

from django.core.paginator import Page, Paginator
from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.timesince import timesince
from django.utils.translation import gettext as _

from commitments import audit, workflow
from commitments.choices import CommitmentStatus, UpdateState
from commitments.models import AuditEvent, Commitment, Source, StatusUpdate
from commitments.selectors.review import status_updates_for
from commitments.selectors.timeline import _superseded

_LABELS = dict(CommitmentStatus.choices)

# The queue shows this many updates a page (a 10,000-row import would make a page of 29 MB).
REVIEW_PAGE_SIZE = 50


@dataclass(frozen=True)
class StageDateChange:
    """One stage date an approval would set: its label, the live value, the new value."""

    label: str
    old: date | None
    new: date | None


@dataclass(frozen=True)
class SourceLine:
    url: str
    title: str
    publisher: str
    domain: str
    published_on: date | None
    excerpt: str


@dataclass(frozen=True)
class RowNote:
    """What happened to a row just now: "success", "info" or "error", and the words."""

    level: str
    text: str
    field: str = ""  # the field the note is about ("comment"), or none


@dataclass
class ReviewRow:
    """One update of the review queue, with the diff its approval would make to the live
    record (status, status date, stage dates, version, flags) and what a reviewer needs to
    decide: sources, author, age, whether they may decide, what overtook it."""

    update: StatusUpdate
    commitment: Commitment
    author: str
    age: str
    own: bool
    status_old: str
    status_old_label: str
    status_new: str
    status_new_label: str
    status_date_old: date | None
    status_date_new: date
    stage_dates: list[StageDateChange]
    version_old: int
    version_new: int
    flags: list[str]
    correction_reason: str
    corrects: int | None
    sources: list[SourceLine]
    # The applied change that moved the commitment past the update's version ("" if none).
    overtaken_by: str
    is_overtaken: bool
    # The update's state now: "submitted" while it waits; otherwise the outcome.
    state: str
    state_label: str
    reviewed_by: str
    review_comment: str
    note: RowNote | None = None

    @property
    def pending(self) -> bool:
        return self.state == UpdateState.SUBMITTED

    @property
    def decidable(self) -> bool:
        """Buttons: a submitted update this reviewer did not write."""
        return self.pending and not self.own


def _domain(url: str) -> str:
    return (urlsplit(url).hostname or "").removeprefix("www.")


def overtaking_changes(*, pairs: Iterable[tuple[int, int]]) -> dict[tuple[int, int], str]:
    """For each (commitment id, base version): the applied change that moved the commitment
    past that version, in words; one query for all of them. Pairs with no such change (the
    commitment is still at that version) are left out."""
    wanted = set(pairs)
    if not wanted:
        return {}
    match = Q()
    for commitment_id, base_version in wanted:
        match |= Q(commitment_id=commitment_id, after__version=base_version + 1)
    found: dict[tuple[int, int], str] = {}
    events = AuditEvent.objects.filter(match, action__in=audit.STATUS_ACTIONS).order_by("sequence")
    for event in events.only("commitment_id", "after", "actor_name", "update_id", "sequence"):
        key = (event.commitment_id, event.after.get("version", 0) - 1)
        if key in wanted and key not in found:
            found[key] = _(
                "It was changed to %(status)s by %(actor)s (update %(update)s, event %(seq)s)."
            ) % {
                "status": event.after.get("status"),
                "actor": event.actor_name,
                "update": event.update_id,
                "seq": event.sequence,
            }
    return found


def review_rows_for(
    *,
    reviewer,
    only: Collection[int] | None = None,
    also: Collection[int] = (),
    notes: Mapping[int, RowNote] | None = None,
) -> list[ReviewRow]:
    """The review queue as a reviewer sees it: every submitted update, their own included
    (shown, not decidable: the services refuse a self-review), oldest first, each with the
    diff its approval would make to the live record. `also`: updates just decided, shown
    with their outcome in their place; `only`: just these updates (whatever their state,
    if the reviewer may read them). `notes`: what just happened to some rows, by id.

    A fixed number of queries, however many rows: the updates with their commitment,
    participant, guarantee, author and reviewer; their sources; and, if some update is
    overtaken, the changes that overtook them.
    """
    updates = status_updates_for(viewer=reviewer)
    if only is not None:
        updates = updates.filter(pk__in=list(only))
    else:
        updates = updates.filter(Q(state=UpdateState.SUBMITTED) | Q(pk__in=list(also)))
    updates = list(
        updates.select_related(
            "commitment__participant", "commitment__guarantee", "proposed_by", "reviewed_by"
        )
        .prefetch_related(Prefetch("sources", queryset=Source.objects.order_by("pk")))
        .order_by("submitted_at", "pk")
    )
    overtaken = overtaking_changes(
        pairs=(
            (u.commitment_id, u.base_version)
            for u in updates
            if u.base_version != u.commitment.version
        )
    )
    standing = _standing_events(
        {u.commitment_id for u in updates if u.is_correction and u.state == UpdateState.SUBMITTED}
    )
    now = timezone.now()
    notes = notes or {}
    return [_row(u, reviewer, now, overtaken, standing, notes.get(u.pk)) for u in updates]


def _waiting(reviewer) -> QuerySet[StatusUpdate]:
    """The updates waiting for review that the reviewer may read, oldest first (their own
    included: the queue lists them, without buttons)."""
    return (
        status_updates_for(viewer=reviewer)
        .filter(state=UpdateState.SUBMITTED)
        .order_by("submitted_at", "pk")
    )


def review_waiting_count(*, reviewer) -> int:
    """How many updates wait for review, as the queue's heading says (one query)."""
    return _waiting(reviewer).count()


def review_queue_page(
    *,
    reviewer,
    number: int | str = 1,
    also: Collection[int] = (),
    notes: Mapping[int, RowNote] | None = None,
    per_page: int = REVIEW_PAGE_SIZE,
) -> tuple[Page, list[ReviewRow]]:
    """One page of the review queue: the submitted updates (oldest first, the reviewer's
    own included), `per_page` at most, as review_rows_for makes them; `also`: updates just
    decided, shown with their outcome. The page's paginator counts every update waiting.
    Raises django.core.paginator.InvalidPage for a page that does not exist.

    One query (the ids waiting) before review_rows_for's fixed number."""
    # The ids alone, all of them (a few bytes each): one query gives the count and the page.
    page = Paginator(list(_waiting(reviewer).values_list("pk", flat=True)), per_page).page(number)
    ids = [*page.object_list, *also]
    rows = review_rows_for(reviewer=reviewer, only=ids, notes=notes) if ids else []
    return page, rows


def _standing_events(commitment_ids: set[int]) -> dict[int, list[AuditEvent]]:
    """The standing (not superseded) status events of these commitments, oldest first, by
    commitment; one query, none without commitments."""
    if not commitment_ids:
        return {}
    by_commitment: dict[int, list[AuditEvent]] = {}
    events = (
        AuditEvent.objects.filter(commitment_id__in=commitment_ids, action__in=audit.STATUS_ACTIONS)
        .exclude(_superseded())
        .order_by("sequence")
        .only("commitment_id", "sequence", "action", "after")
    )
    for event in events:
        by_commitment.setdefault(event.commitment_id, []).append(event)
    return by_commitment


def _corrected_stage_dates(
    update: StatusUpdate, live: dict[str, date | None], standing: list[AuditEvent]
) -> tuple[dict[str, date | None], int | None]:
    """The stage dates a correction moves on from, and the status change it supersedes: the
    record just before that change (the one it names, or else the latest standing one), as
    services.update_checks rebuilds it at approval. Where it names no standing change (the
    approval will refuse it), the live record."""
    changes = [e.sequence for e in standing if e.action == audit.STATUS_CHANGED]
    sequence = update.corrects_id if update.corrects_id is not None else (changes or [None])[-1]
    if sequence is None or sequence not in changes:
        return live, None
    state = {"pledged_on": audit.jsonable(update.commitment.pledged_on)}
    for event in standing:
        if event.sequence < sequence:
            audit.replay(state, event.after)
    return {
        field: date.fromisoformat(state[field]) if state.get(field) else None for field in live
    }, sequence


def _row(
    update: StatusUpdate,
    reviewer,
    now,
    overtaken: dict,
    standing: dict[int, list[AuditEvent]],
    note: RowNote | None,
) -> ReviewRow:
    commitment = update.commitment
    live = {field: getattr(commitment, field) for field in workflow.STAGE_DATE_FIELDS.values()}
    basis, corrects = live, update.corrects_id
    if update.commitment_id in standing:
        basis, corrects = _corrected_stage_dates(update, live, standing[update.commitment_id])
    after = workflow.stage_dates_after(basis, update.proposed_status, update.effective_date)
    stage_labels = {
        field: commitment._meta.get_field(field).verbose_name
        for field in workflow.STAGE_DATE_FIELDS.values()
    }
    flags = []
    if update.is_correction:
        flags.append(_("Correction"))
    if corrects:
        flags.append(_("Supersedes event #%s and later status changes") % corrects)
    is_overtaken = update.base_version != commitment.version
    submitted = update.submitted_at or update.created_at
    return ReviewRow(
        update=update,
        commitment=commitment,
        author=update.proposed_by.get_username(),
        age=timesince(submitted, now, depth=1),
        own=update.proposed_by_id == reviewer.pk,
        status_old=commitment.status,
        status_old_label=_LABELS.get(commitment.status, commitment.status),
        status_new=update.proposed_status,
        status_new_label=_LABELS.get(update.proposed_status, update.proposed_status),
        status_date_old=commitment.status_date,
        status_date_new=update.effective_date,
        stage_dates=[
            StageDateChange(label=str(stage_labels[field]).capitalize(), old=live[field], new=new)
            for field, new in after.items()
            if new != live[field]
        ],
        version_old=commitment.version,
        version_new=commitment.version + 1,
        flags=[str(flag) for flag in flags],
        correction_reason=update.correction_reason,
        corrects=corrects,
        sources=[
            SourceLine(
                url=s.url,
                title=s.title,
                publisher=s.publisher,
                domain=_domain(s.url),
                published_on=s.published_on,
                excerpt=s.excerpt,
            )
            for s in update.sources.all()
        ],
        overtaken_by=overtaken.get((update.commitment_id, update.base_version), ""),
        is_overtaken=is_overtaken,
        state=update.state,
        state_label=str(update.get_state_display()),
        reviewed_by=update.reviewed_by.get_username() if update.reviewed_by else "",
        review_comment=update.review_comment,
        note=note,
    )
