"""`make serve`: the production configuration on one machine, without Docker.

`python -m tracker.serve [--host H] [--port P]` checks the environment, the database and the
broker (one line and exit status 2 when one is missing or unreachable), runs `migrate` and
`collectstatic` once (side by side), then starts and supervises three children:

- web: gunicorn, WEB_CONCURRENCY sync workers (default 2), on HOST:PORT;
- worker: `celery -A tracker worker` (CELERY_WORKER_CONCURRENCY processes);
- beat: `celery -A tracker beat`, exactly one, apart from the worker.

SIGTERM or SIGINT is passed on to every child, which stops gracefully (a child still running
after SERVE_STOP_SECONDS is killed with its own children); when a child dies on its own, the
others are stopped and the supervisor exits with status 1. Each child runs in a session of its
own, so that a stop reaches its workers too, and receives SIGTERM should the supervisor itself
be killed (Linux). Secrets are never invented: every required variable comes from the
environment.
"""

from __future__ import annotations

import argparse
import contextlib
import ctypes
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
# gunicorn's hooks for /metrics with several workers and for JSON logs: used once it exists
# (with PROMETHEUS_MULTIPROC_DIR, a directory of this instance unless set).
GUNICORN_CONF = ROOT / "tracker" / "gunicorn_conf.py"
REQUIRED = (
    "DATABASE_URL",
    "REDIS_URL",
    "DJANGO_SECRET_KEY",
    "DJANGO_ALLOWED_HOSTS",
    "AUDIT_SIGNING_KEY",
    "WEBHOOK_SECRET_KEYS",
)
CONNECT_TIMEOUT_SECONDS = 5
LINUX = sys.platform.startswith("linux")
EXIT_CONFIG = 2  # bad or missing configuration, an unreachable service: nothing started
EXIT_CHILD_DIED = 1


class StartupError(Exception):
    """A reason not to start, said in one line that names the variable or the host."""


def log(message: str) -> None:
    print(f"serve: {message}", file=sys.stderr, flush=True)


# Checks before anything starts -----------------------------------------------------------


def check_required(environ: dict[str, str]) -> None:
    missing = [name for name in REQUIRED if not environ.get(name, "").strip()]
    if missing:
        raise StartupError(
            f"{', '.join(missing)}: not set; make serve requires "
            f"{'it' if len(missing) == 1 else 'them'} (README: Production)"
        )
    scheme = urlsplit(environ["DATABASE_URL"]).scheme
    if not scheme.startswith(("postgres", "pgsql")):
        raise StartupError(
            f"DATABASE_URL: make serve needs PostgreSQL (postgres://...), not {scheme or '?'}"
        )


def load_settings():
    """Load the settings and the apps as every child will, with DEBUG off (the apps check the
    audit signing key and the webhook keys when ready); their refusals in one line."""
    import django
    from django.conf import settings
    from django.core.exceptions import ImproperlyConfigured

    try:
        django.setup()
    except ImproperlyConfigured as error:
        raise StartupError(str(error)) from None
    except Exception as error:  # a malformed value: environ's ValueError, say
        raise StartupError(f"the settings refuse the environment: {error}") from None
    return settings


def _reach(variable: str, host: str, port: int) -> None:
    """Open and close a TCP connection, to name the plain reason when there is none."""
    where = f"{host}:{port}"
    try:
        with socket.create_connection((host, port), timeout=CONNECT_TIMEOUT_SECONDS):
            pass
    except ConnectionRefusedError:
        raise StartupError(f"{variable}: cannot connect to {where} (connection refused)") from None
    except TimeoutError:
        raise StartupError(
            f"{variable}: cannot connect to {where} (no answer within {CONNECT_TIMEOUT_SECONDS} s)"
        ) from None
    except socket.gaierror:
        raise StartupError(f"{variable}: cannot connect to {where} (unknown host)") from None
    except OSError as error:
        raise StartupError(
            f"{variable}: cannot connect to {where} ({error.strerror or error})"
        ) from None


def _first_line(error: Exception) -> str:
    """psycopg's messages run over several lines and repeat the address: keep the server's."""
    text = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
    return text.rsplit(" failed: ", 1)[-1].strip()


