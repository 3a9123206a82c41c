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

from commitments.audit.actions import (
    CHANGE_ACTIONS,
    COMMITMENT_CHANGED,
    COMMITMENT_CREATED,
    DRAFT_ACTIONS,
    PRIVATE_ACTIONS,
    REFERENCE_CHANGED,
    REFERENCE_CREATED,
    REFERENCE_DELETED,
    ROLE_PERMISSIONS_CHANGED,
    STATUS_ACTIONS,
    STATUS_CHANGED,
    STATUS_STATE_FIELDS,
    TOKEN_ISSUED,
    TOKEN_REVOKED,
    UPDATE_APPROVED,
    UPDATE_CREATED,
    UPDATE_DELETED,
    UPDATE_EDITED,
    UPDATE_REJECTED,
    UPDATE_STALE,
    UPDATE_SUBMITTED,
    UPDATE_WITHDRAWN,
    USER_CHANGED,
    USER_CREATED,
    USER_DELETED,
    USER_ROLES_CHANGED,
    WEBHOOK_CHANGED,
    WEBHOOK_CREATED,
    WEBHOOK_DELETED,
    WEBHOOK_DISABLED,
    WEBHOOK_RESENT,
    WEBHOOK_SECRET_ROTATED,
)
from commitments.audit.chain import (
    GENESIS,
    canonical,
    chain_hash,
    content_of,
    event_content,
    head,
    head_row,
    jsonable,
    record,
    replay,
    status_state,
)
from commitments.audit.verify import ChainWalk, Mismatch, VerifyReport, chain_walk, verify
from commitments.models import AuditEvent  # callers read the model through audit

__all__ = [
    "CHANGE_ACTIONS",
    "COMMITMENT_CHANGED",
    "COMMITMENT_CREATED",
    "DRAFT_ACTIONS",
    "GENESIS",
    "PRIVATE_ACTIONS",
    "REFERENCE_CHANGED",
    "REFERENCE_CREATED",
    "REFERENCE_DELETED",
    "ROLE_PERMISSIONS_CHANGED",
    "STATUS_ACTIONS",
    "STATUS_CHANGED",
    "STATUS_STATE_FIELDS",
    "TOKEN_ISSUED",
    "TOKEN_REVOKED",
    "UPDATE_APPROVED",
    "UPDATE_CREATED",
    "UPDATE_DELETED",
    "UPDATE_EDITED",
    "UPDATE_REJECTED",
    "UPDATE_STALE",
    "UPDATE_SUBMITTED",
    "UPDATE_WITHDRAWN",
    "USER_CHANGED",
    "USER_CREATED",
    "USER_DELETED",
    "USER_ROLES_CHANGED",
    "WEBHOOK_CHANGED",
    "WEBHOOK_CREATED",
    "WEBHOOK_DELETED",
    "WEBHOOK_DISABLED",
    "WEBHOOK_RESENT",
    "WEBHOOK_SECRET_ROTATED",
    "AuditEvent",
    "ChainWalk",
    "Mismatch",
    "VerifyReport",
    "canonical",
    "chain_hash",
    "chain_walk",
    "content_of",
    "event_content",
    "head",
    "head_row",
    "jsonable",
    "record",
    "replay",
    "status_state",
    "verify",
]
