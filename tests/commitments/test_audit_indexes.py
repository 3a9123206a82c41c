"""The audit table's partial indexes for the record as of a date (bench/matrix.py shows what
they buy at 1,000,000 events): their condition is the status actions, and the as-of and
known-at reads can use them."""

import datetime

import pytest
from django.db import connection

from commitments import audit, selectors
from commitments.models import audit as audit_models
from commitments.services import commitment_create
from tests.factories import GuaranteeFactory, ParticipantFactory

pytestmark = pytest.mark.django_db


def test_the_indexes_condition_names_the_status_actions():
    assert audit_models.STATUS_ACTIONS == audit.STATUS_ACTIONS


def _plan(queryset) -> str:
    """The plan PostgreSQL chooses when it may not read the table from end to end (the test
    table is too small for an index to pay otherwise)."""
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_bitmapscan = off")
        sql, params = queryset.query.sql_with_params()
        cursor.execute("EXPLAIN " + sql, params)
        return "\n".join(row[0] for row in cursor.fetchall())


@pytest.fixture
def commitment():
    return commitment_create(
        participant=ParticipantFactory(), guarantee=GuaranteeFactory(), actor=None
    )


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's planner")
def test_the_status_as_of_a_date_reads_the_status_events_by_date(commitment):
    plan = _plan(selectors.commitments_as_of(day=datetime.date(2025, 6, 1)))

    assert "audit_status_by_date_idx" in plan


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's planner")
def test_what_the_record_said_reads_the_status_events_by_sequence(commitment):
    moment = datetime.datetime(2025, 6, 1, tzinfo=datetime.UTC)

    plan = _plan(selectors.commitments_known_at(moment=moment))

    assert "audit_status_by_seq_idx" in plan
