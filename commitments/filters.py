"""FilterSets shared by the API and the HTML lists."""

import datetime

import django_filters as filters
from django import forms
from django.utils.translation import gettext_lazy as _
from django_filters.fields import IsoDateTimeField
from django_filters.rest_framework import DjangoFilterBackend

from commitments.choices import (
    CommitmentStatus,
    GuaranteeDomain,
    NotificationKind,
    ParticipantKind,
    UpdateState,
)
from commitments.models import (
    AuditEvent,
    Commitment,
    Guarantee,
    Notification,
    Participant,
    StatusUpdate,
)
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


class StrictDateField(forms.DateField):
    """A calendar date written YYYY-MM-DD (tracker.formats), and one that exists: 2024-02-30
    and 20240101 are refused with a message, not guessed at."""

    input_formats = ["%Y-%m-%d"]

    def to_python(self, value):
        if value not in self.empty_values and not formats.is_date(value):
            raise forms.ValidationError(formats.DATE_MESSAGE, code="invalid")
        try:
            return super().to_python(value)
        except forms.ValidationError as error:
            raise forms.ValidationError(
                _("%(value)s is not a date on the calendar."),
                code="invalid",
                params={"value": value},
            ) from error


class StrictDateFilter(filters.DateFilter):
    field_class = StrictDateField


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


class MatrixFilter(filters.FilterSet):
    """The matrix page's and exports' query string: each parameter checked (an unknown value is
    an error, never an empty matrix), each field with the label the form shows. The matrix
    selector applies them; this set only reads and checks them."""

    agreement = filters.CharFilter(label=_("Agreement"), method="_checked_only", max_length=100)
    domain = filters.ChoiceFilter(
        label=_("Domain"),
        choices=GuaranteeDomain.choices,
        empty_label=_("Any domain"),
        method="_checked_only",
    )
    status = filters.ChoiceFilter(
        label=_("Status"),
        choices=CommitmentStatus.choices,
        empty_label=_("Any status"),
        method="_checked_only",
    )
    kind = filters.ChoiceFilter(
        label=_("Participant kind"),
        choices=ParticipantKind.choices,
        empty_label=_("Any kind"),
        method="_checked_only",
    )
    q = filters.CharFilter(
        label=_("Search"),
        max_length=100,
        method="_checked_only",
        help_text=_("Participant name or code"),
    )
    sort = filters.ChoiceFilter(
        label=_("Sort"),
        choices=[("name", _("By name")), ("progress", _("By progress"))],
        empty_label=None,
        method="_checked_only",
    )
    as_of = StrictDateFilter(
        label=_("As of"),
        method="_checked_only",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("The world on that date, by effective dates"),
    )
    known_on = StrictDateFilter(
        label=_("Known on"),
        method="_checked_only",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("What the record said at the end of that day"),
    )

    class Meta:
        model = Commitment
        fields = ["agreement", "domain", "status", "kind", "q", "sort", "as_of", "known_on"]

    def _checked_only(self, queryset, name, value):
        return queryset

    def matrix_arguments(self) -> dict:
        """The checked values as record_matrix's keyword arguments (agreement aside)."""
        data = self.form.cleaned_data
        return {
            "as_of": data.get("as_of"),
            "known_on": data.get("known_on"),
            "domain": data.get("domain") or None,
            "status": data.get("status") or None,
            "kind": data.get("kind") or None,
            "q": (data.get("q") or "").strip() or None,
            "sort": data.get("sort") or "name",
        }


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


class NotificationFilter(filters.FilterSet):
    """The inbox's filters (shell): unread ones only, or some kinds only."""

    unread = filters.BooleanFilter(
        field_name="read_at", lookup_expr="isnull", help_text="true: unread only; false: read only"
    )
    kind = filters.MultipleChoiceFilter(choices=NotificationKind.choices)

    class Meta:
        model = Notification
        fields = ["unread", "kind"]
