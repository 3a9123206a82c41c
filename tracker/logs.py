"""Log lines: one JSON object per line in production, a readable line under DEBUG
(settings.LOG_FORMAT, from DJANGO_LOG_FORMAT).

Every JSON line has timestamp (UTC, ISO 8601), level, logger, message, request_id and user_id
(null outside a request, or before anything in it looked the user up), and whatever the call
passed in `extra` (the access line: method, path, status, duration_ms). A Celery task's lines
carry the request id of the request that queued it (tracker.celery), and task_id/task_name.
"""

import logging

from django.http import HttpRequest
from pythonjsonlogger.core import RESERVED_ATTRS
from pythonjsonlogger.json import JsonFormatter as _JsonFormatter

from tracker.middleware import current_user_id, request_id, user_id_of


class ContextFilter(logging.Filter):
    """Adds the request id and the user id of the request (or task) being served."""

    def filter(self, record: logging.LogRecord) -> bool:
        # Django logs a 4xx/5xx response (logger django.request) after the middleware has
        # returned, with the request in `extra`: its id and user come from the request then.
        request = getattr(record, "request", None)
        if not isinstance(request, HttpRequest):
            request = None
        if getattr(record, "request_id", None) is None:
            record.request_id = request_id.get() or getattr(request, "request_id", None)
        if getattr(record, "user_id", None) is None:
            record.user_id = current_user_id() if request is None else user_id_of(request)
        return True


class JsonFormatter(_JsonFormatter):
    """python-json-logger's formatter with the project's field names."""

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("fmt", "%(levelname)s %(name)s %(message)s %(request_id)s %(user_id)s")
        kwargs.setdefault("rename_fields", {"levelname": "level", "name": "logger"})
        kwargs.setdefault("timestamp", True)
        # Django's request logging passes the request object and runserver its own clock:
        # neither says anything a line needs (the access line has method, path and status).
        kwargs.setdefault("reserved_attrs", [*RESERVED_ATTRS, "request", "server_time"])
        super().__init__(*args, **kwargs)
