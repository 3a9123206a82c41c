"""The record's detail pages: a participant, a guarantee, an agreement, a commitment.

Each read costs a fixed number of queries, however many commitments and changes there are.
Only applied changes are read: never a draft, never a pending update's content (of pending
updates, only their number).
"""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime

from django.db.models import Count, Prefetch, QuerySet
from django.db.models.fields.json import KT

from commitments import audit
from commitments.choices import CommitmentStatus, UpdateState
from commitments.models import (
    Agreement,
    AuditEvent,
    Commitment,
    Guarantee,
    Participant,
    Source,
    StatusUpdate,
)
from commitments.selectors.record import commitment_list

# The supersession rule is the time-travel reads' own: one definition for every page.
from commitments.selectors.timeline import _superseded
from commitments.workflow import DONE

# The stages every commitment climbs, in order; rejected and withdrawn show only where reached.
LADDER: tuple[str, ...] = (
    CommitmentStatus.PLEDGED,
    CommitmentStatus.SIGNED,
    CommitmentStatus.IN_PARLIAMENT,
    CommitmentStatus.RATIFIED,
    CommitmentStatus.IN_FORCE,
)
OFF_LADDER: tuple[str, ...] = (CommitmentStatus.REJECTED, CommitmentStatus.WITHDRAWN)

# What "done" means in the totals ("ratified or in force: N of M").

# A participant's timeline shows at most this many changes, newest first.
PARTICIPANT_TIMELINE_LIMIT = 100

_LABELS = dict(CommitmentStatus.choices)


def status_label(status: str | None) -> str:
    """A status's word ("In parliament"); an unknown or missing one as itself."""
    return str(_LABELS.get(status, status or ""))


# Lookups: the views turn an empty match into a 404 -------------------------------------------


def participant_lookup() -> QuerySet[Participant]:
    """Participants, looked up by their (upper-case) code."""
    return Participant.objects.all()


def guarantee_lookup() -> QuerySet[Guarantee]:
    """Guarantees with their agreement, looked up by slug."""
    return Guarantee.objects.select_related("agreement")


def agreement_lookup() -> QuerySet[Agreement]:
    """Agreements with their sources, looked up by slug."""
    return Agreement.objects.prefetch_related(
        Prefetch("sources", queryset=Source.objects.order_by("-published_on", "pk"))
    )


def commitment_lookup() -> QuerySet[Commitment]:
    """Commitments with their participant, guarantee, agreement and sources, looked up by id."""
    return commitment_list().prefetch_related(
        Prefetch("sources", queryset=Source.objects.order_by("-published_on", "pk"))
    )


# Totals -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Totals:
    """How many commitments stand at each status (ladder order, zeros included)."""

    counts: tuple[tuple[str, str, int], ...]  # (status, label, count)
    total: int
    done: int  # ratified or in force

    @property
    def percent_done(self) -> int:
        return round(100 * self.done / self.total) if self.total else 0


def totals_of(statuses: Iterable[str]) -> Totals:
    """The totals of a collection of statuses."""
    by_status: dict[str, int] = defaultdict(int)
    for status in statuses:
        by_status[status] += 1
    return _totals(by_status)


def _totals(by_status: dict[str, int]) -> Totals:
    counts = tuple((s, str(label), by_status.get(s, 0)) for s, label in CommitmentStatus.choices)
    return Totals(
        counts=counts,
        total=sum(n for _, _, n in counts),
        done=sum(n for s, _, n in counts if s in DONE),
    )


# A change as the pages show it ------------------------------------------------------------


@dataclass(frozen=True)
class SourceRow:
    title: str
    publisher: str
    url: str
    published_on: date | None


@dataclass(frozen=True)
class Change:
    """One applied status event. Names are None unless the viewer may read them."""

    sequence: int
    commitment_id: int
    effective_date: date | None
    recorded_at: datetime
    from_status: str | None
    to_status: str | None
    created: bool  # the pledge itself, recorded when the commitment was
    correction: bool
    superseded: bool
    comment: str  # the analyst's summary of the change
    reason: str  # the correction's reason, or the reviewer's comment
    sources: tuple[SourceRow, ...] = ()
    proposed_by: str | None = None
    approved_by: str | None = None
    participant_name: str = ""
    participant_code: str = ""
    guarantee_title: str = ""
    guarantee_slug: str = ""

    @property
    def from_label(self) -> str:
        return status_label(self.from_status)

    @property
    def to_label(self) -> str:
        return status_label(self.to_status)


def _names_visible(viewer) -> bool:
    """Who proposed and who approved a change: signed-in users only, never anonymous
    visitors."""
    return bool(viewer is not None and viewer.is_authenticated)


