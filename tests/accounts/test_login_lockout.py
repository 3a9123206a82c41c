"""The login lockout (django-axes, accounts.lockout): by address and by username."""

import io
import logging
from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.core.management import call_command
from django.urls import reverse

from accounts.models import TokenScope
from accounts.roles import Role
from tests.factories import UserFactory
from tests.helpers import bearer

pytestmark = pytest.mark.django_db

PASSWORD = "pass-word-123"  # tests.factories.UserFactory's
LIMIT = 3


@pytest.fixture(autouse=True)
def _low_limit(settings):
    settings.AXES_FAILURE_LIMIT = LIMIT
    settings.AXES_COOLOFF_TIME = timedelta(minutes=15)


@pytest.fixture
def maria():
    return UserFactory(username="maria", roles=[Role.ANALYST])


def log_in(client, username, password, *, address="203.0.113.7", url="/login/", **headers):
    return client.post(
        url, {"username": username, "password": password}, REMOTE_ADDR=address, **headers
    )


def fail(client, username, times, **kwargs):
    return [log_in(client, username, "wrong-guess", **kwargs).status_code for _ in range(times)]


def test_the_right_password_after_too_many_wrong_ones_gets_the_lockout_page(client, maria):
    fail(client, "maria", LIMIT)

    response = log_in(client, "maria", PASSWORD)

    assert response.status_code == 429
    assert "Too many failed logins" in response.text
    assert "Try again in 15 minutes" in response.text
    assert 14 * 60 < int(response["Retry-After"]) <= 15 * 60
    assert "_auth_user_id" not in client.session


def test_one_address_guessing_many_usernames_is_locked_out(client, maria):
    for name in ("ann", "bob", "cy"):
        fail(client, name, 1)

    assert log_in(client, "maria", PASSWORD).status_code == 429
    assert log_in(client, "maria", PASSWORD, address="198.51.100.9").status_code == 302


def test_one_username_guessed_from_many_addresses_is_locked_out(client, maria):
    for n in range(LIMIT):
        fail(client, "maria", 1, address=f"198.51.100.{n + 1}")

    assert log_in(client, "maria", PASSWORD, address="192.0.2.50").status_code == 429


def test_the_admin_login_is_locked_out_too(client, admin_user):
    fail(client, "adm", LIMIT, url="/admin/login/")

    response = log_in(client, "adm", PASSWORD, url="/admin/login/")

    assert response.status_code == 429
    assert "Too many failed logins" in response.text


def test_a_forwarded_for_header_does_not_escape_the_address_lockout(client, maria):
    for n in range(LIMIT):
        fail(client, f"guess{n}", 1, HTTP_X_FORWARDED_FOR=f"198.51.100.{n + 1}")

    response = log_in(client, "maria", PASSWORD, HTTP_X_FORWARDED_FOR="192.0.2.99")

    assert response.status_code == 429


def test_the_lockout_ends_after_the_cool_off(client, maria):
    fail(client, "maria", LIMIT)
    assert log_in(client, "maria", PASSWORD).status_code == 429

    AccessAttempt.objects.update(
        attempt_time=AccessAttempt.objects.get().attempt_time - timedelta(minutes=16)
    )

    assert log_in(client, "maria", PASSWORD).status_code == 302


def test_an_admin_unlocks_a_user_in_the_admin_and_the_user_can_then_sign_in(
    client, maria, admin_user
):
    fail(client, "maria", LIMIT)
    attempt = AccessAttempt.objects.get(username="maria")
    admin = UserFactory(username="root", roles=[Role.ADMIN])
    client.force_login(admin)

    response = client.post(
        reverse("admin:axes_accessattempt_delete", args=[attempt.pk]), {"post": "yes"}
    )
    client.logout()

    assert response.status_code == 302
    assert log_in(client, "maria", PASSWORD).status_code == 302


def test_the_reset_command_unlocks_a_username(client, maria):
    fail(client, "maria", LIMIT, address="198.51.100.1")

    call_command("axes_reset_username", "maria", stdout=io.StringIO())

    assert log_in(client, "maria", PASSWORD, address="192.0.2.1").status_code == 302


def test_failed_logins_and_the_lockout_are_logged_with_username_and_address(client, maria, caplog):
    with caplog.at_level(logging.INFO, logger="axes"):
        fail(client, "maria", LIMIT)

    failures = [r.getMessage() for r in caplog.records if "login failure by" in r.getMessage()]
    assert len(failures) == LIMIT
    assert 'username: "maria"' in failures[0] and 'ip_address: "203.0.113.7"' in failures[0]
    assert any("Locking out" in r.getMessage() for r in caplog.records)


def test_a_token_keeps_working_from_an_address_locked_out_of_the_login(client, maria):
    fail(client, "maria", LIMIT)
    assert log_in(client, "maria", PASSWORD).status_code == 429
    api = bearer(maria, TokenScope.READ)

    response = api.get("/api/v1/participants/", REMOTE_ADDR="203.0.113.7")

    assert response.status_code == 200
