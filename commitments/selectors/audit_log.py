"""The audit log as a user may read it, and a commitment's history."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import orjson
from django.db.models import (
    Q,
    QuerySet,
)
from django.utils.translation import gettext as _

from accounts.roles import Role, has_role
from commitments import audit
from commitments.choices import CommitmentStatus, UpdateState
from commitments.models import (
    Agreement,
    AuditEvent,
    Commitment,
    Guarantee,
    Participant,
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


# How many hex digits of an event's hash the audit log shows (enough to compare by eye).
HASH_PREFIX_LENGTH = 12
# A value longer than this (a summary, an excerpt) is cut, with an ellipsis.
SHOWN_VALUE_LENGTH = 200
# Fields whose values are statuses or update states: shown in words.
_STATUS_FIELDS = {"status": CommitmentStatus, "proposed_status": CommitmentStatus}
_STATE_FIELDS = {"state": UpdateState}


@dataclass(frozen=True)
class FieldChange:
    """One field of an event's before/after, as words: `old` → `new` ("—" for none)."""

    field: str
    old: str
    new: str


@dataclass(frozen=True)
class AuditLogEntry:
    """One event as the audit log shows it."""

    sequence: int
    occurred_at: datetime
    actor: str
    action: str
    action_label: str
    hash_prefix: str
    object_type: str
    object_id: str
    object_label: str
    # What the object's page is keyed by, where it has one (a commitment's id, a
    # participant's code, a guarantee's or an agreement's slug); "" otherwise.
    object_kind: str
    object_key: str
    changes: tuple[FieldChange, ...]
    effective_date: date | None
    reason: str


def audit_log(*, viewer) -> QuerySet[AuditEvent]:
    """The events the audit log page lists for `viewer` (audit_events_for's rule: others'
    drafts hidden, private actions for admins only), newest first, with each event's
    commitment, participant and guarantee (for their names)."""
    return (
        audit_events_for(viewer=viewer)
        .select_related("commitment__participant", "commitment__guarantee")
        .order_by("-sequence")
    )


def audit_log_entries(events: Iterable[AuditEvent]) -> list[AuditLogEntry]:
    """The events (one page of audit_log()) as the page shows them: the action in words,
    the object named, the before/after as field changes. At most one more query per kind
    of reference object (participant, guarantee, agreement) that the events are about."""
    events = list(events)
    names = _reference_names(events)
    return [
        AuditLogEntry(
            sequence=event.sequence,
            occurred_at=event.occurred_at,
            actor=event.actor_name,
            action=event.action,
            action_label=str(audit.ACTION_LABELS.get(event.action, event.action)),
            hash_prefix=event.hash[:HASH_PREFIX_LENGTH],
            object_type=event.object_type,
            object_id=event.object_id,
            changes=field_changes(event.before, event.after),
            effective_date=event.effective_date,
            reason=event.reason,
            **_object_of(event, names),
        )
        for event in events
    ]


def field_changes(before: dict, after: dict) -> tuple[FieldChange, ...]:
    """What an event changed, field by field: the fields `after` names, then those only
    `before` names; a field the same on both sides, or absent before and empty after, is
    left out."""
    before, after = before or {}, after or {}
    changes = []
    for field in [*after, *(name for name in before if name not in after)]:
        old, new = before.get(field), after.get(field)
        if field in before and field in after and old == new:
            continue
        if field not in before and _empty(new):
            continue
        changes.append(
            FieldChange(
                field=field.replace("_", " "),
                old=_shown(field, old) if field in before else "—",
                new=_shown(field, new) if field in after else "—",
            )
        )
    return tuple(changes)


def _empty(value: Any) -> bool:
    return value is None or value == "" or value == [] or value == {}


def _shown(field: str, value: Any) -> str:
    if _empty(value):
        return "—"
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, list):
        return ", ".join(_shown(field, item) for item in value)
    if isinstance(value, dict):
        text = orjson.dumps(value, option=orjson.OPT_SORT_KEYS).decode()
    else:
        text = str(value)
        for fields in (_STATUS_FIELDS, _STATE_FIELDS):
            choices = fields.get(field)
            if choices is not None and text in choices.values:
                text = str(choices(text).label)
    if len(text) > SHOWN_VALUE_LENGTH:
        text = text[: SHOWN_VALUE_LENGTH - 1] + "…"
    return text


_REFERENCE_MODELS = {
    "commitments.participant": Participant,
    "commitments.guarantee": Guarantee,
    "commitments.agreement": Agreement,
}


def _is_id(value: str) -> bool:
    """A primary key as text: ASCII digits only (str.isdigit() also takes "²")."""
    return value.isascii() and value.isdigit()


def _reference_names(events: list[AuditEvent]) -> dict[tuple[str, str], tuple[str, str]]:
    """(object_type, object_id) -> (label, key) of the participants, guarantees and
    agreements the events are about: one query per kind present."""
    wanted: dict[str, set[int]] = {}
    for event in events:
        if event.object_type in _REFERENCE_MODELS and _is_id(event.object_id):
            wanted.setdefault(event.object_type, set()).add(int(event.object_id))
    names = {}
    for object_type, ids in wanted.items():
        model = _REFERENCE_MODELS[object_type]
        if model is Participant:
            rows = Participant.objects.filter(pk__in=ids).values_list("pk", "code", "name")
            names.update(
                {(object_type, str(pk)): (f"{code} · {name}", code) for pk, code, name in rows}
            )
        else:
            rows = model.objects.filter(pk__in=ids).values_list("pk", "slug", "title")
            names.update({(object_type, str(pk)): (title, slug) for pk, slug, title in rows})
    return names


def _object_of(event: AuditEvent, names: dict) -> dict[str, str]:
    """The event's object in words, and how its page is found."""
    kind_label = str(audit.OBJECT_TYPE_LABELS.get(event.object_type, event.object_type))
    commitment = event.commitment
    about = f"{commitment.participant.code} · {commitment.guarantee.title}" if commitment else ""
    if event.object_type == "commitments.commitment" and commitment is not None:
        return {
            "object_label": _("Commitment %(id)s: %(about)s")
            % {"id": commitment.pk, "about": about},
            "object_kind": "commitment",
            "object_key": str(commitment.pk),
        }
    if event.object_type == "commitments.statusupdate" and commitment is not None:
        return {
            "object_label": _("Update %(id)s to commitment %(commitment)s: %(about)s")
            % {"id": event.object_id, "commitment": commitment.pk, "about": about},
            "object_kind": "commitment",
            "object_key": str(commitment.pk),
        }
    named = names.get((event.object_type, event.object_id))
    if named is not None:
        label, key = named
        return {
            "object_label": f"{kind_label}: {label}",
            "object_kind": event.object_type.rsplit(".", 1)[1],
            "object_key": key,
        }
    return {
        "object_label": f"{kind_label} {event.object_id}".strip(),
        "object_kind": "",
        "object_key": "",
    }
