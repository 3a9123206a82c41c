"""This process's copy of the audit chain's head, kept current by PostgreSQL LISTEN/NOTIFY.

Every list ETag of the API names the chain's head (commitments.api.http): read from the table,
that is one query per conditional GET, more than half of what a 304 costs. Instead:

- a trigger on the audit table (migration 0004) NOTIFYs `audit_head` with the new head's
  sequence and hash; PostgreSQL delivers a notification only when its transaction commits,
  and in commit order;
- in each web process, a daemon thread (started by the first current() call) LISTENs on a
  connection of its own, keeps the highest head it was told, and reads the head from the table
  after each wait of at most POLL_SECONDS: that read proves the connection alive and corrects
  anything a notification could not tell (a restore from backup);
- current() answers None, and the caller reads the table as it would without a watcher, when
  the setting is off, the database is not PostgreSQL, the thread has not read the head yet, or
  its last successful read is older than STALE_SECONDS (a lost connection, a hung database).

How current is it: the process that wrote sees its own write when the transaction commits
(appended(), from audit.record); another process learns of it when the notification
arrives, typically well under a millisecond later. A request that reaches another process in
that moment is answered as if it had come just before the commit. Without PostgreSQL, or with
AUDIT_HEAD_WATCH=false, every call reads the table.
"""

import logging
import os
import threading
import time
from functools import partial
from typing import Any

from django.conf import settings
from django.db import connection, transaction

logger = logging.getLogger(__name__)

CHANNEL = "audit_head"
HEAD_SQL = "SELECT sequence, hash FROM commitments_auditevent ORDER BY sequence DESC LIMIT 1"
POLL_SECONDS = 1.0
STALE_SECONDS = 2.0  # beyond the poll interval
RETRY_SECONDS = 2.0
WAKE_SECONDS = 0.5  # how soon the thread sees stop()
APPLICATION_NAME = "audit-head-watcher"  # how its connection shows in pg_stat_activity
KEEPALIVE = {
    "keepalives": 1,
    "keepalives_idle": 5,
    "keepalives_interval": 2,
    "keepalives_count": 3,
    "tcp_user_timeout": 10_000,  # milliseconds
}


