"""Browser tests: Playwright drives Debian's Chromium (/usr/bin/chromium, headless; a browser
is never downloaded) against pytest-django's live server, on the test database (PostgreSQL
when DATABASE_URL says so, SQLite otherwise).

Every test here is marked `browser`. Without Chromium they are skipped, saying why, except
under CI=true, where they fail: CI never passes by skipping them (.ci/run installs Chromium).

The `page` fixture is pytest-playwright's page in a normal context, under the app's real CSP,
with a log of what the browser complained about (tests.browser.checks). The axe checks run in
a context that bypasses the CSP (`axe_page`), the only way to inject axe-core.
"""

import os

import pytest
from playwright.sync_api import BrowserContext, Page

from tests.browser.checks import watch
from tests.browser.chromium import CHROMIUM, VIEWPORT, in_ci, launch_args
from tests.browser.helpers import sign_in


def pytest_collection_modifyitems(config, items):
    """Browser tests go last (Playwright's loop, above, then lives beside no other test), and
    without Chromium they are skipped with the reason, or, under CI, fail at setup."""
    browser_items = [item for item in items if "browser" in item.keywords]
    if not browser_items:
        return
    others = [item for item in items if "browser" not in item.keywords]
    items[:] = others + browser_items
    if not CHROMIUM.exists() and not in_ci():
        skip = pytest.mark.skip(
            reason=f"needs Debian's Chromium at {CHROMIUM} (apt-get install chromium); "
            "never a downloaded browser"
        )
        for item in browser_items:
            item.add_marker(skip)


@pytest.fixture(autouse=True)
def _chromium_is_there_in_ci(request):
    """Under CI=true a missing Chromium fails each browser test: it is never skipped."""
    if "browser" in request.keywords and in_ci() and not CHROMIUM.exists():
        pytest.fail(
            f"CI=true and no Chromium at {CHROMIUM}: .ci/run installs it "
            "(apt-get install chromium); the browser tests never skip in CI",
            pytrace=False,
        )


@pytest.fixture(scope="session")
def playwright(playwright):
    """pytest-playwright's Playwright, with Django's async-safety check off from then on.

    Playwright's sync API keeps an asyncio loop running in this thread from its first use to
    the end of the session, and Django then refuses every database call ("you cannot call
    this from an async context"). Nothing here is async: the refusal is a false alarm. The
    switch is process-wide, so the browser tests run last (above): no other test runs after
    it is set, and none before sees it."""
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    return playwright


@pytest.fixture(scope="session")
def browser_type_launch_args(pytestconfig) -> dict:
    """Debian's Chromium, headless unless --headed (to watch a test locally)."""
    return launch_args(headed=pytestconfig.getoption("--headed"))


@pytest.fixture(scope="session")
def base_url(live_server) -> str:
    """page.goto("/") goes to the live server."""
    return live_server.url


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args, base_url) -> dict:
    return {**browser_context_args, "base_url": base_url, "viewport": VIEWPORT}


@pytest.fixture
def page(context: BrowserContext) -> Page:
    """A page under the app's real CSP, whose console, errors and failed requests are logged
    (tests.browser.checks.assert_no_csp_violation, assert_no_browser_errors)."""
    return watch(context.new_page())


@pytest.fixture
def axe_page(new_context) -> Page:
    """A page in a context that bypasses the CSP, so that axe-core can be injected."""
    return new_context(bypass_csp=True).new_page()


@pytest.fixture
def demo(transactional_db, live_server) -> None:
    """The demo scenario (the Paris joint statement, its guarantees, participants and users)
    in the live server's database; the transactional flush removes it after the test. It
    takes a few seconds: a test that needs only a user takes one from the factories."""
    from commitments import demo

    result = demo.demo_load()
    assert result.created, "the demo scenario was already in the database"


@pytest.fixture
def signed_in_page(page, demo) -> Page:
    """`page`, signed in as the demo's analyst (with the demo loaded)."""
    return sign_in(page, "analyst")
