"""Signing in and out through the pages in Chromium: the form, axe-core, the real CSP."""

import pytest
from playwright.sync_api import expect

from tests.browser.checks import (
    assert_no_browser_errors,
    assert_no_csp_violation,
)
from tests.browser.helpers import sign_in

pytestmark = pytest.mark.browser

PASSWORD = "pass-word-123"  # tests.factories.UserFactory's


def test_a_user_signs_in_through_the_login_form(page, analyst):
    sign_in(page, analyst.username, PASSWORD)

    expect(page.get_by_role("button", name="Log out")).to_be_visible()
    expect(page.get_by_role("link", name="Log in")).to_have_count(0)


def test_a_demo_user_signs_in_with_the_password_seed_demo_prints(signed_in_page):
    expect(signed_in_page.locator("header.site .who")).to_have_text("analyst")


def test_signing_in_returns_to_the_page_that_asked(page, analyst, live_server):
    page.goto("/")
    page.get_by_role("link", name="Log in").click()

    page.get_by_label("Username").fill(analyst.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()

    expect(page.locator("header.site .who")).to_have_text(analyst.username)
    expect(page).to_have_url(f"{live_server.url}/")


def test_a_wrong_password_keeps_the_user_signed_out_with_a_message(page, analyst):
    page.goto("/login/")
    page.get_by_label("Username").fill(analyst.username)
    page.get_by_label("Password").fill("not-the-password")
    page.get_by_role("button", name="Log in").click()

    expect(page.get_by_text("Please enter a correct username and password")).to_be_visible()
    expect(page.get_by_role("button", name="Log out")).to_have_count(0)


def test_signing_in_and_out_works_under_the_csp(page, analyst):
    sign_in(page, analyst.username, PASSWORD)
    page.get_by_role("button", name="Log out").click()

    expect(page.get_by_role("link", name="Log in")).to_be_visible()
    assert_no_csp_violation(page)
    assert_no_browser_errors(page)
