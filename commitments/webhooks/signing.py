"""Secrets and Standard Webhooks signatures."""

import base64
import hashlib
import hmac
import secrets
import uuid
from datetime import datetime

from commitments.models import WebhookEndpoint

SECRET_PREFIX = "whsec_"

# Secrets and signatures -------------------------------------------------------------------


def new_secret() -> str:
    """`whsec_` + base64 of 32 random bytes (Standard Webhooks asks for 24 to 64)."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(32)).decode()


def new_webhook_id() -> str:
    return f"msg_{uuid.uuid4().hex}"


def webhook_id_prefix() -> str:
    """The random part shared by one message's deliveries: each id is this prefix followed
    by the endpoint's id, so it is unique, and stable across that delivery's attempts."""
    return f"msg_{uuid.uuid4().hex[:24]}_"


def mask_secret(secret: str) -> str:
    return f"{secret[: len(SECRET_PREFIX) + 4]}…" if secret else ""


def sign(*, secret: str, webhook_id: str, timestamp: int, body: str) -> str:
    """One `v1,` signature of `id.timestamp.body`."""
    key = base64.b64decode(secret.removeprefix(SECRET_PREFIX))
    message = f"{webhook_id}.{timestamp}.{body}".encode()
    return "v1," + base64.b64encode(hmac.new(key, message, hashlib.sha256).digest()).decode()


def webhook_headers(
    *, endpoint: WebhookEndpoint, webhook_id: str, body: str, now: datetime
) -> dict[str, str]:
    """The headers of one attempt: signed with the current secret, and with the previous
    one too while it is still honoured after a rotation."""
    timestamp = int(now.timestamp())
    keys = [endpoint.secret]
    expires = endpoint.previous_secret_expires_at
    if endpoint.previous_secret and expires and expires > now:
        keys.append(endpoint.previous_secret)
    return {
        "content-type": "application/json",
        "user-agent": "commitment-tracker-webhooks/1",
        "webhook-id": webhook_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": " ".join(
            sign(secret=key, webhook_id=webhook_id, timestamp=timestamp, body=body) for key in keys
        ),
    }
