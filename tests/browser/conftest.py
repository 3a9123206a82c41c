"""Browser tests: Playwright drives Debian's Chromium (/usr/bin/chromium, headless; a browser
is never downloaded) against pytest-django's live server, on the test database (PostgreSQL
when DATABASE_URL says so, SQLite otherwise).

Every test here is marked `browser`. Without Chromium they are skipped, saying why, except
under CI=true, where they fail: CI never passes by skipping them (.ci/run installs Chromium).

The `page` fixture is pytest-playwright's page in a normal context, under the app's real CSP,
with a log of what the browser complained about (tests.browser.checks). The axe checks run in
a context that bypasses the CSP (`axe_page`), the only way to inject axe-core.

Data: `demo` is the demo scenario shared by the tests that only read it (loaded once);
`fresh_demo` is a copy of it for one test that changes it; a test that needs only a user
takes one from the factories (tests/conftest.py's `analyst`...). `signed_in_page` is `page`
signed in as the demo's analyst; `sign_in(page, username)` (tests.browser.helpers) signs in
anyone.
"""

import os
from collections.abc import Iterator

import pytest
from django.core.management import call_command
from playwright.sync_api import BrowserContext, Page

from commitments import demo as demo_scenario
from tests.browser import chromium
from tests.browser.checks import watch
from tests.browser.chromium import VIEWPORT, in_ci, launch_args
from tests.browser.helpers import sign_in


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config, items):
    """Browser tests go last (after pytest-django has put the transactional tests after the
    others, so trylast) (Playwright's loop, below, then lives beside no other test), and
    those on the shared demo at the very end (`demo`). Under xdist (`make test`) one worker
    runs them all, first, in this order (tests/conftest.py, pytest_xdist_make_scheduler).
    Without Chromium they are skipped with the reason, except under CI, where they fail
    (browser_type_launch_args)."""
    browser_items = [item for item in items if "browser" in item.keywords]
    if not browser_items:
        return
    others = [item for item in items if "browser" not in item.keywords]
    # The tests on the shared demo come last, one after the other: it loads once.
    browser_items.sort(key=lambda item: "demo" in getattr(item, "fixturenames", ()))
    items[:] = others + browser_items
    if not chromium.CHROMIUM.exists() and not in_ci():
        skip = pytest.mark.skip(
            reason=f"needs Debian's Chromium at {chromium.CHROMIUM} (apt-get install chromium); "
            "never a downloaded browser"
        )
        for item in browser_items:
            item.add_marker(skip)


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_protocol(item, nextitem):
    """Keeps the test that runs next (pytest's Item.nextitem is never set), for `demo`."""
    item.nextitem = nextitem


@pytest.fixture(scope="session")
def playwright(playwright):
    """pytest-playwright's Playwright, with Django's async-safety check off from then on.

    Playwright's sync API keeps an asyncio loop running in this thread from its first use to
    the end of the session, and Django then refuses every database call ("you cannot call
    this from an async context"). Nothing here is async: the refusal is a false alarm. The
    switch is process-wide: in one process the browser tests run last (above), so no other
    test sees it; under xdist the tests the browser worker runs after them do (no test
    relies on Django's check)."""
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    return playwright


@pytest.fixture(scope="session")
def browser_type_launch_args(pytestconfig) -> dict:
    """Debian's Chromium, headless unless --headed (to watch a test locally). Under CI=true
    a missing Chromium fails every browser test with this message: it is never skipped."""
    if not chromium.CHROMIUM.exists():
        pytest.fail(
            f"CI=true and no Chromium at {chromium.CHROMIUM}: .ci/run installs it "
            "(apt-get install chromium); the browser tests never skip in CI",
            pytrace=False,
        )
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


@pytest.fixture(autouse=True)
def _live_server_helper(request):
    """pytest-django's own helper (pytest_django.fixtures._live_server_helper: the live
    server's settings, and a transactional database for the test), except that a test on the
    shared `demo` gets no transactional database: its flush would empty the shared demo
    after every test. Such a test reads the database; the `demo` fixture opens it."""
    if "live_server" not in request.fixturenames:
        yield
        return
    if "demo" not in request.fixturenames:
        request.getfixturevalue("transactional_db")
    live_server = request.getfixturevalue("live_server")
    live_server._live_server_modified_settings.enable()
    yield
    live_server._live_server_modified_settings.disable()


@pytest.fixture
def demo(request, django_db_setup, django_db_blocker, live_server) -> Iterator[None]:
    """The demo scenario (the Paris joint statement, its guarantees, participants and users),
    loaded once and shared by the tests that only read it: those tests run one after the
    other, after every other browser test (pytest_collection_modifyitems), so it loads once
    per process. A test that changes the record, or tries wrong passwords (the login lockout
    counts them), takes `fresh_demo`. The test may read the database (not write to it).

    The demo is committed: the last test on it (the next test this process runs, if any,
    does not take `demo`) empties the database, for the tests an xdist worker runs after the
    browser tests, and so that a database kept with --reuse-db starts the next run empty."""
    with django_db_blocker.unblock():
        state = demo_scenario.demo_status()
        if state != "loaded":
            assert state == "empty", f"the shared demo finds the database {state}"
            demo_scenario.demo_load()
        yield
        following = request.node.nextitem
        if following is None or "demo" not in getattr(following, "fixturenames", ()):
            call_command("flush", interactive=False, verbosity=0)


@pytest.fixture
def fresh_demo(transactional_db, live_server) -> None:
    """The demo scenario for this test alone, which may change it: loaded into an empty
    database and flushed after the test (a few seconds each time, more on PostgreSQL)."""
    result = demo_scenario.demo_load()
    assert result.created, "the demo scenario was already in the database"


@pytest.fixture
def signed_in_page(page, demo) -> Page:
    """`page`, signed in as the demo's analyst, on the shared demo."""
    return sign_in(page, "analyst")
