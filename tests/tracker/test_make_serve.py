"""`make serve` as an operator runs it: the production configuration (DEBUG off, gunicorn with
two workers, a Celery worker and one beat) on a database and a Redis of the test's own. The
test waits until it is ready, approves an update over the API, receives the signed webhook,
and stops everything it started. Every wait is bounded.

The Redis is a redis-server the test starts on a free port: its worker must not take other
tests' tasks from a shared queue, and the outage test stops and restarts it."""

import contextlib
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from base64 import b64encode, urlsafe_b64encode
from dataclasses import dataclass, field
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import psycopg
import pytest
import requests
from django.conf import settings
from psycopg import sql
from standardwebhooks import Webhook

from tests.helpers import wait_until

pytestmark = pytest.mark.serve

ROOT = Path(__file__).resolve().parents[2]
READY_PATH = "/readyz"
START_SECONDS = 60
STOP_SECONDS = 30


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def port_open(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0


# A database, a Redis and a webhook receiver of the test's own --------------------------


@pytest.fixture
def database_url():
    """A fresh, empty database on the tests' PostgreSQL server, dropped afterwards."""
    db = settings.DATABASES["default"]
    server = {
        "host": db["HOST"] or "127.0.0.1",
        "port": int(db["PORT"] or 5432),
        "user": db["USER"],
        "password": db["PASSWORD"] or None,
    }
    name = f"test_serve_{secrets.token_hex(4)}"
    with psycopg.connect(dbname="postgres", autocommit=True, **server) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    credentials = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    yield f"postgres://{credentials}@{server['host']}:{server['port']}/{name}"
    with psycopg.connect(dbname="postgres", autocommit=True, **server) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )


class RedisServer:
    """A redis-server on a free port, nothing kept on disk; stopped and started at will."""

    def __init__(self, directory: Path) -> None:
        self.port = free_port()
        self.directory = directory
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                *(shutil.which("redis-server") or "redis-server", "--bind", "127.0.0.1"),
                *("--port", str(self.port), "--save", "", "--appendonly", "no"),
                *("--dir", str(self.directory)),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_until(lambda: port_open(self.port), timeout=10, message="the test's Redis")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)
        wait_until(lambda: not port_open(self.port), timeout=10, message="Redis to stop")


@pytest.fixture
def redis_server(tmp_path):
    server = RedisServer(tmp_path)
    server.start()
    yield server
    server.stop()


@dataclass
class Receiver:
    """Webhook requests POSTed to a threaded HTTP server on 127.0.0.1, answered 200."""

    server: ThreadingHTTPServer
    received: list[tuple[dict[str, str], bytes]] = field(default_factory=list)
    arrived: threading.Condition = field(default_factory=threading.Condition)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_port}/hooks"

    def wait_for_one(self, timeout: float) -> tuple[dict[str, str], bytes]:
        with self.arrived:
            if not self.arrived.wait_for(lambda: self.received, timeout=timeout):
                raise AssertionError(f"No webhook arrived within {timeout} s.")
            return self.received[0]


@pytest.fixture
def receiver():
    instance = Receiver(server=ThreadingHTTPServer(("127.0.0.1", 0), None))

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("content-length", 0)))
            with instance.arrived:
                instance.received.append((dict(self.headers.items()), body))
                instance.arrived.notify_all()
            self.send_response(200)
            self.send_header("content-length", "0")
            self.end_headers()

        def log_message(self, *args):
            pass

    instance.server.RequestHandlerClass = Handler
    instance.server.daemon_threads = True
    thread = threading.Thread(target=instance.server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield instance
    instance.server.shutdown()
    instance.server.server_close()


# make serve ---------------------------------------------------------------------------


def production_environment(database_url: str, redis_url: str, mark: str) -> dict[str, str]:
    """Throwaway keys, and what a local plain-HTTP check needs: no HTTPS redirect, webhooks to
    loopback, the sweep every second."""
    environment = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "CELERY_", "REDIS_", "DATABASE_", "WEBHOOK_"))
    }
    environment.update(
        SERVE_TEST_RUN=mark,  # inherited by every process make serve starts: found in /proc
        DATABASE_URL=database_url,
        REDIS_URL=redis_url,
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        DJANGO_ALLOWED_HOSTS="127.0.0.1",
        AUDIT_SIGNING_KEY=b64encode(os.urandom(32)).decode(),
        WEBHOOK_SECRET_KEYS=urlsafe_b64encode(os.urandom(32)).decode(),
        DJANGO_SECURE_SSL_REDIRECT="false",
        DJANGO_EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
        WEB_CONCURRENCY="2",
        CELERY_WORKER_CONCURRENCY="2",
        WEBHOOK_ALLOW_PRIVATE_TARGETS="true",
        WEBHOOK_TIMEOUT_SECONDS="2",
        WEBHOOK_RETRY_BASE_SECONDS="0.2",
        NOTIFY_SWEEP_SECONDS="1",
        NOTIFY_REQUEUE_AFTER_SECONDS="1",
        SERVE_STOP_SECONDS="15",
    )
    return environment


