"""The Django admin for the record: reference data, commitments, and the review and audit trail.

Every write goes through commitments.services, so it is validated and audited like any other;
a refused write (a DomainError) is shown as an error message and changes nothing.
"""

from contextlib import contextmanager, nullcontext

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import ActionLocation
from django.db import router, transaction
from django.http import HttpResponseRedirect
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from commitments import notifications, selectors, services, workflow
from commitments.exceptions import DomainError
from commitments.models import (
    EVENT_TYPES,
    STATUS_CHANGED_TYPE,
    Agreement,
    AuditCheckpoint,
    AuditEvent,
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
)

_TIMESTAMPS = ("created_at", "updated_at")
# Fields only an approved status update changes.
_STATUS_FIELDS = ("status", "status_date", "status_changed_at", "version")
_STAGE_DATES = tuple(workflow.STAGE_DATE_FIELDS.values())
_FILTERS = ("participants", "guarantees", "agreements")


class _Refused(Exception):
    """A service refused the write; the reason is already queued as a message."""


class RefusalMessagesMixin:
    """Shows a DomainError as an error message and returns to the page, instead of a 500.

    The admin's write views run in one transaction, so a refusal anywhere in a save or a
    delete rolls back everything the request did.
    """

    @contextmanager
    def refusal_reported(self, request):
        try:
            yield
        except DomainError as error:
            self.message_user(request, str(error), messages.ERROR)
            raise _Refused from error

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except _Refused:
            return HttpResponseRedirect(request.get_full_path())

    def delete_view(self, request, object_id, extra_context=None):
        try:
            return super().delete_view(request, object_id, extra_context)
        except _Refused:
            return HttpResponseRedirect(request.get_full_path())

    def changelist_view(self, request, extra_context=None):
        # Actions run outside any transaction; a refused bulk delete must roll back whole.
        atomic = transaction.atomic(using=router.db_for_write(self.model))
        try:
            with atomic if request.method == "POST" else nullcontext():
                return super().changelist_view(request, extra_context)
        except _Refused:
            return HttpResponseRedirect(request.get_full_path())


class SelectorQuerysetMixin:
    """Lists and pages read through the selector the API uses (`selector(viewer=user)`), so
    a visibility rule exists once; the admin's ordering still applies."""

    selector = None

    def get_queryset(self, request):
        queryset = type(self).selector(viewer=request.user)
        ordering = self.get_ordering(request)
        return queryset.order_by(*ordering) if ordering else queryset


class VisibleSourcesMixin:
    """A record's sources are chosen among those the user may read (selectors.sources_for),
    so a crafted POST cannot cite, and so publish, a source only another person's draft
    cites."""

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.related_model is Source:
            kwargs["queryset"] = selectors.sources_for(viewer=request.user)
        return super().formfield_for_manytomany(db_field, request, **kwargs)


def _commitment_save(commitment: Commitment, actor) -> None:
    """A new commitment through commitment_create, a changed one through commitment_save.

    The admin goes on using the instance it built (for the m2m, the log and the redirect), so
    the created row's values are copied onto it.
    """
    if not commitment._state.adding:
        services.commitment_save(commitment=commitment, actor=actor)
        return
    created = services.commitment_create(
        participant=commitment.participant,
        guarantee=commitment.guarantee,
        actor=actor,
        pledged_on=commitment.pledged_on,
        subject_to_ratification=commitment.subject_to_ratification,
        notes=commitment.notes,
        is_sample=commitment.is_sample,
    )
    for field in Commitment._meta.concrete_fields:
        setattr(commitment, field.attname, getattr(created, field.attname))
    commitment._state.adding = False
    commitment._state.db = created._state.db


def _save(obj, actor) -> None:
    """Save one row through its service (audited)."""
    match obj:
        case Participant():
            services.participant_save(participant=obj, actor=actor)
        case Agreement():
            services.agreement_save(agreement=obj, actor=actor)
        case Guarantee():
            services.guarantee_save(guarantee=obj, actor=actor)
        case Source():
            services.source_save(source=obj, actor=actor)
        case Commitment():
            _commitment_save(obj, actor)
        case _:
            raise TypeError(f"No service saves a {type(obj).__name__}.")


