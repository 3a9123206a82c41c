"""An analyst's own updates, and what the propose form offers and warns about."""

from collections.abc import Mapping
from dataclasses import dataclass, field

from django.db.models import Case, Count, F, IntegerField, Prefetch, QuerySet, Value, When, Window
from django.db.models.functions import RowNumber
from django.utils.translation import gettext_lazy as _

from accounts.models import IdempotencyRecord
from accounts.roles import Role, has_role
from commitments import workflow
from commitments.choices import CommitmentStatus, UpdateState
from commitments.models import Commitment, Source, StatusUpdate
from commitments.selectors.pages import Change, _change, _names_visible, _status_events

# My updates lists its groups in this order: what needs the author's hand first.
MY_UPDATE_GROUPS: tuple[str, ...] = (
    UpdateState.DRAFT,
    UpdateState.SUBMITTED,
    UpdateState.STALE,
    UpdateState.REJECTED,
    UpdateState.APPROVED,
    UpdateState.WITHDRAWN,
)

_GROUP_LABELS = {
    UpdateState.DRAFT: _("Drafts"),
    UpdateState.SUBMITTED: _("Submitted for review"),
    UpdateState.STALE: _("Stale"),
    UpdateState.REJECTED: _("Rejected"),
    UpdateState.APPROVED: _("Approved"),
    UpdateState.WITHDRAWN: _("Withdrawn"),
}

# At most this many sources on one update in the form.
MAX_SOURCES = 20


def may_propose_updates(*, viewer) -> bool:
    """Who gets the propose form, its link and My updates: analysts."""
    return has_role(viewer, Role.ANALYST)


def own_updates(*, author) -> QuerySet[StatusUpdate]:
    """The updates `author` wrote, whatever their state (nobody else's: another analyst's
    update is not found here), with their commitment, reviewer and sources. Newest first;
    three queries however many."""
    return (
        StatusUpdate.objects.filter(proposed_by=author.pk)
        .select_related(
            "commitment__participant", "commitment__guarantee__agreement", "reviewed_by"
        )
        .prefetch_related(
            Prefetch("sources", queryset=Source.objects.order_by("-published_on", "pk"))
        )
        .order_by("-updated_at", "-pk")
    )


# The groups that are the author's work are listed whole; the decided ones (often hundreds)
# a page at a time, newest first.
PAGED_GROUPS: tuple[str, ...] = (UpdateState.REJECTED, UpdateState.APPROVED, UpdateState.WITHDRAWN)
MY_UPDATES_PAGE_SIZE = 20


@dataclass
class UpdateGroup:
    state: str
    label: str
    updates: list[StatusUpdate] = field(default_factory=list)
    # How many the group has in all; the page shown and how many there are (1 and 1 for a
    # group listed whole).
    total: int = 0
    page: int = 1
    pages: int = 1

    @property
    def paged(self) -> bool:
        return self.pages > 1

    @property
    def has_newer(self) -> bool:
        return self.page > 1

    @property
    def has_older(self) -> bool:
        return self.page < self.pages

    @property
    def first_shown(self) -> int:
        return (self.page - 1) * MY_UPDATES_PAGE_SIZE + 1 if self.total else 0

    @property
    def last_shown(self) -> int:
        return self.first_shown + len(self.updates) - 1 if self.updates else 0


