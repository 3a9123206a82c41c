"""Signed checkpoints of the audit chain, as Certificate Transparency signs its tree heads.

A checkpoint is the chain's head (sequence number and hash) at a moment, signed with the
tracker's Ed25519 key and published (the API, webhooks of type `audit.checkpoint`). Whoever
kept one can later ask `manage.py verify_audit --checkpoint FILE` whether today's history
still begins with the history they saw: deleting the newest events, or rewriting an event and
re-hashing every later one, changes or removes the event a kept checkpoint names.

What is signed, so that anyone can check a checkpoint with any Ed25519 library (RFC 8032):
the UTF-8 bytes of the JSON object of four members, keys sorted, no whitespace:

    {"hash":"<64 hex>","key_id":"<16 hex>","sequence":<integer>,"signed_at":"<time>"}

with `signed_at` in UTC as `YYYY-MM-DDTHH:MM:SS.ffffffZ`, exactly as the API shows it (in
Python: json.dumps(d, sort_keys=True, separators=(",", ":")).encode()). `signature` is the
base64 (standard alphabet, padded) of the 64-byte signature; `key_id` the first 16 hex
digits of SHA-256 of the raw 32-byte public key, which GET /api/v1/audit/public-key/ serves.
An empty chain's checkpoint names sequence 0 and 64 zeros.

The key: AUDIT_SIGNING_KEY, base64 of the raw 32-byte Ed25519 private key (seed). Without
one, and only under DEBUG, a dev-only key is derived from SECRET_KEY. Otherwise the app refuses
to start without a valid key (CommitmentsConfig.ready), as the deploy check E001 reports.
"""

import base64
import binascii
import functools
import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from commitments import audit
from commitments.models import AuditCheckpoint

ALGORITHM = "Ed25519"
SIGNED_AT_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"
SIGNED_FIELDS = ("sequence", "hash", "signed_at", "key_id")
_DEV_KEY_CONTEXT = b"commitment-tracker audit checkpoint dev key:"


# The key ----------------------------------------------------------------------------------


@functools.cache
def _private_key(configured: str, secret_key: str, from_secret: bool) -> Ed25519PrivateKey:
    if configured:
        try:
            seed = base64.b64decode(configured.strip(), validate=True)
        except binascii.Error as error:
            raise ImproperlyConfigured("AUDIT_SIGNING_KEY is not valid base64.") from error
        if len(seed) != 32:
            raise ImproperlyConfigured(
                "AUDIT_SIGNING_KEY must be base64 of the raw 32-byte Ed25519 private key."
            )
        return Ed25519PrivateKey.from_private_bytes(seed)
    if not from_secret:
        raise ImproperlyConfigured("Set AUDIT_SIGNING_KEY when DJANGO_DEBUG is off.")
    return Ed25519PrivateKey.from_private_bytes(
        hashlib.sha256(_DEV_KEY_CONTEXT + secret_key.encode()).digest()
    )


def private_key() -> Ed25519PrivateKey:
    """The signing key from AUDIT_SIGNING_KEY (or, under DEBUG only, derived from SECRET_KEY)."""
    return _private_key(
        settings.AUDIT_SIGNING_KEY, settings.SECRET_KEY, settings.AUDIT_SIGNING_KEY_FROM_SECRET
    )


def public_key() -> Ed25519PublicKey:
    return private_key().public_key()


