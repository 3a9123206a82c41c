"""The audit table's owner, for the tamper tests; a local webhook receiver, and real Celery
workers (and a Redis of their own) for the delivery tests. Every wait is bounded; every
process started here is ended at teardown."""

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.db import connection
from kombu import pools

from tests.audit_table import triggers_off
from tests.helpers import wait_until
from tracker.celery import app as celery_app

ROOT = Path(__file__).resolve().parents[2]
CELERY = str(Path(sys.executable).with_name("celery"))

# What the test workers run with: short timeouts and retries, a sweep every second.
WORKER_SETTINGS = {
    "WEBHOOK_ALLOW_PRIVATE_TARGETS": "true",
    "WEBHOOK_TIMEOUT_SECONDS": "1",
    "WEBHOOK_RETRY_BASE_SECONDS": "0.2",
    "NOTIFY_SWEEP_SECONDS": "1",
    "NOTIFY_REQUEUE_AFTER_SECONDS": "1",
}


# The audit table's owner ------------------------------------------------------------------


def raw(sql: str, params=()):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


@pytest.fixture
def as_table_owner():
    """The attacker owns the audit table: on PostgreSQL they switch its triggers off (rolled
    back with the test's transaction); SQLite has none to switch off."""
    with triggers_off():
        yield


# The receiver ----------------------------------------------------------------------------


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes
    at: float


@dataclass
class Receiver:
    """A threaded HTTP server on 127.0.0.1. `answers` is consumed one per request: an int
    status, or a callable(handler) that answers by itself; when empty, 200."""

    server: ThreadingHTTPServer
    answers: list[int | Callable] = field(default_factory=list)
    received: list[Received] = field(default_factory=list)
    arrived: threading.Condition = field(default_factory=threading.Condition)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_port}/hooks"

    def wait_for(self, count: int, timeout: float) -> list[Received]:
        with self.arrived:
            self.arrived.wait_for(lambda: len(self.received) >= count, timeout=timeout)
            return list(self.received)


def _handler_for(receiver: Receiver) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self):
            length = int(self.headers.get("content-length", 0))
            body = self.rfile.read(length)
            with receiver.arrived:
                receiver.received.append(
                    Received(self.path, dict(self.headers.items()), body, time.monotonic())
                )
                answer = receiver.answers.pop(0) if receiver.answers else 200
                receiver.arrived.notify_all()
            if callable(answer):
                answer(self)
                return
            self.send_response(answer)
            self.send_header("content-length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, *args):
            pass

    return Handler


class _Server(ThreadingHTTPServer):
    request_queue_size = 64  # set before listen(): concurrent workers connect at once
    daemon_threads = True


@pytest.fixture
def receiver():
    server = _Server(("127.0.0.1", 0), None)
    instance = Receiver(server=server)
    server.RequestHandlerClass = _handler_for(instance)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield instance
    server.shutdown()
    server.server_close()


@pytest.fixture
def private_targets_allowed(settings):
    """The receiver listens on loopback, which only this setting lets through."""
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = True


# Redis and workers -----------------------------------------------------------------------


def _free_port(candidates) -> int:
    for port in candidates:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) != 0:
                return port
    raise RuntimeError("No free port for a test Redis.")


class RedisServer:
    """A Redis of the test's own, on a port in 6390-6399 (gw1's in 6400-6409, and so on: two
    xdist workers never pick the same free port at once), nothing kept on disk."""

    def __init__(self, directory: Path) -> None:
        worker = int(os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw"))
        first = 6390 + 10 * worker
        self.port = _free_port(range(first, first + 10))
        self.directory = directory
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def _answers(self) -> bool:
        with socket.socket() as probe:
            return probe.connect_ex(("127.0.0.1", self.port)) == 0

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                shutil.which("redis-server") or "redis-server",
                "--bind",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.directory),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_until(self._answers, timeout=10, message=f"Redis on port {self.port}")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)
        wait_until(
            lambda: not self._answers(), timeout=10, message=f"Redis on port {self.port} to stop"
        )