@dataclass
class Served:
    make: subprocess.Popen
    port: int
    environment: dict[str, str]
    log: Path

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def processes(self) -> list[int]:
        """Every live process make serve started, however deep: they carry the test's mark."""
        needle = f"SERVE_TEST_RUN={self.environment['SERVE_TEST_RUN']}".encode()
        found = []
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                with contextlib.suppress(OSError):
                    if needle in (entry / "environ").read_bytes().split(b"\0"):
                        found.append(int(entry.name))
        return found

    def manage(self, *commands: list[str]) -> list[str]:
        """Run manage.py commands side by side against the served database; their outputs."""
        running = [
            subprocess.Popen(
                [sys.executable, "manage.py", *command],
                cwd=ROOT,
                env={**self.environment, "DJANGO_DEBUG": "false"},
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
            )
            for command in commands
        ]
        outputs = [process.communicate(timeout=60)[0] for process in running]
        for process, output in zip(running, outputs, strict=True):
            assert process.returncode == 0, output
        return outputs

    def ready_status(self) -> int | None:
        """The answer to READY_PATH, or None while nothing listens or answers (the workers
        are still booting)."""
        try:
            return requests.get(self.url(READY_PATH), timeout=3).status_code
        except (requests.ConnectionError, requests.Timeout):
            return None

    def wait_migrated(self) -> None:
        """Until the supervisor starts its children: the database is migrated by then."""

        def started_or_gone():
            return self.make.poll() is not None or "serve: web started" in self.output()

        wait_until(started_or_gone, timeout=START_SECONDS, interval=0.1, message="migrate")
        assert self.make.poll() is None, f"make serve exited:\n{self.output()}"

    def wait_ready(self) -> None:
        def ready_or_gone():
            return self.make.poll() is not None or self.ready_status() == 200

        wait_until(ready_or_gone, timeout=START_SECONDS, interval=0.25, message="make serve")
        assert self.make.poll() is None, f"make serve exited:\n{self.output()}"

    def stop(self) -> None:
        """SIGTERM to make and the supervisor (one process group); the supervisor passes it on
        to gunicorn, the worker and beat, and waits for them."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.make.pid, signal.SIGTERM)
        self.make.wait(timeout=10)
        wait_until(
            lambda: not self.processes(),
            timeout=STOP_SECONDS,
            interval=0.2,
            message="every process of make serve to end",
        )

    def kill_leftovers(self) -> None:
        for pid in self.processes():
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)


@pytest.fixture
def serve(database_url, tmp_path):
    """Starts `make serve` against the test's database and the given Redis, and returns once
    the database is migrated (the web workers may still be booting); ends it, and anything it
    left, at teardown."""
    started: list[Served] = []

    def start(redis_url: str) -> Served:
        port = free_port()
        environment = production_environment(database_url, redis_url, uuid.uuid4().hex)
        log = tmp_path / "serve.log"
        bin_dir = Path(sys.executable).parent
        with log.open("wb") as out:
            make = subprocess.Popen(
                # The venv running the tests, as it is (-o install: no pip on the way).
                ["make", "-o", "install", "serve", f"PORT={port}", f"BIN={bin_dir}"],
                cwd=ROOT,
                env=environment,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        served = Served(make=make, port=port, environment=environment, log=log)
        started.append(served)
        served.wait_migrated()
        return served

    yield start
    for served in started:
        with contextlib.suppress(Exception):
            served.stop()
        served.kill_leftovers()
        print(served.output())  # shown when the test failed


# Over the API --------------------------------------------------------------------------


@dataclass
class Api:
    base: str
    token: str

    def call(self, method: str, path: str, **kwargs) -> requests.Response:
        return requests.request(
            method,
            self.base + path,
            headers={"Authorization": f"Bearer {self.token}"},
            timeout=10,
            **kwargs,
        )


# One pledged commitment, made through the services as an import would (seed_demo's whole
# scenario costs seconds of password hashing and history); its id is printed.
ONE_COMMITMENT = """
from datetime import date
from commitments import services
from commitments.choices import AgreementKind, GuaranteeDomain, ParticipantKind
from commitments.models import Agreement, Guarantee, Participant
france = services.participant_save(participant=Participant(
    code="FR", name="France", kind=ParticipantKind.COUNTRY, needs_parliamentary_approval=True,
    approval_body="Parliament"), actor=None)
