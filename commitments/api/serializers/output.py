"""Output serializers: what the API shows of each resource."""

from rest_framework import serializers

from commitments.audit import checkpoints
from commitments.choices import CommitmentStatus
from commitments.models import (
    EVENT_TYPES,
    Agreement,
    AuditEvent,
    Commitment,
    Guarantee,
    Notification,
    Participant,
    Source,
    StatusUpdate,
    Subscription,
    WebhookEndpoint,
)

# Output ----------------------------------------------------------------------------------


class SourceSerializer(serializers.ModelSerializer):
    class Meta:
        model = Source
        fields = ["id", "url", "title", "publisher", "published_on", "excerpt", "created_at"]


class ParticipantSerializer(serializers.ModelSerializer):
    class Meta:
        model = Participant
        fields = [
            "id",
            "code",
            "name",
            "kind",
            "needs_parliamentary_approval",
            "approval_body",
            "is_sample",
            "updated_at",
        ]


class AgreementSerializer(serializers.ModelSerializer):
    sources = SourceSerializer(many=True, read_only=True)

    class Meta:
        model = Agreement
        fields = [
            "id",
            "slug",
            "title",
            "kind",
            "signed_on",
            "place",
            "summary",
            "sources",
            "is_sample",
            "updated_at",
        ]


class GuaranteeSerializer(serializers.ModelSerializer):
    agreement = serializers.SlugRelatedField(slug_field="slug", read_only=True)

    class Meta:
        model = Guarantee
        fields = [
            "id",
            "slug",
            "title",
            "domain",
            "description",
            "agreement",
            "position",
            "updated_at",
        ]


# The commitment's fields, once: the serializer below and the fast list path
# (commitments/api/views.py) both read this table. API name -> ORM lookup.
COMMITMENT_FIELDS: dict[str, str] = {
    "id": "id",
    "participant": "participant__code",
    "participant_name": "participant__name",
    "guarantee": "guarantee__slug",
    "agreement": "guarantee__agreement__slug",
    "domain": "guarantee__domain",
    "status": "status",
    "status_date": "status_date",
    "status_changed_at": "status_changed_at",
    "version": "version",
    "subject_to_ratification": "subject_to_ratification",
    "pledged_on": "pledged_on",
    "signed_on": "signed_on",
    "in_parliament_on": "in_parliament_on",
    "ratified_on": "ratified_on",
    "in_force_on": "in_force_on",
    "rejected_on": "rejected_on",
    "withdrawn_on": "withdrawn_on",
    "notes": "notes",
    "is_sample": "is_sample",
    "updated_at": "updated_at",
}


class CommitmentSerializer(serializers.ModelSerializer):
    participant = serializers.CharField(source="participant.code", read_only=True)
    participant_name = serializers.CharField(source="participant.name", read_only=True)
    guarantee = serializers.CharField(source="guarantee.slug", read_only=True)
    agreement = serializers.CharField(source="guarantee.agreement.slug", read_only=True)
    domain = serializers.CharField(source="guarantee.domain", read_only=True)
    status_on = serializers.ChoiceField(
        choices=CommitmentStatus.choices,
        read_only=True,
        allow_null=True,
        required=False,
        help_text="With ?as_of=YYYY-MM-DD: the status on that date; with ?known_on=YYYY-MM-DD: "
        "as the record described it at the end of that day (null: not yet pledged, or not "
        "yet known).",
    )

    class Meta:
        model = Commitment
        fields = [*COMMITMENT_FIELDS, "status_on"]


class UserNameField(serializers.SlugRelatedField):
    def __init__(self, **kwargs):
        # Not the username's own help text ("Required. 150 characters..."): that is the form's.
        kwargs.setdefault("help_text", "a username")
        super().__init__(slug_field="username", read_only=True, **kwargs)


CORRECTS_HELP = (
    "a correction only: the sequence of the earlier commitment.status_changed event (see the "
    "commitment's history) it says was wrong; once approved, that event and every later "
    "status change of the commitment are superseded. Null: it corrects the current status."
)


class StatusUpdateSerializer(serializers.ModelSerializer):
    sources = SourceSerializer(many=True, read_only=True)
    proposed_by = UserNameField()
    reviewed_by = UserNameField(help_text="the reviewer's username; null until decided")
    corrects = serializers.IntegerField(
        source="corrects_id", read_only=True, allow_null=True, help_text=CORRECTS_HELP
    )

    class Meta:
        model = StatusUpdate
        fields = [
            "id",
            "commitment",
            "proposed_status",
            "effective_date",
            "summary",
            "sources",
            "is_correction",
            "correction_reason",
            "corrects",
            "state",
            "base_version",
            "proposed_by",
            "submitted_at",
            "reviewed_by",
            "reviewed_at",
            "review_comment",
            "created_at",
            "updated_at",
        ]


class AuditEventSerializer(serializers.ModelSerializer):
    actor = serializers.CharField(source="actor_name", read_only=True)
    before = serializers.JSONField(read_only=True)
    after = serializers.JSONField(read_only=True)

    class Meta:
        model = AuditEvent
        fields = [
            "sequence",
            "occurred_at",
            "actor",
            "action",
            "object_type",
            "object_id",
            "commitment",
            "update",
            "effective_date",
            "before",
            "after",
            "reason",
            "request_id",
            "prev_hash",
            "hash",
        ]


