"""The Celery app: configuration comes from Django's CELERY_* settings.

The request id travels with the tasks a request queues: the publishing process puts it in the
message's headers (before_task_publish), and the worker sets it around the task's run
(task_prerun, task_postrun), so the task's log lines and the audit events it records name the
request that caused them. Eager tasks run inside the request: the id is already set.

In JSON log format (settings.LOG_FORMAT), the worker's own handlers (Celery sets up the
worker's logging) format JSON too, with the task's id and name.
"""

import logging
import os
from contextvars import Token

from celery import Celery, current_task
from celery.signals import (
    after_setup_logger,
    after_setup_task_logger,
    before_task_publish,
    task_postrun,
    task_prerun,
)

from tracker.middleware import request_id, valid_request_id

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tracker.settings")

app = Celery("tracker")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

REQUEST_ID_HEADER = "request_id"
_tokens: dict[str, Token] = {}


@before_task_publish.connect
def send_request_id(headers: dict | None = None, **kwargs) -> None:
    value = request_id.get()
    if value and headers is not None:
        headers.setdefault(REQUEST_ID_HEADER, value)


@task_prerun.connect
def take_request_id(task_id: str | None = None, task=None, **kwargs) -> None:
    value = getattr(getattr(task, "request", None), REQUEST_ID_HEADER, None)
    if task_id is not None and isinstance(value, str) and valid_request_id(value):
        _tokens[task_id] = request_id.set(value)


@task_postrun.connect
def drop_request_id(task_id: str | None = None, **kwargs) -> None:
    token = _tokens.pop(task_id, None)
    if token is not None:
        request_id.reset(token)


class TaskFilter(logging.Filter):
    """Adds the running task's id and name (null outside a task)."""

    def filter(self, record: logging.LogRecord) -> bool:
        running = bool(current_task) and current_task.request.id is not None
        record.task_id = current_task.request.id if running else None
        record.task_name = current_task.name if running else None
        return True


@after_setup_logger.connect
@after_setup_task_logger.connect
def json_worker_logs(logger: logging.Logger | None = None, **kwargs) -> None:
    from django.conf import settings

    from tracker.logs import ContextFilter, JsonFormatter

    if logger is None or getattr(settings, "LOG_FORMAT", "text") != "json":
        return
    for handler in logger.handlers:
        handler.setFormatter(JsonFormatter())
        handler.addFilter(ContextFilter())
        handler.addFilter(TaskFilter())
