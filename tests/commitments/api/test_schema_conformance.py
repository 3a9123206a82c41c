"""The served OpenAPI schema says exactly what the API sends.

Every list the schema names (a GET without path parameters), read by every role and paged to
its end, answers only what the operation declares, and each page validates against the
declared response, read strictly: each field shown must be declared and declared required
(DRF shows every field of an output serializer, null included), and null only where the
schema says nullable. The lists are discovered from the schema, so a new one is covered too.
"""

import copy
import datetime
from urllib.parse import urlsplit

import pytest
from openapi_schema_validator import OAS30ReadValidator, oas30_format_checker
from rest_framework.test import APIClient

from accounts.models import TokenScope
from commitments.api.http import ConditionalMixin
from commitments.choices import CommitmentStatus
from commitments.models import StatusUpdate
from commitments.services import (
    audit_checkpoint_create,
    commitment_create,
    participant_save,
    update_approve,
    update_create,
    update_reject,
    update_withdraw,
)
from tests.factories import (
    AgreementFactory,
    GuaranteeFactory,
    ParticipantFactory,
    SourceFactory,
    SubscriptionFactory,
    WebhookDeliveryFactory,
    WebhookEndpointFactory,
)
from tests.helpers import bearer

ROLES = ["anonymous", "api_client", "analyst", "reviewer", "admin"]
# Lists the data below fills for some role: an empty page of these means the data went wrong.
FILLED = {
    "/api/v1/participants/",
    "/api/v1/agreements/",
    "/api/v1/guarantees/",
    "/api/v1/sources/",
    "/api/v1/commitments/",
    "/api/v1/status-updates/",
    "/api/v1/audit-events/",
    "/api/v1/webhooks/",
    "/api/v1/changes/",
    "/api/v1/audit/checkpoints/",
    "/api/v1/subscriptions/",
    "/api/v1/notifications/",  # the authors are told of the decisions, the reviewers of updates
}
PAGE = 2  # small pages: every list is followed over several


def served_schema() -> dict:
    response = APIClient().get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    return response.json()


def list_operations(schema: dict) -> list[tuple[str, dict]]:
    """GET operations without path parameters whose 200 answer is a page or an array."""
    found = []
    for path, item in schema["paths"].items():
        operation = item.get("get")
        if operation is None or "{" in path:
            continue
        body = operation["responses"]["200"]["content"]["application/json"]["schema"]
        body = resolve(schema, body)
        if body.get("type") == "array" or "results" in body.get("properties", {}):
            found.append((path, operation))
    return found


def resolve(schema: dict, node: dict) -> dict:
    while "$ref" in node:
        node = schema["components"]["schemas"][node["$ref"].rsplit("/", 1)[1]]
    return node


def strict(node):
    """A copy in which an object shows only its required properties: an undeclared or an
    optional field in a response fails validation."""
    if isinstance(node, list):
        return [strict(item) for item in node]
    if not isinstance(node, dict):
        return node
    node = {key: strict(value) for key, value in node.items()}
    if "properties" in node:
        required = set(node.get("required", []))
        node["properties"] = {k: v for k, v in node["properties"].items() if k in required}
        node.setdefault("additionalProperties", False)
    return node


def validate(schema: dict, operation: dict, response, where: str) -> None:
    code = str(response.status_code)
    assert code in operation["responses"], f"{where}: {code} is not declared"
    content = operation["responses"][code].get("content")
    if content is None:
        assert not response.content, f"{where}: {code} declares no body"
        return
    body_schema = content["application/json"]["schema"]
    # An error's `fields` is optional indeed (field errors only): read errors as declared.
    read = strict if code.startswith("2") else copy.deepcopy
    root = {**read(body_schema), "components": read(schema["components"])}
    errors = list(
        OAS30ReadValidator(root, format_checker=oas30_format_checker).iter_errors(response.json())
    )
    assert not errors, f"{where}: " + "; ".join(
        f"{list(error.absolute_path)}: {error.message}" for error in errors[:5]
    )


def pages(client, path: str, operation: dict):
    """Yields (url, response) for each page of a list, following `next` (or `next_cursor`
    while `has_more`) to the end."""
    names = {p["name"] for p in operation.get("parameters", []) if p["in"] == "query"}
    url, params = path, ({"limit": PAGE} if "limit" in names else {})
    for _ in range(200):
        response = client.get(url, params)
        yield url, response
        if response.status_code != 200:
            return
        body = response.json()
        if not isinstance(body, dict):
            return
        if body.get("next"):
            parts = urlsplit(body["next"])
            url, params = f"{parts.path}?{parts.query}", {}
        elif body.get("has_more"):
            params = {**params, "after": body["next_cursor"]}
        else:
            return
    pytest.fail(f"{path}: more than 200 pages")


def items_of(body) -> list:
    return body if isinstance(body, list) else body.get("results", [])


