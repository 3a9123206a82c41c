"""The audit history: record() is the only code that inserts AuditEvent rows.

Each event's hash is SHA-256 of the previous event's hash followed by the canonical JSON of
its own content, so editing, deleting or reordering a row breaks the chain at that row.
Inserts are serialised (a PostgreSQL advisory lock held to the end of the transaction), so
the chain never forks; record() is called last in each service to hold the lock briefly.

On PostgreSQL an INSERT trigger (migration 0006) accepts only the next sequence number after
the head, with the head's hash as prev_hash. It checks the place, not the hash (recomputing
it would mean writing canonical JSON in SQL exactly as orjson does): a well-placed row with a
made-up hash is accepted, and verify() reports it altered.
"""

import hashlib
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import orjson
from django.db import connection, transaction
from django.db.models import Model
from django.utils import timezone

from commitments import headwatch, workflow
from commitments.models import AuditEvent
from tracker.middleware import request_id

GENESIS = "0" * 64
_LOCK_KEY = 727_001  # pg_advisory_xact_lock key serialising audit inserts

# Actions: dotted constants.
COMMITMENT_CREATED = "commitment.created"
COMMITMENT_CHANGED = "commitment.changed"
STATUS_CHANGED = "commitment.status_changed"
UPDATE_CREATED = "update.created"
UPDATE_EDITED = "update.edited"
UPDATE_DELETED = "update.deleted"
UPDATE_SUBMITTED = "update.submitted"
UPDATE_WITHDRAWN = "update.withdrawn"
UPDATE_APPROVED = "update.approved"
UPDATE_REJECTED = "update.rejected"
UPDATE_STALE = "update.stale"
REFERENCE_CREATED = "reference.created"
REFERENCE_CHANGED = "reference.changed"
REFERENCE_DELETED = "reference.deleted"
USER_CREATED = "user.created"
USER_CHANGED = "user.changed"
USER_ROLES_CHANGED = "user.roles_changed"
USER_DELETED = "user.deleted"
TOKEN_ISSUED = "token.issued"
TOKEN_REVOKED = "token.revoked"
WEBHOOK_CREATED = "webhook.created"
WEBHOOK_CHANGED = "webhook.changed"
WEBHOOK_SECRET_ROTATED = "webhook.secret_rotated"
WEBHOOK_DISABLED = "webhook.disabled"
WEBHOOK_RESENT = "webhook.resent"
WEBHOOK_DELETED = "webhook.deleted"
ROLE_PERMISSIONS_CHANGED = "role.permissions_changed"

# Actions about accounts, roles, tokens and webhook endpoints: shown to admins only (e-mail
# addresses, webhook URLs that may carry credentials).
PRIVATE_ACTIONS = (
    USER_CREATED,
    USER_CHANGED,
    USER_ROLES_CHANGED,
    USER_DELETED,
    TOKEN_ISSUED,
    TOKEN_REVOKED,
    WEBHOOK_CREATED,
    WEBHOOK_CHANGED,
    WEBHOOK_SECRET_ROTATED,
    WEBHOOK_DISABLED,
    WEBHOOK_RESENT,
    WEBHOOK_DELETED,
    ROLE_PERMISSIONS_CHANGED,
)
# Actions about drafts, which are their author's own until submitted.
DRAFT_ACTIONS = (UPDATE_CREATED, UPDATE_EDITED, UPDATE_DELETED)

# Actions the sync feed (/api/v1/changes/) carries: applied status changes and
# reference-data changes.
CHANGE_ACTIONS = (
    COMMITMENT_CREATED,
    STATUS_CHANGED,
    COMMITMENT_CHANGED,
    REFERENCE_CREATED,
    REFERENCE_CHANGED,
    REFERENCE_DELETED,
)

# Actions that set a commitment's status and version (replayed by verify_audit).
STATUS_ACTIONS = (COMMITMENT_CREATED, STATUS_CHANGED)

