import datetime
import hashlib
import io

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import ApiToken
from accounts.services import (
    api_token_issue,
    api_token_revoke,
    user_delete,
    user_save,
    user_set_roles,
)
from commitments.models import AuditEvent
from tests.commitments.api.test_api_basics import new_update
from tests.factories import CommitmentFactory

pytestmark = pytest.mark.django_db


def issue_by_command(*args) -> str:
    out = io.StringIO()
    call_command("create_api_token", *args, stdout=out)
    return out.getvalue().strip().splitlines()[-1]


def get(key: str):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    return client.get("/api/v1/participants/")


def test_create_api_token_prints_the_token_alone_on_its_last_line(api_client_user):
    key = issue_by_command("bot")

    assert key.startswith("ct_") and " " not in key
    assert get(key).status_code == 200


def test_only_a_hash_of_the_token_is_stored(api_client_user):
    key = issue_by_command("bot", "--scope", "write")

    token = ApiToken.objects.get()
    assert token.key_hash == hashlib.sha256(key.encode()).hexdigest()
    assert key not in {token.prefix, token.key_hash, token.name}
    assert token.scope == "write"
    assert AuditEvent.objects.filter(action="token.issued").exists()


def test_a_token_with_an_expiry_stops_working_after_it(api_client_user):
    token, key = api_token_issue(user=api_client_user, expires_days=1)
    ApiToken.objects.filter(pk=token.pk).update(
        expires_at=timezone.now() - datetime.timedelta(seconds=1)
    )

    response = get(key)

    assert response.status_code == 401
    assert response.json()["detail"] == "The token has expired."


def test_create_api_token_sets_the_expiry(api_client_user):
    issue_by_command("bot", "--expires-days", "30")

    expires = ApiToken.objects.get().expires_at
    assert expires - timezone.now() > datetime.timedelta(days=29)


def test_a_revoked_token_stops_working_at_once(api_client_user):
    token, key = api_token_issue(user=api_client_user)
    assert get(key).status_code == 200

    api_token_revoke(token=token, actor=None)

    assert get(key).status_code == 401
    assert AuditEvent.objects.filter(action="token.revoked").count() == 1


def test_using_a_token_records_when_it_was_last_used(api_client_user):
    token, key = api_token_issue(user=api_client_user)

    get(key)

    token.refresh_from_db()
    assert token.last_used_at is not None


def test_an_unknown_token_is_401(db):
    assert get("ct_not-a-token").status_code == 401


def test_create_api_token_for_an_unknown_user_is_refused(db):
    with pytest.raises(CommandError, match="No user named ghost"):
        issue_by_command("ghost")

    assert not ApiToken.objects.exists()


def test_a_token_acts_with_its_users_roles(analyst):
    _, key = api_token_issue(user=analyst, scope="write")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")

    response = client.post("/api/v1/status-updates/", {"commitment": 1}, format="json")

    assert response.status_code == 400  # passed authentication and scope; the body is wrong


def test_a_role_taken_away_applies_to_the_tokens_next_request(analyst):
    _, key = api_token_issue(user=analyst, scope="write")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    commitment = CommitmentFactory()
    draft = new_update(commitment, draft=True)
    assert client.post("/api/v1/status-updates/", draft, format="json").status_code == 201

    user_set_roles(user=analyst, roles=[], actor=None)

    assert client.post("/api/v1/status-updates/", draft, format="json").status_code == 403


def test_a_deactivated_users_token_is_refused_at_once(api_client_user):
    _, key = api_token_issue(user=api_client_user)
    assert get(key).status_code == 200  # the token is cached from here on

    api_client_user.is_active = False
    user_save(user=api_client_user, actor=None)

    assert get(key).status_code == 401


def test_a_deleted_users_token_is_refused_at_once(api_client_user):
    _, key = api_token_issue(user=api_client_user)
    assert get(key).status_code == 200

    user_delete(user=api_client_user, actor=None)

    assert get(key).status_code == 401
