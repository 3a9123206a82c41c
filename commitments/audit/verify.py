"""verify(): walk the chain, recompute every hash, replay the status events onto the record."""

import hashlib
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import orjson
from django.db import connection, transaction

from commitments.audit.actions import STATUS_ACTIONS, STATUS_STATE_FIELDS
from commitments.audit.chain import GENESIS, jsonable, replay
from commitments.models import AuditEvent


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
    from commitments.audit import checkpoints  # signs with this module's head: imported when run

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
    (commitments.audit.checkpoints): a kept checkpoint names event #through and its hash."""
    walk = ChainWalk()
    for _row in _intact_rows(walk, chunk_size=chunk_size, through=through):
        pass
    return walk
