"""A token is issued only to oneself; an admin may revoke anyone's; both are audited with
the actor and the token's owner."""

import pytest
from django.core.management import call_command
from django.urls import reverse

from accounts.models import ApiToken
from accounts.roles import Role
from accounts.services import api_token_issue, api_token_revoke
from commitments import audit
from commitments.exceptions import NotAllowed
from commitments.models import AuditEvent
from tests.factories import UserFactory


@pytest.fixture
def admin_member(db):
    return UserFactory(username="adm-member", roles=[Role.ADMIN])


def test_the_admin_issues_a_token_to_the_signed_in_user_even_when_a_post_names_another(
    client, admin_member, reviewer
):
    client.force_login(admin_member)

    client.post(
        reverse("admin:accounts_apitoken_add"),
        {"user": reviewer.pk, "name": "sync", "scope": "write"},
    )

    assert list(ApiToken.objects.values_list("user__username", flat=True)) == ["adm-member"]


def test_the_token_service_refuses_a_person_issuing_a_token_for_someone_else(
    admin_member, reviewer
):
    with pytest.raises(NotAllowed):
        api_token_issue(user=reviewer, scope="write", actor=admin_member)

    assert not ApiToken.objects.exists()
    assert not AuditEvent.objects.exists()


def test_a_token_issued_by_the_operators_command_is_recorded_as_issued_by_the_system(
    reviewer, capsys
):
    call_command("create_api_token", reviewer.username)

    event = AuditEvent.objects.get(action=audit.TOKEN_ISSUED)
    assert (event.actor_id, event.actor_name, event.after["user"]) == (None, "system", "rev")


def test_a_revoke_event_names_the_tokens_owner_beside_the_actor(admin_member, reviewer):
    token, _ = api_token_issue(user=reviewer)

    api_token_revoke(token=token, actor=admin_member)

    event = AuditEvent.objects.get(action=audit.TOKEN_REVOKED)
    assert (event.actor, event.after["user"]) == (admin_member, "rev")
