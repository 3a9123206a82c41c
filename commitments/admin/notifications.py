"""The admin for webhook endpoints and deliveries, subscriptions and notifications."""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import ActionLocation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from commitments import selectors, services
from commitments.admin._base import _FILTERS, SelectorQuerysetMixin, _each
from commitments.exceptions import DomainError, ValidationFailed
from commitments.models import (
    EVENT_TYPES,
    STATUS_CHANGED_TYPE,
    Notification,
    Subscription,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
)
from commitments.webhooks import signing
from tracker.admin_refusals import RefusalMessagesMixin

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
        return signing.mask_secret(obj.secret)

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


class SubscriptionAdminForm(forms.ModelForm):
    """Checked by the service's own rules (services.subscription_check), so a refusal is a
    form error beside its field, before anything is saved."""

    class Meta:
        model = Subscription
        fields = ("user", "channel", "participants", "guarantees", "agreements")

    def clean(self):
        cleaned = super().clean()
        user = cleaned.get("user") or (self.instance.user if self.instance.pk else None)
        if user is None or self.errors:
            return cleaned
        try:
            services.subscription_check(
                user=user,
                channel=cleaned.get("channel", ""),
                instead_of=self.instance if self.instance.pk else None,
                **{name: cleaned.get(name) or () for name in _FILTERS},
            )
        except ValidationFailed as error:
            for name, problems in error.fields.items():
                for problem in problems:
                    self.add_error(name if name in self.fields else None, problem)
        return cleaned


@admin.register(Subscription)
class SubscriptionAdmin(RefusalMessagesMixin, _FilterFieldsMixin, admin.ModelAdmin):
    """Subscriptions are created, changed and deleted through the services, under the same
    rules as the subscriptions page and the API (an e-mail channel needs an address)."""

    form = SubscriptionAdminForm
    list_display = ("user", "channel", "created_at")
    list_select_related = ("user",)
    list_filter = ("channel",)
    search_fields = ("user__username", "user__email")
    ordering = ("user", "pk")
    readonly_fields = ("created_at",)

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return self.readonly_fields
        # The subscriber is chosen once: the services never move a subscription.
        return ("user", *self.readonly_fields)

    def save_model(self, request, obj, form, change):
        # The filters are saved by the service, not by save_related().
        filters = {name: form.cleaned_data[name] for name in _FILTERS}
        with self.refusal_reported(request):
            if change:
                services.subscription_update(
                    subscription=obj, actor=request.user, channel=obj.channel, **filters
                )
                return
            subscription = services.subscription_create(
                user=obj.user, channel=obj.channel, **filters
            )
        for field in Subscription._meta.concrete_fields:
            setattr(obj, field.attname, getattr(subscription, field.attname))
        obj._state.adding, obj._state.db = False, subscription._state.db

    def save_related(self, request, form, formsets, change):
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)

    def delete_model(self, request, obj):
        with self.refusal_reported(request):
            services.subscription_delete(subscription=obj, user=request.user)

    def delete_queryset(self, request, queryset):
        for subscription in queryset:
            with self.refusal_reported(request):
                services.subscription_delete(subscription=subscription, user=request.user)


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
