"""FilterSets shared by the API and the HTML lists."""

import datetime

import django_filters as filters
from django import forms
from django.utils.translation import gettext_lazy as _
from django_filters.fields import IsoDateTimeField
from django_filters.rest_framework import DjangoFilterBackend

from commitments.choices import CommitmentStatus, GuaranteeDomain, UpdateState
from commitments.models import AuditEvent, Commitment, Guarantee, Participant, StatusUpdate
from tracker import formats


class IdFilter(filters.NumberFilter):
    """A row id: a whole number the database can hold, else a 400."""

    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", 2**63 - 1)
        super().__init__(*args, **kwargs)


class UtcDateTimeField(IsoDateTimeField):
    """An RFC 3339 date-time (tracker.formats), turned to UTC: any offset (even -20:37, which
    PostgreSQL refuses) becomes one the database takes; out of range is a 400."""

    def to_python(self, value):
        if value not in self.empty_values and not formats.is_date_time(value):
            raise forms.ValidationError(formats.DATE_TIME_MESSAGE, code="invalid")
        value = super().to_python(value)
        if value is None:
            return None
        try:
            return value.astimezone(datetime.UTC)
        except OverflowError as error:
            raise forms.ValidationError(_("The date-time is out of range.")) from error


class UtcDateTimeFilter(filters.IsoDateTimeFilter):
    field_class = UtcDateTimeField


class ParticipantFilter(filters.FilterSet):
    code = filters.CharFilter(field_name="code", lookup_expr="iexact")

    class Meta:
        model = Participant
        fields = ["code", "kind", "needs_parliamentary_approval"]


class GuaranteeFilter(filters.FilterSet):
    agreement = filters.CharFilter(field_name="agreement__slug", help_text="agreement slug")
    domain = filters.ChoiceFilter(choices=GuaranteeDomain.choices)

    class Meta:
        model = Guarantee
        fields = ["agreement", "domain"]


class CommitmentFilter(filters.FilterSet):
    participant = filters.CharFilter(
        field_name="participant__code", lookup_expr="iexact", help_text="participant code (FR)"
    )
    guarantee = filters.CharFilter(field_name="guarantee__slug", help_text="guarantee slug")
    agreement = filters.CharFilter(
        field_name="guarantee__agreement__slug", help_text="agreement slug"
    )
    status = filters.MultipleChoiceFilter(choices=CommitmentStatus.choices)
    domain = filters.ChoiceFilter(field_name="guarantee__domain", choices=GuaranteeDomain.choices)
    updated_since = UtcDateTimeFilter(
        field_name="updated_at", lookup_expr="gte", help_text="ISO 8601 date-time"
    )

    class Meta:
        model = Commitment
        fields = ["participant", "guarantee", "agreement", "status", "domain", "updated_since"]


class StatusUpdateFilter(filters.FilterSet):
    state = filters.MultipleChoiceFilter(choices=UpdateState.choices)
    commitment = IdFilter(field_name="commitment_id")
    proposed_by = filters.CharFilter(field_name="proposed_by__username")

    class Meta:
        model = StatusUpdate
        fields = ["state", "commitment", "proposed_by"]


class AuditEventFilter(filters.FilterSet):
    object_type = filters.CharFilter(help_text="e.g. commitments.commitment")
    object_id = filters.CharFilter()
    commitment = IdFilter(field_name="commitment_id")
    action = filters.CharFilter()

    class Meta:
        model = AuditEvent
        fields = ["object_type", "object_id", "commitment", "action"]


class FilterBackend(DjangoFilterBackend):
    """DjangoFilterBackend that skips building the FilterSet (and its form) when the request
    names none of its filters: most list requests, at a fraction of the cost."""

    def filter_queryset(self, request, queryset, view):
        filterset_class = self.get_filterset_class(view, queryset)
        if filterset_class is None or not any(
            name in request.query_params for name in filterset_class.base_filters
        ):
            return queryset
        return super().filter_queryset(request, queryset, view)
