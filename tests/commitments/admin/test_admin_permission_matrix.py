"""Every role x every admin page and action: the expected outcome, written out.

Only the admin role and superusers get into the admin at all; everyone else, staff flag or
not, is sent to the login page. A model registered in the admin that is missing here fails
test_the_admin_matrix_covers_every_registered_model_and_action.
"""

import pytest
from axes.models import AccessAttempt, AccessLog
from django.contrib import admin
from django.contrib.auth.models import Group
from django.urls import reverse

from accounts.models import ApiToken, User
from accounts.roles import Role
from accounts.services import api_token_issue
from commitments import services
from commitments.models import (
    Agreement,
    AuditCheckpoint,
    AuditEvent,
    AuditVerification,
    Commitment,
    Guarantee,
    Notification,
    Participant,
    Source,
    StatusUpdate,
    Subscription,
    WebhookDelivery,
    WebhookEndpoint,
)
from tests.factories import (
    AgreementFactory,
    CommitmentFactory,
    GuaranteeFactory,
    NotificationFactory,
    ParticipantFactory,
    SourceFactory,
    StatusUpdateFactory,
    SubscriptionFactory,
    UserFactory,
    WebhookDeliveryFactory,
    WebhookEndpointFactory,
)

ROLES = [
    "anonymous",
    "api_client",
    "analyst",
    "reviewer",
    "analyst_with_is_staff",
    "admin",
    "superuser",
]
OUTSIDERS = ROLES[:5]


def sign_in(client, role: str) -> None:
    if role == "anonymous":
        return
    if role == "analyst_with_is_staff":
        user = UserFactory(username="staff-ana", roles=[Role.ANALYST], is_staff=True)
    elif role == "superuser":
        user = UserFactory(username="root", is_superuser=True, is_staff=True)
    else:
        user = UserFactory(username=f"the-{role}", roles=[role])
    client.force_login(user)


def an_audit_event() -> AuditEvent:
    services.participant_save(participant=ParticipantFactory.build(), actor=None)
    return AuditEvent.objects.latest("sequence")


def a_token() -> ApiToken:
    token, _ = api_token_issue(user=UserFactory(roles=[Role.API_CLIENT]))
    return token


def a_lockout() -> AccessAttempt:
    return AccessAttempt.objects.create(
        username="ana", ip_address="192.0.2.7", failures_since_start=10
    )


# model -> how to make one row of it
ROWS = {
    Source: SourceFactory,
    Participant: ParticipantFactory,
    Agreement: AgreementFactory,
    Guarantee: GuaranteeFactory,
    Commitment: CommitmentFactory,
    StatusUpdate: StatusUpdateFactory,
    AuditEvent: an_audit_event,
    AuditCheckpoint: lambda: services.audit_checkpoint_create(),
    AuditVerification: lambda: services.audit_verification_run(trigger="command"),
    AccessAttempt: a_lockout,
    AccessLog: lambda: AccessLog.objects.create(username="ana", ip_address="192.0.2.7"),
    WebhookEndpoint: WebhookEndpointFactory,
    WebhookDelivery: WebhookDeliveryFactory,
    Subscription: SubscriptionFactory,
    Notification: NotificationFactory,
    User: lambda: UserFactory(username="someone", roles=[Role.ANALYST]),
    ApiToken: a_token,
    Group: lambda: Group.objects.get(name=Role.REVIEWER),
}

OK, FORBIDDEN = 200, 403
# Pages of the admin role and of superusers: (changelist, add, change). Outsiders: all 302.
PAGES = {
    Source: (OK, OK, OK),
    Participant: (OK, OK, OK),
    Agreement: (OK, OK, OK),
    Guarantee: (OK, OK, OK),
    Commitment: (OK, OK, OK),
    StatusUpdate: (OK, FORBIDDEN, OK),
    AuditEvent: (OK, FORBIDDEN, OK),
    AuditCheckpoint: (OK, FORBIDDEN, OK),
    AuditVerification: (OK, FORBIDDEN, OK),
    WebhookEndpoint: (OK, OK, OK),
    WebhookDelivery: (OK, FORBIDDEN, OK),
    Subscription: (OK, OK, OK),
    Notification: (OK, FORBIDDEN, OK),
    User: (OK, OK, OK),
    ApiToken: (OK, OK, OK),
    Group: (OK, FORBIDDEN, OK),
    AccessAttempt: (OK, FORBIDDEN, OK),
    AccessLog: (OK, FORBIDDEN, OK),
}

