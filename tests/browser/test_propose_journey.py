"""An analyst proposes an update in Chromium: from the commitment page to the form, a second
source added without reloading (htmx), "Submit for review", and the update on My updates.
The form with an error passes axe-core; the journey runs under the app's real CSP."""

import datetime
import re

import pytest
from playwright.sync_api import Page, expect

from commitments.choices import CommitmentStatus as S
from commitments.choices import UpdateState
from commitments.models import StatusUpdate
from tests.browser.checks import (
    assert_accessible,
    assert_no_browser_errors,
    assert_no_csp_violation,
)
from tests.browser.helpers import sign_in
from tests.factories import CommitmentFactory

pytestmark = pytest.mark.browser

PASSWORD = "pass-word-123"  # tests.factories.UserFactory's


@pytest.fixture
def commitment():
    return CommitmentFactory(
        status=S.SIGNED,
        status_date=datetime.date(2024, 4, 1),
        participant__name="Freedonia",
        guarantee__title="Air policing",
    )


def source(page: Page, number: int):
    """The fieldset of source `number` (from 1)."""
    return page.get_by_role("group", name=f"Source {number}")


def open_the_form(page: Page, analyst, commitment) -> None:
    sign_in(page, analyst.username, PASSWORD)
    page.goto(f"/commitments/{commitment.pk}/")
    page.get_by_role("link", name="Propose an update").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Propose an update")


def test_an_analyst_proposes_an_update_with_two_sources_and_submits_it(page, analyst, commitment):
    open_the_form(page, analyst, commitment)

    page.get_by_label("Proposed status").select_option(label="In parliament")
    page.get_by_label("Effective date").fill("2024-05-02")
    page.get_by_label("Summary").fill("The ratification bill was tabled in parliament.")
    first = source(page, 1)
    first.get_by_label("Source URL").fill("https://news.example.org/bill-tabled")
    first.get_by_label("Source title").fill("Bill tabled")
    first.get_by_label("Publisher").fill("Example Gazette")
    first.get_by_label("Published on").fill("2024-05-03")
    first.get_by_label("Excerpt").fill("The government tabled the bill on Thursday.")
    url_before = page.url
    page.get_by_role("button", name="Add another source").click()
    second = source(page, 2)
    expect(second).to_be_visible()
    expect(page).to_have_url(url_before)  # no reload: what was typed is still there
    expect(first.get_by_label("Source URL")).to_have_value("https://news.example.org/bill-tabled")
    second.get_by_label("Source URL").fill("https://parliament.example.org/bills/12")
    page.get_by_role("button", name="Submit for review").click()

    expect(page).to_have_url(re.compile(r"/my/updates/$"))
    update = StatusUpdate.objects.get()
    expect(page.get_by_text(f"Update {update.pk} submitted for review.")).to_be_visible()
    submitted = page.get_by_role("region", name=re.compile(r"^Submitted"))
    expect(submitted).to_contain_text("Freedonia: Air policing")
    expect(submitted).to_contain_text("In parliament")
    expect(submitted.get_by_role("link", name="Bill tabled")).to_be_visible()
    expect(submitted.get_by_role("button", name=f"Withdraw update {update.pk}")).to_be_visible()
    assert update.state == UpdateState.SUBMITTED
    assert sorted(update.sources.values_list("url", flat=True)) == [
        "https://news.example.org/bill-tabled",
        "https://parliament.example.org/bills/12",
    ]
    assert_no_csp_violation(page)
    assert_no_browser_errors(page)


def test_adding_sources_twice_numbers_them_in_order(page, analyst, commitment):
    open_the_form(page, analyst, commitment)

    page.get_by_role("button", name="Add another source").click()
    expect(source(page, 2)).to_be_visible()
    page.get_by_role("button", name="Add another source").click()

    expect(source(page, 3)).to_be_visible()
    expect(page.locator("#id_sources-TOTAL_FORMS")).to_have_value("3")
    expect(source(page, 3).get_by_label("Source URL")).to_be_focused()
    assert_no_csp_violation(page)
    assert_no_browser_errors(page)


