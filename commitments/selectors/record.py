"""The record's reads: agreements, commitments, and the sources a user may read."""

from collections import defaultdict

from django.db.models import (
    Count,
    Exists,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
)

from accounts.roles import Role, has_role
from commitments.choices import CommitmentStatus
from commitments.models import (
    Agreement,
    Commitment,
    Guarantee,
    Source,
    StatusUpdate,
)
from commitments.selectors.review import status_updates_for


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
