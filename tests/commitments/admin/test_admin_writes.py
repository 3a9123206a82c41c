"""The admin writes through the services: an endpoint's deletion is audited (its deliveries go
with it), its owner is not changed in passing, and a record cites only sources the signed-in
user may read."""

import pytest
from django.urls import reverse

from accounts.roles import Role
from commitments import audit
from commitments.choices import UpdateState
from commitments.models import AuditEvent, Commitment, WebhookDelivery, WebhookEndpoint
from commitments.selectors import sources_for
from tests.factories import (
    CommitmentFactory,
    SourceFactory,
    StatusUpdateFactory,
    UserFactory,
    WebhookDeliveryFactory,
    WebhookEndpointFactory,
)

pytestmark = pytest.mark.django_db


def admin_url(model, view: str, *args) -> str:
    opts = model._meta
    return reverse(f"admin:{opts.app_label}_{opts.model_name}_{view}", args=args)


@pytest.fixture
def an_admin():
    return UserFactory(username="the-admin", roles=[Role.ADMIN])


def test_deleting_an_endpoint_with_deliveries_in_the_admin_is_audited(client, an_admin):
    delivery = WebhookDeliveryFactory()
    endpoint = delivery.endpoint
    client.force_login(an_admin)

    response = client.post(admin_url(WebhookEndpoint, "delete", endpoint.pk), {"post": "yes"})

    assert response.status_code == 302
    assert not WebhookEndpoint.objects.filter(pk=endpoint.pk).exists()
    assert not WebhookDelivery.objects.filter(pk=delivery.pk).exists()
    event = AuditEvent.objects.get(action=audit.WEBHOOK_DELETED)
    assert (event.object_id, event.actor_id) == (str(endpoint.pk), an_admin.pk)


def test_deleting_endpoints_with_the_bulk_action_audits_each(client, an_admin):
    endpoints = [WebhookDeliveryFactory().endpoint, WebhookEndpointFactory()]
    client.force_login(an_admin)

    client.post(
        admin_url(WebhookEndpoint, "changelist"),
        {
            "action": "delete_selected",
            "_selected_action": [e.pk for e in endpoints],
            "post": "yes",
        },
    )

    assert not WebhookEndpoint.objects.exists()
    deleted = AuditEvent.objects.filter(action=audit.WEBHOOK_DELETED)
    assert sorted(deleted.values_list("object_id", flat=True)) == sorted(
        str(e.pk) for e in endpoints
    )


def test_an_endpoints_owner_is_read_only_on_its_admin_page(client, an_admin, settings):
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = True  # the URL is checked again: one that resolves
    endpoint = WebhookEndpointFactory(description="Ops", url="http://127.0.0.1/hook")
    someone_else = UserFactory(username="someone-else")
    client.force_login(an_admin)
    form = client.get(admin_url(WebhookEndpoint, "change", endpoint.pk)).context["adminform"].form

    client.post(
        admin_url(WebhookEndpoint, "change", endpoint.pk),
        {
            "owner": someone_else.pk,
            "url": endpoint.url,
            "description": "Ops desk",
            "event_types": ["commitment.status_changed"],
        },
    )

    owner = endpoint.owner_id
    endpoint.refresh_from_db()
    assert "owner" not in form.fields  # shown read-only, not offered for a change
    assert (endpoint.owner_id, endpoint.description) == (owner, "Ops desk")


def test_a_commitment_cannot_cite_a_source_only_another_persons_draft_cites(client, an_admin):
    hidden = SourceFactory(url="https://news.example.org/draft-evidence")
    StatusUpdateFactory(state=UpdateState.DRAFT, sources=[hidden])
    commitment = CommitmentFactory()
    outsider = UserFactory(username="outsider", roles=[Role.API_CLIENT])
    client.force_login(an_admin)

    response = client.post(
        admin_url(Commitment, "change", commitment.pk),
        {"subject_to_ratification": "on", "notes": "", "sources": [hidden.pk]},
    )

    assert response.status_code == 200
    assert "sources" in response.context["adminform"].form.errors
    assert not commitment.sources.filter(pk=hidden.pk).exists()
    assert not sources_for(viewer=outsider).filter(pk=hidden.pk).exists()