def test_a_refused_update_keeps_what_was_typed_and_says_why_beside_the_field(
    page, analyst, commitment
):
    open_the_form(page, analyst, commitment)
    tomorrow = (datetime.date.today() + datetime.timedelta(days=1)).isoformat()

    page.get_by_label("Proposed status").select_option(label="In parliament")
    page.get_by_label("Effective date").fill(tomorrow)
    page.get_by_label("Summary").fill("Typed, and kept.")
    source(page, 1).get_by_label("Source URL").fill("https://news.example.org/soon")
    page.get_by_role("button", name="Submit for review").click()

    expect(page.get_by_role("alert")).to_contain_text("The update was not saved")
    date_field = page.get_by_label("Effective date")
    expect(date_field).to_have_value(tomorrow)
    expect(date_field).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#id_effective_date_error")).to_have_text(
        "The effective date cannot be in the future."
    )
    expect(page.get_by_label("Summary")).to_have_value("Typed, and kept.")
    assert not StatusUpdate.objects.exists()
    assert_no_csp_violation(page)
    assert_no_browser_errors(page)


def test_the_form_with_an_error_has_no_serious_accessibility_violation(
    axe_page, analyst, commitment
):
    open_the_form(axe_page, analyst, commitment)
    axe_page.get_by_role("button", name="Add another source").click()
    expect(source(axe_page, 2)).to_be_visible()

    axe_page.get_by_role("button", name="Submit for review").click()

    expect(axe_page.get_by_role("alert")).to_contain_text("The update was not saved")
    assert_accessible(axe_page)


def test_an_analyst_saves_a_draft_edits_it_and_submits_it_from_my_updates(
    page, analyst, commitment
):
    open_the_form(page, analyst, commitment)
    page.get_by_label("Proposed status").select_option(label="In parliament")
    page.get_by_label("Effective date").fill("2024-05-02")
    page.get_by_label("Summary").fill("First words.")
    source(page, 1).get_by_label("Source URL").fill("https://news.example.org/draft")
    page.get_by_role("button", name="Save draft").click()
    draft = StatusUpdate.objects.get()
    drafts = page.get_by_role("region", name=re.compile(r"^Drafts"))
    expect(drafts).to_contain_text("First words.")

    drafts.get_by_role("link", name=f"Edit draft {draft.pk}").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Edit draft {draft.pk}")
    expect(page.get_by_label("Summary")).to_have_value("First words.")
    page.get_by_label("Summary").fill("Better words.")
    page.get_by_role("button", name="Save draft").click()
    expect(page.get_by_text(f"Draft {draft.pk} saved.")).to_be_visible()
    page.get_by_role("button", name=f"Submit draft {draft.pk}").click()

    expect(page.get_by_text(f"Update {draft.pk} submitted for review.")).to_be_visible()
    submitted = page.get_by_role("region", name=re.compile(r"^Submitted"))
    expect(submitted).to_contain_text("Better words.")
    expect(page.get_by_role("region", name=re.compile(r"^Drafts"))).to_have_count(0)
    draft.refresh_from_db()
    assert (draft.state, draft.summary) == (UpdateState.SUBMITTED, "Better words.")
    assert_no_csp_violation(page)
    assert_no_browser_errors(page)


def test_my_updates_with_a_draft_and_its_edit_form_have_no_serious_accessibility_violation(
    axe_page, analyst, commitment
):
    open_the_form(axe_page, analyst, commitment)
    axe_page.get_by_label("Proposed status").select_option(label="In parliament")
    axe_page.get_by_label("Effective date").fill("2024-05-02")
    axe_page.get_by_label("Summary").fill("A draft.")
    source(axe_page, 1).get_by_label("Source URL").fill("https://news.example.org/draft")
    axe_page.get_by_role("button", name="Save draft").click()
    expect(axe_page.get_by_role("region", name=re.compile(r"^Drafts"))).to_be_visible()
    assert_accessible(axe_page)

    axe_page.get_by_role("link", name=re.compile(r"^Edit draft")).click()

    expect(axe_page.get_by_role("heading", level=1)).to_contain_text("Edit draft")
    assert_accessible(axe_page)
