"""create_user validates as the admin's forms do (accounts.forms); so do the admin and the
database for usernames that differ only in case."""

import io

import pytest
from django.core.management import CommandError, call_command
from django.db import IntegrityError
from django.urls import reverse

from accounts.models import User
from commitments.models import AuditEvent
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def create_user(*args) -> str:
    out = io.StringIO()
    call_command("create_user", *args, stdout=out)
    return out.getvalue()


def refusal(*args) -> CommandError:
    with pytest.raises(CommandError) as caught:
        create_user(*args)
    assert not AuditEvent.objects.exists()
    return caught.value


@pytest.mark.parametrize("password", ["1", "password", "maria-lopez"])
def test_a_password_the_configured_validators_refuse_creates_nobody(password):
    error = refusal("maria-lopez", "--role", "analyst", "--password", password)

    assert "password:" in str(error)
    assert not User.objects.exists()


def test_a_username_with_characters_other_than_letters_digits_and_at_dot_plus_dash_is_refused():
    error = refusal("<script>", "--role", "analyst", "--password", "s3cret-pass!")

    assert "username: Enter a valid username" in str(error)
    assert not User.objects.exists()


def test_a_username_differing_only_in_case_from_an_existing_one_is_refused():
    UserFactory(username="admin")

    error = refusal("ADMIN", "--role", "admin", "--password", "s3cret-pass!")

    assert "username: A user with that username already exists." in str(error)
    assert list(User.objects.values_list("username", flat=True)) == ["admin"]


def test_an_invalid_email_address_is_refused():
    error = refusal("maria", "--role", "analyst", "--email", "maria@", "--password", "s3cret-pass!")

    assert "email: Enter a valid email address." in str(error)
    assert not User.objects.exists()


def test_a_200_character_username_is_refused_with_a_clear_error():
    error = refusal("a" * 200, "--role", "analyst", "--password", "s3cret-pass!")

    assert "username: Ensure this value has at most 150 characters" in str(error)
    assert not User.objects.exists()


def test_the_command_lists_every_error_and_exits_with_status_1():
    error = refusal("<b>", "--role", "analyst", "--email", "nope", "--password", "1")

    lines = str(error).splitlines()
    assert lines[0] == "No user was created:"
    assert {line.split(":")[0].strip() for line in lines[1:]} == {"username", "email", "password"}
    assert error.returncode == 1


def test_the_database_refuses_a_username_differing_only_in_case():
    UserFactory(username="admin")

    with pytest.raises(IntegrityError, match="user_username_unique_ignoring_case"):
        User.objects.create(username="Admin")


def test_the_admin_refuses_to_rename_a_user_to_another_users_name_in_other_case(client, admin_user):
    UserFactory(username="reviewer1")
    user = UserFactory(username="bob")
    client.force_login(admin_user)
    url = reverse("admin:accounts_user_change", args=[user.pk])
    data = {
        "username": "Reviewer1",
        "email": user.email,
        "is_active": "on",
        "date_joined_0": "2026-01-01",
        "date_joined_1": "00:00:00",
    }

    response = client.post(url, data)

    assert response.status_code == 200
    assert "A user with that username already exists." in response.text
    user.refresh_from_db()
    assert user.username == "bob"
