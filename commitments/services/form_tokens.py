"""One save per drawn form: the propose and edit forms carry a random token, and the first
post that saves with it claims it (an accounts.IdempotencyRecord, key "form:<token>", in the
save's own transaction). A second post with the same token (a double click, a reload of the
POST) is refused with AlreadySaved, naming the update the first one saved; a refused save
rolls its claim back, so the form can be corrected and posted again. The records are purged
with the API's Idempotency-Keys (accounts.services.idempotency_records_purge)."""

import hashlib

from django.db import IntegrityError, transaction

from accounts.models import IdempotencyRecord, User
from commitments.exceptions import AlreadySaved
from commitments.models import StatusUpdate
from commitments.selectors.updates import form_token_key

# The fingerprint column names the kind of request: a form's save, not an API call.
_FINGERPRINT = hashlib.sha256(b"commitments.update_form").hexdigest()
# A claim being saved; the update's pk once saved.
_CLAIMED, _SAVED = 0, 303


def _form_token_claim(*, user: User, token: str) -> IdempotencyRecord | None:
    """Claim `token` for this save (nothing to claim without one); AlreadySaved if a post
    with it saved already. On PostgreSQL a concurrent post with the same token waits here for
    the first one's transaction, then is refused."""
    if not token:
        return None
    try:
        with transaction.atomic():
            return IdempotencyRecord.objects.create(
                user=user,
                key=form_token_key(token),
                fingerprint=_FINGERPRINT,
                status_code=_CLAIMED,
            )
    except IntegrityError:
        saved = (
            IdempotencyRecord.objects.filter(user=user, key=form_token_key(token))
            .values_list("response", flat=True)
            .first()
        )
        raise AlreadySaved((saved or {}).get("update")) from None


def _form_token_saved(claim: IdempotencyRecord | None, update: StatusUpdate) -> None:
    """Record which update the claimed token saved."""
    if claim is None:
        return
    claim.status_code = _SAVED
    claim.response = {"update": update.pk}
    claim.save(update_fields=["status_code", "response"])
