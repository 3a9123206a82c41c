"""The audit head watcher (commitments.headwatch): PostgreSQL tells each web process the chain's
new head when a transaction that appended events commits; list ETags use it without a query.

These tests commit (transactional database): the watcher's own connection sees only
committed rows, as in production.
"""

import time

import psycopg
import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from accounts.models import ApiToken, TokenScope
from accounts.roles import Role
from accounts.services import api_token_revoke
from commitments import audit, headwatch
from commitments.services import commitment_create
from tests.factories import GuaranteeFactory, ParticipantFactory, UserFactory
from tests.helpers import bearer, wait_until

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

URL = "/api/v1/commitments/"


def append_event():
    """One committed event, through the service; the chain's new head."""
    commitment_create(participant=ParticipantFactory(), guarantee=GuaranteeFactory(), actor=None)
    return audit.AuditEvent.objects.order_by("-sequence").values_list("sequence", "hash")[0]


def table_head() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT hash FROM commitments_auditevent ORDER BY sequence DESC LIMIT 1")
        row = cursor.fetchone()
    return row[0] if row else ""


@pytest.fixture
def listener():
    with psycopg.connect(**headwatch.connection_params(), autocommit=True) as conn:
        conn.execute(f"LISTEN {headwatch.CHANNEL}")
        yield conn


@pytest.fixture
def make_watcher():
    """A watcher of the test database of its own (not the process's WATCHER, which saw()
    tells of this process's commits): it can only learn from PostgreSQL."""
    made = []

    def make(poll_seconds: float) -> headwatch.HeadWatcher:
        watcher = headwatch.HeadWatcher(headwatch.connection_params(), poll_seconds)
        made.append(watcher)
        watcher.current()  # starts its thread
        wait_until(
            lambda: watcher.current() is not None,
            timeout=5,
            interval=0.005,
            message="the watcher to read the head",
        )
        return watcher

    try:
        yield make
    finally:
        for watcher in made:
            watcher.stop()


@pytest.fixture
def watching(settings):
    """The process's WATCHER on, current, and stopped afterwards (its connection would keep
    the test database from being dropped)."""
    settings.AUDIT_HEAD_WATCH = True
    try:
        headwatch.current()
        wait_until(
            lambda: headwatch.current() is not None,
            timeout=5,
            interval=0.005,
            message="the process's watcher to read the head",
        )
        yield headwatch.WATCHER
    finally:
        headwatch.WATCHER.stop()


def test_appending_events_notifies_the_new_head_when_the_transaction_commits(listener):
    sequence, hash_ = append_event()

    notes = list(listener.notifies(timeout=2, stop_after=1))

    assert [(n.channel, n.payload) for n in notes] == [("audit_head", f"{sequence}:{hash_}")]


def test_an_append_that_rolls_back_notifies_nothing(listener):
    with pytest.raises(RuntimeError), transaction.atomic():
        append_event()
        raise RuntimeError("the service failed after recording its event")

    assert list(listener.notifies(timeout=0.5)) == []


def test_a_watcher_learns_a_head_committed_elsewhere_from_its_notification(make_watcher):
    watcher = make_watcher(poll_seconds=60)  # no read of the table during the test

    _, hash_ = append_event()
    committed_at = time.monotonic()

    wait_until(
        lambda: watcher.current() == hash_,
        timeout=5,
        interval=0.005,
        message="the watcher to learn the new head",
    )
    assert time.monotonic() - committed_at < 2


def test_a_watcher_takes_the_tables_head_when_the_table_went_back(make_watcher):
    watcher = make_watcher(poll_seconds=0.1)
    watcher.saw(10**9, "a head from before a restore from backup")

    wait_until(
        lambda: watcher.current() == table_head(),
        timeout=2,
        interval=0.005,
        message="the watcher to take the table's head",
    )

    assert watcher.head[0] < 10**9


def test_a_watcher_that_lost_its_connection_vouches_for_nothing_until_it_is_back(make_watcher):
    watcher = make_watcher(poll_seconds=0.1)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(%s)", [watcher.backend_pid])

    wait_until(
        lambda: watcher.current() is None,
        timeout=2,
        interval=0.005,
        message="the watcher to stop vouching for a head",
    )
    _, hash_ = append_event()  # while it is away

    wait_until(
        lambda: watcher.current() == hash_,
        timeout=headwatch.RETRY_SECONDS + 3,
        interval=0.005,
        message="the watcher to reconnect and learn the new head",
    )


def test_head_reads_the_table_until_the_watcher_has_read_it(settings):
    settings.AUDIT_HEAD_WATCH = True
    _, hash_ = append_event()
    try:
        assert audit.head() == hash_  # the first call starts the watcher
    finally:
        headwatch.WATCHER.stop()


def test_head_reads_the_table_when_the_watcher_is_off(settings, watching):
    settings.AUDIT_HEAD_WATCH = False
    watching.saw(10**9, "not believed")

    assert audit.head() == table_head()


def test_a_304_costs_no_query_while_the_watcher_is_current(
    watching, api_client_user, django_assert_num_queries
):
    reader = bearer(api_client_user, TokenScope.READ)
    etag = reader.get(URL).headers["ETag"]
    reader.get(URL, HTTP_IF_NONE_MATCH=etag)  # the token is cached from here on

    with django_assert_num_queries(0):
        again = reader.get(URL, HTTP_IF_NONE_MATCH=etag)

    assert again.status_code == 304


def test_this_process_believes_its_own_commit_without_waiting_for_its_notification(watching):
    watching.stopping.set()
    watching.thread.join()  # nothing can come from PostgreSQL any more
    head = (audit.AuditEvent.objects.count(), "")
    watching.head, watching.read_at = head, time.monotonic() + 60  # vouched for meanwhile

    _, hash_ = append_event()

    assert watching.current() == hash_


def test_a_list_answers_200_to_the_previous_etag_right_after_a_write_commits(
    watching, api_client_user
):
    reader = bearer(api_client_user, TokenScope.READ)
    etag = reader.get(URL).headers["ETag"]

    append_event()

    assert reader.get(URL, HTTP_IF_NONE_MATCH=etag).status_code == 200


def token_queries(client) -> list[str]:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(URL).status_code == 200
    return [q["sql"] for q in queries.captured_queries if "accounts_apitoken" in q["sql"]]


def test_while_the_watcher_is_current_a_token_is_read_once_then_kept_in_memory(watching, settings):
    # A cache per process (no Redis): the token would be read at every request without it.
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    client = bearer(UserFactory(roles=[Role.API_CLIENT]), scope=TokenScope.READ)
    token_queries(client)  # reads the token (and notes its use)

    assert token_queries(client) == []


def test_a_token_kept_in_memory_is_refused_at_once_when_revoked(watching):
    user = UserFactory(roles=[Role.API_CLIENT])
    client = bearer(user, scope=TokenScope.READ)
    assert client.get(URL).status_code == 200

    api_token_revoke(token=ApiToken.objects.get(user=user), actor=None)

    assert client.get(URL).status_code == 401
