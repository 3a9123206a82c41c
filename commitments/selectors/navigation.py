"""The site header: who is signed in, their roles, and the pages their roles may use."""

from dataclasses import dataclass

from django.contrib.auth.models import AnonymousUser
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from accounts.roles import Role, role_names

# Everyone signed in, whatever their roles.
EVERYONE = "everyone"


@dataclass(frozen=True)
class NavLink:
    """A link of the header: its label and the URL name of its page."""

    label: str | Promise
    url_name: str


# The header's links in their order, each with the roles it is shown to (any one of them).
# The inbox is not among them: the header shows it to everyone, with its unread count.
NAV_LINKS: list[tuple[frozenset[str], NavLink]] = [
    (frozenset({Role.ANALYST}), NavLink(_("My updates"), "commitments:my_updates")),
    (frozenset({Role.ANALYST}), NavLink(_("Import"), "commitments:import")),
    (frozenset({Role.REVIEWER}), NavLink(_("Review"), "commitments:review_queue")),
    (frozenset({Role.REVIEWER, Role.ADMIN}), NavLink(_("Audit log"), "commitments:audit_log")),
    (frozenset({EVERYONE}), NavLink(_("Subscriptions"), "commitments:subscriptions")),
    (frozenset({EVERYONE}), NavLink(_("Webhooks"), "commitments:webhooks")),
    (frozenset({Role.ADMIN}), NavLink(_("Admin"), "admin:index")),
]


def nav_links_for(*, user: User | AnonymousUser) -> list[NavLink]:
    """The header's links this user's roles may use, in the header's order; none for a
    visitor. Costs at most one query (the roles, cached on the user)."""
    if not user.is_authenticated:
        return []
    held = role_names(user) | {EVERYONE}
    return [link for roles, link in NAV_LINKS if roles & held]


def role_labels_for(*, user: User | AnonymousUser) -> list[str]:
    """The names of the roles the user holds, in Role's order (a superuser holds them all)."""
    held = role_names(user)
    return [str(role.label) for role in Role if role in held]
