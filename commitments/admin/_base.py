"""The admin's shared pieces: saves through the services, lists through the selectors."""

from django.contrib import admin, messages
from django.utils.translation import gettext as _

from commitments import selectors, services, workflow
from commitments.exceptions import DomainError
from commitments.models import (
    Agreement,
    Commitment,
    Guarantee,
    Participant,
    Source,
)
from tracker.admin_refusals import RefusalMessagesMixin, Refused

_TIMESTAMPS = ("created_at", "updated_at")

# Fields only an approved status update changes.
_STATUS_FIELDS = workflow.STATUS_FIELDS
_STAGE_DATES = tuple(workflow.STAGE_DATE_FIELDS.values())
_FILTERS = ("participants", "guarantees", "agreements")


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
            except Refused:
                refused = True
        if refused:
            self.message_user(request, _("Nothing was deleted."), messages.ERROR)
            raise Refused
