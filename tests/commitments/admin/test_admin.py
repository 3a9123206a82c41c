import pytest
from axes.models import AccessAttempt, AccessLog
from django.contrib import admin, messages
from django.contrib.admin.models import LogEntry
from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import User
from accounts.roles import Role
from accounts.services import api_token_issue
from commitments import audit, services
from commitments.admin import ParticipantAdmin
from commitments.choices import CommitmentStatus, ParticipantKind, UpdateState
from commitments.models import (
    AuditCheckpoint,
    AuditEvent,
    AuditVerification,
    Commitment,
    Notification,
    Participant,
    StatusUpdate,
    WebhookDelivery,
)
from tests.factories import (
    AgreementFactory,
    CommitmentFactory,
    GuaranteeFactory,
    NotificationFactory,
    ParticipantFactory,
    StatusUpdateFactory,
    SubscriptionFactory,
    UserFactory,
    WebhookAttemptFactory,
)

REGISTERED = list(admin.site._registry)
NO_ADD_PAGE = {
    StatusUpdate,
    AuditEvent,
    AuditCheckpoint,
    AuditVerification,
    WebhookDelivery,
    Notification,
    AccessAttempt,
    AccessLog,
    Group,
}


def admin_url(model, view: str, *args) -> str:
    opts = model._meta
    return reverse(f"admin:{opts.app_label}_{opts.model_name}_{view}", args=args)


def no_inline_rows(prefix: str) -> dict[str, str]:
    return {
        f"{prefix}-TOTAL_FORMS": "0",
        f"{prefix}-INITIAL_FORMS": "0",
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }


def shown_messages(response) -> list[tuple[int, str]]:
    return [(message.level, str(message)) for message in response.context["messages"]]


def audit_event(actor: User) -> AuditEvent:
    """AuditEvent rows are only made by audit.record(), here through a service."""
    services.participant_save(participant=ParticipantFactory.build(), actor=actor)
    return AuditEvent.objects.get()


def nothing_protected(self, objs, request):
    """get_deleted_objects() as if nothing referred to the objects when the page was drawn."""
    return [], {}, set(), []


@pytest.mark.parametrize("model", REGISTERED, ids=lambda model: model._meta.label)
def test_admin_opens_every_changelist_add_and_change_page(client, admin_user, model):
    StatusUpdateFactory()  # with its commitment, participant, guarantee, agreement and source
    audit_event(admin_user)
    api_token_issue(user=admin_user)
    WebhookAttemptFactory()  # with its delivery and endpoint
    SubscriptionFactory()
    NotificationFactory()
    services.audit_checkpoint_create()
    services.audit_verification_run(trigger="command")
    AccessAttempt.objects.create(username="x", ip_address="192.0.2.1", failures_since_start=1)
    AccessLog.objects.create(username="x", ip_address="192.0.2.1")
    obj = model._default_manager.first()
    client.force_login(admin_user)

    statuses = (
        client.get(admin_url(model, "changelist")).status_code,
        client.get(admin_url(model, "changelist"), {"q": "a"}).status_code,
        client.get(admin_url(model, "add")).status_code,
        client.get(admin_url(model, "change", obj.pk)).status_code,
    )

    assert statuses == (200, 200, 403 if model in NO_ADD_PAGE else 200, 200)


def test_adding_a_participant_in_the_admin_records_a_reference_created_event(client, admin_user):
    client.force_login(admin_user)

    response = client.post(
        admin_url(Participant, "add"),
        {
            "code": "FR",
            "name": "France",
            "kind": ParticipantKind.COUNTRY,
            "needs_parliamentary_approval": "on",
            "approval_body": "Parlement",
            **no_inline_rows("commitments"),
        },
    )

    assert response.status_code == 302
    participant = Participant.objects.get(code="FR")
    event = AuditEvent.objects.get()
    assert (event.action, event.object_id) == (audit.REFERENCE_CREATED, str(participant.pk))


def test_adding_a_commitment_in_the_admin_records_it_as_pledged_through_the_service(
    client, admin_user
):
    participant, guarantee = ParticipantFactory(), GuaranteeFactory()
    client.force_login(admin_user)

    response = client.post(
        admin_url(Commitment, "add"),
        {
            "participant": participant.pk,
            "guarantee": guarantee.pk,
            "subject_to_ratification": "on",
            "pledged_on": "2024-03-16",
            "_continue": "Save and continue editing",
        },
    )

    commitment = Commitment.objects.get()
    assert response.url == admin_url(Commitment, "change", commitment.pk)
    assert (commitment.status, commitment.status_date.isoformat()) == ("pledged", "2024-03-16")
    assert AuditEvent.objects.get().action == audit.COMMITMENT_CREATED


