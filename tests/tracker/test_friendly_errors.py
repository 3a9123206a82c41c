"""Friendly 403, 404, 500 and CSRF failure pages, in the site's layout, with DEBUG off."""

import re

import pytest
from django.test import Client
from django.views.csrf import csrf_failure as django_csrf_failure

from tracker import errors

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.tracker.error_urls")]


@pytest.fixture(autouse=True)
def _debug_off(settings):
    settings.DEBUG = False


@pytest.fixture
def failing_client() -> Client:
    """A client that gets the 500 page, as a browser would, instead of the exception."""
    return Client(raise_request_exception=False)


def in_layout(body: str) -> bool:
    return '<header class="site">' in body and '<footer class="site">' in body


def test_a_forbidden_page_is_a_403_in_the_site_layout_with_the_header(client, analyst):
    client.force_login(analyst)

    response = client.get("/forbidden/")

    body = response.content.decode()
    assert response.status_code == 403
    assert in_layout(body)
    assert "<h1>Not allowed</h1>" in body
    assert '<span class="who">ana</span>' in body


def test_an_unknown_page_is_a_404_in_the_site_layout(client):
    response = client.get("/no/such/page/")

    body = response.content.decode()
    assert response.status_code == 404
    assert in_layout(body)
    assert "<h1>Not found</h1>" in body


def test_a_bug_is_a_500_page_in_the_site_layout(failing_client):
    response = failing_client.get("/boom/")

    body = response.content.decode()
    assert response.status_code == 500
    assert in_layout(body)
    assert "<h1>Something went wrong</h1>" in body
    assert 'href="/static/tracker.css"' in body


def test_the_500_page_quotes_the_request_id_the_logs_carry(failing_client):
    response = failing_client.get("/boom/", headers={"X-Request-ID": "req-42-abc"})

    body = response.content.decode()
    quoted = re.search(r'<code class="request-id">([^<]+)</code>', body)
    assert quoted and quoted.group(1) == response["X-Request-ID"]


def test_the_500_page_asks_the_database_nothing(rf, django_assert_num_queries):
    request = rf.get("/boom/")  # no user, no session: the failure may be theirs

    with django_assert_num_queries(0):
        response = errors.server_error(request)

    assert response.status_code == 500
    assert "Something went wrong" in response.content.decode()


def test_a_500_page_that_cannot_render_becomes_a_plain_one(rf, monkeypatch):
    def broken(name):
        raise RuntimeError("the template itself is broken")

    monkeypatch.setattr(errors.loader, "get_template", broken)

    response = errors.server_error(rf.get("/boom/"))

    assert response.status_code == 500
    assert "Server error (500)" in response.content.decode()


def test_an_api_bug_is_still_answered_in_the_api_s_error_shape(failing_client):
    response = failing_client.get("/api/v1/boom/")

    assert response.status_code == 500
    assert response.json()["code"] == "server_error"


def test_a_form_without_its_csrf_token_is_a_403_page_saying_what_to_do(analyst):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(analyst)

    response = browser.post("/form/", {"anything": "1"})

    body = response.content.decode()
    assert response.status_code == 403
    assert in_layout(body)
    assert "<h1>This form could not be sent</h1>" in body
    assert "reload the page and send the form again" in body


def test_the_real_forms_refuse_a_missing_csrf_token_with_that_page(analyst):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(analyst)

    response = browser.post("/inbox/read-all/")

    assert response.status_code == 403
    assert "This form could not be sent" in response.content.decode()


def test_the_csrf_page_falls_back_to_django_s_if_the_layout_cannot_render(rf, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("the layout is broken")

    monkeypatch.setattr(errors, "render", broken)
    request = rf.post("/form/")

    response = errors.csrf_failure(request, reason="CSRF cookie not set.")

    assert response.status_code == 403
    assert response.content == django_csrf_failure(request, "CSRF cookie not set.").content