agreement = services.agreement_save(agreement=Agreement(
    slug="serve-test", title="Serve test statement", kind=AgreementKind.JOINT_STATEMENT,
    signed_on=date(2024, 3, 15), place="Paris", summary="For the make serve test."), actor=None)
guarantee = services.guarantee_save(guarantee=Guarantee(
    agreement=agreement, slug="equipment", title="Equipment", domain=GuaranteeDomain.LAND,
    description="Equipment.", position=0), actor=None)
print(services.commitment_create(participant=france, guarantee=guarantee, actor=None).pk)
"""


@dataclass
class Prepared:
    analyst: Api
    reviewer: Api
    commitment: int
    secret: str


def prepared(served: Served, receiver: Receiver) -> Prepared:
    """A commitment, an analyst and a reviewer made with manage.py, a write token for each
    issued the same way (while the server boots), and, once it is ready, the analyst's webhook
    endpoint (its secret)."""
    commitment, _, _ = served.manage(
        ["shell", "-c", ONE_COMMITMENT],
        ["create_user", "serve-analyst", "--role", "analyst"],
        ["create_user", "serve-reviewer", "--role", "reviewer"],
    )
    tokens = served.manage(
        ["create_api_token", "serve-analyst", "--scope", "write"],
        ["create_api_token", "serve-reviewer", "--scope", "write"],
    )
    analyst, reviewer = (Api(served.url("/api/v1"), out.splitlines()[-1]) for out in tokens)
    served.wait_ready()
    endpoint = analyst.call("POST", "/webhooks/", json={"url": receiver.url})
    assert endpoint.status_code == 201, endpoint.text
    return Prepared(analyst, reviewer, int(commitment.split()[-1]), endpoint.json()["secret"])


def approve_an_update(ready: Prepared) -> None:
    """The analyst proposes and submits the commitment's withdrawal; the reviewer approves."""
    draft = ready.analyst.call(
        "POST",
        "/status-updates/",
        json={
            "commitment": ready.commitment,
            "proposed_status": "withdrawn",
            "effective_date": date.today().isoformat(),
            "summary": "The government withdrew its pledge.",
            "sources": [{"url": "https://news.example.org/withdrawn", "title": "Withdrawn"}],
            "draft": True,
        },
    )
    assert draft.status_code == 201, draft.text
    update = draft.json()["id"]
    submitted = ready.analyst.call("POST", f"/status-updates/{update}/submit/")
    assert submitted.json()["state"] == "submitted", submitted.text
    approved = ready.reviewer.call("POST", f"/status-updates/{update}/approve/", json={})
    assert approved.status_code == 200, approved.text


def test_make_serve_approves_over_the_api_sends_the_signed_webhook_and_stops_cleanly(
    redis_server, serve, receiver
):
    started = time.monotonic()
    served = serve(redis_server.url)
    ready = prepared(served, receiver)
    pids = served.processes()

    approve_an_update(ready)

    headers, body = receiver.wait_for_one(timeout=15)
    payload = Webhook(ready.secret).verify(body, headers)
    assert payload["type"] == "commitment.status_changed"
    assert payload["data"]["commitment"]["id"] == ready.commitment
    assert payload["data"]["after"] == {"status": "withdrawn"}
    # gunicorn's master and two workers, the worker and its pool of two, beat, the supervisor.
    assert len(pids) >= 7, pids
    served.stop()
    assert not port_open(served.port)
    assert served.processes() == []
    assert time.monotonic() - started < 90


def test_an_approval_while_redis_is_down_is_notified_once_it_is_back(redis_server, serve, receiver):
    served = serve(redis_server.url)
    ready = prepared(served, receiver)

    redis_server.stop()
    wait_until(lambda: served.ready_status() == 503, timeout=10, message="/readyz to answer 503")
    approve_an_update(ready)
    assert receiver.received == []
    redis_server.start()

    wait_until(lambda: served.ready_status() == 200, timeout=20, message="/readyz to answer 200")
    headers, body = receiver.wait_for_one(timeout=45)
    payload = Webhook(ready.secret).verify(body, headers)
    assert payload["data"]["commitment"]["id"] == ready.commitment
