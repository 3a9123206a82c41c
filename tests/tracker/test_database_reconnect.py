"""With persistent connections (DJANGO_CONN_MAX_AGE), a connection the server dropped is
replaced before a request uses it."""

import pytest
from django.core.handlers.wsgi import WSGIHandler
from django.db import connection, connections
from django.test import RequestFactory

from accounts.services import api_token_issue
from tests.factories import CommitmentFactory, UserFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def kept_connection():
    """The default connection kept across requests, as DJANGO_CONN_MAX_AGE=600 keeps it."""
    previous = connection.settings_dict["CONN_MAX_AGE"]
    connection.close()
    connection.settings_dict["CONN_MAX_AGE"] = 600
    yield connection
    connection.settings_dict["CONN_MAX_AGE"] = previous
    connection.close()


def get(path: str, **headers: str) -> int:
    """One request through the WSGI handler, with the request_started and request_finished
    signals that manage connections (the test client leaves them out)."""
    environ = RequestFactory()._base_environ(PATH_INFO=path, REQUEST_METHOD="GET", **headers)
    statuses = []
    response = WSGIHandler()(environ, lambda status, headers: statuses.append(status))
    b"".join(response)
    response.close()
    return int(statuses[0].split()[0])


def terminate_from_the_server(pid: int) -> None:
    other = connections.create_connection("default")
    try:
        with other.cursor() as cursor:
            cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
    finally:
        other.close()


def test_a_request_after_the_server_dropped_a_kept_connection_answers_200(kept_connection):
    CommitmentFactory()
    _, key = api_token_issue(user=UserFactory(), scope="read")
    auth = {"HTTP_AUTHORIZATION": f"Bearer {key}"}
    assert get("/api/v1/commitments/", **auth) == 200
    pid = kept_connection.connection.info.backend_pid

    terminate_from_the_server(pid)
    status = get("/api/v1/commitments/", **auth)

    assert status == 200
    assert kept_connection.connection.info.backend_pid != pid
