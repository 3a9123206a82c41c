"""Each demo user's header shows exactly the links their roles may use, and every one of those
links opens a page that answers 200 for them (the demo's accounts, as seed_demo creates them:
commitments.demo.DEMO_USERS through accounts' user_create)."""

import re
from html.parser import HTMLParser

import pytest

from accounts.services import user_create
from commitments.demo import DEMO_USERS

pytestmark = pytest.mark.django_db

EVERYONE_BEFORE = ["Inbox"]
EVERYONE_AFTER = ["Change password"]

# The header's links (after the brand), in the header's order, for each demo user.
EXPECTED_LINKS = {
    "analyst": ["My updates", "Import", "Subscriptions", "Webhooks"],
    "analyst2": ["My updates", "Import", "Subscriptions", "Webhooks"],
    "reviewer": ["Review", "Audit log", "Subscriptions", "Webhooks"],
    "admin": ["Audit log", "Subscriptions", "Webhooks", "Admin"],
}


class _NavLinks(HTMLParser):
    """The (text, href) of every <a> inside the header's <nav>."""

    def __init__(self) -> None:
        super().__init__()
        self.links: list[tuple[str, str]] = []
        self._in_nav = False
        self._href: str | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag == "nav":
            self._in_nav = True
        elif tag == "a" and self._in_nav:
            self._href = dict(attrs)["href"]
            self._text = []

    def handle_endtag(self, tag):
        if tag == "nav":
            self._in_nav = False
        elif tag == "a" and self._href is not None:
            self.links.append(("".join(self._text).strip(), self._href))
            self._href = None

    def handle_data(self, data):
        if self._href is not None:
            self._text.append(data)


def header_links(client) -> list[tuple[str, str]]:
    body = client.get("/").content.decode()
    header = re.search(r'<header class="site">.*?</header>', body, re.S).group(0)
    parser = _NavLinks()
    parser.feed(header)
    return parser.links


@pytest.fixture
def demo_users(db) -> dict:
    return {
        username: user_create(
            username=username, roles=roles, password=password, email=f"{username}@example.org"
        )[0]
        for username, password, roles in DEMO_USERS
    }


def test_every_demo_user_is_covered():
    assert sorted(EXPECTED_LINKS) == sorted(username for username, _, _ in DEMO_USERS)


@pytest.mark.parametrize("username", sorted(EXPECTED_LINKS))
def test_each_demo_user_s_header_shows_exactly_their_links(client, demo_users, username):
    client.force_login(demo_users[username])

    labels = [re.sub(r" \(\d+\)$", "", text) for text, _ in header_links(client)]

    assert labels == EVERYONE_BEFORE + EXPECTED_LINKS[username] + EVERYONE_AFTER


@pytest.mark.parametrize("username", sorted(EXPECTED_LINKS))
def test_every_header_link_opens_a_page_for_its_user(client, demo_users, username):
    client.force_login(demo_users[username])
    links = header_links(client)

    answers = {text: client.get(href).status_code for text, href in links}

    assert len(answers) == len(EXPECTED_LINKS[username]) + 2
    assert answers == dict.fromkeys(answers, 200)
