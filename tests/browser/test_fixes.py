"""In Chromium, under the app's real CSP: the propose form posted twice (a double click)
saves one update; "Add another source" at the most sources shows a note instead of failing
unseen; an htmx button pressed after the session ended leads to the login page, and back
after it."""

import datetime

import pytest
from django.contrib.sessions.models import Session
from playwright.sync_api import Page, expect

from commitments import selectors
from commitments.choices import CommitmentStatus as S
from commitments.models import Notification, StatusUpdate
from tests.browser.checks import assert_no_browser_errors, assert_no_csp_violation
from tests.browser.helpers import sign_in
from tests.factories import CommitmentFactory, NotificationFactory

pytestmark = pytest.mark.browser

PASSWORD = "pass-word-123"  # tests.factories.UserFactory's


@pytest.fixture
def commitment():
    return CommitmentFactory(status=S.SIGNED, status_date=datetime.date(2024, 4, 1))


def fill_the_form(page: Page, commitment) -> None:
    page.goto(f"/commitments/{commitment.pk}/propose/")
    page.get_by_label("Proposed status").select_option(label="In parliament")
    page.get_by_label("Effective date").fill("2024-05-02")
    page.get_by_label("Summary").fill("The bill was tabled.")
    page.get_by_label("Source URL").fill("https://news.example.org/tabled")


def test_a_form_posted_twice_saves_one_update_and_says_so(page, analyst, commitment):
    sign_in(page, analyst.username, PASSWORD)
    fill_the_form(page, commitment)

    def posted_twice(route):
        # What a double click sends: the same POST twice; the page gets the second answer.
        route.fetch(max_redirects=0)
        route.fulfill(response=route.fetch(max_redirects=0))

    page.route(
        "**/propose/",
        lambda route: posted_twice(route) if route.request.method == "POST" else route.continue_(),
    )
    page.get_by_role("button", name="Submit for review").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("My updates")
    update = StatusUpdate.objects.get()
    expect(page.locator("ul.messages")).to_contain_text(
        f"This form was already saved, as update {update.pk}: nothing was saved twice."
    )
    assert_no_csp_violation(page)


def test_add_another_source_at_the_most_sources_says_so_and_goes(
    page, analyst, commitment, monkeypatch
):
    monkeypatch.setattr(selectors, "MAX_SOURCES", 3)
    sign_in(page, analyst.username, PASSWORD)
    page.goto(f"/commitments/{commitment.pk}/propose/")
    add = page.get_by_role("button", name="Add another source")

    add.click()
    expect(page.get_by_role("group", name="Source 2")).to_be_visible()
    add.click()

    expect(page.get_by_role("group", name="Source 3")).to_be_visible()
    expect(page.get_by_role("status")).to_have_text(
        "An update takes at most 3 sources: there is no room for another."
    )
    expect(add).to_have_count(0)
    assert_no_browser_errors(page)


def test_mark_read_after_the_session_ended_goes_to_log_in_and_back_to_the_inbox(page, analyst):
    notification = NotificationFactory(recipient=analyst, title="Notice")
    sign_in(page, analyst.username, PASSWORD)
    page.goto("/inbox/")
    Session.objects.all().delete()  # the session expires while the page is open

    page.get_by_role("button", name="Mark read").click()

    expect(page).to_have_url("/login/?next=/inbox/")
    expect(page.locator("li.notification")).to_have_count(0)
    assert Notification.objects.get(pk=notification.pk).read_at is None
    page.get_by_label("Username").fill(analyst.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url("/inbox/")
