"""What the audit history and the sources show to whom."""

import datetime

import pytest

from accounts.roles import Role
from commitments.services import update_create, webhook_endpoint_create
from tests.factories import CommitmentFactory, UserFactory
from tests.helpers import bearer

pytestmark = pytest.mark.django_db


def draft_by(author):
    return update_create(
        commitment=CommitmentFactory(),
        author=author,
        proposed_status="in_parliament",
        effective_date=datetime.date(2024, 5, 2),
        summary="Secret until submitted.",
        sources=[{"url": "https://news.example.org/draft-source"}],
        draft=True,
    )


def actions(api) -> list[str]:
    return [event["action"] for event in api.get("/api/v1/audit-events/").json()["results"]]


def test_nobody_reads_another_users_draft_in_the_audit_history_or_the_sources(analyst):
    draft_by(analyst)
    other = bearer(UserFactory(roles=[Role.REVIEWER]))

    assert "update.created" not in actions(other)
    assert other.get("/api/v1/sources/").json()["results"] == []


def test_the_author_reads_their_own_draft_everywhere(analyst):
    draft_by(analyst)
    author = bearer(analyst)

    assert "update.created" in actions(author)
    sources = author.get("/api/v1/sources/").json()["results"]
    assert [s["url"] for s in sources] == ["https://news.example.org/draft-source"]


def test_webhook_urls_tokens_and_accounts_stay_out_of_a_non_admins_audit_history(analyst, settings):
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = True
    webhook_endpoint_create(owner=analyst, url="http://127.0.0.1:9/hook?token=s3cret")
    reader = bearer(UserFactory(roles=[Role.API_CLIENT]), scope="read")

    seen = actions(reader)

    assert not [a for a in seen if a.split(".")[0] in ("webhook", "token", "user")]


def test_an_admin_reads_the_private_actions_but_not_another_users_draft(analyst, settings):
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = True
    webhook_endpoint_create(owner=analyst, url="http://127.0.0.1:9/hook")
    draft_by(analyst)
    admin = bearer(UserFactory(roles=[Role.ADMIN]))

    seen = actions(admin)

    assert {"webhook.created", "token.issued"} <= set(seen)
    assert "update.created" not in seen
