"""Status updates as a user may read them (others' drafts hidden), and the review queue."""

from django.db.models import (
    Q,
    QuerySet,
)

from commitments.choices import UpdateState
from commitments.models import StatusUpdate


def _seen_by_others() -> Q:
    """Updates anyone may read: those submitted at some point. A draft, and a draft withdrawn
    or deleted without ever being submitted, stays its author's (a draft, whatever its
    submission time says)."""
    return Q(submitted_at__isnull=False) & ~Q(state=UpdateState.DRAFT)


def status_updates_for(*, viewer) -> QuerySet[StatusUpdate]:
    """The updates a user may read: every update once submitted, and their own."""
    return StatusUpdate.objects.filter(_seen_by_others() | Q(proposed_by=viewer.pk))


def review_queue_for(*, reviewer) -> QuerySet[StatusUpdate]:
    """Submitted updates this reviewer may decide: everyone's but their own, oldest first."""
    return (
        StatusUpdate.objects.filter(state=UpdateState.SUBMITTED)
        .exclude(proposed_by=reviewer)
        .select_related("commitment__participant", "commitment__guarantee", "proposed_by")
        .order_by("submitted_at", "pk")
    )
