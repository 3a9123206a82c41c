"""Without a usable AUDIT_SIGNING_KEY or WEBHOOK_SECRET_KEYS, a production refuses to start,
instead of answering the public key, an admin's checkpoint or a webhook's creation with a 500."""

import base64

from tests.tracker.test_settings import manage

PRODUCTION = {
    "DJANGO_DEBUG": "false",
    "DJANGO_SECRET_KEY": "a-long-random-production-key-" + "x7Qp2" * 10,
    "DJANGO_ALLOWED_HOSTS": "tracker.example.org",
}


def test_debug_off_without_an_audit_signing_key_refuses_to_start_with_a_clear_error(tmp_path):
    result = manage(
        "check",
        **PRODUCTION,
        AUDIT_SIGNING_KEY="",
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
    )

    assert result.returncode != 0
    assert "Set AUDIT_SIGNING_KEY when DJANGO_DEBUG is off." in result.stderr


def test_an_audit_signing_key_that_is_not_a_32_byte_key_refuses_to_start(tmp_path):
    result = manage(
        "check",
        **PRODUCTION,
        AUDIT_SIGNING_KEY=base64.b64encode(b"short").decode(),
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
    )

    assert result.returncode != 0
    assert "AUDIT_SIGNING_KEY must be base64 of the raw 32-byte Ed25519 private key." in (
        result.stderr
    )


def test_debug_off_without_webhook_secret_keys_refuses_to_start_with_a_clear_error(tmp_path):
    result = manage(
        "check",
        **PRODUCTION,
        AUDIT_SIGNING_KEY=base64.b64encode(bytes(range(32))).decode(),
        WEBHOOK_SECRET_KEYS="",
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
    )

    assert result.returncode != 0
    assert "Set WEBHOOK_SECRET_KEYS when DJANGO_DEBUG is off." in result.stderr


def test_webhook_secret_keys_that_are_not_fernet_keys_refuse_to_start(tmp_path):
    result = manage(
        "check",
        **PRODUCTION,
        AUDIT_SIGNING_KEY=base64.b64encode(bytes(range(32))).decode(),
        WEBHOOK_SECRET_KEYS="not-a-key",
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
    )

    assert result.returncode != 0
    assert "WEBHOOK_SECRET_KEYS must be Fernet keys" in result.stderr