def test_a_commitment_added_on_a_participant_page_goes_through_the_service(client, admin_user):
    participant, guarantee = ParticipantFactory(), GuaranteeFactory()
    client.force_login(admin_user)

    client.post(
        admin_url(Participant, "change", participant.pk),
        {
            "code": participant.code,
            "name": participant.name,
            "kind": participant.kind,
            "needs_parliamentary_approval": "on",
            "approval_body": participant.approval_body,
            **no_inline_rows("commitments"),
            "commitments-TOTAL_FORMS": "1",
            "commitments-0-guarantee": guarantee.pk,
            "commitments-0-subject_to_ratification": "on",
        },
    )

    commitment = Commitment.objects.get()
    assert (commitment.participant, commitment.guarantee) == (participant, guarantee)
    assert commitment.pledged_on == guarantee.agreement.signed_on
    assert AuditEvent.objects.get().action == audit.COMMITMENT_CREATED


def test_the_commitment_admin_cannot_change_a_status(client, admin_user):
    commitment = CommitmentFactory(status=CommitmentStatus.SIGNED)
    client.force_login(admin_user)
    url = admin_url(Commitment, "change", commitment.pk)
    form = client.get(url).context["adminform"].form

    response = client.post(
        url,
        {
            "subject_to_ratification": "on",
            "notes": "Bill expected in June.",
            "status": CommitmentStatus.WITHDRAWN,
            "version": "9",
        },
    )

    assert "status" not in form.fields
    assert response.status_code == 302
    commitment.refresh_from_db()
    assert (commitment.status, commitment.version) == (CommitmentStatus.SIGNED, 1)
    assert commitment.notes == "Bill expected in June."


def test_an_audit_event_change_page_is_view_only(client, admin_user):
    event = audit_event(admin_user)
    client.force_login(admin_user)
    url = admin_url(AuditEvent, "change", event.pk)

    page = client.get(url)
    post = client.post(url, {"action": "tampered"})

    assert page.status_code == 200
    assert 'name="_save"' not in page.content.decode()
    assert post.status_code == 403
    event.refresh_from_db()
    assert event.action == audit.REFERENCE_CREATED


def test_an_audit_event_delete_page_is_forbidden(client, admin_user):
    event = audit_event(admin_user)
    client.force_login(admin_user)
    url = admin_url(AuditEvent, "delete", event.pk)

    statuses = (client.get(url).status_code, client.post(url, {"post": "yes"}).status_code)

    assert statuses == (403, 403)
    assert AuditEvent.objects.filter(pk=event.pk).exists()


def test_the_approve_action_applies_others_updates_and_refuses_the_reviewers_own(
    client, admin_user
):
    others = StatusUpdateFactory()
    own = StatusUpdateFactory(proposed_by=admin_user)
    client.force_login(admin_user)

    response = client.post(
        admin_url(StatusUpdate, "changelist"),
        {"action": "approve_updates", "_selected_action": [others.pk, own.pk]},
        follow=True,
    )

    others.refresh_from_db()
    own.refresh_from_db()
    assert (others.state, own.state) == (UpdateState.APPROVED, UpdateState.SUBMITTED)
    assert others.commitment.status == CommitmentStatus.IN_PARLIAMENT
    assert shown_messages(response) == [
        (
            messages.ERROR,
            f"Update #{own.pk} was not approved: Nobody reviews their own update (four eyes).",
        ),
        (messages.SUCCESS, "Approved 1 update."),
    ]


def test_deleting_a_participant_with_commitments_is_refused_and_deletes_nothing(client, admin_user):
    participant = CommitmentFactory().participant
    client.force_login(admin_user)

    response = client.post(admin_url(Participant, "delete", participant.pk), {"post": "yes"})

    assert "Cannot delete participant" in response.content.decode()
    assert Participant.objects.filter(pk=participant.pk).exists()
    assert not AuditEvent.objects.exists()


def test_a_delete_the_service_refuses_is_shown_as_an_error_and_rolled_back(
    client, admin_user, monkeypatch
):
    participant = CommitmentFactory().participant
    # As if the commitment had been added after the confirmation page was drawn.
    monkeypatch.setattr(ParticipantAdmin, "get_deleted_objects", nothing_protected)
    client.force_login(admin_user)

    response = client.post(
        admin_url(Participant, "delete", participant.pk), {"post": "yes"}, follow=True
    )

    [(level, text)] = shown_messages(response)
    assert level == messages.ERROR
    assert f"{participant} is still referred to and cannot be deleted." in text
    assert Participant.objects.filter(pk=participant.pk).exists()
    assert not LogEntry.objects.exists()


