"""A user follows a participant from its page in Chromium; an update for that participant is
then proposed, submitted and approved (through the services, committed as the live server's
requests are), and the user's inbox holds the status change."""

import datetime
import re

import pytest
from playwright.sync_api import Page, expect

from commitments import selectors
from commitments.choices import CommitmentStatus, NotificationChannel, NotificationKind
from commitments.models import Subscription
from commitments.services import commitment_create, update_approve, update_create, update_submit
from tests.browser.checks import (
    assert_accessible,
    assert_no_browser_errors,
    assert_no_csp_violation,
)
from tests.browser.helpers import sign_in
from tests.factories import GuaranteeFactory, ParticipantFactory, UserFactory

pytestmark = pytest.mark.browser

PASSWORD = "pass-word-123"  # tests.factories.UserFactory's


@pytest.fixture
def france(transactional_db):
    return ParticipantFactory(code="FR", name="France")


def test_a_follower_of_a_participant_finds_its_approved_change_in_the_inbox(
    page: Page, live_server, france
):
    follower = UserFactory(username="follower")
    analyst = UserFactory(username="ana", roles=["analyst"])
    reviewer = UserFactory(username="rev", roles=["reviewer"])
    commitment = commitment_create(
        participant=france, guarantee=GuaranteeFactory(title="Air policing"), actor=None
    )
    sign_in(page, "follower", PASSWORD)

    page.goto("/participants/FR/")
    page.get_by_role("button", name="Follow", exact=True).click()

    expect(page.get_by_text("You follow France: its changes come to your inbox.")).to_be_visible()
    expect(page.locator(".follow")).to_contain_text("Following (In-app inbox)")
    expect(page.get_by_role("button", name="Unfollow")).to_be_visible()
    expect(page.get_by_role("button", name="Follow", exact=True)).to_have_count(0)
    assert_no_csp_violation(page)
    assert_no_browser_errors(page)
    subscription = Subscription.objects.get(user=follower)
    assert subscription.channel == NotificationChannel.IN_APP
    assert list(subscription.participants.all()) == [france]

    page.get_by_role("link", name="Subscriptions").or_(
        page.get_by_role("link", name="Other ways to follow")
    ).first.click()
    expect(page.get_by_role("heading", name="Your subscriptions")).to_be_visible()
    expect(page.get_by_role("row").filter(has_text="Participants: France")).to_contain_text(
        "In-app inbox"
    )

    update = update_create(
        commitment=commitment,
        author=analyst,
        proposed_status=CommitmentStatus.SIGNED,
        effective_date=datetime.date(2024, 4, 2),
        summary="Signed in Paris.",
        sources=[{"url": "https://news.example.org/signed"}],
        draft=True,
    )
    update_submit(update=update, author=analyst)
    update_approve(update=update, reviewer=reviewer)

    inbox = list(selectors.notification_inbox(user=follower))
    assert [(n.kind, n.commitment_id) for n in inbox] == [
        (NotificationKind.STATUS_CHANGED, commitment.pk)
    ]
    # The follower's next page counts it in the header; the inbox shows it, unread.
    page.reload()
    inbox_link = page.locator("header.site").get_by_role("link", name="Inbox (1 unread)")
    expect(inbox_link).to_have_text("Inbox (1)")
    inbox_link.click()
    notification = page.locator(f"#notification-{inbox[0].pk}")
    expect(notification).to_have_class(re.compile(r"\bunread\b"))
    expect(notification).to_contain_text("Unread")
    expect(notification).to_contain_text("Status changed")
    expect(notification.get_by_role("link")).to_have_text("France · Air policing: pledged → signed")
    expect(notification.get_by_role("button", name="Mark read")).to_be_visible()
    assert_no_csp_violation(page)
    assert_no_browser_errors(page)


def test_unfollowing_from_the_page_ends_the_subscription(page: Page, live_server, france):
    UserFactory(username="follower")
    sign_in(page, "follower", PASSWORD)
    page.goto("/participants/FR/")
    page.get_by_role("button", name="Follow", exact=True).click()

    page.get_by_role("button", name="Unfollow").click()

    expect(page.get_by_text("You no longer follow France.")).to_be_visible()
    expect(page.get_by_role("button", name="Follow", exact=True)).to_be_visible()
    assert not Subscription.objects.exists()


def test_an_email_subscription_without_an_address_shows_the_error_beside_the_channel(
    page: Page, live_server, transactional_db
):
    UserFactory(username="nomail", email="")
    sign_in(page, "nomail", PASSWORD)
    page.goto("/subscriptions/")

    page.get_by_label("E-mail, at once").check()
    page.get_by_role("button", name="Add subscription").click()

    channel = page.get_by_role("group", name="Channel")
    expect(channel).to_contain_text("E-mail needs an address on the account.")
    assert not Subscription.objects.exists()


def test_a_subscription_added_and_deleted_on_the_subscriptions_page(
    page: Page, live_server, france
):
    UserFactory(username="follower")
    sign_in(page, "follower", PASSWORD)
    page.goto("/subscriptions/")

    page.get_by_role("group", name="Participants").get_by_label("France").check()
    page.get_by_label("E-mail, daily digest").check()
    page.get_by_role("button", name="Add subscription").click()

    expect(page.get_by_text("Subscription added.")).to_be_visible()
    row = page.get_by_role("row").filter(has_text="Participants: France")
    expect(row).to_contain_text("E-mail, daily digest")
    row.get_by_role("button", name="Delete").click()
    expect(page.get_by_text("Subscription deleted.")).to_be_visible()
    expect(page.get_by_text("You follow nothing yet.")).to_be_visible()
    assert not Subscription.objects.exists()


def test_the_following_state_and_the_forms_errors_pass_axe(axe_page: Page, live_server, france):
    UserFactory(username="nomail", email="")
    sign_in(axe_page, "nomail", PASSWORD)
    axe_page.goto("/participants/FR/")
    axe_page.get_by_role("button", name="Follow", exact=True).click()
    expect(axe_page.get_by_role("button", name="Unfollow")).to_be_visible()
    assert_accessible(axe_page)

    axe_page.goto("/subscriptions/")
    axe_page.get_by_label("E-mail, at once").check()
    axe_page.get_by_role("button", name="Add subscription").click()
    expect(axe_page.get_by_text("E-mail needs an address on the account.")).to_be_visible()
    assert_accessible(axe_page)
