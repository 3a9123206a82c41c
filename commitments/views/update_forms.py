"""The propose form: an update's fields, and its sources as a formset.

The forms parse what was typed; every rule about the record (the ladder, the dates, a
correction's reason, the sources' URLs) is the services' to check, and their refusals are
shown beside the fields they name (`show_refusal`).
"""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from commitments.exceptions import InvalidTransition, StaleUpdate, ValidationFailed
from commitments.models import URL_MAX_LENGTH, StatusUpdate, url_validator
from commitments.selectors import MAX_SOURCES, StatusChoices
from commitments.services import SourceInput

# A "Proposed status" option that proposes a status as a correction: "correction:<status>".
CORRECTION = "correction:"

# The formset's prefix: its fields are sources-0-url, sources-TOTAL_FORMS ...
SOURCES_PREFIX = "sources"

# The service's field names, as the form names them (None: the form's own errors).
_FIELDS = {
    "proposed_status": "proposed_status",
    "effective_date": "effective_date",
    "summary": "summary",
    "correction_reason": "correction_reason",
    "corrects": "proposed_status",
}


class UpdateForm(forms.Form):
    """An update's own fields; the choices are the commitment's (selectors.proposable_statuses)."""

    proposed_status = forms.ChoiceField(label=_("Proposed status"))
    correction_reason = forms.CharField(
        label=_("Correction reason"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Required for a correction: why the record is wrong."),
    )
    effective_date = forms.DateField(
        label=_("Effective date"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("When it happened in the world (YYYY-MM-DD)."),
    )
    summary = forms.CharField(label=_("Summary"), widget=forms.Textarea(attrs={"rows": 4}))

    def __init__(self, *args: Any, choices: StatusChoices, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        groups: list[tuple[Any, Any]] = [("", _("Choose a status"))]
        if choices.next:
            groups.append((_("Next on the ladder"), choices.next))
        groups.append(
            (
                _("Correction: the record is wrong"),
                [
                    (CORRECTION + status, _("%s (correction)") % label)
                    for status, label in choices.corrections
                ],
            )
        )
        self.fields["proposed_status"].choices = groups

    @staticmethod
    def initial_from(update: StatusUpdate) -> dict[str, Any]:
        """The form's initial values for an existing draft."""
        prefix = CORRECTION if update.is_correction else ""
        return {
            "proposed_status": prefix + update.proposed_status,
            "correction_reason": update.correction_reason,
            "effective_date": update.effective_date,
            "summary": update.summary,
        }

    def update_fields(self) -> dict[str, Any]:
        """The services' arguments from the cleaned form."""
        value: str = self.cleaned_data["proposed_status"]
        return {
            "proposed_status": value.removeprefix(CORRECTION),
            "is_correction": value.startswith(CORRECTION),
            "correction_reason": self.cleaned_data["correction_reason"],
            "effective_date": self.cleaned_data["effective_date"],
            "summary": self.cleaned_data["summary"],
        }


class SourceForm(forms.Form):
    url = forms.URLField(
        label=_("Source URL"),
        max_length=URL_MAX_LENGTH,
        assume_scheme="https",
        validators=[url_validator],
    )
    title = forms.CharField(label=_("Source title"), max_length=300, required=False)
    publisher = forms.CharField(label=_("Publisher"), max_length=200, required=False)
    published_on = forms.DateField(
        label=_("Published on"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    excerpt = forms.CharField(
        label=_("Excerpt"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)

    @staticmethod
    def initial_from(update: StatusUpdate) -> list[dict[str, Any]]:
        return [
            {
                "url": s.url,
                "title": s.title,
                "publisher": s.publisher,
                "published_on": s.published_on,
                "excerpt": s.excerpt,
            }
            for s in update.sources.all()
        ]


class BaseSourceFormSet(forms.BaseFormSet):
    default_error_messages = {
        **forms.BaseFormSet.default_error_messages,
        "too_few_forms": _("Give at least one source."),
        "too_many_forms": _("Give at most %(num)d sources."),
    }

    def inputs(self) -> list[SourceInput]:
        """The sources typed in, as the services take them (forms left empty are skipped)."""
        return [
            SourceInput(
                url=data["url"],
                title=data["title"],
                publisher=data["publisher"],
                published_on=data["published_on"],
                excerpt=data["excerpt"],
            )
            for data in (form.cleaned_data for form in self.forms)
            if data
        ]


SourceFormSet = forms.formset_factory(
    SourceForm,
    formset=BaseSourceFormSet,
    extra=0,
    min_num=1,
    validate_min=True,
    max_num=MAX_SOURCES,
    validate_max=True,
)


def source_formset(data: Any = None, initial: list[dict] | None = None) -> BaseSourceFormSet:
    return SourceFormSet(data, initial=initial, prefix=SOURCES_PREFIX)


def show_refusal(error: Exception, form: UpdateForm, source_errors: list[str]) -> str:
    """Put a service's refusal beside the fields it names (a source's, in `source_errors`);
    return the message of a stale update (the page shows the newer change with it)."""
    if isinstance(error, StaleUpdate):
        return error.message
    if isinstance(error, ValidationFailed):
        for name, messages in error.fields.items():
            if name == "sources":
                source_errors.extend(messages)
                continue
            for message in messages:
                form.add_error(_FIELDS.get(name), message)
    elif isinstance(error, InvalidTransition):
        form.add_error("proposed_status", error.message)
    else:
        form.add_error(None, str(error))
    return ""


def parse_version(value: str | None) -> int | None:
    """The commitment's version the form was drawn at (its hidden field); None if missing
    or not a number."""
    try:
        version = int(value or "")
    except ValueError:
        return None
    return version if version >= 0 else None


def error_summary(form: UpdateForm, sources: BaseSourceFormSet) -> list[tuple[str, str, str]]:
    """Each field error of the form and its sources as (label, message, the field's id), in
    the page's order, for the summary at the top that links to each field."""
    rows = [
        (str(form[name].label), str(message), form[name].auto_id)
        for name in form.fields
        for message in form.errors.get(name, ())
    ]
    if sources.is_bound and sources.management_form.is_valid():
        for number, source in enumerate(sources.forms, start=1):
            for name in source.fields:
                for message in source.errors.get(name, ()):
                    label = _("Source %(n)d, %(label)s") % {
                        "n": number,
                        "label": source[name].label,
                    }
                    rows.append((str(label), str(message), source[name].auto_id))
    return rows