def test_a_bulk_delete_with_one_refusal_deletes_nothing(client, admin_user, monkeypatch):
    free, referred = ParticipantFactory(), CommitmentFactory().participant
    monkeypatch.setattr(ParticipantAdmin, "get_deleted_objects", nothing_protected)
    client.force_login(admin_user)

    response = client.post(
        admin_url(Participant, "changelist"),
        {"action": "delete_selected", "post": "yes", "_selected_action": [free.pk, referred.pk]},
        follow=True,
    )

    assert [level for level, _ in shown_messages(response)] == [messages.ERROR, messages.ERROR]
    assert Participant.objects.count() == 2
    assert not AuditEvent.objects.exists()


def test_changing_a_users_roles_in_the_admin_is_audited(client, admin_user):
    user = UserFactory(username="ana", roles=[Role.ANALYST])
    client.force_login(admin_user)

    client.post(
        admin_url(User, "change", user.pk),
        {
            "username": "ana",
            "email": user.email,
            "is_active": "on",
            "groups": [Group.objects.get(name=Role.REVIEWER).pk],
            "date_joined_0": "2024-03-15",
            "date_joined_1": "09:00:00",
        },
    )

    event = AuditEvent.objects.get(action=audit.USER_ROLES_CHANGED)
    assert (event.before, event.after) == ({"roles": ["analyst"]}, {"roles": ["reviewer"]})


def test_a_password_changed_in_the_admin_is_audited_without_the_password(client, admin_user):
    user = UserFactory(username="ana")
    client.force_login(admin_user)

    client.post(
        reverse("admin:auth_user_password_change", args=[user.pk]),
        {"usable_password": "true", "password1": "A-new-pass-2024", "password2": "A-new-pass-2024"},
    )

    user.refresh_from_db()
    assert user.check_password("A-new-pass-2024")
    event = AuditEvent.objects.get()
    assert (event.action, event.after) == (audit.USER_CHANGED, {"password": "changed"})


def test_the_user_list_shows_roles_without_a_query_per_user(client, admin_user):
    client.force_login(admin_user)
    url = admin_url(User, "changelist")
    with CaptureQueriesContext(connection) as one_user:
        client.get(url)
    UserFactory.create_batch(5, roles=[Role.ANALYST, Role.REVIEWER])

    with CaptureQueriesContext(connection) as six_users:
        response = client.get(url)

    assert "analyst, reviewer" in response.content.decode()
    assert len(six_users) == len(one_user)


def test_adding_a_source_to_an_agreement_in_the_admin_is_audited(client, admin_user):
    from commitments.models import Agreement, Source

    agreement = AgreementFactory()
    source = Source.objects.create(url="https://news.example.org/statement", title="Statement")
    client.force_login(admin_user)

    response = client.post(
        admin_url(Agreement, "change", agreement.pk),
        {
            "slug": agreement.slug,
            "title": agreement.title,
            "kind": agreement.kind,
            "signed_on": "2024-03-15",
            "place": "Paris",
            "summary": "",
            "sources": [source.pk],
            **no_inline_rows("guarantees"),
        },
    )

    assert response.status_code == 302
    assert list(agreement.sources.all()) == [source]
    event = AuditEvent.objects.get(action=audit.REFERENCE_CHANGED)
    assert (event.before, event.after) == ({"sources": []}, {"sources": [source.pk]})


@pytest.mark.parametrize("model", REGISTERED, ids=lambda model: model._meta.label)
def test_a_member_of_the_admin_role_opens_every_admin_list(db, client, model):
    member = UserFactory(roles=[Role.ADMIN], is_staff=True)
    client.force_login(member)

    assert client.get(admin_url(model, "changelist")).status_code == 200


def test_migrate_grants_each_role_its_permissions_and_keeps_what_an_admin_added(db):
    from django.contrib.auth.models import Permission

    from accounts.roles import ROLE_PERMISSIONS, grant_role_permissions

    reviewer = Group.objects.get(name=Role.REVIEWER)
    extra = Permission.objects.get(codename="view_notification")
    reviewer.permissions.set([extra])  # an admin's addition; the table's own are gone

    grant_role_permissions()

    for role, perms in ROLE_PERMISSIONS.items():
        group = Group.objects.get(name=role)
        held = {f"{p.content_type.app_label}.{p.codename}" for p in group.permissions.all()}
        assert set(perms) <= held, role
    assert extra in reviewer.permissions.all()