def _each(modeladmin, request, objects, act, *, refused, done) -> None:
    """An admin action: `act` on each object through its service; each refusal reported
    with what it refused, the successes counted in one message."""
    succeeded = 0
    for obj in objects:
        try:
            act(obj)
        except DomainError as error:
            modeladmin.message_user(request, f"{refused(obj)}: {error}", messages.ERROR)
        else:
            succeeded += 1
    if succeeded:
        modeladmin.message_user(request, done(succeeded), messages.SUCCESS)


class ServiceAdmin(RefusalMessagesMixin, admin.ModelAdmin):
    """Saves the object and its inline rows through the services."""

    def save_model(self, request, obj, form, change):
        with self.refusal_reported(request):
            _save(obj, request.user)

    def save_formset(self, request, form, formset, change):
        rows = formset.save(commit=False)
        with self.refusal_reported(request):
            for obj in formset.deleted_objects:
                services.reference_delete(instance=obj, actor=request.user)
            for obj in rows:
                _save(obj, request.user)
        formset.save_m2m()

    def delete_queryset(self, request, queryset):
        # Audited models refuse QuerySet.delete(): say so instead of answering 500.
        with self.refusal_reported(request):
            super().delete_queryset(request, queryset)


class ReferenceAdmin(ServiceAdmin):
    """Reference data: deletes go through reference_delete (audited) too."""

    def delete_model(self, request, obj):
        with self.refusal_reported(request):
            services.reference_delete(instance=obj, actor=request.user)

    def delete_queryset(self, request, queryset):
        # Every refusal is reported, then the whole batch is rolled back: all or nothing, as
        # Django's own bulk delete, whose success message counts every selected row.
        refused = False
        for obj in queryset:
            try:
                with self.refusal_reported(request):
                    services.reference_delete(instance=obj, actor=request.user)
            except _Refused:
                refused = True
        if refused:
            self.message_user(request, _("Nothing was deleted."), messages.ERROR)
            raise _Refused


# Inlines --------------------------------------------------------------------------------


class CommitmentInline(admin.TabularInline):
    """Commitments listed on their participant or guarantee; status moves only by updates."""

    model = Commitment
    extra = 0
    can_delete = False
    show_change_link = True
    readonly_fields = ("status", "status_date", "version")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("participant", "guarantee")


class ParticipantCommitmentInline(CommitmentInline):
    fields = ("guarantee", "status", "status_date", "version", "subject_to_ratification")
    autocomplete_fields = ("guarantee",)


class GuaranteeCommitmentInline(CommitmentInline):
    fields = ("participant", "status", "status_date", "version", "subject_to_ratification")
    autocomplete_fields = ("participant",)


class GuaranteeInline(admin.TabularInline):
    model = Guarantee
    extra = 0
    show_change_link = True
    fields = ("position", "title", "slug", "domain")
    prepopulated_fields = {"slug": ("title",)}


# Reference data -------------------------------------------------------------------------


@admin.register(Source)
class SourceAdmin(SelectorQuerysetMixin, ReferenceAdmin):
    selector = selectors.sources_for
    list_display = ("__str__", "publisher", "published_on", "url", "created_at")
    search_fields = ("title", "url", "publisher")
    list_filter = ("published_on",)
    date_hierarchy = "published_on"
    ordering = ("-published_on", "pk")
    readonly_fields = ("created_at",)

    def has_delete_permission(self, request, obj=None):
        # A source cited by a status update is evidence on record: it stays.
        if obj is not None and obj.updates.exists():
            return False
        return super().has_delete_permission(request, obj)


@admin.register(Participant)
class ParticipantAdmin(ReferenceAdmin):
    list_display = (
        "name",
        "code",
        "kind",
        "needs_parliamentary_approval",
        "approval_body",
        "is_sample",
        "updated_at",
    )
    search_fields = ("name", "code", "approval_body")
    list_filter = ("kind", "needs_parliamentary_approval", "is_sample")
    ordering = ("name",)
    readonly_fields = _TIMESTAMPS
    inlines = (ParticipantCommitmentInline,)


@admin.register(Agreement)
class AgreementAdmin(VisibleSourcesMixin, ReferenceAdmin):
    list_display = ("title", "kind", "signed_on", "place", "is_sample")
    search_fields = ("title", "slug", "place")
    list_filter = ("kind", "is_sample")
    date_hierarchy = "signed_on"
    ordering = ("-signed_on", "title")
    prepopulated_fields = {"slug": ("title",)}
    autocomplete_fields = ("sources",)
    readonly_fields = _TIMESTAMPS
    inlines = (GuaranteeInline,)

    def save_related(self, request, form, formsets, change):
        # The sources go through their service (audited), not the form's plain m2m save.
        sources = form.cleaned_data.pop("sources", None)
        super().save_related(request, form, formsets, change)
        if sources is not None:
            with self.refusal_reported(request):
                services.agreement_sources_set(
                    agreement=form.instance, sources=sources, actor=request.user
                )


