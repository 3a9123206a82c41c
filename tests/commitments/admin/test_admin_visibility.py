"""The admin reads through the API's visibility selectors: drafts stay their author's own,
private audit events stay with the admin role."""

import pytest
from django.contrib import admin
from django.urls import reverse

from accounts.roles import Role
from accounts.services import user_create
from commitments import services
from commitments.choices import UpdateState
from commitments.models import AuditEvent, Source, StatusUpdate
from tests.factories import ParticipantFactory, StatusUpdateFactory, UserFactory


@pytest.fixture
def admin_member(db):
    return UserFactory(username="adm-member", roles=[Role.ADMIN])


def test_the_status_update_list_in_the_admin_leaves_out_other_peoples_drafts(client, admin_member):
    draft = StatusUpdateFactory(state=UpdateState.DRAFT, submitted_at=None)
    submitted = StatusUpdateFactory()
    client.force_login(admin_member)

    response = client.get(reverse("admin:commitments_statusupdate_changelist"))

    listed = list(response.context["cl"].result_list)
    assert listed == [submitted]
    assert draft not in listed


def test_another_persons_draft_does_not_open_in_the_admin(client, admin_member):
    draft = StatusUpdateFactory(state=UpdateState.DRAFT, submitted_at=None)
    client.force_login(admin_member)

    response = client.get(reverse("admin:commitments_statusupdate_change", args=[draft.pk]))

    assert response.status_code == 302
    assert response.url == reverse("admin:index")


def test_the_source_list_in_the_admin_leaves_out_sources_cited_only_by_others_drafts(
    client, admin_member
):
    draft = StatusUpdateFactory(state=UpdateState.DRAFT, submitted_at=None)
    client.force_login(admin_member)

    response = client.get(reverse("admin:commitments_source_changelist"))

    assert draft.sources.get() not in list(response.context["cl"].result_list)
    assert Source.objects.count() == 1


def test_the_audit_event_admin_shows_a_non_admin_no_private_event(db, rf):
    user_create(username="newcomer", roles=[Role.ANALYST])  # user.created: private
    services.participant_save(participant=ParticipantFactory.build(), actor=None)
    request = rf.get("/admin/")
    request.user = UserFactory(username="staff-ana", roles=[Role.ANALYST], is_staff=True)

    shown = admin.site._registry[AuditEvent].get_queryset(request)

    assert [event.action for event in shown] == ["reference.created"]


def test_the_status_update_admin_shows_a_non_admin_no_other_persons_draft(db, rf):
    StatusUpdateFactory(state=UpdateState.DRAFT, submitted_at=None)
    request = rf.get("/admin/")
    request.user = UserFactory(username="staff-ana", roles=[Role.ANALYST], is_staff=True)

    shown = admin.site._registry[StatusUpdate].get_queryset(request)

    assert not shown.exists()
