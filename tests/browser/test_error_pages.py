"""Error pages in Chromium: an unknown address answers a 404 page that passes axe-core and
works under the CSP."""

import pytest
from playwright.sync_api import expect

from tests.browser.checks import (
    assert_accessible,
    assert_no_browser_errors,
    assert_no_csp_violation,
)

pytestmark = pytest.mark.browser

UNKNOWN = "/no-such-page/"


def test_an_unknown_address_answers_a_not_found_page(page, live_server):
    response = page.goto(UNKNOWN)

    assert response.status == 404
    expect(page.get_by_role("heading", level=1)).to_contain_text("Not Found", ignore_case=True)
    assert_no_csp_violation(page)
    assert_no_browser_errors(page)


def test_the_not_found_page_has_no_serious_accessibility_violation(axe_page, live_server):
    axe_page.goto(UNKNOWN)

    assert_accessible(axe_page)
