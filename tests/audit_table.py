"""Switching the audit table's triggers off, as its owner can: for the tests that play that
attacker, Django's flush between transactional tests, and the benchmark's reset. The app
itself never does (README, production: it connects as a role that cannot)."""

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connection

AUDIT_TABLE = "commitments_auditevent"


def trigger_sql(action: str, trigger: str = "USER") -> str:
    """The statement that does `action` (ENABLE or DISABLE) to the audit table's `trigger`:
    one trigger's name, or USER for all of them."""
    return f"ALTER TABLE {AUDIT_TABLE} {action} TRIGGER {trigger}"


@contextmanager
def triggers_off(trigger: str = "USER") -> Iterator[None]:
    """The audit table's `trigger` (all of them by default) off within the block, inside the
    caller's transaction. PostgreSQL only: SQLite has none to switch off."""
    if connection.vendor != "postgresql":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute(trigger_sql("DISABLE", trigger))
    yield
    with connection.cursor() as cursor:
        # ALTER TABLE refuses to run while deferred trigger events are pending: fire them now.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute(trigger_sql("ENABLE", trigger))
