"""The site header: who is signed in, their roles, the inbox's unread count, and only the
links their roles may use; a few queries whatever the page."""

import re

import pytest
from django.contrib.auth.models import AnonymousUser

from accounts.models import User
from accounts.roles import Role
from commitments import selectors
from commitments.context_processors import header
from commitments.selectors.navigation import NavLink
from tests.factories import NotificationFactory, UserFactory

pytestmark = pytest.mark.django_db


def header_html(client) -> str:
    body = client.get("/changes/").content.decode()
    return re.search(r'<header class="site">.*?</header>', body, re.S).group(0)


def labels_for(*roles: str, **fields) -> list[str]:
    user = UserFactory(roles=list(roles), **fields)
    return [str(link.label) for link in selectors.nav_links_for(user=user)]


def test_an_analyst_gets_their_work_pages_and_everyone_s():
    assert labels_for(Role.ANALYST) == ["My updates", "Import", "Subscriptions", "Webhooks"]


def test_a_reviewer_gets_the_review_queue_and_the_audit_log():
    assert labels_for(Role.REVIEWER) == ["Review", "Audit log", "Subscriptions", "Webhooks"]


def test_an_admin_gets_the_audit_log_and_the_admin():
    assert labels_for(Role.ADMIN) == ["Audit log", "Subscriptions", "Webhooks", "Admin"]


def test_a_superuser_holds_every_role_and_gets_every_link():
    assert labels_for(is_superuser=True) == [
        "My updates",
        "Import",
        "Review",
        "Audit log",
        "Subscriptions",
        "Webhooks",
        "Admin",
    ]


def test_a_visitor_gets_no_links():
    assert selectors.nav_links_for(user=AnonymousUser()) == []


def test_the_header_names_the_user_and_their_roles(client):
    client.force_login(UserFactory(username="dana", roles=[Role.ANALYST, Role.REVIEWER]))

    html = header_html(client)

    assert '<span class="who">dana</span>' in html
    assert '<span class="roles">(Analyst, Reviewer)</span>' in html


def test_the_header_shows_the_unread_count_with_an_accessible_name(client, analyst):
    NotificationFactory.create_batch(3, recipient=analyst)
    NotificationFactory(recipient=analyst, read_at="2024-06-01T00:00:00Z")
    NotificationFactory()  # someone else's
    client.force_login(analyst)

    html = header_html(client)

    assert 'href="/inbox/" aria-label="Inbox (3 unread)" class="unread">Inbox (3)</a>' in html


def test_the_header_links_only_pages_the_user_s_roles_may_use(client, analyst):
    client.force_login(analyst)

    html = header_html(client)

    assert 'href="/admin/"' not in html
    assert ">Change password</a>" in html
    assert ">Log out</button>" in html


def test_an_admin_s_header_links_the_admin(client, admin_user):
    client.force_login(admin_user)

    assert 'href="/admin/">Admin</a>' in header_html(client)


def test_a_link_to_a_page_this_deployment_lacks_is_left_out_not_broken(rf, analyst, monkeypatch):
    links = [NavLink("Nowhere", "commitments:nowhere"), NavLink("Changes", "commitments:changes")]
    monkeypatch.setattr(selectors, "nav_links_for", lambda user: links)
    request = rf.get("/")
    request.user = analyst

    assert header(request)["header"].links == [("Changes", "/changes/")]


def test_a_visitor_s_header_offers_the_log_in_link_only(client):
    html = header_html(client)

    assert ">Log in</a>" in html
    assert "Inbox" not in html
    assert "who" not in html


def test_the_header_costs_two_queries_at_most(rf, analyst, django_assert_max_num_queries):
    NotificationFactory.create_batch(5, recipient=analyst)
    request = rf.get("/")
    request.user = User.objects.get(pk=analyst.pk)  # its roles not cached yet

    with django_assert_max_num_queries(2):
        built = header(request)["header"]
        assert (built.roles, built.unread) == (["Analyst"], 5)


def test_the_header_asks_nothing_until_a_template_reads_it(rf, analyst, django_assert_num_queries):
    request = rf.get("/")
    request.user = analyst

    with django_assert_num_queries(0):
        header(request)
