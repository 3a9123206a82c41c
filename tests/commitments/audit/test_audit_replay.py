"""verify_audit replays everything a status change sets: status, status date, each stage
date and version."""

import datetime

import pytest
from django.db import connection

from commitments import audit
from commitments.choices import CommitmentStatus as S
from tests.commitments.records import apply, pledge

pytestmark = pytest.mark.django_db

D = datetime.date


def test_verify_reports_a_stage_date_altered_in_the_live_record(analyst, reviewer):
    commitment, _ = apply(pledge(), S.SIGNED, D(2024, 4, 10), author=analyst, reviewer=reviewer)
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE commitments_commitment SET signed_on = %s WHERE id = %s",
            [D(2024, 1, 1), commitment.pk],
        )

    report = audit.verify()

    assert [(m.commitment_id, m.field, m.live, m.replayed) for m in report.mismatches] == [
        (commitment.pk, "signed_on", "2024-01-01", "2024-04-10")
    ]


def test_verify_reports_a_status_date_altered_in_the_live_record(analyst, reviewer):
    commitment, _ = apply(pledge(), S.SIGNED, D(2024, 4, 10), author=analyst, reviewer=reviewer)
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE commitments_commitment SET status_date = NULL WHERE id = %s", [commitment.pk]
        )

    report = audit.verify()

    assert [(m.field, m.live, m.replayed) for m in report.mismatches] == [
        ("status_date", None, "2024-04-10")
    ]


def test_verify_accepts_a_history_of_corrections(analyst, reviewer):
    commitment = pledge()
    commitment, signed = apply(
        commitment, S.SIGNED, D(2024, 4, 10), author=analyst, reviewer=reviewer
    )
    commitment, _ = apply(commitment, S.WITHDRAWN, D(2024, 5, 1), author=analyst, reviewer=reviewer)
    apply(
        commitment,
        S.IN_PARLIAMENT,
        D(2024, 4, 1),
        author=analyst,
        reviewer=reviewer,
        corrects=signed,
    )

    report = audit.verify()

    assert report.ok, report.mismatches
