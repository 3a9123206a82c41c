"""/password/change/: a signed-in user changes their own password; audited, never shown."""

import pytest

from commitments.models import AuditEvent

pytestmark = pytest.mark.django_db

URL = "/password/change/"
OLD = "pass-word-123"  # tests.factories.UserFactory's
NEW = "a-much-longer-new-secret-42"


def change(client, old=OLD, new=NEW, again=None):
    return client.post(
        URL, {"old_password": old, "new_password1": new, "new_password2": again or new}
    )


def test_the_page_asks_a_visitor_to_sign_in(client):
    response = client.get(URL)

    assert response.status_code == 302
    assert response["Location"].startswith("/login/?next=/password/change/")


def test_the_form_labels_every_field_in_the_site_layout(client, analyst):
    client.force_login(analyst)

    body = client.get(URL).content.decode()

    for name in ("id_old_password", "id_new_password1", "id_new_password2"):
        assert f'<label for="{name}">' in body
    assert '<header class="site">' in body
    assert ">Change password</button>" in body


def test_a_user_changes_their_password_and_stays_signed_in(client, analyst):
    client.force_login(analyst)

    response = change(client)

    assert (response.status_code, response["Location"]) == (302, "/password/change/done/")
    analyst.refresh_from_db()
    assert analyst.check_password(NEW)
    assert "Password changed" in client.get("/password/change/done/").content.decode()


def test_the_change_is_in_the_audit_history_without_the_password(client, analyst):
    client.force_login(analyst)

    change(client)

    event = AuditEvent.objects.filter(action="user.changed").latest("sequence")
    assert event.after == {"password": "changed"}
    assert event.actor_name == analyst.username
    assert NEW not in str(event.after) + str(event.before)


def test_a_wrong_old_password_changes_nothing(client, analyst):
    client.force_login(analyst)
    events = AuditEvent.objects.count()

    response = change(client, old="not-it")

    assert response.status_code == 200
    assert "Your old password was entered incorrectly" in response.content.decode()
    analyst.refresh_from_db()
    assert analyst.check_password(OLD)
    assert AuditEvent.objects.count() == events


def test_a_weak_new_password_is_refused_with_the_validators_reason(client, analyst):
    client.force_login(analyst)

    response = change(client, new="12345678")

    assert response.status_code == 200
    assert "This password is entirely numeric." in response.content.decode()
    analyst.refresh_from_db()
    assert analyst.check_password(OLD)
