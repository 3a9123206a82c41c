"""The admin for commitments: their status fields are read-only (only a review sets them)."""

from django.contrib import admin
from django.utils.translation import gettext_lazy

from commitments.admin._base import (
    _STAGE_DATES,
    _STATUS_FIELDS,
    _TIMESTAMPS,
    ServiceAdmin,
    VisibleSourcesMixin,
)
from commitments.models import Commitment

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