def _raw(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def key_id_of(key: Ed25519PublicKey) -> str:
    """The first 16 hex digits of SHA-256 of the raw public key."""
    return hashlib.sha256(_raw(key)).hexdigest()[:16]


def public_key_document() -> dict[str, str]:
    """What GET /api/v1/audit/public-key/ serves."""
    key = public_key()
    pem = key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode()
    return {
        "algorithm": ALGORITHM,
        "key_id": key_id_of(key),
        "public_key": base64.b64encode(_raw(key)).decode(),
        "public_key_pem": pem,
    }


# Signing ----------------------------------------------------------------------------------


def format_signed_at(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime(SIGNED_AT_FORMAT)


def signed_bytes(*, sequence: int, hash_: str, signed_at: str, key_id: str) -> bytes:
    """The exact bytes a checkpoint's signature covers (see the module's docstring)."""
    content = {"hash": hash_, "key_id": key_id, "sequence": sequence, "signed_at": signed_at}
    return json.dumps(content, sort_keys=True, separators=(",", ":")).encode()


def document(checkpoint: AuditCheckpoint) -> dict[str, Any]:
    """A checkpoint as the API and the webhooks publish it."""
    return {
        "id": checkpoint.pk,
        "sequence": checkpoint.sequence,
        "hash": checkpoint.hash,
        "signed_at": format_signed_at(checkpoint.signed_at),
        "key_id": checkpoint.key_id,
        "algorithm": ALGORITHM,
        "signature": checkpoint.signature,
    }


def signed(*, sequence: int, hash_: str, signed_at: datetime) -> AuditCheckpoint:
    """A checkpoint of event #sequence with hash `hash_`, signed now with the tracker's key:
    not yet saved (services.audit_checkpoint_create keeps and publishes it)."""
    key = private_key()
    key_id = key_id_of(key.public_key())
    message = signed_bytes(
        sequence=sequence, hash_=hash_, signed_at=format_signed_at(signed_at), key_id=key_id
    )
    return AuditCheckpoint(
        sequence=sequence,
        hash=hash_,
        signed_at=signed_at,
        key_id=key_id,
        signature=base64.b64encode(key.sign(message)).decode(),
    )


def latest() -> AuditCheckpoint | None:
    return AuditCheckpoint.objects.order_by("-signed_at", "-pk").first()


# Checking a kept checkpoint ---------------------------------------------------------------


@dataclass
class CheckpointReport:
    """What a kept checkpoint says about today's history. `ok`: still a prefix."""

    outcome: str  # prefix | cut | rewritten | broken | bad_signature | other_key | malformed
    message: str
    checked: int = 0

    @property
    def ok(self) -> bool:
        return self.outcome == "prefix"


def _parse(kept: Any) -> tuple[int, str, str, str, bytes]:
    if not isinstance(kept, dict):
        raise ValueError("not a JSON object")
    missing = [name for name in (*SIGNED_FIELDS, "signature") if name not in kept]
    if missing:
        raise ValueError(f"missing {', '.join(missing)}")
    sequence = kept["sequence"]
    if not isinstance(sequence, int) or isinstance(sequence, bool) or sequence < 0:
        raise ValueError("sequence is not a natural number")
    for name in ("hash", "signed_at", "key_id", "signature"):
        if not isinstance(kept[name], str):
            raise ValueError(f"{name} is not a string")
    try:
        signature = base64.b64decode(kept["signature"], validate=True)
    except binascii.Error as error:
        raise ValueError("signature is not base64") from error
    return sequence, kept["hash"], kept["signed_at"], kept["key_id"], signature


def checkpoint_check(kept: Any) -> CheckpointReport:
    """Check a checkpoint as published (parsed JSON): its signature with this tracker's key,
    then that event #sequence exists today with that hash and the chain up to it is intact."""
    try:
        sequence, hash_, signed_at, key_id, signature = _parse(kept)
    except ValueError as error:
        return CheckpointReport("malformed", f"Not a checkpoint: {error}.")
    ours = public_key()
    if key_id != key_id_of(ours):
        return CheckpointReport(
            "other_key",
            f"The checkpoint was signed with key {key_id}; this tracker's key is "
            f"{key_id_of(ours)}. Check it with the key it names.",
        )
    message = signed_bytes(sequence=sequence, hash_=hash_, signed_at=signed_at, key_id=key_id)
    try:
        ours.verify(signature, message)
    except InvalidSignature:
        return CheckpointReport(
            "bad_signature",
            f"The checkpoint's signature is not valid for key {key_id}: it was not signed by "
            "this tracker, or was altered after signing.",
        )
    if sequence == 0:
        if hash_ != audit.GENESIS:
            return CheckpointReport("malformed", "An empty chain's checkpoint names 64 zeros.")
        return CheckpointReport("prefix", "The checkpoint names the empty history: a prefix.")
    walk = audit.chain_walk(through=sequence)
    named = f"event #{sequence} ({hash_[:16]}…, signed {signed_at})"
    if walk.broken_sequence is not None and walk.broken_sequence <= sequence:
        return CheckpointReport(
            "broken",
            f"The history is broken at event #{walk.broken_sequence}, before the checkpoint's "
            f"{named}: {walk.broken_reason}.",
            walk.checked,
        )
    if walk.sequence < sequence:
        return CheckpointReport(
            "cut",
            f"The history was cut: the checkpoint names {named}, but today's history ends at "
            f"event #{walk.sequence}.",
            walk.checked,
        )
    if walk.hash != hash_:
        return CheckpointReport(
            "rewritten",
            f"The history was rewritten: the checkpoint names {named}, but today event "
            f"#{sequence} hashes to {walk.hash[:16]}….",
            walk.checked,
        )
    return CheckpointReport(
        "prefix",
        f"The history the checkpoint saw ({named}) is a prefix of today's.",
        walk.checked,
    )


# Checking the stored checkpoints (verify_audit) ---------------------------------------------


def stored_checkpoints() -> list[AuditCheckpoint]:
    """Every checkpoint this tracker kept, oldest event first."""
    return list(AuditCheckpoint.objects.order_by("sequence", "pk"))


def signature_valid(checkpoint: AuditCheckpoint) -> bool:
    """Whether the checkpoint's signature is this tracker's, over exactly what it names."""
    ours = public_key()
    if checkpoint.key_id != key_id_of(ours):
        return False
    message = signed_bytes(
        sequence=checkpoint.sequence,
        hash_=checkpoint.hash,
        signed_at=format_signed_at(checkpoint.signed_at),
        key_id=checkpoint.key_id,
    )
    try:
        ours.verify(base64.b64decode(checkpoint.signature, validate=True), message)
    except (InvalidSignature, binascii.Error):
        return False
    return True


def stored_problems(
    stored: list[AuditCheckpoint], *, walk: audit.ChainWalk, seen: dict[int, str]
) -> list[str]:
    """One sentence per stored checkpoint that today's history contradicts: a signature
    that is not this tracker's, an event it names that is gone (the history was cut), or
    that hashes differently (rewritten). `walk` is how far the chain stands intact, `seen`
    the hash of each intact event a checkpoint names (audit.verify gathers both in its one
    pass). A checkpoint past a broken event says nothing more: the break is reported."""
    ours = key_id_of(public_key())
    problems = []
    for checkpoint in stored:
        named = (
            f"Checkpoint {checkpoint.pk} (event #{checkpoint.sequence}, "
            f"{checkpoint.hash[:16]}…, signed {format_signed_at(checkpoint.signed_at)})"
        )
        if checkpoint.key_id != ours:
            problems.append(
                f"{named} was signed with key {checkpoint.key_id}, not this tracker's key "
                f"{ours}: it cannot be checked."
            )
            continue
        if not signature_valid(checkpoint):
            problems.append(
                f"{named} has a signature that is not valid: it was altered after signing, "
                "or never signed by this tracker."
            )
            continue
        today = seen.get(checkpoint.sequence)
        if today is None and walk.broken_sequence is None:
            problems.append(
                f"{named}: the history was cut: today's history ends at event #{walk.sequence}."
            )
        elif today is not None and today != checkpoint.hash:
            problems.append(
                f"{named}: the history was rewritten: today event #{checkpoint.sequence} "
                f"hashes to {today[:16]}…."
            )
    return problems
