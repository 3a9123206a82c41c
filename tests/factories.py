import datetime

import factory

from accounts.models import User
from accounts.roles import Role, role_groups
from commitments.choices import (
    CommitmentStatus,
    DeliveryState,
    GuaranteeDomain,
    NotificationChannel,
    NotificationKind,
    ParticipantKind,
    UpdateState,
)
from commitments.models import (
    Agreement,
    Commitment,
    Guarantee,
    Notification,
    Participant,
    Source,
    StatusUpdate,
    Subscription,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookMessage,
)
from commitments.webhooks.signing import new_secret, new_webhook_id


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.org")
    password = factory.django.Password("pass-word-123")

    @factory.post_generation
    def roles(self, create, extracted, **kwargs):
        if create and extracted:
            self.groups.set(role_groups(list(extracted)))
            if Role.ADMIN in extracted:
                self.is_staff = True
                self.save(update_fields=["is_staff"])


class SourceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Source

    url = factory.Sequence(lambda n: f"https://news.example.org/report-{n}")
    title = factory.Sequence(lambda n: f"Report {n}")
    publisher = "Example News"


class ParticipantFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Participant

    code = factory.Sequence(lambda n: f"{chr(65 + n // 26 % 26)}{chr(65 + n % 26)}")
    name = factory.Sequence(lambda n: f"Country {n}")
    kind = ParticipantKind.COUNTRY
    needs_parliamentary_approval = True
    approval_body = "Parliament"


class AgreementFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Agreement

    slug = factory.Sequence(lambda n: f"agreement-{n}")
    title = factory.Sequence(lambda n: f"Joint statement {n}")
    signed_on = datetime.date(2024, 3, 15)
    place = "Paris"


class GuaranteeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Guarantee

    agreement = factory.SubFactory(AgreementFactory)
    slug = factory.Sequence(lambda n: f"guarantee-{n}")
    title = factory.Sequence(lambda n: f"Guarantee {n}")
    domain = GuaranteeDomain.AIR


class CommitmentFactory(factory.django.DjangoModelFactory):
    """A commitment as a service would leave it; use services.commitment_create where the
    audit history matters."""

    class Meta:
        model = Commitment

    participant = factory.SubFactory(ParticipantFactory)
    guarantee = factory.SubFactory(GuaranteeFactory)
    status = CommitmentStatus.SIGNED
    status_date = datetime.date(2024, 4, 1)
    version = 1


class StatusUpdateFactory(factory.django.DjangoModelFactory):
    """A submitted update, written against the commitment's current version."""

    class Meta:
        model = StatusUpdate
        skip_postgeneration_save = True

    commitment = factory.SubFactory(CommitmentFactory)
    proposed_status = CommitmentStatus.IN_PARLIAMENT
    effective_date = datetime.date(2024, 5, 2)
    summary = "The bill was tabled."
    state = UpdateState.SUBMITTED
    base_version = factory.LazyAttribute(lambda u: u.commitment.version)
    proposed_by = factory.SubFactory(UserFactory, roles=[Role.ANALYST])
    # A draft was never submitted.
    submitted_at = factory.LazyAttribute(
        lambda u: None if u.state == UpdateState.DRAFT else datetime.datetime.now(datetime.UTC)
    )

    @factory.post_generation
    def sources(self, create, extracted, **kwargs):
        if create:
            self.sources.set(extracted if extracted is not None else [SourceFactory()])


class _FollowingFactory(factory.django.DjangoModelFactory):
    """Filters given as lists: participants=[...], guarantees=[...], agreements=[...]."""

    class Meta:
        abstract = True
        skip_postgeneration_save = True

    @factory.post_generation
    def participants(self, create, extracted, **kwargs):
        if create and extracted:
            self.participants.set(extracted)

    @factory.post_generation
    def guarantees(self, create, extracted, **kwargs):
        if create and extracted:
            self.guarantees.set(extracted)

    @factory.post_generation
    def agreements(self, create, extracted, **kwargs):
        if create and extracted:
            self.agreements.set(extracted)


class SubscriptionFactory(_FollowingFactory):
    class Meta:
        model = Subscription

    user = factory.SubFactory(UserFactory)
    channel = NotificationChannel.IN_APP


class WebhookEndpointFactory(_FollowingFactory):
    """An active endpoint; point `url` at a local receiver in delivery tests."""

    class Meta:
        model = WebhookEndpoint

    owner = factory.SubFactory(UserFactory)
    url = factory.Sequence(lambda n: f"https://hooks.example.org/{n}")
    description = factory.Sequence(lambda n: f"Receiver {n}")
    secret = factory.LazyFunction(new_secret)


class WebhookMessageFactory(factory.django.DjangoModelFactory):
    """A small test body, with no audit event behind it."""

    class Meta:
        model = WebhookMessage

    event_type = "commitment.status_changed"
    payload = factory.Sequence(
        lambda n: f'{{"type":"commitment.status_changed","data":{{"n":{n}}}}}'
    )


class WebhookDeliveryFactory(factory.django.DjangoModelFactory):
    """A pending delivery, due now."""

    class Meta:
        model = WebhookDelivery

    endpoint = factory.SubFactory(WebhookEndpointFactory)
    message = factory.SubFactory(WebhookMessageFactory)
    webhook_id = factory.LazyFunction(new_webhook_id)


class WebhookAttemptFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = WebhookAttempt

    delivery = factory.SubFactory(WebhookDeliveryFactory)
    number = 1
    started_at = factory.LazyFunction(lambda: datetime.datetime.now(datetime.UTC))
    status_code = 500
    latency_ms = 12.5
    error = "HTTP 500"


class NotificationFactory(factory.django.DjangoModelFactory):
    """An unread in-app notification."""

    class Meta:
        model = Notification

    recipient = factory.SubFactory(UserFactory)
    kind = NotificationKind.STATUS_CHANGED
    channel = NotificationChannel.IN_APP
    key = factory.Sequence(lambda n: f"test:{n}")
    title = factory.Sequence(lambda n: f"Country {n} · Guarantee: signed → ratified")
    state = DeliveryState.DELIVERED
