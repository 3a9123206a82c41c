import pytest
from django.db import connection

from tests.audit_table import triggers_off


def raw(sql: str, params=()):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


@pytest.fixture
def as_table_owner():
    """The attacker owns the audit table: on PostgreSQL they switch its triggers off (rolled
    back with the test's transaction); SQLite has none to switch off."""
    with triggers_off():
        yield