def check_database(settings) -> None:
    import psycopg

    db = settings.DATABASES["default"]
    host, port = db.get("HOST") or "localhost", int(db.get("PORT") or 5432)
    if not host.startswith("/"):
        _reach("DATABASE_URL", host, port)
    try:
        psycopg.connect(
            host=host,
            port=port,
            dbname=db["NAME"],
            user=db.get("USER") or None,
            password=db.get("PASSWORD") or None,
            connect_timeout=CONNECT_TIMEOUT_SECONDS,
            **{k: v for k, v in db.get("OPTIONS", {}).items() if k == "sslmode"},
        ).close()
    except psycopg.Error as error:
        raise StartupError(
            f"DATABASE_URL: cannot connect to {host}:{port}/{db['NAME']} ({_first_line(error)})"
        ) from None


def check_redis(variable: str, url: str) -> None:
    import redis

    parts = urlsplit(url)
    if parts.scheme not in ("redis", "rediss"):
        raise StartupError(f"{variable}: expected redis://host:port/db, not {parts.scheme}://")
    host, port = parts.hostname or "localhost", parts.port or 6379
    _reach(variable, host, port)
    client = redis.Redis.from_url(
        url,
        socket_connect_timeout=CONNECT_TIMEOUT_SECONDS,
        socket_timeout=CONNECT_TIMEOUT_SECONDS,
    )
    try:
        client.ping()
    except redis.RedisError as error:
        raise StartupError(f"{variable}: cannot use {host}:{port} ({error})") from None
    finally:
        client.close()


def check_port(host: str, port: int) -> None:
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as error:
            raise StartupError(
                f"PORT: cannot listen on {host}:{port} ({error.strerror or error})"
            ) from None


# The children ----------------------------------------------------------------------------


def _die_with_parent() -> None:
    """Runs in the child before exec: SIGTERM when the supervisor dies, however it dies."""
    with contextlib.suppress(Exception):
        libc = ctypes.CDLL(None, use_errno=True)
        pr_set_pdeathsig = 1
        libc.prctl(pr_set_pdeathsig, signal.SIGTERM)


def commands(host: str, port: int, run_dir: Path) -> dict[str, list[str]]:
    python = sys.executable
    web = [python, "-m", "gunicorn"]
    if GUNICORN_CONF.exists():
        # Its hooks only (metrics of several workers, JSON logs); the rest is set below.
        web += ["-c", "python:tracker.gunicorn_conf"]
    web += [
        "tracker.wsgi",
        "--bind",
        f"[{host}]:{port}" if ":" in host else f"{host}:{port}",
        "--workers",
        os.environ.get("WEB_CONCURRENCY", "2"),
        # gunicorn 27 opens a control socket, by default one per user (~/.gunicorn/): one per
        # instance instead, so several can run side by side.
        "--control-socket",
        str(run_dir / "gunicorn.ctl"),
    ]
    celery = [python, "-m", "celery", "-A", "tracker"]
    # Without gossip and mingle (worker-to-worker chatter this app does not use): fewer
    # broker channels to lose when Redis goes away.
    worker = [
        *celery,
        "worker",
        "--loglevel=INFO",
        "--without-gossip",
        "--without-mingle",
        "-n",
        f"serve-{port}@%h",
    ]
    beat = [*celery, "beat", "--loglevel=INFO", "--schedule", str(run_dir / "beat-schedule")]
    return {"web": web, "worker": worker, "beat": beat}


# Children started again when they die, as systemd's or compose's restart policy would: a
# Celery worker can exit on a broker outage (kombu fails to restore its unacknowledged
# messages on a connection that is gone). Web dying stops everything.
RESTARTABLE = frozenset({"worker", "beat"})
RESTARTS_PER_MINUTE = 3