class HeadWatcher:
    """One per process (WATCHER); tests make their own with the test database's parameters."""

    def __init__(
        self, params: dict[str, Any] | None = None, poll_seconds: float = POLL_SECONDS
    ) -> None:
        self.params = params
        self.poll_seconds = poll_seconds
        self.head: tuple[int, str] | None = None
        self.read_at = 0.0  # monotonic time of the last successful read of the table
        self.moved_at = 0.0  # ... and of the last move by saw() or told()
        self.lock = threading.Lock()
        self.stopping = threading.Event()
        self.thread: threading.Thread | None = None
        self.pid: int | None = None
        self.backend_pid: int | None = None  # its connection's, in pg_stat_activity

    # Read by requests ---------------------------------------------------------------------

    def current(self) -> str | None:
        """The head's hash ("" for an empty chain), or None when it cannot be vouched for."""
        if self.pid != os.getpid():
            self.start()
            return None
        head = self.head
        if head is None or time.monotonic() - self.read_at > self.poll_seconds + STALE_SECONDS:
            return None
        return head[1]

    def saw(self, sequence: int, hash_: str) -> None:
        """`sequence` was committed (by this process, or a notification says so)."""
        with self.lock:
            if self.head is not None and sequence > self.head[0]:
                self.head = (sequence, hash_)
                self.moved_at = time.monotonic()

    # The thread ---------------------------------------------------------------------------

    def start(self) -> None:
        with self.lock:
            if self.pid == os.getpid():
                return
            self.pid = os.getpid()  # after a fork, the parent's thread is not ours
            self.head = None
            # An event per thread: a thread that outlives stop() (stuck on a dead socket) sees
            # its own event set, never cleared by the next start().
            self.stopping = threading.Event()
            self.thread = threading.Thread(
                target=self.run, args=(self.stopping,), name="audit-head", daemon=True
            )
            self.thread.start()

    def stop(self) -> None:
        with self.lock:
            self.stopping.set()
            thread, self.pid, self.head = self.thread, None, None
        if thread is not None:
            thread.join(WAKE_SECONDS + 5)

    def run(self, stopping: threading.Event) -> None:
        while not stopping.is_set():
            try:
                import psycopg

                params = self.params if self.params is not None else connection_params()
                with psycopg.connect(**params, autocommit=True) as conn:
                    self.backend_pid = conn.info.backend_pid
                    conn.execute(f"LISTEN {CHANNEL}")
                    # After LISTEN: a commit from here on is either in this read or notified.
                    self.read(conn, stopping)
                    while not stopping.is_set():
                        for note in conn.notifies(timeout=min(self.poll_seconds, WAKE_SECONDS)):
                            self.told(note.payload)
                        if time.monotonic() - self.read_at >= self.poll_seconds:
                            self.read(conn, stopping)
            except Exception:
                logger.warning("audit head watcher: connection lost, retrying", exc_info=True)
            with self.lock:
                if not stopping.is_set():
                    self.head = None
            stopping.wait(RETRY_SECONDS)

    def read(self, conn, stopping: threading.Event) -> None:
        started = time.monotonic()
        row = conn.execute(HEAD_SQL).fetchone()
        found = (row[0], row[1]) if row else (0, "")
        with self.lock:
            if stopping.is_set():  # stopped, perhaps replaced: not ours to write any more
                return
            # The table is the truth, also when it went back (a restore from backup), unless
            # saw() or told() moved the head on while the query ran: the read is older.
            if self.head is None or found[0] >= self.head[0] or self.moved_at < started:
                self.head = found
            self.read_at = time.monotonic()

    def told(self, payload: str) -> None:
        sequence, _, hash_ = payload.partition(":")
        self.saw(int(sequence), hash_)


def connection_params() -> dict[str, Any]:
    """The default database's connection parameters, for a plain psycopg connection."""
    params = connection.get_connection_params()
    for django_only in ("cursor_factory", "context", "prepare_threshold"):
        params.pop(django_only, None)
    params.setdefault("connect_timeout", 5)
    # A dead peer is noticed within seconds, not the system's TCP timeouts (minutes); until
    # then the head is not vouched for beyond STALE_SECONDS anyway.
    for name, value in KEEPALIVE.items():
        params.setdefault(name, value)
    params["application_name"] = APPLICATION_NAME
    return params


WATCHER = HeadWatcher()


def enabled() -> bool:
    return settings.AUDIT_HEAD_WATCH and connection.vendor == "postgresql"


def current() -> str | None:
    return WATCHER.current() if enabled() else None


def appended(sequence: int, hash_: str) -> None:
    """audit.record appended this head in the current transaction: a watcher running in this
    process believes it as soon as the transaction commits."""
    if WATCHER.pid == os.getpid():
        transaction.on_commit(partial(WATCHER.saw, sequence, hash_))


READY_WAIT_SECONDS = 1.0  # how long /readyz waits for a watcher it has just started


class WatcherNotCurrent(Exception):
    pass


def readiness() -> str:
    """For /readyz (tracker.health): "skipped" where no watcher runs (SQLite, or the setting
    off); "ok" when this process's watcher thread is alive and vouches for the head, waiting
    up to READY_WAIT_SECONDS for one that is just starting; raises otherwise."""
    if not enabled():
        return "skipped"
    deadline = time.monotonic() + READY_WAIT_SECONDS
    while WATCHER.current() is None:
        if time.monotonic() >= deadline:
            raise WatcherNotCurrent("the audit head watcher has not read the head recently")
        time.sleep(0.05)
    thread = WATCHER.thread
    if thread is None or not thread.is_alive():
        raise WatcherNotCurrent("the audit head watcher's thread is not running")
    return "ok"
