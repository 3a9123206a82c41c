"""The chain: canonical content, hashes, the head, and record() and record_many(), the only
inserts."""

import hashlib
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any, NamedTuple

import orjson
from django.db import connection
from django.db.models import Model
from django.utils import timezone

from commitments import headwatch, workflow
from commitments.audit.actions import STATUS_STATE_FIELDS
from commitments.models import AuditEvent, bulk_insert_rows
from tracker.middleware import request_id

GENESIS = "0" * 64
_LOCK_KEY = 727_001  # pg_advisory_xact_lock key serialising audit inserts


def status_state(commitment: Model) -> dict[str, Any]:
    """The commitment's status state, as a status event records it in `after`."""
    return jsonable({name: getattr(commitment, name) for name in STATUS_STATE_FIELDS})


def replay(state: dict[str, Any], after: dict[str, Any]) -> dict[str, Any]:
    """Apply one status event's `after` to a replayed status state, and return it. Events
    older than the full record carry some fields only; the current status's stage date is
    always its status date, which the oldest ones left implicit."""
    state.update((name, after[name]) for name in STATUS_STATE_FIELDS if name in after)
    stage = workflow.STAGE_DATE_FIELDS.get(after.get("status"))
    if stage and stage not in after and "status_date" in after:
        state[stage] = after["status_date"]
    return state


def jsonable(value: Any) -> Any:
    """Dates as ISO strings, model instances as their pk: what JSON columns hold faithfully."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Model):
        return value.pk
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        items = [jsonable(v) for v in value]
        return sorted(items, key=str) if isinstance(value, set | frozenset) else items
    return value


def canonical(content: dict[str, Any]) -> bytes:
    return orjson.dumps(content, option=orjson.OPT_SORT_KEYS)


def content_of(
    *,
    sequence: int,
    occurred_at: str,
    actor_id: int | None,
    actor_name: str,
    action: str,
    object_type: str,
    object_id: str,
    commitment_id: int | None,
    update_id: int | None,
    effective_date: str | None,
    before: dict,
    after: dict,
    reason: str,
    request_id: str,
) -> dict[str, Any]:
    """What the hash covers: every column but the hashes themselves."""
    return {
        "sequence": sequence,
        "occurred_at": occurred_at,
        "actor_id": actor_id,
        "actor_name": actor_name,
        "action": action,
        "object_type": object_type,
        "object_id": object_id,
        "commitment_id": commitment_id,
        "update_id": update_id,
        "effective_date": effective_date,
        "before": before,
        "after": after,
        "reason": reason,
        "request_id": request_id,
    }


def chain_hash(prev_hash: str, content: dict[str, Any]) -> str:
    return hashlib.sha256(prev_hash.encode() + canonical(content)).hexdigest()


def head() -> str:
    """The hash of the latest event ("" for none): names the whole history, and differs after
    any change, a restore from backup included. On PostgreSQL this process's watcher knows it
    without a query (commitments.headwatch); otherwise, one index lookup."""
    watched = headwatch.current()
    if watched is not None:
        return watched
    row = head_row()
    return row[1] if row else ""


def head_row() -> tuple[int, str] | None:
    """The committed head of the chain, read from the table: (sequence, hash) of the latest
    event, or None when there is none."""
    with connection.cursor() as cursor:
        cursor.execute(headwatch.HEAD_SQL)
        row = cursor.fetchone()
    return (row[0], row[1]) if row else None


def _lock_and_head() -> tuple[int, str]:
    """Take the chain's lock (PostgreSQL) and read its head: (next sequence, its prev_hash)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_LOCK_KEY])
    last = AuditEvent.objects.order_by("-sequence").values_list("sequence", "hash").first()
    return (last[0] + 1, last[1]) if last else (1, GENESIS)


def _actor(actor: Any) -> tuple[Any, str]:
    """Who acted, as the chain keeps it: the person (None for the system or a command) and
    the name stored beside them."""
    if actor is not None and getattr(actor, "is_authenticated", False):
        return actor, actor.get_username()
    return None, str(actor) if actor else "system"


