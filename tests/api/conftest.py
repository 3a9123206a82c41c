import pytest
from rest_framework.test import APIClient

from accounts.models import TokenScope
from accounts.services import api_token_issue


def bearer(user, scope=TokenScope.WRITE) -> APIClient:
    _, key = api_token_issue(user=user, scope=scope)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    return client


@pytest.fixture
def as_analyst(analyst):
    return bearer(analyst)


@pytest.fixture
def as_reviewer(reviewer):
    return bearer(reviewer)


@pytest.fixture
def as_reader(api_client_user):
    return bearer(api_client_user, TokenScope.READ)
