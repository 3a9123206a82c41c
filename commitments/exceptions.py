"""The domain's refusals. tracker/api.py and the pages map each to an HTTP status."""

from django.utils.translation import gettext as _


class DomainError(Exception):
    """A refused operation; nothing was changed."""

    code = "domain_error"
    status_code = 400

    def __init__(self, message: str = "") -> None:
        super().__init__(message or self.default_message())

    def default_message(self) -> str:
        return _("The operation was refused.")

    @property
    def message(self) -> str:
        return str(self.args[0])


class ValidationFailed(DomainError):
    """Bad input; `fields` maps a field name to its messages."""

    code = "invalid"
    status_code = 400

    def __init__(self, fields: dict[str, list[str]] | str) -> None:
        if isinstance(fields, str):
            fields = {"non_field_errors": [fields]}
        self.fields = fields
        super().__init__(
            "; ".join(
                " ".join(v) if k == "non_field_errors" else f"{k}: {' '.join(v)}"
                for k, v in fields.items()
            )
        )


class NotAllowed(DomainError):
    code = "not_allowed"
    status_code = 403


class SelfReviewForbidden(NotAllowed):
    code = "self_review_forbidden"

    def default_message(self) -> str:
        return _("Nobody reviews their own update (four eyes).")


class InvalidTransition(DomainError):
    code = "invalid_transition"
    status_code = 409

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


class UpdateNotPending(DomainError):
    code = "update_not_pending"
    status_code = 409

    def __init__(self, update: object, expected: str = "submitted") -> None:
        self.update = update
        state = getattr(update, "state", "?")
        super().__init__(
            _("Update %(pk)s is %(state)s, not %(expected)s.")
            % {"pk": getattr(update, "pk", "?"), "state": state, "expected": expected}
        )


class StaleUpdate(DomainError):
    code = "stale_update"
    status_code = 409

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


class AuditedWriteForbidden(DomainError):
    code = "audited_write_forbidden"
    status_code = 500

    def default_message(self) -> str:
        return _("Bulk writes bypass the audit history; use the services.")


class WebhookQuotaExceeded(DomainError):
    """The owner already has settings.WEBHOOK_MAX_ENDPOINTS_PER_OWNER endpoints."""

    code = "webhook_quota_exceeded"
    status_code = 409

    def __init__(self, limit: int) -> None:
        self.limit = limit
        super().__init__(
            _("You have %(limit)d webhook endpoints, the most one owner may have: delete one.")
            % {"limit": limit}
        )