def record(
    *,
    action: str,
    actor: Any,
    obj: Model | None = None,
    object_type: str = "",
    object_id: str | int = "",
    commitment: Model | None = None,
    update: Model | None = None,
    effective_date: date | None = None,
    before: dict | None = None,
    after: dict | None = None,
    reason: str = "",
) -> AuditEvent:
    """Append one event to the chain, inside the caller's transaction."""
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or obj.pk
    sequence, prev_hash = _lock_and_head()
    person, actor_name = _actor(actor)
    event = AuditEvent(
        sequence=sequence,
        # Microseconds survive both databases; the stored value must hash as it was hashed.
        occurred_at=timezone.now(),
        actor=person,
        actor_name=actor_name,
        action=action,
        object_type=object_type,
        object_id=str(object_id),
        commitment=commitment,
        update=update,
        effective_date=effective_date,
        before=jsonable(before or {}),
        after=jsonable(after or {}),
        reason=reason,
        request_id=request_id.get(),
        prev_hash=prev_hash,
    )
    event.hash = chain_hash(prev_hash, event_content(event))
    event.save(force_insert=True)
    headwatch.appended(event.sequence, event.hash)
    return event


class Recorded(NamedTuple):
    """An event record_many() appended: its id, sequence and hash."""

    id: int
    sequence: int
    hash: str


def record_many(*, actor: Any, entries: Sequence[dict[str, Any]]) -> list[Recorded]:
    """Append one event per entry, in order, by one actor, inside the caller's transaction:
    one lock, one read of the head, one insert of them all (models.bulk_insert_rows); every
    event shares one recorded time. Each entry holds `action`, `object_type`, `object_id`
    and, optionally, `commitment_id`, `update_id`, `effective_date`, `before`, `after`,
    `reason`. The chain is exactly what as many record() calls would make (verify() walks it
    the same way); no model instance is made per event."""
    if not entries:
        return []
    sequence, prev_hash = _lock_and_head()
    occurred_at = timezone.now()
    stamp = occurred_at.isoformat(timespec="microseconds")
    request = request_id.get()
    person, actor_name = _actor(actor)
    actor_id = person.pk if person else None
    rows = []
    for offset, entry in enumerate(entries):
        effective = entry.get("effective_date")
        content = content_of(
            sequence=sequence + offset,
            occurred_at=stamp,
            actor_id=actor_id,
            actor_name=actor_name,
            action=entry["action"],
            object_type=entry["object_type"],
            object_id=str(entry["object_id"]),
            commitment_id=entry.get("commitment_id"),
            update_id=entry.get("update_id"),
            effective_date=effective.isoformat() if effective else None,
            before=jsonable(entry.get("before") or {}),
            after=jsonable(entry.get("after") or {}),
            reason=entry.get("reason", ""),
            request_id=request,
        )
        digest = chain_hash(prev_hash, content)
        rows.append(
            {
                **content,
                "occurred_at": occurred_at,
                "effective_date": effective,
                "prev_hash": prev_hash,
                "hash": digest,
            }
        )
        prev_hash = digest
    # AuditEvent's manager refuses bulk inserts from anywhere else; on PostgreSQL the
    # trigger still checks that each row continues the chain (it sees the rows before it).
    ids = bulk_insert_rows(AuditEvent, rows)
    recorded = [
        Recorded(pk, row["sequence"], row["hash"]) for pk, row in zip(ids, rows, strict=True)
    ]
    headwatch.appended(recorded[-1].sequence, recorded[-1].hash)
    return recorded


def event_content(event: AuditEvent) -> dict[str, Any]:
    return content_of(
        sequence=event.sequence,
        occurred_at=event.occurred_at.isoformat(timespec="microseconds"),
        actor_id=event.actor_id,
        actor_name=event.actor_name,
        action=event.action,
        object_type=event.object_type,
        object_id=event.object_id,
        commitment_id=event.commitment_id,
        update_id=event.update_id,
        effective_date=event.effective_date.isoformat() if event.effective_date else None,
        before=event.before,
        after=event.after,
        reason=event.reason,
        request_id=event.request_id,
    )