LOGIN, OFFERED, ABSENT = "login", "offered", "absent"
# (model, action) -> outcome for the admin role and for superusers. Outsiders: login.
# "offered" means the action ran (its service may still refuse a row, with a message).
ACTIONS = {
    (Source, "delete_selected"): (OFFERED, OFFERED),
    (Participant, "delete_selected"): (OFFERED, OFFERED),
    (Agreement, "delete_selected"): (OFFERED, OFFERED),
    (Guarantee, "delete_selected"): (OFFERED, OFFERED),
    (Commitment, "delete_selected"): (OFFERED, OFFERED),
    (StatusUpdate, "approve_updates"): (OFFERED, OFFERED),
    (StatusUpdate, "delete_selected"): (ABSENT, ABSENT),
    (AuditEvent, "delete_selected"): (ABSENT, ABSENT),
    (AuditCheckpoint, "delete_selected"): (ABSENT, ABSENT),
    (AuditVerification, "delete_selected"): (ABSENT, ABSENT),
    (WebhookEndpoint, "delete_selected"): (OFFERED, OFFERED),
    (WebhookEndpoint, "rotate_secret"): (OFFERED, OFFERED),
    (WebhookEndpoint, "turn_on"): (OFFERED, OFFERED),
    (WebhookEndpoint, "turn_off"): (OFFERED, OFFERED),
    (WebhookDelivery, "resend"): (OFFERED, OFFERED),
    (WebhookDelivery, "delete_selected"): (ABSENT, ABSENT),
    (Subscription, "delete_selected"): (OFFERED, OFFERED),
    (Notification, "delete_selected"): (ABSENT, OFFERED),
    (User, "delete_selected"): (OFFERED, OFFERED),
    (ApiToken, "revoke"): (OFFERED, OFFERED),
    (ApiToken, "delete_selected"): (ABSENT, OFFERED),
    (Group, "delete_selected"): (ABSENT, ABSENT),
    (AccessAttempt, "delete_selected"): (OFFERED, OFFERED),
    (AccessLog, "delete_selected"): (ABSENT, OFFERED),
}


def admin_url(model, view: str, *args) -> str:
    opts = model._meta
    return reverse(f"admin:{opts.app_label}_{opts.model_name}_{view}", args=args)


def label(value) -> str:
    return value._meta.label if hasattr(value, "_meta") else str(value)


def sent_to_login(response) -> bool:
    return response.status_code == 302 and response.url.startswith(reverse("admin:login"))


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("view", ["changelist", "add", "change"])
@pytest.mark.parametrize("model", list(PAGES), ids=label)
def test_each_role_gets_the_expected_answer_from_each_admin_page(db, client, role, view, model):
    obj = ROWS[model]()
    sign_in(client, role)
    url = admin_url(model, view, obj.pk) if view == "change" else admin_url(model, view)

    response = client.get(url)

    if role in OUTSIDERS:
        assert sent_to_login(response), response.status_code
    else:
        expected = PAGES[model][("changelist", "add", "change").index(view)]
        assert response.status_code == expected


def action_outcome(response) -> str:
    """An action ran when it redirected back without "No action selected." or drew its
    confirmation page; a changelist without any action just draws itself again."""
    if sent_to_login(response):
        return LOGIN
    if response.status_code == 302:
        shown = [str(message) for message in response.wsgi_request._messages]
        return ABSENT if "No action selected." in shown else OFFERED
    templates = [template.name for template in response.templates]
    return OFFERED if "admin/delete_selected_confirmation.html" in templates else ABSENT


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("model", "action"), list(ACTIONS), ids=label)
def test_each_role_gets_the_expected_answer_from_each_admin_action(db, client, role, model, action):
    obj = ROWS[model]()
    sign_in(client, role)

    response = client.post(
        admin_url(model, "changelist"), {"action": action, "_selected_action": [obj.pk]}
    )

    if role in OUTSIDERS:
        assert action_outcome(response) == LOGIN
    else:
        assert action_outcome(response) == ACTIONS[model, action][ROLES.index(role) - 5]


def test_the_admin_matrix_covers_every_registered_model_and_action(rf, admin_user):
    request = rf.get("/admin/")
    request.user = admin_user
    offered = {
        (model, name)
        for model, model_admin in admin.site._registry.items()
        for name in model_admin.get_actions(request)
    }

    assert set(admin.site._registry) == set(PAGES) == set(ROWS)
    assert offered <= set(ACTIONS)