@pytest.fixture
def record(analyst, reviewer, admin_user, api_client_user):
    """Data that shows every kind of value a list may hold: nulls and blanks included.

    Drafts, submitted, approved, rejected and withdrawn updates, with sources with and
    without a publication date; commitments with and without dates; audit events from the
    services; webhook endpoints, active and disabled, with filters and without, and a
    delivery."""
    agreement = AgreementFactory()
    agreement.sources.set([SourceFactory(published_on=datetime.date(2024, 3, 15)), SourceFactory()])
    AgreementFactory(place="", summary="")
    air = GuaranteeFactory(agreement=agreement)
    sea = GuaranteeFactory(agreement=agreement, description="")
    france = participant_save(participant=ParticipantFactory.build(code="FR"), actor=admin_user)
    norway = participant_save(
        participant=ParticipantFactory.build(
            code="NO", needs_parliamentary_approval=False, approval_body=""
        ),
        actor=admin_user,
    )
    signed = commitment_create(participant=france, guarantee=air, actor=admin_user)
    pledged = commitment_create(
        participant=norway,
        guarantee=sea,
        actor=admin_user,
        pledged_on=datetime.date(2024, 3, 15),
    )
    dated = {"url": "https://news.example.org/a", "published_on": datetime.date(2024, 4, 1)}
    undated = {"url": "https://news.example.org/b", "title": "", "publisher": ""}

    def propose(commitment, status, **kwargs) -> StatusUpdate:
        return update_create(
            commitment=commitment,
            author=analyst,
            proposed_status=status,
            effective_date=datetime.date(2024, 4, 1),
            summary="Reported.",
            sources=[dated, undated],
            **kwargs,
        )

    update_approve(update=propose(signed, CommitmentStatus.SIGNED), reviewer=reviewer)
    update_reject(
        update=propose(pledged, CommitmentStatus.SIGNED), reviewer=reviewer, comment="No."
    )
    update_withdraw(update=propose(pledged, CommitmentStatus.WITHDRAWN), author=analyst)
    propose(signed, CommitmentStatus.IN_PARLIAMENT)
    propose(pledged, CommitmentStatus.SIGNED, draft=True)

    mine = WebhookEndpointFactory(owner=api_client_user, participants=[france])
    WebhookEndpointFactory(
        owner=api_client_user,
        description="",
        is_active=False,
        disabled_at=datetime.datetime(2024, 5, 1, tzinfo=datetime.UTC),
        disabled_reason="Failing for 5 days.",
    )
    WebhookEndpointFactory(owner=analyst, guarantees=[air], agreements=[agreement])
    WebhookDeliveryFactory(endpoint=mine)
    audit_checkpoint_create()
    # Subscriptions: each user's own, with filters and without.
    SubscriptionFactory(user=admin_user, participants=[france], guarantees=[air])
    SubscriptionFactory(user=admin_user, channel="digest")
    SubscriptionFactory(user=api_client_user, agreements=[agreement])
    SubscriptionFactory(user=analyst)


@pytest.fixture
def clients(analyst, reviewer, admin_user, api_client_user, record) -> dict[str, APIClient]:
    return {
        "anonymous": APIClient(),
        "api_client": bearer(api_client_user, TokenScope.READ),
        "analyst": bearer(analyst),
        "reviewer": bearer(reviewer),
        "admin": bearer(admin_user),
    }


@pytest.mark.django_db
def test_every_item_of_every_list_as_every_role_validates_against_the_served_schema(clients):
    schema = served_schema()
    operations = list_operations(schema)
    assert {path for path, _ in operations} >= FILLED
    seen: dict[str, int] = {}

    for role in ROLES:
        for path, operation in operations:
            for url, response in pages(clients[role], path, operation):
                validate(schema, operation, response, f"{role} GET {url}")
                if response.status_code == 200:
                    seen[path] = seen.get(path, 0) + len(items_of(response.json()))

    assert {path for path in FILLED if not seen.get(path)} == set()


def concrete(client, path: str) -> str:
    """The path with its parameter filled from the first item of the list it sits under
    (`/commitments/{id}/history/`: the `id` of the first commitment)."""
    if "{" not in path:
        return path
    head, rest = path.split("{", 1)
    name, tail = rest.split("}", 1)
    first = items_of(client.get(head).json())[0]
    return f"{head}{first[name]}{tail}"


@pytest.mark.django_db
def test_every_get_that_declares_a_304_sends_an_etag_and_answers_304_to_it(clients):
    schema = served_schema()
    client = clients["admin"]
    operations = [(path, item["get"]) for path, item in schema["paths"].items() if "get" in item]

    for path, operation in operations:
        url = concrete(client, path)
        first = client.get(url)
        again = client.get(url, HTTP_IF_NONE_MATCH=first.headers.get("ETag", '"none"'))

        if "304" in operation["responses"]:
            assert "ETag" in first.headers, url
            assert again.status_code == 304, url
        else:
            assert again.status_code == 200, url


@pytest.mark.django_db
def test_every_path_id_is_typed_as_an_integer():
    schema = served_schema()

    untyped = [
        (path, parameter["name"], parameter["schema"])
        for path, item in schema["paths"].items()
        for operation in item.values()
        for parameter in operation.get("parameters", [])
        if parameter["in"] == "path" and parameter["schema"].get("type") != "integer"
    ]

    assert untyped == []


@pytest.mark.django_db
def test_a_status_update_declares_reviewed_by_required_and_nullable():
    update = served_schema()["components"]["schemas"]["StatusUpdate"]

    assert "reviewed_by" in update["required"]
    assert update["properties"]["reviewed_by"].get("nullable") is True


@pytest.mark.django_db
def test_no_operation_is_described_by_the_docstring_of_the_machinery_its_view_inherits():
    machinery = ConditionalMixin.__doc__.split("\n")[0]

    described = [
        f"{method} {path}"
        for path, item in served_schema()["paths"].items()
        for method, operation in item.items()
        if machinery in operation.get("description", "")
    ]

    assert described == []
