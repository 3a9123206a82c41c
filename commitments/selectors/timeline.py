"""The record as it stood: on a given day, and as it was known at a given moment."""

from datetime import date, datetime

from django.db.models import (
    BigIntegerField,
    Exists,
    OuterRef,
    QuerySet,
    Subquery,
)
from django.db.models.fields.json import KT
from django.db.models.functions import Cast

from commitments import audit
from commitments.models import (
    AuditEvent,
    Commitment,
)
from commitments.selectors.record import commitment_list


def _status_events(commitment_ref: OuterRef) -> QuerySet[AuditEvent]:
    return AuditEvent.objects.filter(commitment=commitment_ref, action__in=audit.STATUS_ACTIONS)


def _superseded(*, known_at: datetime | None = None) -> Exists:
    """True for a status event that an applied correction superseded (recorded at or before
    `known_at`, when given): the correction names it or an earlier status change of the same
    commitment, and came after it."""
    corrections = (
        AuditEvent.objects.filter(
            commitment=OuterRef("commitment"),
            action=audit.STATUS_CHANGED,
            sequence__gt=OuterRef("sequence"),
        )
        # Implied by the comparison below, and said so that a partial index on corrections
        # (after ? 'corrects') can serve this subquery.
        .filter(after__has_key="corrects")
        .alias(corrects=Cast(KT("after__corrects"), BigIntegerField()))
        .filter(corrects__lte=OuterRef("sequence"))
    )
    if known_at is not None:
        corrections = corrections.filter(occurred_at__lte=known_at)
    return Exists(corrections)


def status_events_standing(*, commitment: Commitment) -> QuerySet[AuditEvent]:
    """The commitment's status events that no correction has superseded, oldest first."""
    return (
        AuditEvent.objects.filter(commitment=commitment, action__in=audit.STATUS_ACTIONS)
        .exclude(_superseded())
        .order_by("sequence")
    )


def _status_on(day: date, known_at: datetime | None = None) -> Subquery:
    events = _status_events(OuterRef("pk")).filter(effective_date__lte=day)
    if known_at is not None:
        events = events.filter(occurred_at__lte=known_at)
    latest = (
        events.exclude(_superseded(known_at=known_at))
        .order_by("-effective_date", "-sequence")
        .values(status=KT("after__status"))[:1]
    )
    return Subquery(latest)


def commitments_as_of(*, day: date) -> QuerySet[Commitment]:
    """Every commitment with `status_on`: its status in the world on `day`, by effective date
    (None where it was not yet pledged). Status changes a correction superseded do not
    count; of the rest, later records of the same date win."""
    return commitment_list().annotate(status_on=_status_on(day))


def commitments_known_at(*, moment: datetime, day: date | None = None) -> QuerySet[Commitment]:
    """Every commitment with `status_known`: what the record said at `moment`, by recorded time
    (None where the tracker did not know the commitment yet). With `day`: the status on
    `day` as the record told it at `moment`, so a status change superseded by a correction
    recorded after `moment` still counts."""
    if day is not None:
        return commitment_list().annotate(status_known=_status_on(day, known_at=moment))
    latest = (
        _status_events(OuterRef("pk"))
        .filter(occurred_at__lte=moment)
        .order_by("-sequence")
        .values(status=KT("after__status"))[:1]
    )
    return commitment_list().annotate(status_known=Subquery(latest))


def commitments_in_view(
    *, day: date | None = None, known_at: datetime | None = None
) -> QuerySet[Commitment]:
    """Every commitment with `status_on`: its status on `day` (effective dates), as the record
    told it at `known_at` when given; with `known_at` alone, the status the record gave at
    that moment. None where the commitment was not yet pledged, or not yet known."""
    if known_at is None:
        if day is None:
            raise ValueError("A view needs a day, a moment or both.")
        return commitments_as_of(day=day)
    if day is not None:
        return commitment_list().annotate(status_on=_status_on(day, known_at=known_at))
    latest = latest_recorded(known_at).values(status=KT("after__status"))[:1]
    return commitment_list().annotate(status_on=Subquery(latest))


def latest_recorded(moment: datetime | None = None) -> QuerySet[AuditEvent]:
    """The outer commitment's status events recorded by `moment` (all, without one), the
    latest first. The chain is appended in time order, so that is the highest sequence;
    ordering by the recorded time lets the (commitment, occurred_at) index start at `moment`
    instead of walking back from the newest event of the whole history."""
    events = _status_events(OuterRef("pk"))
    if moment is not None:
        events = events.filter(occurred_at__lte=moment)
    return events.order_by("-occurred_at", "-sequence")
