"""Every role x every operation of the schema: the expected status, and no unexpected allow.

A new operation in the schema that is missing here fails test_the_matrix_covers_the_schema.
"""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from accounts.roles import Role
from commitments.choices import CommitmentStatus, UpdateState
from commitments.models import AuditEvent
from commitments.services import (
    audit_checkpoint_create,
    participant_save,
    update_create,
    webhook_endpoint_create,
)
from tests.commitments.import_files import csv_bytes, row
from tests.factories import (
    CommitmentFactory,
    NotificationFactory,
    ParticipantFactory,
    StatusUpdateFactory,
    SubscriptionFactory,
    UserFactory,
)
from tests.helpers import bearer

ROLES = ["anonymous", "api_client", "analyst", "reviewer", "admin"]


def client_for(role: str) -> tuple[APIClient, object]:
    if role == "anonymous":
        return APIClient(), None
    user = UserFactory(roles=[role])
    scope = "read" if role == Role.API_CLIENT else "write"
    return bearer(user, scope=scope), user


def others_update(state=UpdateState.SUBMITTED):
    return StatusUpdateFactory(state=state)


def new_update_body():
    commitment = CommitmentFactory()
    return {
        "commitment": commitment.pk,
        "proposed_status": "in_parliament",
        "effective_date": "2024-05-02",
        "summary": "Tabled.",
        "sources": [{"url": "https://news.example.org/x"}],
    }


def import_body():
    """A one-row CSV (a dry run) for a fresh commitment."""
    commitment = CommitmentFactory()
    content = csv_bytes(
        [row(commitment.participant.code, commitment.guarantee.slug, "in_parliament")]
    )
    return {"file": SimpleUploadedFile("updates.csv", content), "dry_run": "true"}


def any_commitment():
    return CommitmentFactory()


def any_event_sequence() -> int:
    participant_save(participant=ParticipantFactory.build(), actor=None)
    return AuditEvent.objects.latest("sequence").sequence


READ = {"anonymous": 401, "api_client": 200, "analyst": 200, "reviewer": 200, "admin": 200}


# (method, schema path) -> (concrete path builder, request body builder, expected by role)
MATRIX = {
    ("get", "/api/v1/participants/"): (lambda: "/api/v1/participants/", None, READ),
    ("get", "/api/v1/participants/{id}/"): (
        lambda: f"/api/v1/participants/{CommitmentFactory().participant_id}/",
        None,
        READ,
    ),
    ("get", "/api/v1/agreements/"): (lambda: "/api/v1/agreements/", None, READ),
    ("get", "/api/v1/agreements/{id}/"): (
        lambda: f"/api/v1/agreements/{CommitmentFactory().guarantee.agreement_id}/",
        None,
        READ,
    ),
    ("get", "/api/v1/guarantees/"): (lambda: "/api/v1/guarantees/", None, READ),
    ("get", "/api/v1/guarantees/{id}/"): (
        lambda: f"/api/v1/guarantees/{CommitmentFactory().guarantee_id}/",
        None,
        READ,
    ),
    ("get", "/api/v1/sources/"): (lambda: "/api/v1/sources/", None, READ),
    ("get", "/api/v1/sources/{id}/"): (
        lambda: f"/api/v1/sources/{others_update().sources.get().pk}/",
        None,
        READ,
    ),
    ("get", "/api/v1/commitments/"): (lambda: "/api/v1/commitments/", None, READ),
    ("get", "/api/v1/commitments/{id}/"): (
        lambda: f"/api/v1/commitments/{any_commitment().pk}/",
        None,
        READ,
    ),
    ("get", "/api/v1/commitments/{id}/history/"): (
        lambda: f"/api/v1/commitments/{any_commitment().pk}/history/",
        None,
        READ,
    ),
    ("get", "/api/v1/audit-events/"): (lambda: "/api/v1/audit-events/", None, READ),
    ("get", "/api/v1/audit-events/{sequence}/"): (
        lambda: f"/api/v1/audit-events/{any_event_sequence()}/",
        None,
        READ,
    ),
    ("get", "/api/v1/changes/"): (lambda: "/api/v1/changes/", None, READ),
    ("get", "/api/v1/status-updates/"): (lambda: "/api/v1/status-updates/", None, READ),
    ("get", "/api/v1/status-updates/{id}/"): (
        lambda: f"/api/v1/status-updates/{others_update().pk}/",
        None,
        READ,
    ),
    ("post", "/api/v1/status-updates/"): (
        lambda: "/api/v1/status-updates/",
        new_update_body,
        {"anonymous": 401, "api_client": 403, "analyst": 201, "reviewer": 403, "admin": 403},
    ),
    ("post", "/api/v1/status-updates/import/"): (
        lambda: "/api/v1/status-updates/import/",
        import_body,
        {"anonymous": 401, "api_client": 403, "analyst": 200, "reviewer": 403, "admin": 403},
    ),
    # Someone else's draft is not even visible.
    ("post", "/api/v1/status-updates/{id}/submit/"): (
        lambda: f"/api/v1/status-updates/{others_update(UpdateState.DRAFT).pk}/submit/",
        dict,
        {"anonymous": 401, "api_client": 403, "analyst": 404, "reviewer": 404, "admin": 404},
    ),
    # Someone else's submitted update: visible, but only its author edits or deletes drafts.
    ("patch", "/api/v1/status-updates/{id}/"): (
        lambda: f"/api/v1/status-updates/{others_update().pk}/",
        lambda: {"summary": "Rewritten."},
        {"anonymous": 401, "api_client": 403, "analyst": 403, "reviewer": 403, "admin": 403},
    ),
    ("delete", "/api/v1/status-updates/{id}/"): (
        lambda: f"/api/v1/status-updates/{others_update().pk}/",
        None,
        {"anonymous": 401, "api_client": 403, "analyst": 403, "reviewer": 403, "admin": 403},
    ),
    ("post", "/api/v1/status-updates/{id}/withdraw/"): (
        lambda: f"/api/v1/status-updates/{others_update().pk}/withdraw/",
        dict,
        {"anonymous": 401, "api_client": 403, "analyst": 403, "reviewer": 403, "admin": 403},
    ),
    ("post", "/api/v1/status-updates/{id}/approve/"): (
        lambda: f"/api/v1/status-updates/{others_update().pk}/approve/",
        dict,
        {"anonymous": 401, "api_client": 403, "analyst": 403, "reviewer": 200, "admin": 403},
    ),
    ("post", "/api/v1/status-updates/{id}/reject/"): (
        lambda: f"/api/v1/status-updates/{others_update().pk}/reject/",
        lambda: {"comment": "The source does not say so."},
        {"anonymous": 401, "api_client": 403, "analyst": 403, "reviewer": 200, "admin": 403},
    ),
}


