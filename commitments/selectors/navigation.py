"""The site header: who is signed in, their roles, and the pages their roles may use."""

from collections.abc import Callable
from dataclasses import dataclass

from django.contrib.auth.models import AnonymousUser
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from accounts.roles import Role, has_role, role_names
from commitments.selectors.updates import may_propose_updates


@dataclass(frozen=True)
class NavLink:
    """A link of the header: its label and the URL name of its page."""

    label: str | Promise
    url_name: str


# Who may open each page: one rule per page, used by the page's own gate and by the header
# (NAV_LINKS), so that a link is shown exactly to those the page lets in.


def may_review(*, viewer: User | AnonymousUser) -> bool:
    """The review queue (/review/) and its decisions: reviewers."""
    return has_role(viewer, Role.REVIEWER)


def may_read_audit_log(*, viewer: User | AnonymousUser) -> bool:
    """The audit log (/audit/): reviewers and admins."""
    return has_role(viewer, Role.REVIEWER) or has_role(viewer, Role.ADMIN)


def may_see_chain_alarm(*, viewer: User | AnonymousUser) -> bool:
    """The audit log's red banner when the chain's last verification failed: admins, the
    people a broken chain is notified to (selectors.admins)."""
    return has_role(viewer, Role.ADMIN)


def may_import(*, viewer: User | AnonymousUser) -> bool:
    """The import page (/import/) and its template: analysts."""
    return has_role(viewer, Role.ANALYST)


def may_use_admin(*, viewer: User | AnonymousUser) -> bool:
    """The header's Admin link: admins (Django's admin has its own gate, is_staff)."""
    return has_role(viewer, Role.ADMIN)


def _signed_in(*, viewer: User | AnonymousUser) -> bool:
    return viewer.is_authenticated


# The header's links in their order, each with the rule of its page.
# The inbox is not among them: the header shows it to everyone, with its unread count.
NAV_LINKS: list[tuple[Callable[..., bool], NavLink]] = [
    (may_propose_updates, NavLink(_("My updates"), "commitments:my_updates")),
    (may_import, NavLink(_("Import"), "commitments:import")),
    (may_review, NavLink(_("Review"), "commitments:review_queue")),
    (may_read_audit_log, NavLink(_("Audit log"), "commitments:audit_log")),
    (_signed_in, NavLink(_("Subscriptions"), "commitments:subscriptions")),
    (_signed_in, NavLink(_("Webhooks"), "commitments:webhooks")),
    (may_use_admin, NavLink(_("Admin"), "admin:index")),
]


def nav_links_for(*, user: User | AnonymousUser) -> list[NavLink]:
    """The header's links this user's roles may use, in the header's order; none for a
    visitor. Costs at most one query (the roles, cached on the user)."""
    if not user.is_authenticated:
        return []
    return [link for may, link in NAV_LINKS if may(viewer=user)]


def role_labels_for(*, user: User | AnonymousUser) -> list[str]:
    """The names of the roles the user holds, in Role's order (a superuser holds them all)."""
    held = role_names(user)
    return [str(role.label) for role in Role if role in held]
