"""A revoked token is refused at once, whichever cache the processes have
(accounts.authentication.token_cache_seconds)."""

import pytest
from django.conf import settings as django_settings
from django.core.cache import cache
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import ApiToken
from accounts.services import api_token_hash, api_token_issue, api_token_revoke

pytestmark = pytest.mark.django_db

URL = "/api/v1/participants/"
PER_PROCESS = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}


def client_for(key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    return client


def test_with_a_per_process_cache_a_token_revoked_by_another_process_is_refused_at_once(
    settings, api_client_user
):
    settings.CACHES = PER_PROCESS
    token, key = api_token_issue(user=api_client_user)
    client = client_for(key)
    assert client.get(URL).status_code == 200

    # Another process revokes it: its cache.delete() never reaches this process's memory.
    ApiToken.objects.filter(pk=token.pk).update(revoked_at=timezone.now())

    assert client.get(URL).status_code == 401


@pytest.mark.skipif(not django_settings.REDIS_URL, reason="needs a shared cache: set REDIS_URL")
def test_with_a_shared_cache_revoking_deletes_the_cached_token(api_client_user):
    token, key = api_token_issue(user=api_client_user)
    client = client_for(key)
    assert client.get(URL).status_code == 200
    assert cache.get(ApiToken.cache_key_for(api_token_hash(key))) is not None

    api_token_revoke(token=token, actor=None)

    assert cache.get(ApiToken.cache_key_for(api_token_hash(key))) is None
    assert client.get(URL).status_code == 401
