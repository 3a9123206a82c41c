"""The admin for reference data: sources, participants, agreements, guarantees."""

from django.contrib import admin

from commitments import selectors, services
from commitments.admin._base import (
    _TIMESTAMPS,
    ReferenceAdmin,
    SelectorQuerysetMixin,
    VisibleSourcesMixin,
)
from commitments.models import (
    Agreement,
    Commitment,
    Guarantee,
    Participant,
    Source,
)

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