def my_update_groups(*, author, pages: Mapping[str, int] | None = None) -> list[UpdateGroup]:
    """`author`'s updates grouped by state (drafts first, then submitted, stale, rejected,
    approved, withdrawn), empty groups left out; each newest first. Drafts, submitted and
    stale updates are listed whole; rejected, approved and withdrawn ones
    MY_UPDATES_PAGE_SIZE at a time, the page `pages[state]` (from 1; past the last, the
    last). A draft written against an older version of its commitment is marked `outdated`
    (it is edited before it can be submitted). Three queries however many there are."""
    pages = pages or {}
    groups = {state: UpdateGroup(state, str(_GROUP_LABELS[state])) for state in MY_UPDATE_GROUPS}
    counts = (
        StatusUpdate.objects.filter(proposed_by=author.pk)
        .values_list("state")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for state, count in counts:
        group = groups[state]
        group.total = count
        if state in PAGED_GROUPS:
            group.pages = max(1, -(-count // MY_UPDATES_PAGE_SIZE))
            group.page = min(max(1, pages.get(state, 1)), group.pages)
    # One query: each group's page by its row number within the group (whole groups: all).
    bounds = [
        When(state=state, then=Value((group.page - 1) * MY_UPDATES_PAGE_SIZE))
        for state, group in groups.items()
        if state in PAGED_GROUPS
    ]
    rows = (
        own_updates(author=author)
        .annotate(
            row=Window(
                RowNumber(),
                partition_by=[F("state")],
                order_by=[F("updated_at").desc(), F("pk").desc()],
            ),
            after=Case(*bounds, default=Value(0), output_field=IntegerField()),
            until=Case(
                *[
                    When(state=state, then=Value(group.page * MY_UPDATES_PAGE_SIZE))
                    for state, group in groups.items()
                    if state in PAGED_GROUPS
                ],
                default=Value(2**31 - 1),
                output_field=IntegerField(),
            ),
        )
        .filter(row__gt=F("after"), row__lte=F("until"))
    )
    for update in rows:
        update.outdated = (
            update.state == UpdateState.DRAFT and update.base_version != update.commitment.version
        )
        groups[update.state].updates.append(update)
    return [group for group in groups.values() if group.total]


# A form's token as its claim's key (services.form_tokens): "form:<token>".
FORM_KEY_PREFIX = "form:"


def form_token_key(token: str) -> str:
    return FORM_KEY_PREFIX + token


@dataclass(frozen=True)
class SavedForm:
    """A propose or edit form already saved with its token: the update it saved (None while
    that save is still at work, or if the claim names none)."""

    update_pk: int | None


def form_saved(*, author, token: str) -> SavedForm | None:
    """Whether `author` already saved the form drawn with `token` (one query; None without
    a token)."""
    if not token:
        return None
    found = list(
        IdempotencyRecord.objects.filter(user=author.pk, key=form_token_key(token)).values_list(
            "response", flat=True
        )[:1]
    )
    return SavedForm((found[0] or {}).get("update")) if found else None


@dataclass(frozen=True)
class StatusChoices:
    """The statuses the propose form offers: the moves the ladder allows from the current
    status, and every status as a correction (the record is wrong)."""

    next: list[tuple[str, str]]
    corrections: list[tuple[str, str]]


def proposable_statuses(*, commitment: Commitment) -> StatusChoices:
    """What an analyst may propose for `commitment`: its next statuses on the ladder (a move
    that skips parliament only where no parliamentary approval is needed), and any status as
    a correction, which a reviewer checks like any other update."""
    labels = dict(CommitmentStatus.choices)
    needs_parliament = (
        commitment.subject_to_ratification and commitment.participant.needs_parliamentary_approval
    )
    allowed = workflow.allowed_next(commitment.status, needs_parliament=needs_parliament)
    return StatusChoices(
        next=[(status, str(labels[status])) for status in allowed],
        corrections=[(status, str(label)) for status, label in CommitmentStatus.choices],
    )


def commitment_changes_since(*, commitment: Commitment, version: int, viewer) -> list[Change]:
    """The applied changes that moved `commitment` past `version`, newest first: what an
    update written against that version did not know. Three queries (four with names)."""
    if version >= commitment.version:
        return []
    names = _names_visible(viewer)
    events = _status_events(names=names, sources=True).filter(
        commitment=commitment, after__version__gt=version
    )
    return [_change(e, names=names, sources=True) for e in events.order_by("-sequence")]
