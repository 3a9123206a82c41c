"""The header and the inbox in Chromium: an analyst signs in and sees their roles and unread
count; marks one notification read in place (htmx, under the real CSP), then all of them; a
decision on their update reaches their inbox and leads to the commitment."""

import pytest
from playwright.sync_api import Page, expect

from commitments.services import update_reject
from tests.browser.checks import (
    assert_accessible,
    assert_no_browser_errors,
    assert_no_csp_violation,
)
from tests.browser.helpers import sign_in
from tests.factories import CommitmentFactory, NotificationFactory, StatusUpdateFactory

pytestmark = pytest.mark.browser

PASSWORD = "pass-word-123"  # tests.factories.UserFactory's


def inbox_link(page: Page):
    return page.locator("header.site").get_by_role("link", name="Inbox")


@pytest.fixture
def three_unread(analyst):
    commitment = CommitmentFactory()
    return [
        NotificationFactory(recipient=analyst, commitment=commitment, title=f"Notice {n}")
        for n in range(3)
    ]


def test_the_header_shows_who_is_signed_in_their_roles_and_the_unread_count(
    page, analyst, three_unread
):
    sign_in(page, analyst.username, PASSWORD)

    header = page.locator("header.site")
    expect(header.locator(".who")).to_have_text(analyst.username)
    expect(header.locator(".roles")).to_have_text("(Analyst)")
    expect(inbox_link(page)).to_have_accessible_name("Inbox (3 unread)")
    expect(inbox_link(page)).to_have_text("Inbox (3)")
    expect(header.get_by_role("link", name="Change password")).to_be_visible()
    expect(header.get_by_role("link", name="Admin")).to_have_count(0)


def test_mark_read_redraws_the_item_and_the_count_in_place(page, analyst, three_unread):
    sign_in(page, analyst.username, PASSWORD)
    page.goto("/inbox/")
    first = page.locator("li.notification").first

    first.get_by_role("button", name="Mark read").click()

    expect(first.get_by_role("button", name="Mark read")).to_have_count(0)
    expect(first).not_to_have_class("notification unread")
    expect(page.get_by_role("button", name="Mark read")).to_have_count(2)
    expect(inbox_link(page)).to_have_accessible_name("Inbox (2 unread)")
    assert page.url.endswith("/inbox/")  # redrawn in place, no navigation
    assert_no_csp_violation(page)
    assert_no_browser_errors(page)


def test_mark_all_read_clears_the_inbox_s_unread_marks(page, analyst, three_unread):
    sign_in(page, analyst.username, PASSWORD)
    page.goto("/inbox/")

    page.get_by_role("button", name="Mark all read").click()

    expect(page.get_by_text("Marked 3 notifications read.")).to_be_visible()
    expect(page.get_by_role("button", name="Mark read")).to_have_count(0)
    expect(page.get_by_text("Unread", exact=True)).to_have_count(0)
    expect(inbox_link(page)).to_have_accessible_name("Inbox (0 unread)")


def test_a_rejection_reaches_the_author_s_inbox_and_leads_to_the_commitment(
    page, analyst, reviewer, live_server
):
    update = StatusUpdateFactory(proposed_by=analyst)
    update_reject(update=update, reviewer=reviewer, comment="The source is a blog.")
    sign_in(page, analyst.username, PASSWORD)

    inbox_link(page).click()

    item = page.locator("li.notification").first
    expect(item).to_contain_text("Rejected:")
    expect(item).to_contain_text("Reviewer's comment: The source is a blog.")
    item.get_by_role("link").click()
    expect(page).to_have_url(f"{live_server.url}/commitments/{update.commitment_id}/")


def test_the_inbox_with_notifications_has_no_serious_accessibility_violation(
    axe_page, analyst, three_unread
):
    NotificationFactory(recipient=analyst, read_at="2024-06-01T00:00:00Z")
    sign_in(axe_page, analyst.username, PASSWORD)

    axe_page.goto("/inbox/")

    assert_accessible(axe_page)
