"""Output serializers (what the API shows) and input serializers (what it accepts)."""

from rest_framework import serializers

from commitments import checkpoints
from commitments.choices import CommitmentStatus
from commitments.models import (
    EVENT_TYPES,
    MAX_FILTER_VALUES,
    Agreement,
    AuditEvent,
    Commitment,
    Guarantee,
    Participant,
    Source,
    StatusUpdate,
    WebhookEndpoint,
)
from tracker import formats


class StrictInputSerializer(serializers.Serializer):
    """Refuses fields it does not know, instead of ignoring them, and ids, dates and
    date-times in any form but the one the schema names (tracker.formats)."""

    def to_internal_value(self, data):
        if not isinstance(data, dict):
            return super().to_internal_value(data)
        unknown = sorted(set(data) - set(self.fields))
        if unknown:
            raise serializers.ValidationError(
                {name: ["Unknown field."] for name in unknown}, code="unknown_field"
            )
        malformed = {
            name: [message]
            for name, field in self.fields.items()
            if name in data and (message := formats.refusal(field, data[name]))
        }
        try:
            value = super().to_internal_value(data)
        except serializers.ValidationError as error:
            raise serializers.ValidationError({**error.detail, **malformed}) from error
        if malformed:
            raise serializers.ValidationError(malformed)
        return value


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
        help_text="With ?as_of=YYYY-MM-DD: the status on that date (null: not yet pledged).",
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


# Input -----------------------------------------------------------------------------------


class SourceInputSerializer(StrictInputSerializer):
    url = serializers.URLField(max_length=2000)
    title = serializers.CharField(max_length=300, required=False, allow_blank=True)
    publisher = serializers.CharField(max_length=200, required=False, allow_blank=True)
    published_on = serializers.DateField(required=False, allow_null=True)
    excerpt = serializers.CharField(max_length=2000, required=False, allow_blank=True)


class UpdateCreateSerializer(StrictInputSerializer):
    commitment = serializers.PrimaryKeyRelatedField(queryset=Commitment.objects.all())
    proposed_status = serializers.ChoiceField(choices=CommitmentStatus.choices)
    effective_date = serializers.DateField()
    summary = serializers.CharField(max_length=5000)
    sources = SourceInputSerializer(many=True, allow_empty=False, max_length=20)
    base_version = serializers.IntegerField(min_value=1, required=False)
    is_correction = serializers.BooleanField(default=False)
    correction_reason = serializers.CharField(
        max_length=5000, required=False, allow_blank=True, default=""
    )
    corrects = serializers.IntegerField(
        min_value=1, max_value=2**63 - 1, required=False, allow_null=True, help_text=CORRECTS_HELP
    )
    draft = serializers.BooleanField(default=False, help_text="true: saved, not submitted")


class UpdateEditSerializer(StrictInputSerializer):
    """PATCH of an own draft: the fields sent replace the draft's; the others stay."""

    proposed_status = serializers.ChoiceField(choices=CommitmentStatus.choices, required=False)
    effective_date = serializers.DateField(required=False)
    summary = serializers.CharField(max_length=5000, required=False)
    sources = SourceInputSerializer(many=True, allow_empty=False, max_length=20, required=False)
    is_correction = serializers.BooleanField(required=False)
    correction_reason = serializers.CharField(max_length=5000, required=False, allow_blank=True)
    corrects = serializers.IntegerField(
        min_value=1, max_value=2**63 - 1, required=False, allow_null=True, help_text=CORRECTS_HELP
    )


class UpdateReviewSerializer(StrictInputSerializer):
    comment = serializers.CharField(
        max_length=5000,
        required=False,
        allow_blank=True,
        default="",
        help_text="required to reject",
    )


class EmptyInputSerializer(StrictInputSerializer):
    pass


class CodeListField(serializers.ListField):
    """A filter list: codes (or slugs) of one model, at most MAX_FILTER_VALUES, each taken
    once, resolved in one query; the unknown ones are named in the error."""

    def __init__(self, *, model, slug_field: str, **kwargs) -> None:
        self.model, self.slug_field = model, slug_field
        kwargs.setdefault("child", serializers.CharField(max_length=100))
        kwargs.setdefault("max_length", MAX_FILTER_VALUES)
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        if isinstance(data, list) and len(data) > self.max_length:
            # Refused before any code is looked at, duplicates counted.
            self.fail("max_length", max_length=self.max_length)
        codes = list(dict.fromkeys(super().to_internal_value(data)))
        rows = self.model.objects.filter(**{f"{self.slug_field}__in": codes})
        found = {getattr(row, self.slug_field): row for row in rows}
        unknown = [code for code in codes if code not in found]
        if unknown:
            name = self.model._meta.verbose_name_plural
            raise serializers.ValidationError(f"Unknown {name}: {', '.join(unknown)}.")
        return [found[code] for code in codes]


class WebhookFiltersInputSerializer(StrictInputSerializer):
    """The filters an endpoint takes (none of the three means every change) and the event
    types it receives."""

    participants = CodeListField(
        model=Participant,
        slug_field="code",
        required=False,
        help_text="participant codes; none of the three filters: every change",
    )
    guarantees = CodeListField(
        model=Guarantee, slug_field="slug", required=False, help_text="guarantee slugs"
    )
    agreements = CodeListField(
        model=Agreement, slug_field="slug", required=False, help_text="agreement slugs"
    )
    event_types = serializers.ListField(
        child=serializers.ChoiceField(choices=EVENT_TYPES),
        required=False,
        allow_empty=False,
        max_length=len(EVENT_TYPES),
        help_text="the webhook event types to receive (when created, by default: "
        "commitment.status_changed)",
    )


class WebhookEndpointCreateSerializer(WebhookFiltersInputSerializer):
    url = serializers.CharField(max_length=2000, help_text="http(s); public addresses only")
    description = serializers.CharField(max_length=300, required=False, allow_blank=True)


class WebhookEndpointUpdateSerializer(WebhookFiltersInputSerializer):
    """PATCH of an own endpoint: the fields sent replace the endpoint's; the others stay. A
    filter sent empty takes in everything again."""

    url = serializers.CharField(
        max_length=2000, required=False, help_text="http(s); public addresses only"
    )
    description = serializers.CharField(max_length=300, required=False, allow_blank=True)
    is_active = serializers.BooleanField(
        required=False, help_text="false: switched off; true: on again, failure record cleared"
    )
