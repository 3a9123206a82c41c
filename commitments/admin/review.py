"""The admin for the review and audit trail: status updates, audit events, checkpoints and
verifications."""

from django.contrib import admin
from django.contrib.admin import ActionLocation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from commitments import selectors, services
from commitments.admin._base import _TIMESTAMPS, SelectorQuerysetMixin, _each
from commitments.models import (
    AuditCheckpoint,
    AuditEvent,
    AuditVerification,
    StatusUpdate,
)

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


@admin.register(AuditVerification)
class AuditVerificationAdmin(admin.ModelAdmin):
    """Each verification of the audit chain and what it found: looked at here; run by the
    schedule or verify_audit."""

    list_display = ("finished_at", "ok", "events_checked", "seconds", "trigger")
    list_filter = ("ok", "trigger")
    ordering = ("-finished_at", "-pk")
    readonly_fields = (
        "started_at",
        "finished_at",
        "events_checked",
        "checkpoints_checked",
        "seconds",
        "ok",
        "problem",
        "trigger",
    )

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
