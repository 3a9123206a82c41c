"""Input serializers: what a write accepts; the services check the rest."""

from rest_framework import serializers

from commitments.api.serializers.base import StrictInputSerializer
from commitments.api.serializers.output import CORRECTS_HELP
from commitments.choices import CommitmentStatus, NotificationChannel
from commitments.models import (
    EVENT_TYPES,
    MAX_FILTER_VALUES,
    URL_MAX_LENGTH,
    Agreement,
    Commitment,
    Guarantee,
    Participant,
)

# Input -----------------------------------------------------------------------------------


class SourceInputSerializer(StrictInputSerializer):
    url = serializers.URLField(max_length=URL_MAX_LENGTH)
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
    url = serializers.CharField(
        max_length=URL_MAX_LENGTH, help_text="http(s); public addresses only"
    )
    description = serializers.CharField(max_length=300, required=False, allow_blank=True)


class WebhookEndpointUpdateSerializer(WebhookFiltersInputSerializer):
    """PATCH of an own endpoint: the fields sent replace the endpoint's; the others stay. A
    filter sent empty takes in everything again."""

    url = serializers.CharField(
        max_length=URL_MAX_LENGTH, required=False, help_text="http(s); public addresses only"
    )
    description = serializers.CharField(max_length=300, required=False, allow_blank=True)
    is_active = serializers.BooleanField(
        required=False, help_text="false: switched off; true: on again, failure record cleared"
    )


class SubscriptionCreateSerializer(StrictInputSerializer):
    """What to follow (none of the three filters: every change) and how to be told."""

    channel = serializers.ChoiceField(
        choices=NotificationChannel.choices,
        default=NotificationChannel.IN_APP,
        help_text="email: at once; digest: one e-mail a day; in_app: the inbox (the default). "
        "E-mail needs an address on the account",
    )
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
