"""The sync feed: every applied change once, in commit order, even while writers are busy."""

import datetime
import threading

import pytest
from django.db import connection

from commitments.choices import CommitmentStatus
from commitments.models import Commitment
from commitments.services import (
    commitment_create,
    participant_save,
    update_approve,
    update_create,
)
from tests.factories import GuaranteeFactory, ParticipantFactory, UserFactory
from tests.helpers import bearer

FEED = "/api/v1/changes/"


def pages(api, cursor=None, limit=50):
    """Yields one page after another until the feed has nothing more."""
    while True:
        params = {"limit": limit, **({"after": cursor} if cursor else {})}
        page = api.get(FEED, params).json()
        yield page
        cursor = page["next_cursor"]
        if not page["has_more"]:
            return


@pytest.mark.django_db
def test_a_cursor_that_was_never_issued_is_a_400(as_reader):
    response = as_reader.get(FEED, {"after": "41:forged"})

    assert response.status_code == 400
    assert "never issued" in response.json()["fields"]["after"][0]


@pytest.mark.django_db
def test_the_feed_lists_status_and_reference_changes_in_order(as_reader, analyst, reviewer):
    participant = participant_save(participant=ParticipantFactory.build(code="FR"), actor=None)
    commitment = commitment_create(
        participant=participant, guarantee=GuaranteeFactory(), actor=None
    )
    update = update_create(
        commitment=commitment,
        author=analyst,
        proposed_status=CommitmentStatus.SIGNED,
        effective_date=datetime.date(2024, 4, 1),
        summary="Signed.",
        sources=[{"url": "https://news.example.org/signed"}],
    )
    update_approve(update=update, reviewer=reviewer)

    page = as_reader.get(FEED).json()

    types = [change["type"] for change in page["results"]]
    assert types == ["reference.created", "commitment.created", "commitment.status_changed"]
    last = page["results"][-1]
    assert last["object"] == {"type": "commitments.commitment", "id": str(commitment.pk)}
    assert (last["data"]["status"], last["data"]["version"]) == ("signed", 2)
    assert page["next_cursor"] == last["cursor"]


@pytest.mark.django_db
def test_a_client_at_the_end_gets_an_empty_page_and_keeps_its_cursor(as_reader):
    participant_save(participant=ParticipantFactory.build(), actor=None)
    cursor = as_reader.get(FEED).json()["next_cursor"]

    page = as_reader.get(FEED, {"after": cursor}).json()

    assert page == {"results": [], "next_cursor": cursor, "has_more": False}


# Four writers racing one reader: 200 changes (they were 1,000, 100 s of the suite's time)
# still interleave commits with the reader's pages many times over; without the audit
# numbering's lock (commitments/audit/chain.py) the writers collide and the test fails.
WRITERS = 4
CHANGES_PER_WRITER = 50
COMMITMENTS_PER_WRITER = 5


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_client_paging_while_writers_apply_200_changes_ends_with_the_servers_state():
    guarantee = GuaranteeFactory()
    reader = bearer(UserFactory(roles=["api_client"]), scope="read")
    crews = []
    for _ in range(WRITERS):
        analyst = UserFactory(roles=["analyst"])
        reviewer = UserFactory(roles=["reviewer"])
        commitments = []
        for _ in range(COMMITMENTS_PER_WRITER):
            commitment = commitment_create(
                participant=ParticipantFactory(), guarantee=guarantee, actor=None
            )
            commitments.append(commitment)
        crews.append((analyst, reviewer, commitments))
    errors: list[BaseException] = []
    writing = threading.Event()
    writing.set()

    def write(analyst, reviewer, commitments):
        # pledged -> signed -> in_parliament, then in_parliament <-> rejected
        try:
            for i in range(CHANGES_PER_WRITER):
                commitment = Commitment.objects.get(pk=commitments[i % len(commitments)].pk)
                following = {
                    CommitmentStatus.PLEDGED: CommitmentStatus.SIGNED,
                    CommitmentStatus.SIGNED: CommitmentStatus.IN_PARLIAMENT,
                    CommitmentStatus.IN_PARLIAMENT: CommitmentStatus.REJECTED,
                    CommitmentStatus.REJECTED: CommitmentStatus.IN_PARLIAMENT,
                }[commitment.status]
                update = update_create(
                    commitment=commitment,
                    author=analyst,
                    proposed_status=following,
                    effective_date=datetime.date(2024, 5, 1),
                    summary=f"change {i}",
                    sources=[{"url": f"https://news.example.org/{i}"}],
                )
                update_approve(update=update, reviewer=reviewer)
        except BaseException as error:  # reported by the assertion below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=write, args=crew) for crew in crews]
    for thread in threads:
        thread.start()

    mirror: dict[int, tuple[str, int]] = {}
    seen: list[int] = []
    cursor = None

    def drain():
        nonlocal cursor
        for page in pages(reader, cursor):
            for change in page["results"]:
                seen.append(change["sequence"])
                if change["object"]["type"] == "commitments.commitment":
                    data = change["data"]
                    mirror[int(change["object"]["id"])] = (data["status"], data["version"])
            cursor = page["next_cursor"]

    while any(thread.is_alive() for thread in threads):
        drain()
    for thread in threads:
        thread.join(timeout=120)
    drain()  # what was committed after the last page

    assert not errors, errors[:3]
    assert seen == sorted(set(seen)), "a change was seen twice or out of order"
    server = {c.pk: (c.status, c.version) for c in Commitment.objects.all()}
    assert mirror == server
    assert sum(version - 1 for _, version in server.values()) == WRITERS * CHANGES_PER_WRITER
