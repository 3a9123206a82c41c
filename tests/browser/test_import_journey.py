"""An analyst imports status updates from a CSV file in Chromium: a file with one bad row
shows that row's error and creates nothing; the corrected file creates every row, and the
updates wait in the reviewers' queue."""

import pytest
from playwright.sync_api import Page, expect

from commitments.choices import UpdateState
from commitments.models import StatusUpdate
from tests.browser.checks import assert_accessible
from tests.browser.helpers import sign_in
from tests.commitments.import_files import csv_bytes, demo_rows, row

pytestmark = pytest.mark.browser


def check_file(page: Page, content: bytes) -> None:
    page.get_by_label("File").set_input_files(
        {"name": "updates.csv", "mimeType": "text/csv", "buffer": content}
    )
    page.get_by_role("button", name="Check file").click()
    page.get_by_role("heading", name="Check of updates.csv").wait_for()


def test_a_bad_row_shows_its_error_and_the_corrected_file_imports_every_row(page: Page, fresh_demo):
    good = demo_rows(3)
    bad = row("XX", good[0][1], "withdrawn", good[0][3], source_url="https://example.org/x")
    before = StatusUpdate.objects.count()
    sign_in(page, "analyst")
    page.goto("/import/")

    check_file(page, csv_bytes([*good, bad]))

    bad_row = page.locator("#row-5")
    expect(bad_row).to_contain_text("Unknown participant: XX.")
    expect(page.get_by_text("1 of 4 rows have errors")).to_be_visible()
    expect(page.get_by_role("button", name="Import")).to_have_count(0)
    assert StatusUpdate.objects.count() == before

    check_file(page, csv_bytes(good))
    expect(page.get_by_text("All 3 rows are fine")).to_be_visible()
    page.get_by_role("button", name="Import").click()

    expect(page.get_by_text("3 updates submitted for review, from updates.csv.")).to_be_visible()
    created = list(StatusUpdate.objects.order_by("-pk")[:3])
    assert StatusUpdate.objects.count() == before + 3
    assert {(u.state, u.proposed_by.username) for u in created} == {
        (UpdateState.SUBMITTED, "analyst")
    }

    # The reviewer finds every imported update in the queue, each with its diff and buttons.
    page.get_by_role("button", name="Log out").click()
    sign_in(page, "reviewer")
    page.locator("header.site").get_by_role("link", name="Review", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    for update in created:
        queued = page.locator(f"#update-{update.pk}")
        expect(queued).to_contain_text("Proposed by analyst")
        expect(queued.get_by_role("table", name="What approval would change")).to_be_visible()
        expect(queued.get_by_role("button", name="Approve")).to_be_visible()


def test_the_dry_run_with_an_error_has_no_serious_accessibility_violation(axe_page: Page, demo):
    sign_in(axe_page, "analyst")
    axe_page.goto("/import/")

    check_file(axe_page, csv_bytes([*demo_rows(2), row("XX", "air")]))

    expect(axe_page.get_by_text("Unknown participant: XX.")).to_be_visible()
    assert_accessible(axe_page)
