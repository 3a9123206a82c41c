"""The domain's refusals: each says what went wrong, as one of tracker.exceptions' kinds.

Only the edges turn them into answers: tracker/api.py maps each kind to an HTTP status, the
admin and the pages show the message.
"""

from django.utils.translation import gettext as _

from tracker.exceptions import Conflict, DomainError, Misuse, NotAllowed, ValidationFailed

__all__ = [
    "AlreadySaved",
    "AuditedWriteForbidden",
    "Conflict",
    "DomainError",
    "InvalidTransition",
    "Misuse",
    "NotAllowed",
    "SelfReviewForbidden",
    "StaleUpdate",
    "UpdateNotPending",
    "ValidationFailed",
    "WebhookQuotaExceeded",
]


class SelfReviewForbidden(NotAllowed):
    code = "self_review_forbidden"

    def default_message(self) -> str:
        return _("Nobody reviews their own update (four eyes).")


class InvalidTransition(Conflict):
    code = "invalid_transition"

    def __init__(self, old: str, new: str, reason: str = "") -> None:
        self.old, self.new = old, new
        super().__init__(
            reason
            or _("A move from %(old)s to %(new)s is not allowed.")
            % {
                "old": old,
                "new": new,
            }
        )


class UpdateNotPending(Conflict):
    code = "update_not_pending"

    def __init__(self, update: object, expected: str = "submitted") -> None:
        self.update = update
        state = getattr(update, "state", "?")
        super().__init__(
            _("Update %(pk)s is %(state)s, not %(expected)s.")
            % {"pk": getattr(update, "pk", "?"), "state": state, "expected": expected}
        )


class AlreadySaved(Conflict):
    """A form posted again with the token it was drawn with (a double click, a reload of the
    POST): what the first post saved stands, and nothing is saved twice."""

    code = "already_saved"

    def __init__(self, update_pk: int | None) -> None:
        self.update_pk = update_pk
        super().__init__(
            _("This form was already saved, as update %s: nothing was saved twice.") % update_pk
            if update_pk
            else _("This form was already saved: nothing was saved twice.")
        )


class StaleUpdate(Conflict):
    code = "stale_update"

    def __init__(self, update: object, *, current_version: int, newer_change: str = "") -> None:
        self.update = update
        self.current_version = current_version
        base = getattr(update, "base_version", "?")
        message = _(
            "Update %(pk)s was written against version %(base)s; the commitment is now at "
            "version %(current)s."
        ) % {"pk": getattr(update, "pk", "?"), "base": base, "current": current_version}
        if newer_change:
            message = f"{message} {newer_change}"
        super().__init__(message)


class AuditedWriteForbidden(Misuse):
    code = "audited_write_forbidden"

    def default_message(self) -> str:
        return _("Bulk writes bypass the audit history; use the services.")


class WebhookQuotaExceeded(Conflict):
    """The owner already has settings.WEBHOOK_MAX_ENDPOINTS_PER_OWNER endpoints."""

    code = "webhook_quota_exceeded"

    def __init__(self, limit: int) -> None:
        self.limit = limit
        super().__init__(
            _("You have %(limit)d webhook endpoints, the most one owner may have: delete one.")
            % {"limit": limit}
        )
