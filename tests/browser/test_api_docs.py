"""/api/docs/ in Chromium: Swagger UI, served by the app, under the app's real CSP."""

import pytest
from playwright.sync_api import expect

from tests.browser.checks import assert_accessible, assert_no_csp_violation

pytestmark = pytest.mark.browser


def test_the_api_docs_list_the_operations_under_the_csp(page, live_server):
    page.goto("/api/docs/")

    expect(
        page.locator(".opblock-summary-path", has_text="/api/v1/commitments/").first
    ).to_be_visible()
    assert_no_csp_violation(page)


def test_the_api_docs_have_no_serious_accessibility_violation(axe_page, live_server):
    axe_page.goto("/api/docs/")
    expect(axe_page.locator(".opblock").first).to_be_visible()

    assert_accessible(axe_page)
