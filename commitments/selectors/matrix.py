"""The matrix of one agreement: participants as rows, guarantees as columns, each cell the
status of one commitment: now, as the world stood on a date (effective dates), as the record
described it on a day (recorded times), or both."""

import datetime
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Min, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce

from commitments import audit, workflow
from commitments.choices import CommitmentStatus
from commitments.models import (
    Agreement,
    AuditEvent,
    Commitment,
    Guarantee,
    Participant,
    StatusUpdate,
)
from commitments.selectors.days import end_of_day
from commitments.selectors.timeline import _status_events, _superseded, latest_recorded
from commitments.workflow import DONE

# The statuses a total counts as done: "ratified or in force: 7 of 27".
SORTS = ("name", "progress")
STAGE_FIELDS: tuple[str, ...] = tuple(workflow.STAGE_DATE_FIELDS.values())
# What a cell reads of a commitment and its participant: the rest stays in the database.
_COMMITMENT_FIELDS: tuple[str, ...] = (
    "participant_id",
    "guarantee_id",
    "status",
    "status_date",
    "status_changed_at",
    "is_sample",
    *STAGE_FIELDS,
    "participant__code",
    "participant__name",
    "participant__kind",
    "participant__is_sample",
)


class View:
    """Which record the matrix shows."""

    NOW = "now"
    AS_OF = "as_of"
    KNOWN_ON = "known_on"
    BOTH = "both"


@dataclass(frozen=True)
class Total:
    """How many of a row's or a column's commitments are ratified or in force."""

    done: int = 0
    of: int = 0

    @property
    def percent(self) -> int:
        return round(100 * self.done / self.of) if self.of else 0


@dataclass
class Cell:
    """One (participant, guarantee) place. `commitment_id` is None where there is no
    commitment; `recorded` is False where the commitment exists today but was not yet pledged
    (or not yet known) on the view's date."""

    participant: Participant
    guarantee: Guarantee
    commitment_id: int | None = None
    recorded: bool = False
    status: str | None = None
    label: str = ""
    reached_on: datetime.date | None = None
    stage_dates: dict[str, datetime.date | None] = field(default_factory=dict)
    last_change: datetime.datetime | None = None
    update_id: int | None = None
    source_urls: list[str] = field(default_factory=list)

    @property
    def exists(self) -> bool:
        return self.commitment_id is not None

    @property
    def is_done(self) -> bool:
        return self.status in DONE


@dataclass
class Row:
    participant: Participant
    cells: list[Cell]
    total: Total


@dataclass
class Column:
    guarantee: Guarantee
    total: Total


@dataclass
class Matrix:
    agreement: Agreement
    view: str
    as_of: datetime.date | None
    known_on: datetime.date | None
    known_at: datetime.datetime | None
    columns: list[Column]
    rows: list[Row]
    total: Total
    is_sample: bool

    @property
    def cells(self) -> dict[tuple[int, int], Cell]:
        """Every cell by (participant id, guarantee id)."""
        return {(c.participant.pk, c.guarantee.pk): c for row in self.rows for c in row.cells}

    def commitment_cells(self) -> list[Cell]:
        """The cells that hold a commitment, row by row: the rows the exports write."""
        return [cell for row in self.rows for cell in row.cells if cell.exists]


@dataclass(frozen=True)
class RecordBounds:
    """The earliest day the agreement's record speaks of (its first pledge) and the first
    moment the tracker recorded anything."""

    first_effective: datetime.date | None
    first_recorded: datetime.datetime | None


def matrix_agreements() -> list[Agreement]:
    """The agreements the picker offers, newest first."""
    return list(Agreement.objects.order_by("-signed_on", "title"))


def record_bounds(*, agreement: Agreement | None = None) -> RecordBounds:
    """Where the record (of `agreement`, when given) begins: no status is effective before the
    pledge (the services refuse an earlier effective date), and nothing was known before the
    first audit event. Two queries, the second on an index, however long the history."""
    commitments = Commitment.objects.all()
    if agreement is not None:
        commitments = commitments.filter(guarantee__agreement=agreement)
    first_effective = commitments.aggregate(first=Min(Coalesce("pledged_on", "status_date")))[
        "first"
    ]
    first_recorded = (
        AuditEvent.objects.order_by("occurred_at").values_list("occurred_at", flat=True).first()
    )
    return RecordBounds(first_effective=first_effective, first_recorded=first_recorded)


