"""The browser checks themselves catch what they are for: a check that never fails proves
nothing. Each test serves a crafted page at a made-up address (page.route), under a CSP like
the app's; no live server, no database."""

import pytest

from tests.browser.checks import (
    assert_accessible,
    assert_no_browser_errors,
    assert_no_csp_violation,
    axe_violations,
)

pytestmark = pytest.mark.browser

ORIGIN = "http://checks.invalid"
CSP = "default-src 'self'; script-src 'self'; style-src 'self'"


def serve(page, body: str, *, csp: str | None = CSP) -> None:
    """Answer ORIGIN/ with `body` (under `csp`), and anything else there with a 404."""
    headers = {"Content-Type": "text/html; charset=utf-8"}
    if csp:
        headers["Content-Security-Policy"] = csp

    def handle(route):
        if route.request.url == f"{ORIGIN}/":
            route.fulfill(status=200, headers=headers, body=body)
        else:
            route.fulfill(status=404, body="")

    page.route(f"{ORIGIN}/**", handle)
    page.goto(f"{ORIGIN}/")


def html(body: str, head: str = "") -> str:
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Check</title>'
        f"{head}</head><body><main><h1>Check</h1>{body}</main></body></html>"
    )


def test_the_csp_check_catches_an_inline_script_the_csp_refuses(page):
    serve(page, html("<script>document.title = 'ran';</script>"))

    with pytest.raises(AssertionError, match="script-src"):
        assert_no_csp_violation(page)


def test_the_csp_check_catches_an_inline_style_attribute(page):
    serve(page, html('<p style="color: red">styled</p>'))

    with pytest.raises(AssertionError, match="style-src"):
        assert_no_csp_violation(page)


def test_the_csp_check_passes_a_page_the_csp_allows(page):
    serve(page, html("<p>plain</p>"))

    assert_no_csp_violation(page)


def test_the_error_check_catches_an_asset_that_fails_to_load(page):
    serve(page, html("<p>x</p>", head='<link rel="stylesheet" href="/missing.css">'))

    with pytest.raises(AssertionError, match=r"missing\.css: 404"):
        assert_no_browser_errors(page)


def test_the_axe_check_names_the_rule_its_impact_and_the_element(axe_page):
    serve(axe_page, html('<img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=" id="pic">'))

    with pytest.raises(AssertionError, match=r"image-alt \(critical\)[\s\S]*#pic"):
        assert_accessible(axe_page)


def test_the_axe_check_lets_a_moderate_violation_pass(axe_page):
    # Heading levels that skip one (h1, then h3) are "moderate" for axe-core.
    serve(axe_page, html("<h3>Skipped a level</h3>"))

    assert {(v["id"], v["impact"]) for v in axe_violations(axe_page)} == {
        ("heading-order", "moderate")
    }
    assert_accessible(axe_page)