def _status_events(*, names: bool, sources: bool) -> QuerySet[AuditEvent]:
    """Applied status events (the pledge and every approved change), each marked
    `superseded` where a later correction replaced it, with the approved update behind it.
    Only an approval records a status change naming an update, so no draft or pending update
    is ever read here. The users behind an update are joined only when `names`."""
    related = ["commitment__participant", "commitment__guarantee", "update"]
    if names:
        related += ["update__proposed_by", "update__reviewed_by"]
    events = (
        AuditEvent.objects.filter(action__in=audit.STATUS_ACTIONS)
        .annotate(superseded=_superseded())
        .select_related(*related)
    )
    if sources:
        events = events.prefetch_related(
            Prefetch("update__sources", queryset=Source.objects.order_by("-published_on", "pk"))
        )
    return events


def _change(event: AuditEvent, *, names: bool, sources: bool) -> Change:
    update = event.update if event.update_id else None
    created = event.action == audit.COMMITMENT_CREATED
    after, before = event.after or {}, event.before or {}
    correction = bool(after.get("is_correction") or (update is not None and update.is_correction))
    proposed_by = approved_by = None
    if names and update is not None:
        proposed_by = update.proposed_by.get_username()
        approved_by = update.reviewed_by.get_username() if update.reviewed_by_id else None
    if names and approved_by is None and not created:
        approved_by = event.actor_name or None
    cited = ()
    if sources and update is not None:
        cited = tuple(
            SourceRow(s.title, s.publisher, s.url, s.published_on) for s in update.sources.all()
        )
    commitment = event.commitment
    return Change(
        sequence=event.sequence,
        commitment_id=event.commitment_id,
        effective_date=event.effective_date,
        recorded_at=event.occurred_at,
        from_status=None if created else before.get("status"),
        to_status=after.get("status"),
        created=created,
        correction=correction,
        superseded=event.superseded,
        comment=update.summary if update is not None else "",
        reason=event.reason,
        sources=cited,
        proposed_by=proposed_by,
        approved_by=approved_by,
        participant_name=commitment.participant.name,
        participant_code=commitment.participant.code,
        guarantee_title=commitment.guarantee.title,
        guarantee_slug=commitment.guarantee.slug,
    )


# The commitment page ----------------------------------------------------------------------


@dataclass(frozen=True)
class Stage:
    """One rung of the ladder: the date it was reached (None where not, or not known)."""

    status: str
    label: str
    reached_on: date | None
    current: bool

    @property
    def reached(self) -> bool:
        return self.current or self.reached_on is not None


def commitment_ladder(*, commitment: Commitment) -> list[Stage]:
    """The ladder's five stages with the date each was reached, the current one marked; then
    rejected and withdrawn, where reached."""
    stages = [
        Stage(s, status_label(s), commitment.stage_date(s), commitment.status == s) for s in LADDER
    ]
    stages += [
        Stage(s, status_label(s), commitment.stage_date(s), commitment.status == s)
        for s in OFF_LADDER
        if commitment.status == s or commitment.stage_date(s) is not None
    ]
    return stages


def commitment_timeline(*, commitment: Commitment, viewer) -> list[Change]:
    """The commitment's applied changes, newest recorded first, each with its sources, its
    comment or correction reason, and whether a correction superseded it. Who proposed and
    who approved each: for signed-in viewers only. Three queries (four with names: none
    more)."""
    names = _names_visible(viewer)
    events = _status_events(names=names, sources=True).filter(commitment=commitment)
    return [_change(e, names=names, sources=True) for e in events.order_by("-sequence")]


def commitment_pending_count(*, commitment: Commitment) -> int:
    """How many updates of the commitment wait for review: a number, never their content."""
    return StatusUpdate.objects.filter(commitment=commitment, state=UpdateState.SUBMITTED).count()


# The participant page ---------------------------------------------------------------------


@dataclass
class AgreementGroup:
    """A participant's commitments under one agreement, with their totals."""

    agreement: Agreement
    commitments: list[Commitment] = field(default_factory=list)

    @property
    def totals(self) -> Totals:
        return totals_of(c.status for c in self.commitments)


def participant_commitments(*, participant: Participant) -> list[AgreementGroup]:
    """The participant's commitments grouped by agreement (newest agreement first), each
    group in the guarantees' order. One query."""
    rows = (
        commitment_list()
        .filter(participant=participant)
        .order_by(
            "-guarantee__agreement__signed_on",
            "guarantee__agreement__title",
            "guarantee__agreement_id",
            "guarantee__position",
            "guarantee__title",
        )
    )
    groups: dict[int, AgreementGroup] = {}
    for commitment in rows:
        agreement = commitment.guarantee.agreement
        groups.setdefault(agreement.pk, AgreementGroup(agreement)).commitments.append(commitment)
    return list(groups.values())


