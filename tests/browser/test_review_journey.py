"""A reviewer's day in Chromium: the review queue (/review/) shows a submitted update with its
diff against the live record; Approve changes the record (the matrix and the commitment page
show it), Reject needs a comment, nobody gets buttons for their own update, and an analyst
gets no queue at all. The data comes from the factories and the services, per test."""

import datetime

import pytest
from playwright.sync_api import Page, expect

from accounts.roles import Role
from commitments import services
from commitments.choices import CommitmentStatus as S
from commitments.choices import UpdateState
from commitments.models import StatusUpdate
from tests.browser.checks import assert_no_browser_errors, assert_no_csp_violation
from tests.browser.helpers import sign_in
from tests.factories import GuaranteeFactory, ParticipantFactory, UserFactory

pytestmark = pytest.mark.browser

PASSWORD = "pass-word-123"  # tests.factories.UserFactory's


def propose(author, *, participant_name: str = "Freedonia") -> StatusUpdate:
    """A commitment, pledged (through the services, so it has a history), and an update by
    `author` proposing it was signed, with one source."""
    commitment = services.commitment_create(
        participant=ParticipantFactory(name=participant_name),
        guarantee=GuaranteeFactory(title="Air support"),
        actor=None,
    )
    return services.update_create(
        commitment=commitment,
        author=author,
        proposed_status=S.SIGNED,
        effective_date=datetime.date(2024, 4, 10),
        summary="Signed at the summit.",
        sources=[
            {
                "url": "https://www.mfa.example.org/press/signed",
                "title": "Agreement signed",
                "publisher": "Ministry of Foreign Affairs",
                "excerpt": "The agreement was signed today.",
            }
        ],
        notify=False,
    )


def row_of(page: Page, update: StatusUpdate):
    return page.locator(f"#update-{update.pk}")


def diff_row(diff, header: str):
    """The diff table's row whose header is exactly `header`."""
    return diff.locator("tr", has=diff.page.get_by_role("rowheader", name=header, exact=True))


def state_of(update: StatusUpdate) -> str:
    return StatusUpdate.objects.get(pk=update.pk).state


def test_a_reviewer_approves_a_submitted_update_and_the_record_shows_it(page, analyst, reviewer):
    update = propose(analyst)
    sign_in(page, reviewer.username, PASSWORD)

    page.goto("/review/")
    row = row_of(page, update)
    diff = row.get_by_role("table", name="What approval would change")
    expect(diff_row(diff, "Status")).to_contain_text("Pledged")
    expect(diff_row(diff, "Status")).to_contain_text("Signed")
    expect(diff_row(diff, "Signed on")).to_contain_text("10 Apr 2024")
    expect(row).to_contain_text("Proposed by ana")
    expect(row).to_contain_text("mfa.example.org")
    expect(row).to_contain_text("The agreement was signed today.")
    expect(page.locator("#review-waiting")).to_have_text("1 update waiting")
    row.get_by_role("button", name="Approve").click()

    expect(row_of(page, update)).to_contain_text("Approved by rev")
    # The heading's count follows, though only the row was redrawn.
    expect(page.locator("#review-waiting")).to_have_text("0 updates waiting")
    expect(row_of(page, update).get_by_role("button")).to_have_count(0)
    assert state_of(update) == UpdateState.APPROVED
    assert_no_csp_violation(page)
    assert_no_browser_errors(page)
    page.goto("/")
    cell = page.locator(f'#matrix a[href="/commitments/{update.commitment_id}/"]')
    expect(cell).to_have_text("Signed")
    page.goto(f"/commitments/{update.commitment_id}/")
    expect(page.locator("main dd .status").first).to_have_text("Signed")


def test_a_rejection_without_a_comment_is_refused_on_the_page(page, analyst, reviewer):
    update = propose(analyst)
    sign_in(page, reviewer.username, PASSWORD)
    page.goto("/review/")

    row_of(page, update).get_by_role("button", name="Reject").click()

    expect(row_of(page, update).get_by_text("A rejection needs a comment.")).to_be_visible()
    expect(row_of(page, update).get_by_label("Comment")).to_have_attribute("aria-invalid", "true")
    assert state_of(update) == UpdateState.SUBMITTED
    row_of(page, update).get_by_label("Comment").fill("The source does not say so.")
    row_of(page, update).get_by_role("button", name="Reject").click()
    expect(row_of(page, update)).to_contain_text("Rejected by rev")
    assert state_of(update) == UpdateState.REJECTED


def test_an_analyst_gets_no_approve_button_and_a_403_at_review(page, analyst):
    propose(analyst)
    sign_in(page, analyst.username, PASSWORD)

    response = page.goto("/review/")

    assert response.status == 403
    expect(page.get_by_role("heading", name="Not allowed")).to_be_visible()
    expect(page.get_by_role("button", name="Approve")).to_have_count(0)


def test_a_reviewer_sees_their_own_update_without_buttons(page):
    both = UserFactory(username="both", roles=[Role.ANALYST, Role.REVIEWER])
    own = propose(both)

    sign_in(page, both.username, PASSWORD)
    page.goto("/review/")

    expect(row_of(page, own)).to_contain_text("Needs another reviewer")
    expect(row_of(page, own).get_by_role("button")).to_have_count(0)
    expect(page.get_by_label(f"Select update {own.pk}")).to_have_count(0)


def test_approve_selected_shows_each_outcome(page, analyst, reviewer):
    first = propose(analyst, participant_name="Freedonia")
    second = propose(analyst, participant_name="Sylvania")
    sign_in(page, reviewer.username, PASSWORD)
    page.goto("/review/")

    page.get_by_label(f"Select update {first.pk}").check()
    page.get_by_label(f"Select update {second.pk}").check()
    page.get_by_role("button", name="Approve selected").click()

    expect(row_of(page, first)).to_contain_text(f"Update {first.pk} approved.")
    expect(row_of(page, second)).to_contain_text(f"Update {second.pk} approved.")
    assert [state_of(first), state_of(second)] == [UpdateState.APPROVED] * 2


def test_a_double_click_on_approve_approves_once(page, analyst, reviewer):
    update = propose(analyst)
    sign_in(page, reviewer.username, PASSWORD)
    page.goto("/review/")

    row_of(page, update).get_by_role("button", name="Approve").dblclick()

    expect(row_of(page, update)).to_contain_text("Approved by rev")
    assert_no_browser_errors(page)
    commitment = StatusUpdate.objects.get(pk=update.pk).commitment
    assert commitment.version == 2
