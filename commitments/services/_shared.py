"""Helpers the services share: role checks, field diffs, sources, filter lists."""

from collections.abc import Iterable, Sequence
from datetime import date
from typing import Any, Final, TypedDict

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Exists, OuterRef
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.roles import Role, has_role
from commitments.exceptions import (
    NotAllowed,
    ValidationFailed,
)
from commitments.models import (
    MAX_FILTER_VALUES,
    URL_MAX_LENGTH,
    Agreement,
    Commitment,
    Guarantee,
    Participant,
    Source,
    StatusUpdate,
    url_validator,
)


class SourceInput(TypedDict, total=False):
    url: str
    title: str
    publisher: str
    published_on: date | None
    excerpt: str


_COMMITMENT_RELATED = ("participant", "guarantee__agreement")

# update_edit's "leave `corrects` as it is" (None there names no event).
UNCHANGED: Final = object()
_SOURCE_FIELDS = ("url", "title", "publisher", "published_on", "excerpt")

# Helpers ---------------------------------------------------------------------------------


def _require_role(user: User, role: str, message: str) -> None:
    if not has_role(user, role):
        raise NotAllowed(message)


def _require_analyst(user: User) -> None:
    _require_role(user, Role.ANALYST, _("Only analysts may propose status updates."))


def _needs_parliament(commitment: Commitment) -> bool:
    return (
        commitment.subject_to_ratification and commitment.participant.needs_parliamentary_approval
    )


def _raise_from(error: ValidationError) -> None:
    """Turn a Django ValidationError into the domain's field errors."""
    if hasattr(error, "error_dict"):
        raise ValidationFailed(
            {field: [str(m) for m in messages] for field, messages in error.message_dict.items()}
        ) from error
    raise ValidationFailed({"non_field_errors": [str(m) for m in error.messages]}) from error


def _field_values(instance: models.Model) -> dict[str, Any]:
    """Concrete, editable field values by name (foreign keys as ids)."""
    return {
        field.attname if field.is_relation else field.name: getattr(instance, field.attname)
        for field in instance._meta.concrete_fields
        if field.editable and not field.primary_key
    }


def _diff(old: dict[str, Any], new: dict[str, Any]) -> tuple[dict, dict]:
    changed = [name for name in new if old.get(name) != new[name]]
    return {n: old.get(n) for n in changed}, {n: new[n] for n in changed}


def _clean_sources(sources: Sequence[SourceInput | Source]) -> list[SourceInput | Source]:
    if not sources:
        raise ValidationFailed({"sources": [_("At least one source is required.")]})
    errors: list[str] = []
    for index, source in enumerate(sources):
        if isinstance(source, Source):
            continue
        url = (source.get("url") or "").strip()
        try:
            url_validator(url)
        except ValidationError:
            errors.append(_("Source %(n)s: enter a valid http(s) URL.") % {"n": index + 1})
        if len(url) > URL_MAX_LENGTH:
            errors.append(
                _("Source %(n)s: the URL is longer than %(max)d.")
                % {"n": index + 1, "max": URL_MAX_LENGTH}
            )
        unknown = set(source) - set(_SOURCE_FIELDS)
        if unknown:
            errors.append(_("Source %(n)s: unknown fields %(f)s.") % {"n": index + 1, "f": unknown})
    if errors:
        raise ValidationFailed({"sources": errors})
    return list(sources)


def _save_sources(sources: Iterable[SourceInput | Source]) -> list[Source]:
    saved = []
    for source in sources:
        if not isinstance(source, Source):
            source = Source(**{k: v for k, v in source.items() if k in _SOURCE_FIELDS})
            source.url = source.url.strip()
            try:
                source.full_clean()
            except ValidationError as error:
                _raise_from(error)
            source.save()
        saved.append(source)
    return saved


def _drop_orphaned_sources(source_ids: Iterable[int]) -> None:
    """Delete those of these sources that no update, commitment or agreement cites any more.

    No audit event: such a source was entered with its update, unaudited, and the update's
    own event (edited, deleted) already records the URLs it lost; a reference-data event
    would also publish a draft's evidence in the changes feed."""
    Source.objects.filter(
        ~Exists(StatusUpdate.sources.through.objects.filter(source=OuterRef("pk"))),
        ~Exists(Commitment.sources.through.objects.filter(source=OuterRef("pk"))),
        ~Exists(Agreement.sources.through.objects.filter(source=OuterRef("pk"))),
        pk__in=list(source_ids),
    ).delete()


def _related(model: type[models.Model], values: Iterable[Any], field: str) -> list:
    """Instances or primary keys to instances, each once, in one query; an unknown one, or
    more than MAX_FILTER_VALUES, is a field error."""
    pks = {v.pk if isinstance(v, models.Model) else v for v in values or ()}
    if len(pks) > MAX_FILTER_VALUES:
        raise ValidationFailed(
            {field: [_("Name at most %d, or none for all.") % MAX_FILTER_VALUES]}
        )
    try:
        found = {obj.pk: obj for obj in model.objects.filter(pk__in=pks)}
    except (TypeError, ValueError, ValidationError):
        found = {}
    unknown = sorted(str(pk) for pk in pks if pk not in found)
    if unknown:
        raise ValidationFailed(
            {
                field: [
                    _("Unknown %(model)s: %(values)s.")
                    % {"model": model._meta.verbose_name, "values": ", ".join(unknown)}
                ]
            }
        )
    return list(found.values())


def _filters(
    participants: Iterable[Any], guarantees: Iterable[Any], agreements: Iterable[Any]
) -> dict[str, list]:
    return {
        "participants": _related(Participant, participants, "participants"),
        "guarantees": _related(Guarantee, guarantees, "guarantees"),
        "agreements": _related(Agreement, agreements, "agreements"),
    }


def _set_filters(obj: models.Model, filters: dict[str, list]) -> None:
    for name, values in filters.items():
        getattr(obj, name).set(values)


def _filter_snapshot(obj: models.Model) -> dict[str, list[int]]:
    return {
        name: sorted(getattr(obj, name).values_list("pk", flat=True))
        for name in ("participants", "guarantees", "agreements")
    }
