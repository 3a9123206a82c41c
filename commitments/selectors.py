"""Shared reads: the pages, the API and the commands ask these, not the ORM directly."""

from collections import defaultdict
from datetime import date, datetime

from django.db.models import (
    BigIntegerField,
    Count,
    Exists,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
)
from django.db.models.fields.json import KT
from django.db.models.functions import Cast

from accounts.models import User
from accounts.roles import Role, has_role
from commitments import audit
from commitments.choices import CommitmentStatus, NotificationChannel, UpdateState
from commitments.models import (
    Agreement,
    AuditEvent,
    Commitment,
    Guarantee,
    Notification,
    Source,
    StatusUpdate,
    WebhookEndpoint,
)


def agreement_overview() -> list[Agreement]:
    """Agreements with their guarantees, each guarantee carrying `status_counts` (ladder order)
    and `total`. Three queries, however many rows."""
    agreements = list(
        Agreement.objects.prefetch_related(
            Prefetch("guarantees", queryset=Guarantee.objects.order_by("position", "title"))
        )
    )
    counts: dict[int, dict[str, int]] = defaultdict(dict)
    rows = Commitment.objects.values_list("guarantee_id", "status").annotate(n=Count("pk"))
    for guarantee_id, status, n in rows.order_by():
        counts[guarantee_id][status] = n
    for agreement in agreements:
        for guarantee in agreement.guarantees.all():
            by_status = counts.get(guarantee.pk, {})
            guarantee.status_counts = [
                (s, label, by_status.get(s, 0)) for s, label in CommitmentStatus.choices
            ]
            guarantee.total = sum(by_status.values())
    return agreements


def commitment_list() -> QuerySet[Commitment]:
    return Commitment.objects.select_related("participant", "guarantee", "guarantee__agreement")


def _seen_by_others() -> Q:
    """Updates anyone may read: those submitted at some point. A draft, and a draft withdrawn
    or deleted without ever being submitted, stays its author's (a draft, whatever its
    submission time says)."""
    return Q(submitted_at__isnull=False) & ~Q(state=UpdateState.DRAFT)


def status_updates_for(*, viewer) -> QuerySet[StatusUpdate]:
    """The updates a user may read: every update once submitted, and their own."""
    return StatusUpdate.objects.filter(_seen_by_others() | Q(proposed_by=viewer.pk))


def _draft_events() -> Q:
    """Events only a draft's author reads: its creation, edits and deletion, and the
    withdrawal of a draft that was never submitted."""
    return Q(action__in=audit.DRAFT_ACTIONS) | Q(
        action=audit.UPDATE_WITHDRAWN, before__state=UpdateState.DRAFT
    )


def audit_events_for(*, viewer) -> QuerySet[AuditEvent]:
    """The events a user may read: never other people's drafts (their summaries and sources
    are their authors' until submitted, for admins too); the private actions (accounts,
    roles, tokens, webhooks) only admins."""
    events = AuditEvent.objects.exclude(_draft_events() & ~Q(actor_id=viewer.pk))
    if has_role(viewer, Role.ADMIN):
        return events
    return events.exclude(action__in=audit.PRIVATE_ACTIONS)


def changes_for(*, viewer) -> QuerySet[AuditEvent]:
    """The sync feed's events: applied status changes and reference-data changes, among
    those the user may read."""
    return audit_events_for(viewer=viewer).filter(action__in=audit.CHANGE_ACTIONS)


def sources_for(*, viewer) -> QuerySet[Source]:
    """The sources a user may read: those a commitment or an agreement cites, or an update
    the user may read. A source cited only by other people's drafts is its authors'; one
    cited by nothing at all (left over, or just entered in the admin) only admins read."""
    cited = Q(
        Exists(Commitment.sources.through.objects.filter(source=OuterRef("pk")))
        | Exists(Agreement.sources.through.objects.filter(source=OuterRef("pk")))
        | Exists(
            StatusUpdate.sources.through.objects.filter(
                source=OuterRef("pk"), statusupdate__in=status_updates_for(viewer=viewer)
            )
        )
    )
    if has_role(viewer, Role.ADMIN):
        cited |= ~Exists(StatusUpdate.sources.through.objects.filter(source=OuterRef("pk")))
    return Source.objects.filter(cited)


def webhook_endpoints_for(*, viewer) -> QuerySet[WebhookEndpoint]:
    """The webhook endpoints a user may see: admins all, others their own."""
    endpoints = WebhookEndpoint.objects.all()
    return endpoints if has_role(viewer, Role.ADMIN) else endpoints.filter(owner=viewer.pk)


def commitment_history(*, commitment: Commitment, viewer=None) -> list[AuditEvent]:
    """The commitment's timeline, oldest first: every event about it or its updates (those
    `viewer` may read, when given), each applied change with its update (author, reviewer,
    sources, comments)."""
    if viewer is None:
        events, updates = AuditEvent.objects.all(), StatusUpdate.objects.all()
    else:
        events, updates = audit_events_for(viewer=viewer), status_updates_for(viewer=viewer)
    events = list(events.filter(commitment=commitment).order_by("sequence").select_related("actor"))
    update_ids = {e.update_id for e in events if e.update_id}
    by_pk = {
        u.pk: u
        for u in updates.filter(pk__in=update_ids)
        .select_related("proposed_by", "reviewed_by")
        .prefetch_related("sources")
    }
    for event in events:
        event.status_update = by_pk.get(event.update_id)
    return events


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


def review_queue_for(*, reviewer) -> QuerySet[StatusUpdate]:
    """Submitted updates this reviewer may decide: everyone's but their own, oldest first."""
    return (
        StatusUpdate.objects.filter(state=UpdateState.SUBMITTED)
        .exclude(proposed_by=reviewer)
        .select_related("commitment__participant", "commitment__guarantee", "proposed_by")
        .order_by("submitted_at", "pk")
    )


# Notifications --------------------------------------------------------------------------


def reviewers() -> QuerySet[User]:
    """Active users who may decide updates: the reviewer group's members and superusers."""
    return (
        User.objects.filter(is_active=True)
        .filter(Q(is_superuser=True) | Q(groups__name=Role.REVIEWER))
        .distinct()
        .order_by("pk")
    )


def notification_inbox(*, user: User, unread_only: bool = False) -> QuerySet[Notification]:
    """The user's in-app notifications, newest first."""
    inbox = Notification.objects.filter(recipient=user, channel=NotificationChannel.IN_APP)
    if unread_only:
        inbox = inbox.filter(read_at__isnull=True)
    return inbox.select_related("commitment").order_by("-created_at", "-pk")


def notification_unread_count(*, user: User) -> int:
    return notification_inbox(user=user, unread_only=True).count()
