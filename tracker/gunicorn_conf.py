"""gunicorn hooks for /metrics with several workers: `gunicorn -c python:tracker.gunicorn_conf`.

Only hooks live here; workers, bind and timeouts stay on the command line (`make serve`,
docker/). With PROMETHEUS_MULTIPROC_DIR set, every worker writes its metrics to files there
(tracker.metrics):

- on_starting empties the directory of the previous run's files (counts would otherwise carry
  over from processes long gone, and the directory would grow at each restart);
- child_exit tells prometheus-client that a worker died, so its live gauges are dropped (its
  counters stay: they were counted).

In JSON log format (DJANGO_LOG_FORMAT, json by default with DJANGO_DEBUG off), gunicorn's own
lines (workers booting, timeouts) are JSON objects too, and its access log stays off: the
app writes one access line per request (tracker.middleware), with the request id.
"""

import os
from pathlib import Path

import environ
from prometheus_client import multiprocess

_env = environ.Env()
_debug = _env.bool("DJANGO_DEBUG", default=True)
if _env("DJANGO_LOG_FORMAT", default="text" if _debug else "json") == "json":
    logconfig_dict = {
        # Each worker's Django settings configure the root logger (tracker.settings).
        "root": {"level": "INFO", "handlers": []},
        "loggers": {
            "gunicorn.error": {"level": "INFO", "handlers": ["json"], "propagate": False},
            "gunicorn.access": {"level": "CRITICAL", "handlers": [], "propagate": False},
        },
        "handlers": {
            "json": {
                "class": "logging.StreamHandler",
                "formatter": "json",
                "stream": "ext://sys.stderr",
            }
        },
        "formatters": {"json": {"()": "tracker.logs.JsonFormatter"}},
    }


def _directory() -> str:
    return os.environ.get("PROMETHEUS_MULTIPROC_DIR", "")


def on_starting(server) -> None:
    directory = _directory()
    if not directory:
        return
    path = Path(directory)
    path.mkdir(parents=True, exist_ok=True)
    for stale in path.glob("*.db"):  # prometheus-client's files only, nothing else
        stale.unlink(missing_ok=True)


def child_exit(server, worker) -> None:
    if _directory():
        multiprocess.mark_process_dead(worker.pid)
