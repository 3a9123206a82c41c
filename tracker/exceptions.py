"""The kinds of refusal every app raises: each says what went wrong, never an HTTP status.

Services raise them before their first write, so a refused call changes nothing. The edges
turn them into answers: the API's exception handler (tracker/api.py, the one mapping to an
HTTP status) and the admin's RefusalMessagesMixin (tracker/admin_refusals.py, a message).
Each app's own refusals (commitments/exceptions.py) subclass one of these kinds.
"""

from django.utils.translation import gettext as _


class DomainError(Exception):
    """A refused operation; nothing was changed."""

    code = "domain_error"

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
    """The actor's roles or relation to the object do not permit this."""

    code = "not_allowed"


class Conflict(DomainError):
    """The request is sound, but the current state of the record refuses it (another change
    came first, the object is not in the state the operation needs, a quota is full)."""

    code = "conflict"


class Misuse(DomainError):
    """Code called the data layer in a way it forbids: a programming error, not the user's."""

    code = "misuse"