class Supervisor:
    def __init__(self, stop_seconds: float) -> None:
        self.stop_seconds = stop_seconds
        self.children: dict[str, subprocess.Popen] = {}
        self.commands: dict[str, tuple[Sequence[str], dict[str, str]]] = {}
        self.restarts: dict[str, list[float]] = {}
        self.stopping: int | None = None  # the signal that asked us to stop

    def start(self, name: str, command: Sequence[str], environ: dict[str, str]) -> None:
        self.commands[name] = (command, environ)
        self.children[name] = subprocess.Popen(
            command,
            cwd=ROOT,
            env=environ,
            start_new_session=True,
            preexec_fn=_die_with_parent if LINUX else None,
        )
        log(f"{name} started (pid {self.children[name].pid})")

    def ask_to_stop(self, signum: int, _frame=None) -> None:
        if self.stopping is None:
            self.stopping = signum
            log(f"{signal.Signals(signum).name}: stopping web, worker and beat")

    def wait(self) -> int:
        """Until a signal or a child's death; then stop the rest. Returns the exit status."""
        died: str | None = None
        while self.stopping is None and died is None:
            died = next((n for n, p in self.children.items() if p.poll() is not None), None)
            if died is not None and self.restart(died):
                died = None
            if died is None:
                time.sleep(0.2)
        if died is not None:
            log(f"{died} exited with status {self.children[died].returncode}: stopping the rest")
        self.stop_all()
        return EXIT_CHILD_DIED if died is not None else 0

    def restart(self, name: str) -> bool:
        """Start a dead restartable child again, unless it died too often in the last minute.
        True when it was started again."""
        now = time.monotonic()
        recent = [t for t in self.restarts.get(name, []) if now - t < 60]
        if name not in RESTARTABLE or len(recent) >= RESTARTS_PER_MINUTE:
            return False
        log(f"{name} exited with status {self.children[name].returncode}: starting it again")
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.children[name].pid, signal.SIGKILL)  # what is left of its pool
        self.restarts[name] = [*recent, now]
        time.sleep(1)
        self.start(name, *self.commands[name])
        return True

    def stop_all(self) -> None:
        for process in self.children.values():
            if process.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + self.stop_seconds
        for name, process in self.children.items():
            try:
                process.wait(timeout=max(0.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                log(f"{name} still running after {self.stop_seconds:g} s: killed")
            # The child's own children (gunicorn's workers, celery's pool) share its session.
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def run_steps(steps: dict[str, Sequence[str]], environ: dict[str, str]) -> None:
    """Run one-off commands side by side (they touch different things: the database, the
    static files directory) and wait for all; the first that failed is the reason."""
    running = {}
    for name, command in steps.items():
        log(name)
        running[name] = subprocess.Popen(
            command, cwd=ROOT, env=environ, preexec_fn=_die_with_parent if LINUX else None
        )
    failed = [(name, p.wait()) for name, p in running.items() if p.wait() != 0]
    if failed:
        name, status = failed[0]
        raise StartupError(f"{name} failed with status {status}")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tracker.serve", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
    args = parser.parse_args(argv)

    # Production, whatever the shell says: make run is the development server.
    os.environ["DJANGO_DEBUG"] = "false"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tracker.settings")
    environ = dict(os.environ)
    # This process only loads the settings to check them: its refusals are one line, without
    # the apps' start-up log lines (the children log at the level they are given).
    os.environ["DJANGO_LOG_LEVEL"] = "WARNING"
    run_dir = Path(tempfile.mkdtemp(prefix=f"tracker-serve-{args.port}-"))
    try:
        check_required(environ)
        settings = load_settings()
        check_port(args.host, args.port)
        check_database(settings)
        check_redis("REDIS_URL", environ["REDIS_URL"])
        if environ["REDIS_URL"] != settings.CELERY_BROKER_URL:
            check_redis("CELERY_BROKER_URL", settings.CELERY_BROKER_URL)
        if GUNICORN_CONF.exists() and not environ.get("PROMETHEUS_MULTIPROC_DIR"):
            # Metrics from several gunicorn workers: a directory of this instance, empty at start.
            (run_dir / "prometheus").mkdir()
            environ["PROMETHEUS_MULTIPROC_DIR"] = str(run_dir / "prometheus")
        manage = [sys.executable, "manage.py"]
        run_steps(
            {
                "migrate": [*manage, "migrate", "--noinput"],
                "collectstatic": [*manage, "collectstatic", "--noinput", "-v0"],
            },
            environ,
        )
    except StartupError as error:
        print(error, file=sys.stderr, flush=True)
        shutil.rmtree(run_dir, ignore_errors=True)
        return EXIT_CONFIG

    supervisor = Supervisor(stop_seconds=float(environ.get("SERVE_STOP_SECONDS", "30")))
    signal.signal(signal.SIGTERM, supervisor.ask_to_stop)
    signal.signal(signal.SIGINT, supervisor.ask_to_stop)
    try:
        for name, command in commands(args.host, args.port, run_dir).items():
            supervisor.start(name, command, environ)
        log(f"serving on http://{args.host}:{args.port}/ (run directory {run_dir})")
        return supervisor.wait()
    finally:
        supervisor.stop_all()
        shutil.rmtree(run_dir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
