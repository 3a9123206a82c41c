"""Roles are groups with permissions; this module names them and answers who holds which."""

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


# The permissions each role's group holds ("app_label.codename"); the data migration and
# role_groups() create the groups from this table.
_READ = [
    "commitments.view_participant",
    "commitments.view_agreement",
    "commitments.view_guarantee",
    "commitments.view_commitment",
    "commitments.view_source",
    "commitments.view_statusupdate",
    "commitments.view_auditevent",
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
        "auth.view_group",
        "auth.change_group",
    ],
    Role.API_CLIENT: list(_READ),
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


def role_groups(roles: list[str]) -> list[Group]:
    """The groups of these roles, created with their permissions if missing (a database that
    was flushed after the migrations ran, as transactional tests do, has none)."""
    groups = {g.name: g for g in Group.objects.filter(name__in=roles)}
    for role in roles:
        if role not in groups:
            group = Group.objects.create(name=role)
            perms = [p.split(".") for p in ROLE_PERMISSIONS[role]]
            query = Q()
            for app_label, codename in perms:
                query |= Q(content_type__app_label=app_label, codename=codename)
            group.permissions.set(Permission.objects.filter(query))
            groups[role] = group
    return [groups[role] for role in roles]
