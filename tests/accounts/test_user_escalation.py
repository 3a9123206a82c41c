"""Only superusers set staff, superuser and raw permissions; nobody changes their own roles;
is_staff follows the admin role."""

import pytest
from django.contrib.auth.models import Group, Permission
from django.urls import reverse

from accounts.models import User
from accounts.roles import Role, role_names
from accounts.services import user_save, user_set_roles
from commitments.exceptions import NotAllowed
from commitments.models import AuditEvent
from tests.factories import UserFactory


@pytest.fixture
def admin_member(db):
    return UserFactory(username="adm-member", roles=[Role.ADMIN])


def change_url(user: User) -> str:
    return reverse("admin:accounts_user_change", args=[user.pk])


def user_form(user: User, **fields) -> dict:
    """The change form as the admin draws it, with `fields` on top."""
    return {
        "username": user.username,
        "email": user.email,
        "is_active": "on",
        "date_joined_0": "2024-03-15",
        "date_joined_1": "09:00:00",
        **fields,
    }


def role_ids(*roles: str) -> list[int]:
    return list(Group.objects.filter(name__in=roles).values_list("pk", flat=True))


def test_an_admin_who_is_not_a_superuser_cannot_make_themselves_superuser_by_a_crafted_post(
    client, admin_member
):
    client.force_login(admin_member)

    client.post(
        change_url(admin_member),
        user_form(admin_member, is_staff="on", is_superuser="on", groups=role_ids(Role.ADMIN)),
    )

    admin_member.refresh_from_db()
    assert not admin_member.is_superuser


def test_an_admin_who_is_not_a_superuser_cannot_grant_raw_permissions_by_a_crafted_post(
    client, admin_member
):
    other = UserFactory(username="ana", roles=[Role.ANALYST])
    permission = Permission.objects.get(codename="delete_auditevent")
    client.force_login(admin_member)

    client.post(
        change_url(other),
        user_form(other, groups=role_ids(Role.ANALYST), user_permissions=[permission.pk]),
    )

    assert not other.user_permissions.exists()


def test_the_user_service_refuses_superuser_status_set_by_a_non_superuser(admin_member):
    other = UserFactory(username="ana")
    other.is_superuser = True

    with pytest.raises(NotAllowed):
        user_save(user=other, actor=admin_member)

    other.refresh_from_db()
    assert not other.is_superuser
    assert not AuditEvent.objects.exists()


def test_nobody_changes_their_own_roles_in_the_admin_even_by_a_crafted_post(client, admin_member):
    client.force_login(admin_member)

    client.post(change_url(admin_member), user_form(admin_member, groups=role_ids(*Role.values)))

    assert role_names(User.objects.get(pk=admin_member.pk)) == {Role.ADMIN}


def test_the_roles_service_refuses_a_change_of_ones_own_roles(admin_member):
    with pytest.raises(NotAllowed):
        user_set_roles(user=admin_member, roles=[Role.ADMIN, Role.REVIEWER], actor=admin_member)

    assert role_names(User.objects.get(pk=admin_member.pk)) == {Role.ADMIN}
    assert not AuditEvent.objects.exists()


def test_removing_the_admin_role_also_removes_staff_status(admin_member):
    boss = UserFactory(username="boss", is_superuser=True, is_staff=True)

    user_set_roles(user=admin_member, roles=[Role.ANALYST], actor=boss)

    admin_member.refresh_from_db()
    assert not admin_member.is_staff


def test_removing_the_admin_role_in_the_admin_also_removes_staff_status(client, admin_member):
    boss = UserFactory(username="boss", roles=[Role.ADMIN])
    client.force_login(boss)

    # The form as drawn, with the staff box still ticked.
    client.post(
        change_url(admin_member),
        user_form(admin_member, is_staff="on", groups=role_ids(Role.ANALYST)),
    )

    admin_member.refresh_from_db()
    assert not admin_member.is_staff


def test_an_admin_who_is_not_a_superuser_cannot_set_a_superusers_password(client, admin_member):
    root = UserFactory(username="root", is_superuser=True, is_staff=True)
    client.force_login(admin_member)

    response = client.post(
        reverse("admin:auth_user_password_change", args=[root.pk]),
        {"usable_password": "true", "password1": "Taken-over-2024", "password2": "Taken-over-2024"},
    )

    assert response.status_code == 403
    root.refresh_from_db()
    assert not root.check_password("Taken-over-2024")


def test_an_admin_who_is_not_a_superuser_cannot_set_a_reviewers_password(client, admin_member):
    reviewer = UserFactory(username="rev-2", roles=[Role.REVIEWER])
    client.force_login(admin_member)

    response = client.post(
        reverse("admin:auth_user_password_change", args=[reviewer.pk]),
        {"usable_password": "true", "password1": "Taken-over-2024", "password2": "Taken-over-2024"},
    )

    assert response.status_code == 403
    reviewer.refresh_from_db()
    assert not reviewer.check_password("Taken-over-2024")


def test_the_user_service_refuses_another_persons_password_set_by_a_non_superuser(admin_member):
    reviewer = UserFactory(username="rev-3", roles=[Role.REVIEWER])
    reviewer.set_password("Taken-over-2024")

    with pytest.raises(NotAllowed, match=r"Only a superuser sets another person's password\."):
        user_save(user=reviewer, actor=admin_member, password_changed=True)


def test_a_superuser_sets_a_reviewers_password(db, client):
    root = UserFactory(username="root-2", is_superuser=True, is_staff=True)
    reviewer = UserFactory(username="rev-4", roles=[Role.REVIEWER])
    client.force_login(root)

    client.post(
        reverse("admin:auth_user_password_change", args=[reviewer.pk]),
        {
            "usable_password": "true",
            "password1": "Reset-by-root-2024",
            "password2": "Reset-by-root-2024",
        },
    )

    reviewer.refresh_from_db()
    assert reviewer.check_password("Reset-by-root-2024")
