"""FilterSets shared by the API and the HTML lists."""

import datetime

import django_filters as filters
from django import forms
from django.db.models import CharField, Q
from django.db.models.functions import Cast
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_filters.fields import IsoDateTimeField
from django_filters.rest_framework import DjangoFilterBackend

from accounts.roles import Role, has_role
from commitments import audit
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


class AuditLogFilter(filters.FilterSet):
    """The audit log page's filters (/audit/): by object (a commitment, a participant, a
    guarantee, or any object by type and id), actor, action and a range of recording dates.
    `viewer` narrows the actions offered to those they may read. Every value is checked: a
    participant or guarantee that does not exist, an unknown action or object type, a
    malformed date or a range that ends before it begins is an error on its field, never an
    empty log that looks like "nothing happened"."""

    commitment = IdFilter(field_name="commitment_id", label=_("Commitment"))
    participant = filters.CharFilter(
        label=_("Participant"), max_length=10, method="_participant", help_text=_("Its code")
    )
    guarantee = filters.CharFilter(
        label=_("Guarantee"), max_length=100, method="_guarantee", help_text=_("Its slug")
    )
    object_type = filters.ChoiceFilter(
        label=_("Object type"), choices=[], empty_label=_("Any object")
    )
    object_id = filters.CharFilter(label=_("Object id"), max_length=64)
    actor = filters.CharFilter(
        field_name="actor_name", lookup_expr="iexact", label=_("Actor"), max_length=150
    )
    action = filters.ChoiceFilter(label=_("Action"), choices=[], empty_label=_("Any action"))
    since = StrictDateFilter(
        label=_("From"),
        method="_since",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    until = StrictDateFilter(
        label=_("To"),
        method="_until",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )

    class Meta:
        model = AuditEvent
        fields = [
            "commitment",
            "participant",
            "guarantee",
            "object_type",
            "object_id",
            "actor",
            "action",
            "since",
            "until",
        ]

    def __init__(self, *args, viewer=None, **kwargs):
        super().__init__(*args, **kwargs)
        private = () if has_role(viewer, Role.ADMIN) else audit.PRIVATE_ACTIONS
        # The choices depend on the viewer: set on this instance's form (django-filter's
        # field adds the empty choice itself).
        self.form.fields["action"].choices = [
            (action, label)
            for action, label in audit.ACTION_LABELS.items()
            if action not in private
        ]
        self.form.fields["object_type"].choices = list(audit.OBJECT_TYPE_LABELS.items())
        self.form.clean = self._clean_form

    def _clean_form(self):
        data = self.form.cleaned_data
        since, until = data.get("since"), data.get("until")
        if since and until and until < since:
            self.form.add_error("until", _("The range ends before it begins."))
        code = (data.get("participant") or "").strip()
        if code and not Participant.objects.filter(code__iexact=code).exists():
            self.form.add_error("participant", _("No participant has the code %s.") % code)
        slug = (data.get("guarantee") or "").strip()
        if slug and not Guarantee.objects.filter(slug=slug).exists():
            self.form.add_error("guarantee", _("No guarantee has the slug %s.") % slug)
        return data

    @staticmethod
    def _about(model, lookup: dict) -> Q:
        """Events about the objects `lookup` selects, by `object_type` and `object_id`."""
        ids = model.objects.filter(**lookup).annotate(text_id=Cast("pk", CharField()))
        return Q(object_type=model._meta.label_lower, object_id__in=ids.values("text_id"))

    def _participant(self, queryset, name, value):
        code = value.strip()
        return queryset.filter(
            Q(commitment__participant__code__iexact=code)
            | self._about(Participant, {"code__iexact": code})
        )

    def _guarantee(self, queryset, name, value):
        slug = value.strip()
        return queryset.filter(
            Q(commitment__guarantee__slug=slug) | self._about(Guarantee, {"slug": slug})
        )

    # Days in the site's time zone, as selectors.end_of_day reads them (a sibling module of
    # the same layer, which this one may not import).
    def _since(self, queryset, name, value):
        start = datetime.datetime.combine(value, datetime.time.min)
        return queryset.filter(
            occurred_at__gte=timezone.make_aware(start, timezone.get_default_timezone())
        )

    def _until(self, queryset, name, value):
        last = datetime.datetime.combine(value, datetime.time.max)
        return queryset.filter(
            occurred_at__lte=timezone.make_aware(last, timezone.get_default_timezone())
        )


class NotificationFilter(filters.FilterSet):
    """The inbox's filters (shell): unread ones only, or some kinds only."""

    unread = filters.BooleanFilter(
        field_name="read_at", lookup_expr="isnull", help_text="true: unread only; false: read only"
    )
    kind = filters.MultipleChoiceFilter(choices=NotificationKind.choices)

    class Meta:
        model = Notification
        fields = ["unread", "kind"]