def participant_timeline(
    *, participant: Participant, viewer, limit: int = PARTICIPANT_TIMELINE_LIMIT
) -> list[Change]:
    """The latest applied changes of the participant's commitments, newest recorded first
    (at most `limit`). One query."""
    names = _names_visible(viewer)
    events = _status_events(names=names, sources=False).filter(commitment__participant=participant)
    return [_change(e, names=names, sources=False) for e in events.order_by("-sequence")[:limit]]


# The guarantee and agreement pages --------------------------------------------------------


def guarantee_commitments(*, guarantee: Guarantee) -> list[Commitment]:
    """The guarantee's commitments, by participant name. One query."""
    return list(commitment_list().filter(guarantee=guarantee).order_by("participant__name", "pk"))


@dataclass(frozen=True)
class GuaranteeRow:
    guarantee: Guarantee
    totals: Totals


def agreement_guarantees(*, agreement: Agreement) -> list[GuaranteeRow]:
    """The agreement's guarantees in order, each with its totals. Two queries."""
    counts: dict[int, dict[str, int]] = defaultdict(dict)
    rows = (
        Commitment.objects.filter(guarantee__agreement=agreement)
        .values_list("guarantee_id", "status")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for guarantee_id, status, n in rows:
        counts[guarantee_id][status] = n
    return [
        GuaranteeRow(g, _totals(counts.get(g.pk, {})))
        for g in agreement.guarantees.order_by("position", "title")
    ]


def agreement_totals(*, rows: list[GuaranteeRow]) -> Totals:
    """The sum of the guarantees' totals."""
    by_status: dict[str, int] = defaultdict(int)
    for row in rows:
        for status, _, n in row.totals.counts:
            by_status[status] += n
    return _totals(by_status)


# The progress chart's figures -------------------------------------------------------------


@dataclass(frozen=True)
class Step:
    """From `day` on (until the next step), how many commitments stood at each status."""

    day: date
    counts: tuple[int, ...]  # one per Progress.statuses

    @property
    def total(self) -> int:
        return sum(self.counts)


@dataclass(frozen=True)
class Progress:
    statuses: tuple[tuple[str, str], ...]  # (status, label): ladder order, those ever reached
    steps: tuple[Step, ...]


def status_counts_over_time(*, commitments: QuerySet[Commitment]) -> Progress:
    """How many of `commitments` stood at each status over time: one step per effective date
    on which anything changed. Built from the standing status events (a change a correction
    superseded does not count; of one commitment's changes on one date, the last recorded
    wins, as in commitments_as_of). One query."""
    events = (
        AuditEvent.objects.filter(
            commitment__in=commitments.order_by().values("pk"),
            action__in=audit.STATUS_ACTIONS,
            effective_date__isnull=False,
        )
        .exclude(_superseded())
        .annotate(status=KT("after__status"))
        .order_by("effective_date", "sequence")
        .values_list("commitment_id", "effective_date", "status")
    )
    current: dict[int, str] = {}
    by_day: list[tuple[date, dict[str, int]]] = []
    day = None
    for commitment_id, effective_date, status in events:
        if day is not None and effective_date != day:
            by_day.append((day, _count(current.values())))
        day = effective_date
        current[commitment_id] = status
    if day is not None:
        by_day.append((day, _count(current.values())))
    reached = {s for _, counts in by_day for s, n in counts.items() if n}
    statuses = tuple((s, status_label(s)) for s in CommitmentStatus.values if s in reached)
    steps = tuple(Step(day, tuple(counts.get(s, 0) for s, _ in statuses)) for day, counts in by_day)
    return Progress(statuses=statuses, steps=steps)


def _count(statuses: Iterable[str]) -> dict[str, int]:
    counts: dict[str, int] = defaultdict(int)
    for status in statuses:
        counts[status] += 1
    return counts


def guarantee_progress(*, guarantee: Guarantee) -> Progress:
    """The progress chart's figures for one guarantee's commitments. One query."""
    return status_counts_over_time(commitments=Commitment.objects.filter(guarantee=guarantee))


def agreement_progress(*, agreement: Agreement) -> Progress:
    """The progress chart's figures for every commitment under an agreement. One query."""
    return status_counts_over_time(
        commitments=Commitment.objects.filter(guarantee__agreement=agreement)
    )
