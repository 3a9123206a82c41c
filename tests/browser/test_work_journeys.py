"""The work pages' journey across their parts, in Chromium, as people would do it: an analyst
proposes an update with a source and submits it; the reviewer finds it through the header's
"Review", sees its diff against the live record and approves it in place; the matrix and the
commitment page show the new status; the analyst's header counts the decision and the inbox
shows it. Everything after the data is set up goes through the pages and their links."""

import datetime
import re

import pytest
from playwright.sync_api import Page, expect

from commitments import services
from commitments.choices import CommitmentStatus as S
from commitments.choices import UpdateState
from commitments.models import Commitment, StatusUpdate
from tests.browser.checks import assert_no_browser_errors, assert_no_csp_violation
from tests.browser.helpers import sign_in
from tests.factories import GuaranteeFactory, ParticipantFactory

pytestmark = pytest.mark.browser

PASSWORD = "pass-word-123"  # tests.factories.UserFactory's


@pytest.fixture
def commitment(transactional_db) -> Commitment:
    """Freedonia's pledge of air policing, made through the service (so it has a history)."""
    return services.commitment_create(
        participant=ParticipantFactory(name="Freedonia"),
        guarantee=GuaranteeFactory(title="Air policing"),
        actor=None,
    )


def matrix_cell(page: Page, commitment: Commitment):
    return page.locator(f'#matrix a[href="/commitments/{commitment.pk}/"]')


def sign_out(page: Page) -> None:
    page.get_by_role("button", name="Log out").click()
    expect(page.locator("header.site .who")).to_have_count(0)


def test_an_update_proposed_reviewed_and_approved_reaches_the_record_and_the_analyst_s_inbox(
    page: Page, analyst, reviewer, commitment
):
    # The analyst opens the commitment from the matrix and proposes that it was signed.
    sign_in(page, analyst.username, PASSWORD)
    page.get_by_role("link", name="Commitment Tracker").click()
    expect(matrix_cell(page, commitment)).to_have_text("Pledged")
    matrix_cell(page, commitment).click()
    page.get_by_role("link", name="Propose an update").click()
    page.get_by_label("Proposed status").select_option(label="Signed")
    page.get_by_label("Effective date").fill("2024-04-10")
    page.get_by_label("Summary").fill("Signed at the summit in Paris.")
    first_source = page.get_by_role("group", name="Source 1")
    first_source.get_by_label("Source URL").fill("https://www.mfa.example.org/press/signed")
    first_source.get_by_label("Source title").fill("Agreement signed")
    first_source.get_by_label("Publisher").fill("Ministry of Foreign Affairs")
    page.get_by_role("button", name="Submit for review").click()

    expect(page).to_have_url(re.compile(r"/my/updates/$"))
    update = StatusUpdate.objects.get()
    expect(page.get_by_text(f"Update {update.pk} submitted for review.")).to_be_visible()
    assert update.state == UpdateState.SUBMITTED
    sign_out(page)

    # The reviewer opens the queue from the header, reads the diff and approves in place.
    sign_in(page, reviewer.username, PASSWORD)
    page.locator("header.site").get_by_role("link", name="Review", exact=True).click()
    row = page.locator(f"#update-{update.pk}")
    status = row.get_by_role("table", name="What approval would change").locator(
        "tr", has=page.get_by_role("rowheader", name="Status", exact=True)
    )
    expect(status.get_by_role("cell").nth(0)).to_have_text("Pledged")
    expect(status.get_by_role("cell").nth(1)).to_contain_text("Signed")
    expect(row).to_contain_text(f"Proposed by {analyst.username}")
    expect(row).to_contain_text("mfa.example.org")
    row.get_by_role("button", name="Approve").click()

    expect(page.locator(f"#update-{update.pk}")).to_contain_text(f"Approved by {reviewer.username}")
    expect(page.locator(f"#update-{update.pk}").get_by_role("button")).to_have_count(0)
    assert StatusUpdate.objects.get(pk=update.pk).state == UpdateState.APPROVED

    # The record shows it: the matrix, then the commitment page.
    page.get_by_role("link", name="Commitment Tracker").click()
    expect(matrix_cell(page, commitment)).to_have_text("Signed")
    matrix_cell(page, commitment).click()
    expect(page.locator("main dd .status").first).to_have_text("Signed")
    assert Commitment.objects.get(pk=commitment.pk).status == S.SIGNED
    sign_out(page)

    # The analyst's header counts the decision, and the inbox says it was approved.
    sign_in(page, analyst.username, PASSWORD)
    inbox_link = page.locator("header.site").get_by_role("link", name="Inbox (1 unread)")
    expect(inbox_link).to_have_text("Inbox (1)")
    inbox_link.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Inbox")
    notification = page.get_by_role("list", name="Notifications").get_by_role("listitem")
    expect(notification).to_have_count(1)
    expect(notification).to_contain_text("Unread")
    expect(notification).to_contain_text("Approved: Freedonia · Air policing → signed")
    expect(notification).to_contain_text("Update approved")
    assert_no_csp_violation(page)
    assert_no_browser_errors(page)
    assert datetime.date(2024, 4, 10) == Commitment.objects.get(pk=commitment.pk).status_date