@admin.register(Guarantee)
class GuaranteeAdmin(ReferenceAdmin):
    list_display = ("title", "agreement", "domain", "position")
    list_select_related = ("agreement",)
    search_fields = ("title", "slug", "agreement__title")
    list_filter = ("domain", "agreement")
    ordering = ("agreement", "position", "title")
    prepopulated_fields = {"slug": ("title",)}
    autocomplete_fields = ("agreement",)
    readonly_fields = _TIMESTAMPS
    inlines = (GuaranteeCommitmentInline,)


# Commitments ----------------------------------------------------------------------------


@admin.register(Commitment)
class CommitmentAdmin(VisibleSourcesMixin, ServiceAdmin):
    list_display = (
        "participant",
        "guarantee",
        "status",
        "status_date",
        "version",
        "subject_to_ratification",
        "updated_at",
    )
    list_select_related = ("participant", "guarantee")
    search_fields = ("participant__name", "participant__code", "guarantee__title")
    list_filter = (
        "status",
        "subject_to_ratification",
        "is_sample",
        "participant__kind",
        "guarantee__domain",
        "guarantee__agreement",
    )
    date_hierarchy = "status_date"
    ordering = ("guarantee", "participant__name")
    autocomplete_fields = ("participant", "guarantee", "sources")
    fieldsets = (
        (
            None,
            {
                "fields": (
                    "participant",
                    "guarantee",
                    "subject_to_ratification",
                    "notes",
                    "sources",
                    "is_sample",
                )
            },
        ),
        (
            gettext_lazy("Status (changed only through reviewed updates)"),
            {"fields": _STATUS_FIELDS},
        ),
        (gettext_lazy("Stages reached"), {"fields": _STAGE_DATES}),
        (gettext_lazy("Record"), {"fields": _TIMESTAMPS}),
    )

    def get_readonly_fields(self, request, obj=None):
        stages = _STAGE_DATES
        if obj is None:
            # The pledge date is given once, when the commitment is recorded.
            stages = tuple(name for name in stages if name != "pledged_on")
        fixed = () if obj is None else ("participant", "guarantee")
        return (*fixed, *_STATUS_FIELDS, *stages, *_TIMESTAMPS)


# Review and audit trail -----------------------------------------------------------------


@admin.register(StatusUpdate)
class StatusUpdateAdmin(SelectorQuerysetMixin, admin.ModelAdmin):
    """View-only: analysts write updates in the app or the API; reviewers approve them here."""

    selector = selectors.status_updates_for

    list_display = (
        "__str__",
        "state",
        "proposed_status",
        "effective_date",
        "commitment",
        "proposed_by",
        "submitted_at",
        "reviewed_by",
    )
    list_select_related = (
        "commitment__participant",
        "commitment__guarantee",
        "proposed_by",
        "reviewed_by",
    )
    search_fields = (
        "summary",
        "commitment__participant__name",
        "commitment__guarantee__title",
        "proposed_by__username",
    )
    list_filter = ("state", "proposed_status", "is_correction")
    date_hierarchy = "submitted_at"
    ordering = ("-created_at", "-pk")
    readonly_fields = _TIMESTAMPS
    actions = ("approve_updates",)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(
        description=gettext_lazy("Approve this update"),
        description_plural=gettext_lazy("Approve selected updates"),
        location=[ActionLocation.CHANGE_LIST, ActionLocation.CHANGE_FORM],
    )
    def approve_updates(self, request, queryset):
        # Oldest first: of two updates on one commitment, the later one then turns stale.
        _each(
            self,
            request,
            queryset.order_by("submitted_at", "pk"),
            lambda update: services.update_approve(update=update, reviewer=request.user),
            refused=lambda update: _("Update #%s was not approved") % update.pk,
            done=lambda n: ngettext("Approved %d update.", "Approved %d updates.", n) % n,
        )


