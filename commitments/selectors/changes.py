"""The sync feed's reads: which events it carries, and one page of them."""

from django.db.models import QuerySet

from commitments import audit
from commitments.models import AuditEvent
from commitments.selectors.audit_log import audit_events_for


def changes_for(*, viewer) -> QuerySet[AuditEvent]:
    """The sync feed's events: applied status changes and reference-data changes, among
    those the user may read."""
    return audit_events_for(viewer=viewer).filter(action__in=audit.CHANGE_ACTIONS)


def change_rows(*, viewer, after: int, limit: int) -> list[tuple]:
    """One page of the sync feed as the user sees it: up to `limit` events after sequence
    `after`, oldest first, each as (sequence, action, occurred_at, object_type, object_id,
    after, before)."""
    return list(
        changes_for(viewer=viewer)
        .filter(sequence__gt=after)
        .order_by("sequence")
        .values_list(
            "sequence", "action", "occurred_at", "object_type", "object_id", "after", "before"
        )[:limit]
    )