class ChangeObjectSerializer(serializers.Serializer):
    type = serializers.CharField()
    id = serializers.CharField()


class ChangeSerializer(serializers.Serializer):
    cursor = serializers.CharField()
    sequence = serializers.IntegerField(help_text="the audit event's number: commit order")
    type = serializers.CharField(help_text="the audit action, e.g. commitment.status_changed")
    occurred_at = serializers.DateTimeField()
    object = ChangeObjectSerializer()
    data = serializers.JSONField(help_text="the object's new state (the changed fields)")
    before = serializers.JSONField()


class ChangesPageSerializer(serializers.Serializer):
    results = ChangeSerializer(many=True)
    next_cursor = serializers.CharField()
    has_more = serializers.BooleanField()


class WebhookEndpointSerializer(serializers.ModelSerializer):
    participants = serializers.SlugRelatedField(slug_field="code", many=True, read_only=True)
    guarantees = serializers.SlugRelatedField(slug_field="slug", many=True, read_only=True)
    agreements = serializers.SlugRelatedField(slug_field="slug", many=True, read_only=True)

    class Meta:
        model = WebhookEndpoint
        fields = [
            "id",
            "url",
            "description",
            "participants",
            "guarantees",
            "agreements",
            "event_types",
            "is_active",
            "disabled_at",
            "disabled_reason",
            "created_at",
            "updated_at",
        ]

    event_types = serializers.ListField(
        child=serializers.ChoiceField(choices=EVENT_TYPES),
        read_only=True,
        help_text="the webhook event types it receives",
    )


class WebhookEndpointCreatedSerializer(WebhookEndpointSerializer):
    secret = serializers.CharField(
        read_only=True, help_text="whsec_...: shown only now; sign-check every delivery with it"
    )

    class Meta(WebhookEndpointSerializer.Meta):
        fields = [*WebhookEndpointSerializer.Meta.fields, "secret"]


class AuditCheckpointSerializer(serializers.Serializer):
    """A signed checkpoint of the audit chain, exactly as published: keep this JSON as served
    and check it later with `manage.py verify_audit --checkpoint FILE`."""

    id = serializers.IntegerField(read_only=True)
    sequence = serializers.IntegerField(
        read_only=True, min_value=0, help_text="the head event's sequence (0: empty history)"
    )
    hash = serializers.CharField(
        read_only=True, min_length=64, max_length=64, help_text="the head event's hash (hex)"
    )
    signed_at = serializers.DateTimeField(
        read_only=True,
        format=checkpoints.SIGNED_AT_FORMAT,
        help_text="UTC, YYYY-MM-DDTHH:MM:SS.ffffffZ, as signed",
    )
    key_id = serializers.CharField(
        read_only=True, help_text="first 16 hex digits of SHA-256 of the raw public key"
    )
    algorithm = serializers.ChoiceField(choices=[checkpoints.ALGORITHM], read_only=True)
    signature = serializers.CharField(
        read_only=True,
        help_text='base64 Ed25519 signature of {"hash","key_id","sequence","signed_at"} as '
        "JSON, keys sorted, no whitespace",
    )

    def to_representation(self, instance):
        return checkpoints.document(instance)


class AuditPublicKeySerializer(serializers.Serializer):
    algorithm = serializers.ChoiceField(choices=[checkpoints.ALGORITHM])
    key_id = serializers.CharField(help_text="what each checkpoint's key_id names")
    public_key = serializers.CharField(help_text="base64 of the raw 32-byte public key")
    public_key_pem = serializers.CharField(help_text="the same key, PEM (SubjectPublicKeyInfo)")


class WebhookSecretSerializer(serializers.Serializer):
    secret = serializers.CharField(help_text="the new secret, shown only now")


class SubscriptionSerializer(serializers.ModelSerializer):
    """One of the user's subscriptions: what it follows (no filter at all: every change) and
    through which channel."""

    participants = serializers.SlugRelatedField(slug_field="code", many=True, read_only=True)
    guarantees = serializers.SlugRelatedField(slug_field="slug", many=True, read_only=True)
    agreements = serializers.SlugRelatedField(slug_field="slug", many=True, read_only=True)

    class Meta:
        model = Subscription
        fields = ["id", "channel", "participants", "guarantees", "agreements", "created_at"]


# Notifications (shell) --------------------------------------------------------------------


class NotificationSerializer(serializers.ModelSerializer):
    """One entry of the user's in-app inbox."""

    data = serializers.DictField(
        read_only=True,
        help_text="what the notification is about, by kind: the commitment, its participant "
        "and guarantee, the update and its reviewer",
    )

    class Meta:
        model = Notification
        fields = ["id", "kind", "title", "commitment", "data", "created_at", "read_at"]


class NotificationsReadSerializer(serializers.Serializer):
    count = serializers.IntegerField(help_text="how many unread notifications were marked read")
