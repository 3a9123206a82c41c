"""One rule per page: the header shows a link exactly to those its page lets in."""

import pytest
from django.urls import reverse

from accounts.roles import Role
from commitments import selectors
from commitments.selectors.navigation import NAV_LINKS
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

ROLE_SETS = [
    [],
    [Role.ANALYST],
    [Role.REVIEWER],
    [Role.ADMIN],
    [Role.API_CLIENT],
    [Role.ANALYST, Role.REVIEWER],
]
# Django's admin has its own gate (is_staff); the header's Admin link is not checked here.
PAGES = [link.url_name for _rule, link in NAV_LINKS if link.url_name != "admin:index"]


@pytest.mark.parametrize("roles", ROLE_SETS, ids=lambda roles: "+".join(roles) or "no-role")
def test_each_header_link_is_shown_exactly_to_those_its_page_lets_in(client, roles):
    user = UserFactory(username="someone", roles=roles)
    client.force_login(user)
    shown = {link.url_name for link in selectors.nav_links_for(user=user)}

    opens = {name for name in PAGES if client.get(reverse(name)).status_code == 200}

    assert opens == shown & set(PAGES)


@pytest.mark.parametrize(
    ("rule", "roles", "allowed"),
    [
        (selectors.may_review, [Role.REVIEWER], True),
        (selectors.may_review, [Role.ADMIN], False),
        (selectors.may_read_audit_log, [Role.ADMIN], True),
        (selectors.may_read_audit_log, [Role.ANALYST], False),
        (selectors.may_import, [Role.ANALYST], True),
        (selectors.may_import, [Role.REVIEWER], False),
    ],
)
def test_each_pages_rule_names_its_roles(rule, roles, allowed):
    assert rule(viewer=UserFactory(username="someone", roles=roles)) is allowed
