"""Roles are groups with permissions; this module names them and answers who holds which."""

from typing import Any

from django.contrib.auth.models import AnonymousUser, Group, Permission
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.models import User


class Role(models.TextChoices):
    ANALYST = "analyst", _("Analyst")
    REVIEWER = "reviewer", _("Reviewer")
    ADMIN = "admin", _("Admin")
    API_CLIENT = "api_client", _("API client")


# The permissions each role's group holds at least ("app_label.codename"): every `migrate`
# grants what is missing (grant_role_permissions), role_groups() creates missing groups.
_READ = [
    "commitments.view_participant",
    "commitments.view_agreement",
    "commitments.view_guarantee",
    "commitments.view_commitment",
    "commitments.view_source",
    "commitments.view_statusupdate",
    "commitments.view_auditevent",
    "commitments.view_auditcheckpoint",
]
ROLE_PERMISSIONS: dict[str, list[str]] = {
    Role.ANALYST: [
        *_READ,
        "commitments.add_statusupdate",
        "commitments.change_statusupdate",
        "commitments.delete_statusupdate",
        "commitments.add_source",
    ],
    Role.REVIEWER: [*_READ, "commitments.change_statusupdate"],
    Role.ADMIN: [
        *_READ,
        *(
            f"commitments.{verb}_{model}"
            for model in ("participant", "agreement", "guarantee", "commitment", "source")
            for verb in ("add", "change", "delete")
        ),
        "accounts.view_user",
        "accounts.add_user",
        "accounts.change_user",
        "accounts.delete_user",
        "accounts.view_apitoken",
        "accounts.add_apitoken",
        "accounts.change_apitoken",
        "auth.view_group",
        "auth.change_group",
        *(
            f"commitments.{verb}_{model}"
            for model in ("webhookendpoint", "subscription")
            for verb in ("view", "add", "change", "delete")
        ),
        "commitments.view_webhookdelivery",
        "commitments.change_webhookdelivery",
        "commitments.view_webhookattempt",
        "commitments.view_notification",
        "commitments.view_auditverification",
        # The login lockout: seeing attempts, and unlocking by deleting them.
        "axes.view_accessattempt",
        "axes.delete_accessattempt",
        "axes.view_accesslog",
    ],
    Role.API_CLIENT: list(_READ),
}


# What each role may do, in a line: seed_demo prints it beside each demo user, and the pages
# that serve each role are the header's links (commitments.selectors.navigation).
ROLE_SUMMARIES: dict[str, str] = {
    Role.ANALYST: _(
        "proposes status updates with their sources (“Propose an update” on a commitment's "
        "page), keeps their drafts under “My updates”, imports updates from a CSV file"
    ),
    Role.REVIEWER: _(
        "approves or rejects other people's submitted updates in the review queue (/review/), "
        "reads the audit log"
    ),
    Role.ADMIN: _(
        "manages participants, agreements, guarantees, commitments, users, roles and webhooks "
        "in the admin (/admin/), reads the audit log"
    ),
    Role.API_CLIENT: _("reads the record through the API with a token"),
}


def role_names(user: User | AnonymousUser) -> frozenset[str]:
    """The roles a user holds; a superuser holds them all. Cached on the user object."""
    if not user.is_authenticated or not user.is_active:
        return frozenset()
    if user.is_superuser:
        return frozenset(Role.values)
    cached = getattr(user, "_role_names", None)
    if cached is None:
        names = user.groups.filter(name__in=Role.values).values_list("name", flat=True)
        cached = frozenset(names)
        user._role_names = cached
    return cached


def has_role(user: User | AnonymousUser, role: str) -> bool:
    return role in role_names(user)


def role_permissions_filter(role: str) -> Q:
    """Selects, among Permission rows, those ROLE_PERMISSIONS lists for `role`."""
    query = Q()
    for perm in ROLE_PERMISSIONS[role]:
        app_label, codename = perm.split(".")
        query |= Q(content_type__app_label=app_label, codename=codename)
    return query


def role_groups(roles: list[str]) -> list[Group]:
    """The groups of these roles, created with their permissions if missing (a database that
    was flushed after the migrations ran, as transactional tests do, has none)."""
    groups = {g.name: g for g in Group.objects.filter(name__in=roles)}
    for role in roles:
        if role not in groups:
            group = Group.objects.create(name=role)
            group.permissions.set(Permission.objects.filter(role_permissions_filter(role)))
            groups[role] = group
    return [groups[role] for role in roles]


def grant_role_permissions(apps: Any = None, using: str = "default", **kwargs: Any) -> None:
    """After every `migrate` (a post_migrate receiver, accounts.apps): each role's group
    exists and holds every permission ROLE_PERMISSIONS lists, models added since included.
    Permissions an admin gave a group beyond the table are kept."""
    from django.apps import apps as global_apps
    from django.contrib.auth.management import create_permissions

    apps = apps or global_apps
    for app_config in global_apps.get_app_configs():
        create_permissions(app_config, verbosity=0, using=using, apps=apps)
    group_model = apps.get_model("auth", "Group")
    permission_model = apps.get_model("auth", "Permission")
    for role in ROLE_PERMISSIONS:
        group, _ = group_model.objects.using(using).get_or_create(name=role)
        wanted = permission_model.objects.using(using).filter(role_permissions_filter(role))
        group.permissions.add(*wanted)