@admin.register(AuditEvent)
class AuditEventAdmin(SelectorQuerysetMixin, admin.ModelAdmin):
    """The append-only history: looked at, never added to, changed or deleted here."""

    selector = selectors.audit_events_for

    list_display = ("sequence", "occurred_at", "actor_name", "action", "object_type", "object_id")
    list_filter = ("action", "object_type")
    search_fields = ("actor_name", "object_id")
    date_hierarchy = "occurred_at"
    ordering = ("-sequence",)
    show_full_result_count = False

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in self.opts.fields if not field.primary_key]

    def get_actions(self, request, action_location=ActionLocation.CHANGE_LIST):
        actions = super().get_actions(request, action_location=action_location)
        actions.pop("delete_selected", None)
        return actions

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AuditCheckpoint)
class AuditCheckpointAdmin(admin.ModelAdmin):
    """Signed checkpoints of the audit chain: looked at here; signed by the schedule, the
    audit_checkpoint command or the API."""

    list_display = ("signed_at", "sequence", "hash", "key_id")
    ordering = ("-signed_at", "-pk")
    readonly_fields = ("sequence", "hash", "signed_at", "key_id", "signature")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


# Notifications and webhooks -------------------------------------------------------------


class _FilterFieldsMixin:
    autocomplete_fields = ("participants", "guarantees", "agreements")


class WebhookEndpointForm(forms.ModelForm):
    event_types = forms.TypedMultipleChoiceField(
        label=gettext_lazy("event types"),
        choices=[(name, name) for name in EVENT_TYPES],
        initial=[STATUS_CHANGED_TYPE],
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=gettext_lazy("The webhook event types it receives (none: status changes)."),
    )

    class Meta:
        model = WebhookEndpoint
        fields = (
            "owner",
            "url",
            "description",
            "participants",
            "guarantees",
            "agreements",
            "event_types",
        )


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(
    SelectorQuerysetMixin, RefusalMessagesMixin, _FilterFieldsMixin, admin.ModelAdmin
):
    """Endpoints are created, changed and rotated through the services; the secret is shown
    once, in the message after it was made, and masked everywhere else."""

    selector = selectors.webhook_endpoints_for

    form = WebhookEndpointForm
    list_display = (
        "url",
        "description",
        "owner",
        "is_active",
        "masked_secret",
        "failing_since",
        "disabled_at",
    )
    list_select_related = ("owner",)
    list_filter = ("is_active", "owner")
    search_fields = ("url", "description", "owner__username")
    ordering = ("owner", "pk")
    readonly_fields = (
        "masked_secret",
        "is_active",
        "failing_since",
        "disabled_at",
        "disabled_reason",
        "created_at",
        "updated_at",
    )
    actions = ("rotate_secret", "turn_on", "turn_off")

    @admin.display(description=gettext_lazy("secret"))
    def masked_secret(self, obj):
        return notifications.mask_secret(obj.secret)

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return ()
        # The owner is chosen once: the services never move an endpoint to another owner.
        return ("owner", *self.readonly_fields)

    def get_fields(self, request, obj=None):
        fields = [
            "owner",
            "url",
            "description",
            "participants",
            "guarantees",
            "agreements",
            "event_types",
        ]
        return fields if obj is None else [*fields, *self.readonly_fields]

    def save_model(self, request, obj, form, change):
        # The filters are saved by the service, not by save_related().
        filters = {name: form.cleaned_data[name] for name in _FILTERS}
        filters["event_types"] = form.cleaned_data["event_types"] or [STATUS_CHANGED_TYPE]
        with self.refusal_reported(request):
            if change:
                services.webhook_endpoint_update(
                    endpoint=obj,
                    actor=request.user,
                    url=obj.url,
                    description=obj.description,
                    **filters,
                )
                obj.refresh_from_db()
                return
            endpoint, secret = services.webhook_endpoint_create(
                owner=obj.owner, url=obj.url, description=obj.description, **filters
            )
        for field in WebhookEndpoint._meta.concrete_fields:
            setattr(obj, field.attname, getattr(endpoint, field.attname))
        obj._state.adding, obj._state.db = False, endpoint._state.db
        self.message_user(
            request,
            _("The endpoint's secret, shown only now: %(secret)s") % {"secret": secret},
            messages.WARNING,
        )

    def save_related(self, request, form, formsets, change):
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)

    def delete_model(self, request, obj):
        with self.refusal_reported(request):
            services.webhook_endpoint_delete(endpoint=obj, actor=request.user)

    def delete_queryset(self, request, queryset):
        for endpoint in queryset:
            with self.refusal_reported(request):
                services.webhook_endpoint_delete(endpoint=endpoint, actor=request.user)

    def get_deleted_objects(self, objs, request):
        # The deliveries go with their endpoint (the service deletes them; the history keeps
        # the endpoint's deletion): their own admin, view-only, must not block it.
        deleted, model_count, _perms_needed, protected = super().get_deleted_objects(objs, request)
        return deleted, model_count, set(), protected

    @admin.action(description=gettext_lazy("Rotate the secret"))
    def rotate_secret(self, request, queryset):
        for endpoint in queryset:
            try:
                secret = services.webhook_endpoint_rotate_secret(
                    endpoint=endpoint, actor=request.user
                )
            except DomainError as error:
                self.message_user(request, str(error), messages.ERROR)
                continue
            message = _("New secret of %(url)s, shown only now: %(secret)s")
            self.message_user(
                request, message % {"url": endpoint.url, "secret": secret}, messages.WARNING
            )

    def _set_active(self, request, queryset, active: bool):
        for endpoint in queryset:
            try:
                services.webhook_endpoint_update(
                    endpoint=endpoint, actor=request.user, is_active=active
                )
            except DomainError as error:
                self.message_user(request, str(error), messages.ERROR)

    @admin.action(description=gettext_lazy("Turn on (clears the failure record)"))
    def turn_on(self, request, queryset):
        self._set_active(request, queryset, True)

    @admin.action(description=gettext_lazy("Turn off"))
    def turn_off(self, request, queryset):
        self._set_active(request, queryset, False)


