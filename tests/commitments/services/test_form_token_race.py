"""Two posts of one drawn form at the same moment on PostgreSQL (a double click that reaches
two workers): real threads, each with its own connection; one saves, the other is told it
was already saved, and nothing is written twice."""

import datetime
import threading

import pytest
from django.db import connection

from commitments.choices import CommitmentStatus
from commitments.exceptions import AlreadySaved
from commitments.models import AuditEvent, StatusUpdate
from commitments.services import update_create
from tests.factories import CommitmentFactory

POSTS = 8


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_simultaneous_posts_of_one_form_save_one_update(analyst):
    commitment = CommitmentFactory(status=CommitmentStatus.SIGNED)
    start = threading.Barrier(POSTS)
    outcomes: list[str] = []
    lock = threading.Lock()

    def post():
        try:
            start.wait()
            update_create(
                commitment=commitment,
                author=analyst,
                proposed_status=CommitmentStatus.IN_PARLIAMENT,
                effective_date=datetime.date(2024, 5, 2),
                summary="The bill was tabled.",
                sources=[{"url": "https://news.example.org/tabled"}],
                form_token="one-form-drawn-once",
            )
            result = "saved"
        except AlreadySaved as refusal:
            result = f"already saved as {refusal.update_pk}"
        except Exception as error:
            result = f"error: {error!r}"
        finally:
            connection.close()
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=post) for _ in range(POSTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    update = StatusUpdate.objects.get()
    assert sorted(outcomes) == sorted(["saved"] + [f"already saved as {update.pk}"] * (POSTS - 1))
    assert AuditEvent.objects.filter(action="update.submitted").count() == 1