def _standing_sequence(*, day: datetime.date | None, moment: datetime.datetime | None) -> Subquery:
    """The sequence of the status event that stands for the outer commitment: with `day`, the
    latest by effective date on or before it that no correction superseded (corrections
    recorded after `moment` do not count when `moment` is given); with `moment` alone, the
    latest recorded at or before it (what the record said then)."""
    if day is None:
        return Subquery(latest_recorded(moment).values("sequence")[:1])
    events = _status_events(OuterRef("pk"))
    if moment is not None:
        events = events.filter(occurred_at__lte=moment)
    events = events.filter(effective_date__lte=day).exclude(_superseded(known_at=moment))
    return Subquery(events.order_by("-effective_date", "-sequence").values("sequence")[:1])


def _standing_events(sequences: Iterable[int]) -> dict[int, dict[str, Any]]:
    """The standing status events, by commitment id: one query by primary key."""
    rows = AuditEvent.objects.filter(sequence__in=list(sequences)).values(
        "commitment_id", "sequence", "effective_date", "occurred_at", "after", "update_id"
    )
    return {row["commitment_id"]: row for row in rows}


def _stage_dates_from(after: dict[str, Any], day: datetime.date | None) -> dict[str, Any]:
    state = audit.replay({}, after)
    dates = {}
    for name in STAGE_FIELDS:
        value = state.get(name)
        value = datetime.date.fromisoformat(value) if isinstance(value, str) else value
        # As of a day, a stage reached later had not been reached yet.
        dates[name] = None if (value is None or (day is not None and value > day)) else value
    return dates


def _labels() -> dict[str, str]:
    return {value: str(label) for value, label in CommitmentStatus.choices}


def _fill_now(cell: Cell, commitment: Commitment, labels: dict[str, str]) -> None:
    cell.recorded = True
    cell.status = commitment.status
    cell.label = labels.get(commitment.status, commitment.status)
    cell.reached_on = commitment.stage_date(commitment.status) or commitment.status_date
    cell.stage_dates = {name: getattr(commitment, name) for name in STAGE_FIELDS}
    cell.last_change = commitment.status_changed_at


def _fill_from_event(
    cell: Cell, event: dict[str, Any] | None, day: datetime.date | None, labels: dict[str, str]
) -> None:
    if event is None:
        return  # not yet pledged, or not yet known: the cell says so
    after = event["after"] or {}
    status = after.get("status")
    cell.recorded = True
    cell.status = status
    cell.label = labels.get(status, status or "")
    cell.stage_dates = _stage_dates_from(after, day)
    if day is not None:
        cell.reached_on = event["effective_date"]
    else:
        status_date = after.get("status_date")
        cell.reached_on = (
            datetime.date.fromisoformat(status_date) if status_date else event["effective_date"]
        )
    cell.last_change = event["occurred_at"]
    cell.update_id = event["update_id"]


