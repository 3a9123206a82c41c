"""RECORD_PUBLIC: the record's pages, feeds and exports for anyone (the default), or, when
false, for signed-in users only; the API keeps its own rules."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.http import HttpResponse
from django.test import RequestFactory

from tracker.middleware import RecordPublicMiddleware

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
PRINT_SETTING = "from django.conf import settings; print(settings.RECORD_PUBLIC)"
RECORD_URLS = ["/", "/changes/", "/changes/feed/", "/changes/?page=1"]


@pytest.fixture
def private(settings):
    settings.RECORD_PUBLIC = False


def test_the_record_is_public_by_default(settings):
    assert settings.RECORD_PUBLIC is True


@pytest.mark.parametrize("url", RECORD_URLS)
def test_anyone_reads_the_record_when_it_is_public(client, url):
    assert client.get(url).status_code == 200


@pytest.mark.parametrize("url", RECORD_URLS)
def test_a_private_record_sends_anonymous_visitors_to_the_login_and_back(client, private, url):
    response = client.get(url)

    assert response.status_code == 302
    assert response["Location"] == "/login/?next=" + url.replace("?", "%3F").replace("=", "%3D")


@pytest.mark.parametrize("url", RECORD_URLS)
def test_a_private_record_is_read_by_signed_in_users(client, private, analyst, url):
    client.force_login(analyst)

    assert client.get(url).status_code == 200


def test_a_private_record_guards_the_exports_too(private, rf: RequestFactory):
    """/exports/matrix.csv comes from another branch: the middleware is asked about its path."""
    from django.contrib.auth.models import AnonymousUser

    request = rf.get("/exports/matrix.csv")
    request.user = AnonymousUser()
    middleware = RecordPublicMiddleware(lambda request: HttpResponse("the export"))

    response = middleware(request)

    assert response.status_code == 302
    assert response["Location"] == "/login/?next=/exports/matrix.csv"


@pytest.mark.parametrize("url", ["/login/", "/api/schema/", "/api/docs/"])
def test_a_private_record_still_opens_the_login_and_the_api_s_documentation(client, private, url):
    assert client.get(url).status_code == 200


def test_a_private_record_leaves_the_api_its_own_answer(client, private):
    """The API never answered anonymous reads: a 401/403 in its own shape, not a redirect."""
    response = client.get("/api/v1/commitments/")

    assert response.status_code in (401, 403)
    assert response["Content-Type"].startswith("application/json")


def test_a_private_record_still_lets_api_tokens_read(private, as_reader):
    assert as_reader.get("/api/v1/commitments/").status_code == 200


@pytest.mark.parametrize(("value", "expected"), [("false", "False"), ("true", "True")])
def test_the_setting_is_read_from_the_environment(value, expected):
    environment = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", PRINT_SETTING],
        cwd=ROOT,
        env={**environment, "RECORD_PUBLIC": value},
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert result.stdout.strip().splitlines()[-1] == expected, result.stderr
