"""The audit log as a user may read it, and a commitment's history."""

from datetime import date, datetime

from django.db.models import (
    Q,
    QuerySet,
)

from accounts.roles import Role, has_role
from commitments import audit
from commitments.choices import UpdateState
from commitments.models import (
    AuditEvent,
    Commitment,
    StatusUpdate,
)
from commitments.selectors.days import end_of_day
from commitments.selectors.review import status_updates_for


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


def commitment_history(
    *,
    commitment: Commitment,
    viewer=None,
    as_of: date | None = None,
    known_at: datetime | None = None,
) -> list[AuditEvent]:
    """The commitment's timeline, oldest first: every event about it or its updates (those
    `viewer` may read, when given), each applied change with its update (author, reviewer,
    sources, comments). With `as_of`, only events effective on or before that day (an event
    with no effective date, a submission say, takes effect when recorded: by the end of the
    day); with `known_at`, only those recorded by then."""
    if viewer is None:
        events, updates = AuditEvent.objects.all(), StatusUpdate.objects.all()
    else:
        events, updates = audit_events_for(viewer=viewer), status_updates_for(viewer=viewer)
    if as_of is not None:
        events = events.filter(
            Q(effective_date__lte=as_of)
            | Q(effective_date__isnull=True, occurred_at__lte=end_of_day(as_of))
        )
    if known_at is not None:
        events = events.filter(occurred_at__lte=known_at)
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
