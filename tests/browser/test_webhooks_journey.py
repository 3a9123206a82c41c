"""A user's webhooks in Chromium: create an endpoint and copy its secret, which is shown
once (a reload shows it no more); a URL the rules refuse is named beside the field; rotate
the secret and switch the endpoint off. Under the app's real CSP."""

import re

import pytest
from playwright.sync_api import Page, expect

from commitments.models import WebhookEndpoint
from tests.browser.checks import (
    assert_accessible,
    assert_no_browser_errors,
    assert_no_csp_violation,
)
from tests.browser.helpers import sign_in

pytestmark = pytest.mark.browser

PASSWORD = "pass-word-123"  # tests.factories.UserFactory's
HOOK = "http://127.0.0.1:9/hook"


@pytest.fixture
def loopback_allowed(settings):
    """The live server runs in this process: the setting reaches it."""
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = True


def create_endpoint(page: Page, url: str, description: str) -> None:
    page.goto("/webhooks/")
    page.get_by_label("URL", exact=True).fill(url)
    page.get_by_label("Description").fill(description)
    page.get_by_role("button", name="Create endpoint").click()


def test_an_endpoint_is_created_and_its_secret_shown_once(page, analyst, loopback_allowed):
    sign_in(page, analyst.username, PASSWORD)

    create_endpoint(page, HOOK, "Our receiver")

    secret = page.get_by_label("Secret", exact=True)
    expect(secret).to_have_value(re.compile(r"^whsec_"))
    endpoint = WebhookEndpoint.objects.get()
    expect(secret).to_have_value(endpoint.secret)
    expect(page.get_by_role("heading", name="Our receiver")).to_be_visible()
    page.reload()
    expect(page.get_by_role("heading", name="Our receiver")).to_be_visible()
    expect(page.get_by_label("Secret", exact=True)).to_have_count(0)
    assert endpoint.secret not in page.content()
    assert WebhookEndpoint.objects.count() == 1
    assert_no_csp_violation(page)
    assert_no_browser_errors(page)


def test_a_url_the_rules_refuse_is_named_beside_the_field(page, analyst):
    sign_in(page, analyst.username, PASSWORD)

    create_endpoint(page, "http://127.0.0.1/hook", "Local")

    expect(page.locator("#id_url_error")).to_have_text(
        "127.0.0.1 resolves to 127.0.0.1, a private or loopback address."
    )
    expect(page.get_by_label("URL", exact=True)).to_have_value("http://127.0.0.1/hook")
    expect(page.get_by_text("You have no endpoints yet.")).to_be_visible()
    assert not WebhookEndpoint.objects.exists()


def test_the_secret_is_rotated_and_the_endpoint_switched_off(page, analyst, loopback_allowed):
    sign_in(page, analyst.username, PASSWORD)
    create_endpoint(page, HOOK, "Our receiver")
    first = page.get_by_label("Secret", exact=True).input_value()

    page.get_by_role("button", name="Rotate secret").click()
    second = page.get_by_label("Secret", exact=True).input_value()
    page.get_by_role("button", name="Turn off").click()

    assert second.startswith("whsec_") and second != first
    expect(page.get_by_label("Secret", exact=True)).to_have_count(0)
    expect(page.get_by_role("heading", name="Our receiver")).to_contain_text("Off")
    expect(page.get_by_role("button", name="Turn on")).to_be_visible()
    assert not WebhookEndpoint.objects.get().is_active


def test_the_page_with_a_secret_shown_passes_axe(axe_page, analyst, loopback_allowed):
    sign_in(axe_page, analyst.username, PASSWORD)

    create_endpoint(axe_page, HOOK, "Our receiver")

    expect(axe_page.get_by_label("Secret", exact=True)).to_be_visible()
    assert_accessible(axe_page)