class WebhookAttemptInline(admin.TabularInline):
    model = WebhookAttempt
    extra = 0
    can_delete = False
    fields = ("number", "started_at", "status_code", "latency_ms", "error", "response_excerpt")
    readonly_fields = fields
    ordering = ("number",)

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(admin.ModelAdmin):
    """Every delivery and its attempts, looked at; "resend" sends one again (same id)."""

    list_display = (
        "webhook_id",
        "endpoint",
        "event_type",
        "state",
        "attempt_count",
        "last_status_code",
        "next_attempt_at",
        "delivered_at",
        "created_at",
    )
    list_select_related = ("endpoint", "message")
    list_filter = ("state", "message__event_type", "endpoint__is_active", "endpoint")
    search_fields = ("webhook_id", "endpoint__url")
    date_hierarchy = "created_at"
    ordering = ("-created_at", "-pk")
    show_full_result_count = False
    inlines = (WebhookAttemptInline,)
    actions = ("resend",)

    def get_readonly_fields(self, request, obj=None):
        fields = [field.name for field in self.opts.fields if not field.primary_key]
        return [*fields, "event_type", "body"]

    @admin.display(description=gettext_lazy("type"), ordering="message__event_type")
    def event_type(self, obj):
        return obj.message.event_type

    @admin.display(description=gettext_lazy("body"))
    def body(self, obj):
        return obj.message.payload

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(
        description=gettext_lazy("Resend this delivery"),
        description_plural=gettext_lazy("Resend selected deliveries"),
        location=[ActionLocation.CHANGE_LIST, ActionLocation.CHANGE_FORM],
    )
    def resend(self, request, queryset):
        _each(
            self,
            request,
            queryset,
            lambda delivery: services.webhook_delivery_resend(
                delivery=delivery, actor=request.user
            ),
            refused=lambda delivery: _("%s was not resent") % delivery.webhook_id,
            done=lambda n: ngettext("Resending %d delivery.", "Resending %d deliveries.", n) % n,
        )


@admin.register(Subscription)
class SubscriptionAdmin(_FilterFieldsMixin, admin.ModelAdmin):
    list_display = ("user", "channel", "created_at")
    list_select_related = ("user",)
    list_filter = ("channel",)
    search_fields = ("user__username", "user__email")
    ordering = ("user", "pk")
    readonly_fields = ("created_at",)


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    """What each person was told, through which channel; looked at, not edited."""

    list_display = ("title", "recipient", "kind", "channel", "state", "created_at", "read_at")
    list_select_related = ("recipient",)
    list_filter = ("kind", "channel", "state")
    search_fields = ("title", "recipient__username")
    date_hierarchy = "created_at"
    ordering = ("-created_at", "-pk")
    show_full_result_count = False

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in self.opts.fields if not field.primary_key]

    def has_add_permission(self, request):
        return False