# Everything a status event sets on its commitment; each records all of them in `after`.
STATUS_STATE_FIELDS = ("status", "status_date", *workflow.STAGE_DATE_FIELDS.values(), "version")


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
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_LOCK_KEY])
    last = AuditEvent.objects.order_by("-sequence").values_list("sequence", "hash").first()
    sequence, prev_hash = (last[0] + 1, last[1]) if last else (1, GENESIS)
    # Microseconds survive both databases; the stored value must hash as it was hashed.
    occurred_at = timezone.now()
    is_person = actor is not None and getattr(actor, "is_authenticated", False)
    event = AuditEvent(
        sequence=sequence,
        occurred_at=occurred_at,
        actor=actor if is_person else None,
        actor_name=actor.get_username() if is_person else (str(actor) if actor else "system"),
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


@dataclass
class Mismatch:
    commitment_id: int
    field: str
    live: Any
    replayed: Any


@dataclass
class ChainWalk:
    """How far the chain stands intact: its last intact event, or where it first breaks."""

    checked: int = 0
    sequence: int = 0
    hash: str = GENESIS
    broken_sequence: int | None = None
    broken_reason: str = ""


@dataclass
class VerifyReport:
    checked: int = 0
    seconds: float = 0.0
    broken_sequence: int | None = None
    broken_reason: str = ""
    mismatches: list[Mismatch] = field(default_factory=list)
    # One sentence per stored checkpoint that today's history contradicts.
    checkpoint_problems: list[str] = field(default_factory=list)
    checkpoints_checked: int = 0

    @property
    def ok(self) -> bool:
        return self.broken_sequence is None and not self.mismatches and not self.checkpoint_problems


_VERIFY_COLUMNS = (
    "sequence",
    "occurred_at",
    "actor_id",
    "actor_name",
    "action",
    "object_type",
    "object_id",
    "commitment_id",
    "update_id",
    "effective_date",
    "before",
    "after",
    "reason",
    "request_id",
    "prev_hash",
    "hash",
)

# PostgreSQL formats the dates exactly as event_content() does, and hands the JSON over as
# text for orjson: a binary server-side cursor then streams about twice as fast as the ORM.
_PG_VERIFY_SQL = """
SELECT sequence,
       to_char(occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US') || '+00:00',
       actor_id, actor_name, action, object_type, object_id, commitment_id, update_id,
       effective_date::text, before::text, after::text, reason, request_id, prev_hash, hash
FROM commitments_auditevent {where} ORDER BY sequence
"""


def _rows(chunk_size: int, through: int | None = None) -> Iterator[tuple]:
    """Every event (through event #`through`, when given) as a tuple of _VERIFY_COLUMNS,
    dates as the ISO strings that are hashed."""
    if connection.vendor == "postgresql":
        loads = orjson.loads
        where, params = ("WHERE sequence <= %s", [through]) if through is not None else ("", [])
        with transaction.atomic():
            connection.ensure_connection()
            with connection.connection.cursor(name="audit_verify", binary=True) as cursor:
                cursor.itersize = chunk_size
                cursor.execute(_PG_VERIFY_SQL.format(where=where), params)
                while rows := cursor.fetchmany(chunk_size):
                    for row in rows:
                        yield (*row[:10], loads(row[10]), loads(row[11]), *row[12:])
        return
    queryset = AuditEvent.objects.order_by("sequence").values_list(*_VERIFY_COLUMNS)
    if through is not None:
        queryset = queryset.filter(sequence__lte=through)
    for row in queryset.iterator(chunk_size=chunk_size):
        occurred_at, effective_date = row[1], row[9]
        yield (
            row[0],
            occurred_at.isoformat(timespec="microseconds"),
            *row[2:9],
            effective_date.isoformat() if effective_date else None,
            *row[10:],
        )


def _intact_rows(walk: ChainWalk, *, chunk_size: int, through: int | None = None) -> Iterator:
    """Each event (a tuple of _VERIFY_COLUMNS) whose place in the chain and hash check out,
    in sequence order; stops at the first broken event. `walk` follows along: how many
    events were read, the last intact one, and where and why the chain breaks."""
    expected_prev, expected_seq, checked = GENESIS, 1, 0
    sha256, dumps, sort_keys = hashlib.sha256, orjson.dumps, orjson.OPT_SORT_KEYS
    try:
        for row in _rows(chunk_size, through):
            (
                seq,
                occurred_at,
                actor_id,
                actor_name,
                action,
                object_type,
                object_id,
                commitment_id,
                update_id,
                effective_date,
                before,
                after,
                reason,
                req_id,
                prev_hash,
                stored,
            ) = row
            checked += 1
            if seq != expected_seq:
                kind = "missing" if seq > expected_seq else "out of order"
                walk.broken_sequence = expected_seq if seq > expected_seq else seq
                walk.broken_reason = f"event #{expected_seq} is {kind} (found #{seq} in its place)"
                return
            if prev_hash != expected_prev:
                walk.broken_sequence = seq
                walk.broken_reason = f"event #{seq} does not follow the previous event's hash"
                return
            # content_of()'s dict, built inline: this loop is verify_audit's hot path.
            content = {
                "action": action,
                "actor_id": actor_id,
                "actor_name": actor_name,
                "after": after,
                "before": before,
                "commitment_id": commitment_id,
                "effective_date": effective_date,
                "object_id": object_id,
                "object_type": object_type,
                "occurred_at": occurred_at,
                "reason": reason,
                "request_id": req_id,
                "sequence": seq,
                "update_id": update_id,
            }
            if sha256(prev_hash.encode() + dumps(content, option=sort_keys)).hexdigest() != stored:
                walk.broken_sequence = seq
                walk.broken_reason = (
                    f"event #{seq} was altered: its content no longer matches its hash"
                )
                return
            expected_prev, expected_seq = stored, seq + 1
            yield row
    finally:
        walk.checked, walk.sequence, walk.hash = checked, expected_seq - 1, expected_prev


def verify(*, chunk_size: int = 5000) -> VerifyReport:
    """Walk the chain in sequence order, recomputing every hash; replay the status history
    against the live commitments; and check every stored checkpoint: its signature, and that
    the chain still holds its hash at its sequence. Stops the chain check at the first broken
    event."""
    from commitments import checkpoints  # signs with this module's head: imported when run

    started = time.perf_counter()
    report = VerifyReport()
    stored = checkpoints.stored_checkpoints()
    wanted = {checkpoint.sequence for checkpoint in stored}
    seen: dict[int, str] = {0: GENESIS}
    replayed: dict[int, dict[str, Any]] = {}
    walk = ChainWalk()
    for row in _intact_rows(walk, chunk_size=chunk_size):
        seq, action, commitment_id = row[0], row[4], row[7]
        if commitment_id is not None and action in STATUS_ACTIONS:
            replay(replayed.setdefault(commitment_id, {}), row[11])
        if seq in wanted:
            seen[seq] = row[15]
    report.checked = walk.checked
    report.broken_sequence, report.broken_reason = walk.broken_sequence, walk.broken_reason
    if report.broken_sequence is None:
        report.mismatches = _replay_mismatches(replayed)
    report.checkpoint_problems = checkpoints.stored_problems(stored, walk=walk, seen=seen)
    report.checkpoints_checked = len(stored)
    report.seconds = time.perf_counter() - started
    return report


def _replay_mismatches(replayed: dict[int, dict[str, Any]]) -> list[Mismatch]:
    """A Mismatch for each status field (status, its date, each stage date, version) where
    the live commitment differs from what its status events say."""
    from commitments.models import Commitment

    mismatches = []
    live = Commitment.objects.values_list("pk", *STATUS_STATE_FIELDS).order_by("pk")
    for pk, *values in live.iterator(chunk_size=5000):
        expected = replayed.get(pk)
        if expected is None:
            mismatches.append(Mismatch(pk, "events", "live", "none recorded"))
            continue
        for name, value in zip(STATUS_STATE_FIELDS, jsonable(values), strict=True):
            if value != expected.get(name):
                mismatches.append(Mismatch(pk, name, value, expected.get(name)))
    return mismatches


def chain_walk(*, through: int, chunk_size: int = 5000) -> ChainWalk:
    """Walk the chain from event #1 through event #`through` (or the chain's end, if sooner),
    recomputing every hash; stops at the first broken event. Checkpoints are checked with it
    (commitments.checkpoints): a kept checkpoint names event #through and its hash."""
    walk = ChainWalk()
    for _row in _intact_rows(walk, chunk_size=chunk_size, through=through):
        pass
    return walk
