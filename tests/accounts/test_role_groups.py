"""Role groups are defined by the code: fixed names, audited permission changes."""

import pytest
from django.contrib.auth.models import Group, Permission
from django.core.cache import cache
from django.urls import reverse

from accounts.models import ApiToken
from accounts.roles import Role
from accounts.services import api_token_issue, role_permissions_set
from commitments import audit
from commitments.exceptions import ValidationFailed
from commitments.models import AuditEvent
from tests.factories import UserFactory


def group_url(group: Group, view: str = "change") -> str:
    return reverse(f"admin:auth_group_{view}", args=[group.pk])


def codenames(group: Group) -> list[str]:
    return sorted(f"{p.content_type.app_label}.{p.codename}" for p in group.permissions.all())


@pytest.fixture
def admin_member(db):
    return UserFactory(username="adm-member", roles=[Role.ADMIN])


def test_a_role_groups_name_cannot_be_changed_in_the_admin(client, admin_member):
    reviewer = Group.objects.get(name=Role.REVIEWER)
    permissions = list(reviewer.permissions.values_list("pk", flat=True))
    client.force_login(admin_member)

    client.post(group_url(reviewer), {"name": "auditor", "permissions": permissions})

    reviewer.refresh_from_db()
    assert reviewer.name == Role.REVIEWER


def test_a_role_group_cannot_be_deleted_in_the_admin_even_by_a_superuser(db, client):
    reviewer = Group.objects.get(name=Role.REVIEWER)
    client.force_login(UserFactory(username="root", is_superuser=True, is_staff=True))

    response = client.post(group_url(reviewer, "delete"), {"post": "yes"})

    assert response.status_code == 403
    assert Group.objects.filter(name=Role.REVIEWER).exists()


def test_changing_a_roles_permissions_in_the_admin_is_audited_with_codenames_before_and_after(
    client, admin_member
):
    reviewer = Group.objects.get(name=Role.REVIEWER)
    before = codenames(reviewer)
    extra = Permission.objects.get(codename="view_notification")
    client.force_login(admin_member)

    client.post(
        group_url(reviewer),
        {"permissions": [*reviewer.permissions.values_list("pk", flat=True), extra.pk]},
    )

    event = AuditEvent.objects.get(action=audit.ROLE_PERMISSIONS_CHANGED)
    assert event.actor == admin_member
    assert event.before == {"role": "reviewer", "permissions": before}
    assert event.after == {
        "role": "reviewer",
        "permissions": sorted([*before, "commitments.view_notification"]),
    }


def test_changing_a_roles_permissions_in_the_admin_forgets_its_members_cached_tokens(
    client, admin_member
):
    member = UserFactory(roles=[Role.REVIEWER])
    token, _ = api_token_issue(user=member)
    cache_key = ApiToken.cache_key_for(token.key_hash)
    cache.set(cache_key, token, 30)
    reviewer = Group.objects.get(name=Role.REVIEWER)
    extra = Permission.objects.get(codename="view_notification")
    client.force_login(admin_member)

    client.post(
        group_url(reviewer),
        {"permissions": [*reviewer.permissions.values_list("pk", flat=True), extra.pk]},
    )

    assert cache.get(cache_key) is None


def test_the_role_permissions_service_refuses_a_group_that_is_not_a_role(admin_member):
    group = Group.objects.create(name="friends")

    with pytest.raises(ValidationFailed):
        role_permissions_set(group=group, permissions=[], actor=admin_member)

    assert not AuditEvent.objects.exists()