class Workers:
    """Starts `celery -A tracker worker --beat` processes against the test database."""

    def __init__(self, directory: Path, broker_url: str) -> None:
        self.directory = directory
        self.broker_url = broker_url
        self.processes: list[subprocess.Popen] = []

    def environment(self, **extra: str) -> dict[str, str]:
        db = connection.settings_dict
        credentials = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
        database_url = (
            f"postgres://{credentials}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/"
            f"{db['NAME']}"
        )
        env = {k: v for k, v in os.environ.items() if not k.startswith(("CELERY_", "DJANGO_"))}
        env.update(
            DATABASE_URL=database_url,
            REDIS_URL=self.broker_url,
            CELERY_TASK_ALWAYS_EAGER="false",
            DJANGO_EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
            DJANGO_LOG_LEVEL="WARNING",
            **WORKER_SETTINGS,
            **extra,
        )
        return env

    def start(self, *, concurrency: int = 2, **extra: str) -> subprocess.Popen:
        index = len(self.processes)
        log = (self.directory / f"worker-{index}.log").open("wb")
        process = subprocess.Popen(
            [
                CELERY,
                "-A",
                "tracker",
                "worker",
                "--beat",
                "--schedule",
                str(self.directory / f"beat-{index}"),
                "--pool=prefork",
                f"--concurrency={concurrency}",
                "--without-gossip",
                "--without-mingle",
                "--loglevel=INFO",
                "-n",
                f"test{index}-{os.getpid()}@%h",
            ],
            cwd=ROOT,
            env=self.environment(**extra),
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.processes.append(process)
        path = self.directory / f"worker-{index}.log"
        wait_until(
            lambda: b" ready." in path.read_bytes() or process.poll() is not None,
            timeout=30,
            message="the worker to be ready",
        )
        if process.poll() is not None:
            raise AssertionError(f"The worker died at start:\n{path.read_text()}")
        return process

    def kill(self, process: subprocess.Popen, sig: int = signal.SIGKILL) -> None:
        """Signal the worker's whole process group (its pool and its beat)."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, sig)
        process.wait(timeout=20)

    def stop_all(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                self.kill(process, signal.SIGTERM)
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)  # leftovers of the group, if any

    def logs(self) -> str:
        return "\n".join(p.read_text() for p in sorted(self.directory.glob("worker-*.log")))


def _reset_pools() -> None:
    """Make this process's Celery app connect afresh, to whatever the settings now say."""
    pools.reset()
    celery_app._pool = None
    amqp = celery_app.__dict__.get("amqp")
    if amqp is not None:
        amqp._producer_pool = None


def _clear_queue(url: str) -> None:
    """Drop messages earlier runs left in this Redis database (queued or unacknowledged)."""
    import redis

    client = redis.Redis.from_url(url)
    client.delete("celery", "unacked", "unacked_index", "unacked_mutex")
    client.close()


@pytest.fixture
def live_settings(settings, private_targets_allowed):
    """This process publishes for real (not eager), with the workers' settings."""
    settings.CELERY_TASK_ALWAYS_EAGER = False
    for name, value in WORKER_SETTINGS.items():
        if name != "WEBHOOK_ALLOW_PRIVATE_TARGETS":
            setattr(settings, name, float(value))
    return settings


@pytest.fixture
def workers(live_settings, tmp_path):
    """Workers against REDIS_URL and the test database; ended at teardown."""
    url = django_settings.REDIS_URL
    live_settings.CELERY_BROKER_URL = url
    _reset_pools()
    _clear_queue(url)
    started = Workers(tmp_path, url)
    yield started
    started.stop_all()
    print(started.logs())  # shown when the test failed
    _clear_queue(url)
    _reset_pools()


@pytest.fixture
def own_redis(live_settings, tmp_path):
    """A Redis of the test's own, and workers against it; both ended at teardown."""
    server = RedisServer(tmp_path)
    server.start()
    live_settings.CELERY_BROKER_URL = server.url
    _reset_pools()
    started = Workers(tmp_path, server.url)
    yield server, started
    started.stop_all()
    print(started.logs())  # shown when the test failed
    server.stop()
    _reset_pools()
