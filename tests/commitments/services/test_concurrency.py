"""Concurrent reviewers on PostgreSQL: real threads, each with its own connection."""

import datetime
import threading

import pytest
from django.db import connection

from accounts.roles import Role
from commitments import audit
from commitments.choices import CommitmentStatus, UpdateState
from commitments.exceptions import StaleUpdate
from commitments.models import Commitment, StatusUpdate
from commitments.services import commitment_create, update_approve, update_create
from tests.factories import GuaranteeFactory, ParticipantFactory, UserFactory

REVIEWERS = 20


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_twenty_reviewers_approving_twenty_updates_of_one_commitment_apply_exactly_one():
    commitment = commitment_create(
        participant=ParticipantFactory(), guarantee=GuaranteeFactory(), actor=None
    )
    analysts = [UserFactory(roles=[Role.ANALYST]) for _ in range(REVIEWERS)]
    reviewers = [UserFactory(roles=[Role.REVIEWER]) for _ in range(REVIEWERS)]
    updates = [
        update_create(
            commitment=commitment,
            author=analyst,
            proposed_status=CommitmentStatus.SIGNED,
            effective_date=datetime.date(2024, 4, 1 + i),
            summary=f"Signed, says source {i}.",
            sources=[{"url": f"https://news.example.org/{i}"}],
        )
        for i, analyst in enumerate(analysts)
    ]
    assert {u.base_version for u in updates} == {1}
    start = threading.Barrier(REVIEWERS)
    outcomes: list[str] = []
    lock = threading.Lock()

    def review(update, reviewer):
        try:
            start.wait()
            update_approve(update=update, reviewer=reviewer)
            result = "applied"
        except StaleUpdate:
            result = "stale"
        except Exception as error:
            result = f"error: {error!r}"
        finally:
            connection.close()
        with lock:
            outcomes.append(result)

    threads = [
        threading.Thread(target=review, args=pair) for pair in zip(updates, reviewers, strict=True)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert sorted(outcomes) == ["applied"] + ["stale"] * (REVIEWERS - 1)
    commitment.refresh_from_db()
    assert commitment.version == 2
    assert commitment.status == CommitmentStatus.SIGNED
    states = sorted(StatusUpdate.objects.values_list("state", flat=True))
    assert states == [UpdateState.APPROVED] + [UpdateState.STALE] * (REVIEWERS - 1)
    report = audit.verify()
    assert report.ok, (report.broken_reason, report.mismatches)
    assert Commitment.objects.count() == 1