def own_endpoint(user) -> int:
    endpoint, _ = webhook_endpoint_create(owner=user, url="http://127.0.0.1:9/hook")
    return endpoint.pk


def others_endpoint() -> int:
    return own_endpoint(UserFactory(roles=[Role.API_CLIENT]))


# Webhook endpoints: everyone manages their own; admins see everyone's.
WEBHOOKS = {
    ("get", "/api/v1/webhooks/"): (lambda: "/api/v1/webhooks/", None, READ),
    ("get", "/api/v1/webhooks/{id}/"): (
        lambda: f"/api/v1/webhooks/{others_endpoint()}/",
        None,
        {"anonymous": 401, "api_client": 404, "analyst": 404, "reviewer": 404, "admin": 200},
    ),
    ("post", "/api/v1/webhooks/"): (
        lambda: "/api/v1/webhooks/",
        lambda: {"url": "http://127.0.0.1:9/hook"},
        {"anonymous": 401, "api_client": 403, "analyst": 201, "reviewer": 201, "admin": 201},
    ),
    ("patch", "/api/v1/webhooks/{id}/"): (
        lambda: f"/api/v1/webhooks/{others_endpoint()}/",
        lambda: {"is_active": False},
        {"anonymous": 401, "api_client": 403, "analyst": 404, "reviewer": 404, "admin": 200},
    ),
    ("delete", "/api/v1/webhooks/{id}/"): (
        lambda: f"/api/v1/webhooks/{others_endpoint()}/",
        None,
        {"anonymous": 401, "api_client": 403, "analyst": 404, "reviewer": 404, "admin": 204},
    ),
    ("post", "/api/v1/webhooks/{id}/rotate-secret/"): (
        lambda: f"/api/v1/webhooks/{others_endpoint()}/rotate-secret/",
        dict,
        {"anonymous": 401, "api_client": 403, "analyst": 404, "reviewer": 404, "admin": 200},
    ),
}
MATRIX.update(WEBHOOKS)


def latest_checkpoint_path() -> str:
    audit_checkpoint_create()
    return "/api/v1/audit/checkpoints/latest/"


# Checkpoints of the audit chain: read as the audit events are; signed on demand by admins;
# the public key that checks them is public.
CHECKPOINTS = {
    ("get", "/api/v1/audit/checkpoints/"): (lambda: "/api/v1/audit/checkpoints/", None, READ),
    ("get", "/api/v1/audit/checkpoints/latest/"): (latest_checkpoint_path, None, READ),
    ("post", "/api/v1/audit/checkpoints/"): (
        lambda: "/api/v1/audit/checkpoints/",
        dict,
        {"anonymous": 401, "api_client": 403, "analyst": 403, "reviewer": 403, "admin": 201},
    ),
    ("get", "/api/v1/audit/public-key/"): (
        lambda: "/api/v1/audit/public-key/",
        None,
        {"anonymous": 200, "api_client": 200, "analyst": 200, "reviewer": 200, "admin": 200},
    ),
}
MATRIX.update(CHECKPOINTS)


