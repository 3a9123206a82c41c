"""The audit log in Chromium: a reviewer narrows the demo's history with the filters; an
admin sees a red banner when the chain's last verification failed."""

import datetime
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from commitments import audit
from commitments.choices import VerificationTrigger
from commitments.models import AuditVerification
from tests.browser.checks import assert_no_browser_errors, assert_no_csp_violation
from tests.browser.helpers import sign_in
from tests.factories import CommitmentFactory

pytestmark = pytest.mark.browser

PASSWORD = "pass-word-123"  # tests.factories.UserFactory's
PROBLEM = "The chain is broken at event #2: its hash does not match its content."


def test_a_reviewer_filters_the_audit_log(page, demo):
    sign_in(page, "reviewer")
    page.goto("/audit/")

    page.get_by_label("Participant").fill("FR")
    page.get_by_label("Action").select_option(label="Status changed")
    page.get_by_role("button", name="Filter").click()

    expect(page).to_have_url(re.compile(r"participant=FR.*action=commitment.status_changed"))
    rows = page.locator("table.audit-log tbody tr")
    expect(rows.first).to_be_visible()
    assert rows.count() > 1
    for text in rows.all_inner_texts():
        assert "Status changed" in text
        assert "FR ·" in text
    assert_no_csp_violation(page)
    assert_no_browser_errors(page)


def test_a_bad_filter_is_named_beside_its_field(page, demo):
    sign_in(page, "reviewer")
    page.goto("/audit/")

    page.get_by_label("Participant").fill("ZZ")
    page.get_by_role("button", name="Filter").click()

    expect(page.locator("#id_participant_error")).to_have_text("No participant has the code ZZ.")
    expect(page.locator("table.audit-log")).to_have_count(0)


def test_an_admin_sees_a_red_banner_when_the_last_verification_failed(page, admin_user, reviewer):
    commitment = CommitmentFactory()
    audit.record(
        action=audit.COMMITMENT_CREATED, actor=admin_user, obj=commitment, commitment=commitment
    )
    now = timezone.now()
    AuditVerification.objects.create(
        started_at=now - datetime.timedelta(seconds=1),
        finished_at=now,
        events_checked=1,
        seconds=0.02,
        ok=False,
        problem=PROBLEM,
        trigger=VerificationTrigger.SCHEDULE,
    )
    sign_in(page, admin_user.username, PASSWORD)

    page.goto("/audit/")

    banner = page.get_by_role("alert")
    expect(banner).to_contain_text("Broken")
    expect(banner).to_contain_text(PROBLEM)
    background = banner.evaluate("e => getComputedStyle(e).backgroundColor")
    assert background == "rgb(253, 232, 232)"  # red, beside the word
    assert_no_csp_violation(page)
