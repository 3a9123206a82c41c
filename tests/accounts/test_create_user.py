import io

import pytest
from django.core.management import CommandError, call_command

from accounts.models import User
from accounts.roles import Role, has_role
from commitments.models import AuditEvent

pytestmark = pytest.mark.django_db


def create_user(*args) -> str:
    out = io.StringIO()
    call_command("create_user", *args, stdout=out)
    return out.getvalue()


def test_create_user_gives_every_role_asked_for():
    create_user("maria", "--role", "analyst", "--role", "reviewer", "--password", "s3cret-pass!")

    user = User.objects.get(username="maria")
    assert has_role(user, Role.ANALYST) and has_role(user, Role.REVIEWER)
    assert not has_role(user, Role.ADMIN)
    assert user.check_password("s3cret-pass!")
    assert AuditEvent.objects.get().action == "user.created"


def test_create_user_without_a_password_generates_and_prints_one():
    output = create_user("tom", "--role", "analyst")

    password = output.strip().splitlines()[-1].removeprefix("Password: ")
    assert len(password) >= 12
    assert User.objects.get(username="tom").check_password(password)


def test_the_admin_role_opens_the_django_admin():
    create_user("ada", "--role", "admin", "--password", "x-very-long-pass")

    assert User.objects.get(username="ada").is_staff


def test_an_unknown_role_is_refused_and_creates_nobody():
    with pytest.raises(CommandError, match="Unknown role editor"):
        create_user("eve", "--role", "analyst", "--role", "editor")

    assert not User.objects.filter(username="eve").exists()
    assert not AuditEvent.objects.exists()


def test_an_existing_username_is_refused():
    create_user("sam", "--role", "analyst")

    with pytest.raises(CommandError, match="already exists"):
        create_user("sam", "--role", "reviewer")


def test_every_role_is_a_group_created_by_the_migrations():
    from django.contrib.auth.models import Group

    assert set(Group.objects.values_list("name", flat=True)) >= set(Role.values)
    assert (
        Group.objects.get(name=Role.ANALYST)
        .permissions.filter(codename="add_statusupdate")
        .exists()
    )


def test_a_user_who_wrote_updates_cannot_be_deleted_and_nothing_changes():
    from accounts.services import user_delete
    from commitments.exceptions import ValidationFailed
    from tests.factories import StatusUpdateFactory

    update = StatusUpdateFactory()

    with pytest.raises(ValidationFailed, match="deactivate the account instead"):
        user_delete(user=update.proposed_by, actor=None)

    assert User.objects.filter(pk=update.proposed_by_id).exists()
    assert not AuditEvent.objects.exists()


def test_roles_are_given_even_when_the_role_groups_were_flushed():
    from django.contrib.auth.models import Group

    Group.objects.all().delete()

    create_user("nina", "--role", "reviewer")

    user = User.objects.get(username="nina")
    assert has_role(user, Role.REVIEWER)
    assert (
        Group.objects.get(name="reviewer")
        .permissions.filter(codename="change_statusupdate")
        .exists()
    )