def others_subscription() -> int:
    return SubscriptionFactory().pk


# Subscriptions: everyone manages their own, admins included; anyone else's is a 404.
SUBSCRIPTIONS = {
    ("get", "/api/v1/subscriptions/"): (lambda: "/api/v1/subscriptions/", None, READ),
    ("get", "/api/v1/subscriptions/{id}/"): (
        lambda: f"/api/v1/subscriptions/{others_subscription()}/",
        None,
        {"anonymous": 401, "api_client": 404, "analyst": 404, "reviewer": 404, "admin": 404},
    ),
    ("post", "/api/v1/subscriptions/"): (
        lambda: "/api/v1/subscriptions/",
        lambda: {"channel": "in_app"},
        {"anonymous": 401, "api_client": 403, "analyst": 201, "reviewer": 201, "admin": 201},
    ),
    ("delete", "/api/v1/subscriptions/{id}/"): (
        lambda: f"/api/v1/subscriptions/{others_subscription()}/",
        None,
        {"anonymous": 401, "api_client": 403, "analyst": 404, "reviewer": 404, "admin": 404},
    ),
}
MATRIX.update(SUBSCRIPTIONS)


def others_notification() -> int:
    return NotificationFactory().pk


# The inbox: everyone reads and marks their own (tests/commitments/api/test_notifications_api.py);
# another user's notification is not even visible, an admin's view included.
NOT_VISIBLE = {"anonymous": 401, "api_client": 404, "analyst": 404, "reviewer": 404, "admin": 404}
NOTIFICATIONS = {
    ("get", "/api/v1/notifications/"): (lambda: "/api/v1/notifications/", None, READ),
    ("get", "/api/v1/notifications/{id}/"): (
        lambda: f"/api/v1/notifications/{others_notification()}/",
        None,
        NOT_VISIBLE,
    ),
    ("post", "/api/v1/notifications/{id}/read/"): (
        lambda: f"/api/v1/notifications/{others_notification()}/read/",
        dict,
        {**NOT_VISIBLE, "api_client": 403},
    ),
    ("post", "/api/v1/notifications/read-all/"): (
        lambda: "/api/v1/notifications/read-all/",
        dict,
        {"anonymous": 401, "api_client": 403, "analyst": 200, "reviewer": 200, "admin": 200},
    ),
}
MATRIX.update(NOTIFICATIONS)

# The author's own steps, beyond the matrix of acting on others' updates.
OWN = {
    "submit": ("post", UpdateState.DRAFT, 200),
    "withdraw": ("post", UpdateState.SUBMITTED, 200),
    "edit": ("patch", UpdateState.DRAFT, 200),
    "delete": ("delete", UpdateState.DRAFT, 204),
}


def schema_operations(client) -> set[tuple[str, str]]:
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/json").json()
    return {
        (method, path)
        for path, item in schema["paths"].items()
        for method in item
        if method in ("get", "post", "put", "patch", "delete")
    }


@pytest.mark.django_db
def test_the_matrix_covers_the_schema(client):
    assert schema_operations(client) == set(MATRIX)


CASES = [(op, role) for op in MATRIX for role in ROLES]


@pytest.fixture(autouse=True)
def _loopback_webhooks_allowed(settings):
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = True


@pytest.mark.django_db
@pytest.mark.parametrize(("operation", "role"), CASES, ids=[f"{o[0]} {o[1]} {r}" for o, r in CASES])
def test_each_role_gets_the_expected_status(operation, role):
    method, _ = operation
    make_path, make_body, expected = MATRIX[operation]
    api, _user = client_for(role)
    path = make_path()
    body = make_body() if make_body else None

    response = (
        getattr(api, method)(path, body, format="multipart" if "file" in body else "json")
        if body is not None
        else (getattr(api, method)(path))
    )

    assert response.status_code == expected[role], response.content[:300]


@pytest.mark.django_db
@pytest.mark.parametrize("step", OWN)
def test_an_analyst_may_take_their_own_steps(step):
    method, state, expected = OWN[step]
    api, analyst = client_for(Role.ANALYST)
    update = update_create(
        commitment=CommitmentFactory(),
        author=analyst,
        proposed_status=CommitmentStatus.IN_PARLIAMENT,
        effective_date=datetime.date(2024, 5, 2),
        summary="Tabled.",
        sources=[{"url": "https://news.example.org/x"}],
        draft=state == UpdateState.DRAFT,
    )

    if method == "post":
        response = api.post(f"/api/v1/status-updates/{update.pk}/{step}/", {}, format="json")
    elif method == "patch":
        response = api.patch(
            f"/api/v1/status-updates/{update.pk}/", {"summary": "Redone."}, format="json"
        )
    else:
        response = api.delete(f"/api/v1/status-updates/{update.pk}/")

    assert response.status_code == expected