def record_matrix(
    *,
    agreement: Agreement,
    as_of: datetime.date | None = None,
    known_on: datetime.date | None = None,
    domain: str | None = None,
    status: str | None = None,
    kind: str | None = None,
    q: str | None = None,
    sort: str = "name",
    with_sources: bool = False,
) -> Matrix:
    """The agreement's matrix in the view the dates name. Rows are the participants with a
    commitment under the agreement (`kind`, `q` on name or code, and `status`: at least one
    cell at that status in this view); columns its guarantees (`domain`). Two queries now, three
    on a date, however many rows; `with_sources` adds three, for the exports."""
    if sort not in SORTS:
        raise ValueError(f"Unknown sort: {sort}")
    moment = end_of_day(known_on) if known_on is not None else None
    view = {
        (False, False): View.NOW,
        (True, False): View.AS_OF,
        (False, True): View.KNOWN_ON,
        (True, True): View.BOTH,
    }[(as_of is not None, known_on is not None)]

    guarantees = Guarantee.objects.filter(agreement=agreement).order_by("position", "title")
    if domain:
        guarantees = guarantees.filter(domain=domain)
    guarantees = list(guarantees)

    commitments = Commitment.objects.filter(guarantee__in=[g.pk for g in guarantees])
    if kind:
        commitments = commitments.filter(participant__kind=kind)
    if q:
        commitments = commitments.filter(
            Q(participant__name__icontains=q) | Q(participant__code__icontains=q)
        )
    commitments = (
        commitments.select_related("participant")
        .only(*_COMMITMENT_FIELDS)
        .order_by("participant__name", "pk")
    )
    events: dict[int, dict[str, Any]] = {}
    if view != View.NOW or with_sources:
        # Each commitment's standing event found by a correlated subquery in the same query
        # (an index scan of its own events, newest first), then those events by key.
        commitments = commitments.annotate(standing=_standing_sequence(day=as_of, moment=moment))
        live = list(commitments)
        events = _standing_events(c.standing for c in live if c.standing is not None)
    else:
        live = list(commitments)

    labels = _labels()
    by_place: dict[tuple[int, int], Commitment] = {}
    participants: dict[int, Participant] = {}
    for commitment in live:
        by_place[(commitment.participant_id, commitment.guarantee_id)] = commitment
        participants.setdefault(commitment.participant_id, commitment.participant)

    rows: list[Row] = []
    for participant in participants.values():
        cells = []
        for guarantee in guarantees:
            cell = Cell(participant=participant, guarantee=guarantee)
            commitment = by_place.get((participant.pk, guarantee.pk))
            if commitment is not None:
                cell.commitment_id = commitment.pk
                if view == View.NOW:
                    _fill_now(cell, commitment, labels)
                    if with_sources and (event := events.get(commitment.pk)):
                        cell.update_id = event["update_id"]
                else:
                    _fill_from_event(cell, events.get(commitment.pk), as_of, labels)
            cells.append(cell)
        if status and not any(cell.status == status for cell in cells):
            continue
        rows.append(Row(participant=participant, cells=cells, total=_total(cells)))

    if sort == "progress":
        rows.sort(key=lambda r: (-r.total.percent, -r.total.done, r.participant.name))
    else:
        rows.sort(key=lambda r: r.participant.name.casefold())

    columns = [
        Column(guarantee=g, total=_total(row.cells[i] for row in rows))
        for i, g in enumerate(guarantees)
    ]
    if with_sources:
        _attach_sources([cell for row in rows for cell in row.cells if cell.exists])
    is_sample = agreement.is_sample or any(c.is_sample for c in live)
    return Matrix(
        agreement=agreement,
        view=view,
        as_of=as_of,
        known_on=known_on,
        known_at=moment,
        columns=columns,
        rows=rows,
        total=_total(cell for row in rows for cell in row.cells),
        is_sample=is_sample,
    )


def _total(cells: Iterable[Cell]) -> Total:
    done = of = 0
    for cell in cells:
        if cell.recorded:
            of += 1
            done += cell.is_done
    return Total(done=done, of=of)


def _attach_sources(cells: list[Cell]) -> None:
    """Each cell's source URLs: those of the approved update behind the status it shows (only
    applied updates have status events), then those the commitment itself cites. Two
    queries."""
    update_ids = {cell.update_id for cell in cells if cell.update_id}
    commitment_ids = {cell.commitment_id for cell in cells}
    by_update: dict[int, list[str]] = defaultdict(list)
    by_commitment: dict[int, list[str]] = defaultdict(list)
    cited_by_updates = StatusUpdate.sources.through.objects.filter(statusupdate_id__in=update_ids)
    for update_id, url in cited_by_updates.values_list("statusupdate_id", "source__url").order_by(
        "source_id"
    ):
        by_update[update_id].append(url)
    cited_by_commitments = Commitment.sources.through.objects.filter(
        commitment_id__in=commitment_ids
    )
    for commitment_id, url in cited_by_commitments.values_list(
        "commitment_id", "source__url"
    ).order_by("source_id"):
        by_commitment[commitment_id].append(url)
    for cell in cells:
        urls = [*by_update.get(cell.update_id, []), *by_commitment.get(cell.commitment_id, [])]
        cell.source_urls = list(dict.fromkeys(urls))


__all__ = [
    "Cell",
    "Column",
    "Matrix",
    "RecordBounds",
    "Row",
    "Total",
    "View",
    "end_of_day",
    "matrix_agreements",
    "record_bounds",
    "record_matrix",
]
