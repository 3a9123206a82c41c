"""Signed checkpoints of the audit chain: signing, the key, and verify_audit --checkpoint."""

import base64
import io
import json
from pathlib import Path

import orjson
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat
from django.core.exceptions import ImproperlyConfigured
from django.core.management import CommandError, call_command

from commitments import services
from commitments.audit import checkpoints
from commitments.models import AuditCheckpoint, AuditEvent
from commitments.services import participant_save
from commitments.tasks import sign_audit_checkpoint
from tests.commitments.conftest import raw
from tests.factories import ParticipantFactory

pytestmark = pytest.mark.django_db


def history(n: int) -> None:
    for _ in range(n):
        participant_save(participant=ParticipantFactory.build(), actor=None)


def new_key() -> str:
    seed = Ed25519PrivateKey.generate().private_bytes(
        Encoding.Raw, PrivateFormat.Raw, NoEncryption()
    )
    return base64.b64encode(seed).decode()


def kept(tmp_path, checkpoint=None, **changes) -> str:
    """The checkpoint's JSON as published, with `changes` made to it, in a file."""
    body = checkpoints.document(checkpoint or services.audit_checkpoint_create())
    path = tmp_path / "checkpoint.json"
    path.write_bytes(orjson.dumps({**body, **changes}))
    return str(path)


def check(path: str) -> str:
    out = io.StringIO()
    call_command("verify_audit", checkpoint=path, stdout=out)
    return out.getvalue()


def check_fails(path: str) -> CommandError:
    with pytest.raises(CommandError) as failed:
        call_command("verify_audit", checkpoint=path, stdout=io.StringIO())
    return failed.value


def test_a_checkpoint_signs_the_chains_head():
    history(3)

    checkpoint = services.audit_checkpoint_create()

    head = AuditEvent.objects.latest("sequence")
    assert (checkpoint.sequence, checkpoint.hash) == (3, head.hash)
    assert checkpoint.key_id == checkpoints.public_key_document()["key_id"]


def test_a_checkpoint_is_not_an_audit_event_and_leaves_the_head_where_it_was():
    history(2)

    services.audit_checkpoint_create()

    assert AuditEvent.objects.count() == 2


def test_a_kept_checkpoint_of_an_intact_history_is_reported_a_prefix(tmp_path):
    history(3)

    output = check(kept(tmp_path))

    assert "is a prefix of today's" in output
    assert "3 events checked" in output


def test_a_kept_checkpoint_stays_a_prefix_as_the_history_grows(tmp_path):
    history(2)
    path = kept(tmp_path)

    history(3)

    assert "event #2" in check(path)


def test_a_checkpoint_of_the_empty_history_is_a_prefix_of_any_history(tmp_path):
    path = kept(tmp_path)
    history(1)

    assert "empty history" in check(path)


def test_a_checkpoint_altered_after_signing_fails_its_signature_check(tmp_path):
    history(3)

    failed = check_fails(kept(tmp_path, sequence=2))

    assert failed.returncode == 2
    assert "signature is not valid" in str(failed)


def test_a_checkpoint_signed_with_another_key_names_both_keys(tmp_path, settings):
    history(1)
    theirs = kept(tmp_path)
    old_key_id = orjson.loads(Path(theirs).read_bytes())["key_id"]
    settings.AUDIT_SIGNING_KEY = new_key()
    ours = checkpoints.public_key_document()["key_id"]

    failed = check_fails(theirs)

    assert failed.returncode == 2
    assert f"signed with key {old_key_id}; this tracker's key is {ours}" in str(failed)


def test_a_file_that_is_not_a_checkpoint_is_refused(tmp_path):
    path = tmp_path / "not.json"
    path.write_text('{"sequence": 1}')

    failed = check_fails(str(path))

    assert failed.returncode == 2
    assert "Not a checkpoint: missing hash, signed_at, key_id, signature" in str(failed)


def test_an_event_edited_before_the_checkpoint_is_named(tmp_path, as_table_owner):
    history(3)
    path = kept(tmp_path)
    raw("UPDATE commitments_auditevent SET actor_name = 'mallory' WHERE sequence = 2")

    failed = check_fails(path)

    assert failed.returncode == 1
    assert "The history is broken at event #2" in str(failed)


def test_anyone_checks_a_signature_with_the_public_key_and_the_documented_bytes():
    history(2)
    published = checkpoints.document(services.audit_checkpoint_create())
    key = checkpoints.public_key_document()

    signed = json.dumps(
        {name: published[name] for name in ("sequence", "hash", "signed_at", "key_id")},
        sort_keys=True,
        separators=(",", ":"),
    ).encode()
    public = Ed25519PublicKey.from_public_bytes(base64.b64decode(key["public_key"]))

    public.verify(base64.b64decode(published["signature"]), signed)  # raises if invalid


def test_the_signing_key_comes_from_the_environment_as_base64_of_its_32_bytes(settings):
    seed = new_key()
    settings.AUDIT_SIGNING_KEY = seed

    key = checkpoints.private_key()

    assert (
        base64.b64encode(
            key.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
        ).decode()
        == seed
    )


def test_without_a_key_only_a_debug_setup_derives_one_from_the_secret_key(settings):
    settings.AUDIT_SIGNING_KEY = ""
    settings.AUDIT_SIGNING_KEY_FROM_SECRET = False

    with pytest.raises(ImproperlyConfigured, match="Set AUDIT_SIGNING_KEY"):
        services.audit_checkpoint_create()

    assert not AuditCheckpoint.objects.exists()


def test_a_signing_key_of_the_wrong_length_is_refused(settings):
    settings.AUDIT_SIGNING_KEY = base64.b64encode(b"short").decode()

    with pytest.raises(ImproperlyConfigured, match="raw 32-byte Ed25519 private key"):
        checkpoints.private_key()


def test_the_audit_checkpoint_command_signs_the_head_and_prints_the_published_json():
    history(2)
    out = io.StringIO()

    call_command("audit_checkpoint", stdout=out)

    printed = json.loads(out.getvalue())
    assert printed == checkpoints.document(AuditCheckpoint.objects.get())
    assert printed["sequence"] == 2


def test_the_scheduled_task_signs_a_checkpoint():
    history(1)

    sign_audit_checkpoint.delay()

    assert AuditCheckpoint.objects.get().sequence == 1
