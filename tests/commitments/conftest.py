import pytest
from django.db import connection


def raw(sql: str, params=()):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


@pytest.fixture
def as_table_owner():
    """The attacker owns the audit table: on PostgreSQL they switch its triggers off (rolled
    back with the test's transaction); SQLite has none to switch off."""
    if connection.vendor == "postgresql":
        raw("ALTER TABLE commitments_auditevent DISABLE TRIGGER USER")
    yield
    if connection.vendor == "postgresql":
        raw("SET CONSTRAINTS ALL IMMEDIATE")
        raw("ALTER TABLE commitments_auditevent ENABLE TRIGGER USER")
