"""Every page of the record, on the shared demo, passes axe-core (no serious or critical
violation) and works under the app's real CSP (nothing refused, no script error, no asset
missing). A new page is one line in PAGES."""

import pytest
from django.utils import timezone

from commitments.demo import AGREEMENT_SLUG
from commitments.models import Commitment
from tests.browser.checks import (
    assert_accessible,
    assert_no_browser_errors,
    assert_no_csp_violation,
)
from tests.browser.helpers import sign_in

pytestmark = pytest.mark.browser

# (name, path, demo user signed in or None). "{commitment}" in a path stands for a demo
# commitment's id (the first one with a history of applied changes); "{today}" for today's
# date (the demo's events are recorded when it is loaded, today). A page may answer 400 on
# purpose (a bad parameter): the checks look at what it shows, whatever its status.
PAGES = [
    pytest.param("/", None, id="home"),
    pytest.param("/", "admin", id="home-signed-in"),
    pytest.param("/?as_of=2024-06-01", None, id="matrix-as-of"),
    pytest.param("/?known_on={today}", None, id="matrix-known-on"),
    pytest.param("/?as_of=2024-06-01&known_on={today}", None, id="matrix-as-of-known-on"),
    pytest.param("/?as_of=2024-02-30", None, id="matrix-bad-date"),
    pytest.param("/login/", None, id="login"),
    pytest.param("/participants/FR/", None, id="participant"),
    pytest.param("/participants/FR/", "reviewer", id="participant-signed-in"),
    pytest.param("/guarantees/front-line-equipment/", None, id="guarantee"),
    pytest.param(f"/agreements/{AGREEMENT_SLUG}/", None, id="agreement"),
    pytest.param("/commitments/{commitment}/", None, id="commitment"),
    pytest.param("/commitments/{commitment}/", "reviewer", id="commitment-signed-in"),
    pytest.param("/changes/", None, id="changes"),
    pytest.param("/changes/", "analyst", id="changes-signed-in"),
    pytest.param("/audit/", "reviewer", id="audit-log"),
    pytest.param("/audit/", "admin", id="audit-log-admin"),
    pytest.param("/audit/?participant=ZZ", "reviewer", id="audit-log-bad-filter"),
    pytest.param("/webhooks/", "analyst", id="webhooks"),
    pytest.param("/review/", "reviewer", id="review-queue"),
    pytest.param("/commitments/{commitment}/propose/", "analyst", id="propose"),
    pytest.param("/my/updates/", "analyst", id="my-updates"),
    # Following: the subscriptions page; the Follow button on the record's pages (the
    # participant's: participant-signed-in above).
    pytest.param("/subscriptions/", "analyst", id="subscriptions"),
    pytest.param("/guarantees/front-line-equipment/", "analyst", id="guarantee-signed-in"),
    pytest.param(f"/agreements/{AGREEMENT_SLUG}/", "analyst", id="agreement-signed-in"),
    pytest.param("/import/", "analyst", id="import"),
    pytest.param("/inbox/", "analyst", id="inbox"),
    pytest.param("/password/change/", "reviewer", id="password-change"),
    pytest.param("/no-such-page/", None, id="not-found"),
    pytest.param("/no-such-page/", "admin", id="not-found-signed-in"),
    # My updates paged: the demo analyst's approved updates, their second page.
    pytest.param("/my/updates/?approved_page=2", "analyst", id="my-updates-page-2"),
]


def resolve(path: str) -> str:
    """`path` with its placeholders filled in from the demo."""
    if "{today}" in path:
        path = path.replace("{today}", timezone.localdate().isoformat())
    if "{commitment}" in path:
        commitment = (
            Commitment.objects.filter(
                guarantee__agreement__slug=AGREEMENT_SLUG, updates__isnull=False
            )
            .order_by("pk")
            .first()
        )
        path = path.format(commitment=commitment.pk)
    return path


@pytest.mark.parametrize(("path", "user"), PAGES)
def test_the_page_has_no_serious_accessibility_violation(axe_page, demo, path, user):
    if user:
        sign_in(axe_page, user)

    axe_page.goto(resolve(path))

    assert_accessible(axe_page)


@pytest.mark.parametrize(("path", "user"), PAGES)
def test_the_page_works_under_the_csp(page, demo, path, user):
    if user:
        sign_in(page, user)

    page.goto(resolve(path))

    assert_no_csp_violation(page)
    assert_no_browser_errors(page)


@pytest.mark.parametrize(("path", "user"), PAGES)
def test_the_page_does_not_scroll_sideways(page, demo, path, user):
    """Only a wide table scrolls, inside its own region: nothing (such as a visually hidden
    text positioned outside it) widens the page itself at 1280 pixels."""
    if user:
        sign_in(page, user)

    page.goto(resolve(path))

    scroll_width, client_width = page.evaluate(
        "[document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    )
    assert scroll_width <= client_width, f"{path} is {scroll_width} px wide in {client_width}"
