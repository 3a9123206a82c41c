"""Reference data: participants, agreements, guarantees and sources, audited."""

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.utils.translation import gettext as _

from accounts.models import User
from commitments import audit
from commitments.exceptions import ValidationFailed
from commitments.models import (
    Agreement,
    Guarantee,
    Participant,
    Source,
)
from commitments.services._shared import _diff, _field_values, _raise_from

# Reference data -------------------------------------------------------------------------


def _reference_save(instance: models.Model, actor: User | None):
    """Validate, save and audit one reference-data row (created or changed)."""
    try:
        instance.full_clean()
    except ValidationError as error:
        _raise_from(error)
    creating = instance._state.adding or instance.pk is None
    old = {} if creating else _field_values(type(instance).objects.get(pk=instance.pk))
    new = _field_values(instance)
    try:
        with transaction.atomic():
            instance.save()
    except IntegrityError as error:
        raise ValidationFailed(str(error)) from error
    before, after = ({}, new) if creating else _diff(old, new)
    if creating or after:
        audit.record(
            action=audit.REFERENCE_CREATED if creating else audit.REFERENCE_CHANGED,
            actor=actor,
            obj=instance,
            before=before,
            after=after,
        )
    return instance


@transaction.atomic
def participant_save(*, participant: Participant, actor: User | None) -> Participant:
    """Create or change a participant (admin, imports, demo data); audited."""
    return _reference_save(participant, actor)


@transaction.atomic
def agreement_save(
    *, agreement: Agreement, actor: User | None, sources: Iterable[Source] | None = None
) -> Agreement:
    """Create or change an agreement; audited."""
    agreement = _reference_save(agreement, actor)
    if sources is not None:
        agreement_sources_set(agreement=agreement, sources=sources, actor=actor)
    return agreement


@transaction.atomic
def agreement_sources_set(
    *, agreement: Agreement, sources: Iterable[Source], actor: User | None
) -> Agreement:
    """Replace the sources an agreement cites; audited when they change."""
    sources = list(sources)
    before = sorted(agreement.sources.values_list("pk", flat=True))
    after = sorted(source.pk for source in sources)
    if before != after:
        agreement.sources.set(sources)
        audit.record(
            action=audit.REFERENCE_CHANGED,
            actor=actor,
            obj=agreement,
            before={"sources": before},
            after={"sources": after},
        )
    return agreement


@transaction.atomic
def guarantee_save(*, guarantee: Guarantee, actor: User | None) -> Guarantee:
    """Create or change a guarantee; audited."""
    return _reference_save(guarantee, actor)


@transaction.atomic
def source_save(*, source: Source, actor: User | None) -> Source:
    """Create or change a source (the admin's edits); audited."""
    return _reference_save(source, actor)


@transaction.atomic
def reference_delete(*, instance: models.Model, actor: User | None) -> None:
    """Delete a reference-data row that nothing depends on; audited."""
    before = _field_values(instance)
    pk = instance.pk
    try:
        with transaction.atomic():
            instance.delete()
    except models.ProtectedError as error:
        raise ValidationFailed(
            _("%(obj)s is still referred to and cannot be deleted.") % {"obj": instance}
        ) from error
    audit.record(
        action=audit.REFERENCE_DELETED,
        actor=actor,
        object_type=instance._meta.label_lower,
        object_id=pk,
        before=before,
    )
