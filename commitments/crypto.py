"""Webhook secrets at rest: Fernet tokens under the keys in WEBHOOK_SECRET_KEYS.

The keys are a list, newest first (cryptography's MultiFernet): the newest encrypts, every one
decrypts, so a key is rotated by putting a new one first, running
`manage.py rotate_webhook_secret_keys` (every row re-encrypted under the newest), then dropping
the old one. Without keys, and only under DEBUG, a dev-only key is derived from SECRET_KEY;
the deploy check (commitments.checks) reports a production without one.
"""

import base64
import functools
import hashlib

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import models

_DEV_KEY_CONTEXT = b"commitment-tracker webhook secret dev key:"
# A Fernet token of a 50-character secret (`whsec_` + base64 of 32 bytes) is 164 characters;
# this leaves room for secrets of up to about 120 characters.
TOKEN_MAX_LENGTH = 255


@functools.cache
def _fernet(keys: tuple[str, ...], secret_key: str, from_secret: bool) -> MultiFernet:
    if keys:
        try:
            return MultiFernet([Fernet(key.strip()) for key in keys])
        except (ValueError, TypeError) as error:
            raise ImproperlyConfigured(
                "WEBHOOK_SECRET_KEYS must be Fernet keys (url-safe base64 of 32 bytes), "
                "separated by commas, newest first."
            ) from error
    if not from_secret:
        raise ImproperlyConfigured("Set WEBHOOK_SECRET_KEYS when DJANGO_DEBUG is off.")
    derived = hashlib.sha256(_DEV_KEY_CONTEXT + secret_key.encode()).digest()
    return MultiFernet([Fernet(base64.urlsafe_b64encode(derived))])


def fernet() -> MultiFernet:
    """The keys from WEBHOOK_SECRET_KEYS (or, under DEBUG only, one derived from SECRET_KEY)."""
    return _fernet(
        tuple(settings.WEBHOOK_SECRET_KEYS),
        settings.SECRET_KEY,
        settings.WEBHOOK_SECRET_KEYS_FROM_SECRET,
    )


def encrypt(value: str) -> str:
    """A Fernet token of `value` under the newest key; "" stays "" (no secret)."""
    return fernet().encrypt(value.encode()).decode() if value else ""


def decrypt(token: str) -> str:
    """The value a token holds, under whichever configured key made it."""
    if not token:
        return ""
    try:
        return fernet().decrypt(token.encode()).decode()
    except InvalidToken as error:
        raise ImproperlyConfigured(
            "A webhook secret cannot be decrypted with any key in WEBHOOK_SECRET_KEYS "
            "(a key dropped before `manage.py rotate_webhook_secret_keys` ran?)."
        ) from error


def rotate(token: str) -> str:
    """The same value re-encrypted under the newest key."""
    return fernet().rotate(token.encode()).decode() if token else ""


class EncryptedSecretField(models.CharField):
    """A string kept as a Fernet token in the database and as plaintext in Python. Not for
    lookups: every encryption of one value differs."""

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("max_length", TOKEN_MAX_LENGTH)
        super().__init__(*args, **kwargs)

    def from_db_value(self, value, expression, connection):
        return value if value is None else decrypt(value)

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        return value if value is None else encrypt(value)
