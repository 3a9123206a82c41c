"""The exact forms the API takes for what its schema types as an id, a date or a date-time.

Python's parsers read far more than the schema promises (`date.fromisoformat` takes
`20240101` and `2024-W01-1`, Django's fallback `2024-1-1`, and an integer lookup truncates
`1.5` to 1): the API refuses all of these with a field message instead of guessing.
"""

import re

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

# [0-9], not \d: \d also matches other scripts' digits.
DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}\Z")
# RFC 3339 date-time (OpenAPI's `format: date-time`): seconds and an offset are required.
DATE_TIME = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt][0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?([Zz]|[+-][0-9]{2}:[0-9]{2})\Z"
)
ID = re.compile(r"[0-9]+\Z")

DATE_MESSAGE = _("Enter a date as YYYY-MM-DD.")
DATE_TIME_MESSAGE = _("Enter a date-time as RFC 3339, e.g. 2024-03-15T09:30:00Z.")
ID_MESSAGE = _("Enter an id: a whole number.")


def is_date(value: object) -> bool:
    return isinstance(value, str) and DATE.match(value) is not None


def is_date_time(value: object) -> bool:
    return isinstance(value, str) and DATE_TIME.match(value) is not None


def is_id(value: object) -> bool:
    """An integer as JSON Schema reads one (2 or 2.0; not 1.5, not true), or a string of
    digits."""
    if isinstance(value, bool):
        return False
    if isinstance(value, float):
        return value.is_integer()
    return isinstance(value, int) or (isinstance(value, str) and ID.match(value) is not None)


def refusal(field: serializers.Field, value: object) -> str | None:
    """Why `value`, sent for a DRF input field, is not in the form its schema names; None when
    it is (or when the field is of another kind, or the value is null: the field decides)."""
    if value is None:
        return None
    if isinstance(field, serializers.DateTimeField):
        return None if is_date_time(value) else str(DATE_TIME_MESSAGE)
    if isinstance(field, serializers.DateField):
        return None if is_date(value) else str(DATE_MESSAGE)
    if isinstance(field, serializers.PrimaryKeyRelatedField) and field.pk_field is None:
        return None if is_id(value) else str(ID_MESSAGE)
    if isinstance(field, serializers.ManyRelatedField) and isinstance(value, list):
        return next(
            (message for item in value if (message := refusal(field.child_relation, item))), None
        )
    return None
