"""An analyst's pages: propose an update, edit a draft, and My updates.

Analysts only (anyone else signed in gets the 403 page, a visitor the login page). Each
write goes through a service; its refusal is shown beside the field it names, with what
was typed, and nothing is written. An update is found among the analyst's own
(selectors.own_updates): another analyst's is a 404.
"""

import re
import secrets
from collections.abc import Callable, Sequence
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.decorators.http import require_POST
from django.views.generic import TemplateView

from commitments import selectors, services
from commitments.choices import UpdateState
from commitments.exceptions import AlreadySaved, DomainError
from commitments.models import Commitment, StatusUpdate
from commitments.views._access import page_gate
from commitments.views.update_forms import (
    SOURCES_PREFIX,
    BaseSourceFormSet,
    SourceForm,
    UpdateForm,
    error_summary,
    parse_version,
    show_refusal,
    source_formset,
)

# The form's two buttons: name="action".
SAVE_DRAFT, SUBMIT = "draft", "submit"

# The token each drawn form carries (hidden field "form_token"), so it saves once.
_FORM_TOKEN = re.compile(r"^[A-Za-z0-9_-]{16,64}$")


def _form_token(request: HttpRequest) -> str:
    """The posted form's token, or "" (none, or not one the form draws)."""
    token = request.POST.get("form_token", "")
    return token if _FORM_TOKEN.match(token) else ""


def _already_saved(request: HttpRequest, update_pk: int | None) -> HttpResponse:
    """A form posted again: what the first post saved stands; say so, and show it."""
    messages.info(request, AlreadySaved(update_pk).message)
    target = reverse("commitments:my_updates")
    return redirect(f"{target}#update-{update_pk}" if update_pk else target)


_analysts_only = page_gate(
    selectors.may_propose_updates, gettext_lazy("Only analysts propose status updates.")
)


class AnalystOnlyMixin:
    """Signed-in analysts only: a visitor is sent to the login page, anyone else gets 403."""

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        return _analysts_only(super().dispatch)(request, *args, **kwargs)


class _UpdateFormView(AnalystOnlyMixin, View):
    """The propose form, for a new update or an own draft."""

    template_name = "commitments/update_form.html"

    def commitment(self) -> Commitment:
        raise NotImplementedError

    def initial(self) -> tuple[dict[str, Any], list[dict[str, Any]] | None]:
        return {}, None

    def known_version(self, commitment: Commitment) -> int:
        """The version the author knows when the form opens: changes since are shown."""
        return commitment.version

    def save(self, *, submit: bool, version: int, form: UpdateForm, sources) -> StatusUpdate:
        raise NotImplementedError

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.user.is_authenticated and selectors.may_propose_updates(viewer=request.user):
            # A repeat of a saved form first: the first post may have moved the draft on.
            if request.method == "POST":
                saved = selectors.form_saved(author=request.user, token=_form_token(request))
                if saved is not None:
                    return _already_saved(request, saved.update_pk)
            refusal = self.prepare()
            if refusal is not None:
                return refusal
        return super().dispatch(request, *args, **kwargs)

    def prepare(self) -> HttpResponse | None:
        """Look up what the form works on; an answer here refuses the request."""
        return None

    def get(self, request: HttpRequest, **kwargs: Any) -> HttpResponse:
        commitment = self.commitment()
        initial, source_initial = self.initial()
        form = UpdateForm(
            initial=initial, choices=selectors.proposable_statuses(commitment=commitment)
        )
        return self.render(
            commitment,
            form,
            source_formset(initial=source_initial),
            seen=self.known_version(commitment),
        )

    def post(self, request: HttpRequest, **kwargs: Any) -> HttpResponse:
        commitment = self.commitment()
        form = UpdateForm(
            request.POST, choices=selectors.proposable_statuses(commitment=commitment)
        )
        sources = source_formset(request.POST, initial=self.initial()[1])
        version = parse_version(request.POST.get("base_version"))
        action = request.POST.get("action")
        source_errors: list[str] = []
        stale = ""
        # Both validated, so that every field's error shows at once.
        valid = [form.is_valid(), sources.is_valid()]
        if version is None:
            form.add_error(None, _("The form lost the commitment's version: save it again."))
        elif action not in (SAVE_DRAFT, SUBMIT):
            form.add_error(None, _("Choose “Save draft” or “Submit for review”."))
        elif all(valid):
            try:
                update = self.save(
                    submit=action == SUBMIT, version=version, form=form, sources=sources
                )
            except AlreadySaved as error:
                return _already_saved(request, error.update_pk)
            except DomainError as error:
                stale = show_refusal(error, form, source_errors)
            else:
                if action == SUBMIT:
                    messages.success(request, _("Update %s submitted for review.") % update.pk)
                else:
                    messages.success(request, _("Draft %s saved.") % update.pk)
                return redirect("commitments:my_updates")
        if not sources.management_form.is_valid():
            # Tampered with (or cut short): the typed sources cannot be told apart.
            sources = source_formset(initial=self.initial()[1])
            source_errors.append(_("The sources could not be read: enter them again."))
        # Drawn again on the record as it is now: the statuses it offers, the version the
        # form carries from now on, and the changes made since the form was drawn.
        commitment = get_object_or_404(selectors.commitment_lookup(), pk=commitment.pk)
        return self.render(
            commitment,
            form,
            sources,
            seen=commitment.version if version is None else version,
            source_errors=source_errors,
            stale=stale,
            posted=True,
        )

    def render(
        self,
        commitment: Commitment,
        form: UpdateForm,
        sources: BaseSourceFormSet,
        *,
        seen: int,
        source_errors: Sequence[str] = (),
        stale: str = "",
        posted: bool = False,
    ) -> HttpResponse:
        """The form; `seen` is the commitment's version the author last saw (the changes
        since are shown)."""
        context = {
            "commitment": commitment,
            "status_label": selectors.status_label(commitment.status),
            "form": form,
            "sources": sources,
            "source_errors": source_errors,
            "error_summary": error_summary(form, sources) if posted else [],
            "has_errors": bool(
                posted and (form.errors or source_errors or sources.total_error_count())
            ),
            "stale": stale,
            "changes": selectors.commitment_changes_since(
                commitment=commitment, version=seen, viewer=self.request.user
            ),
            "posted": posted,
            "base_version": commitment.version,
            # A new token each time the form is drawn: each drawing saves once.
            "form_token": secrets.token_urlsafe(24),
            "more_sources": sources.total_form_count() < selectors.MAX_SOURCES,
            "max_sources": selectors.MAX_SOURCES,
            **self.extra_context(),
        }
        return render(self.request, self.template_name, context)

    def extra_context(self) -> dict[str, Any]:
        return {}


class UpdateProposeView(_UpdateFormView):
    """/commitments/<pk>/propose/: a new update of the commitment."""

    def commitment(self) -> Commitment:
        return get_object_or_404(selectors.commitment_lookup(), pk=self.kwargs["pk"])

    def save(self, *, submit: bool, version: int, form: UpdateForm, sources) -> StatusUpdate:
        # Created as submitted in one go: a refused submission leaves no draft behind.
        return services.update_create(
            commitment=self.commitment(),
            author=self.request.user,
            sources=sources.inputs(),
            base_version=version,
            draft=not submit,
            form_token=_form_token(self.request),
            **form.update_fields(),
        )

    def extra_context(self) -> dict[str, Any]:
        return {"heading": _("Propose an update"), "update": None}


class UpdateEditView(_UpdateFormView):
    """/my/updates/<pk>/edit/: an own draft, in the same form."""

    def setup(self, request: HttpRequest, *args: Any, **kwargs: Any) -> None:
        super().setup(request, *args, **kwargs)
        self.draft: StatusUpdate | None = None

    def prepare(self) -> HttpResponse | None:
        self.draft = get_object_or_404(
            selectors.own_updates(author=self.request.user), pk=self.kwargs["pk"]
        )
        if self.draft.state != UpdateState.DRAFT:
            messages.error(
                self.request,
                _("Update %(pk)s is %(state)s: only a draft can be edited.")
                % {"pk": self.draft.pk, "state": self.draft.get_state_display()},
            )
            return redirect("commitments:my_updates")
        return None

    def commitment(self) -> Commitment:
        return self.draft.commitment

    def initial(self) -> tuple[dict[str, Any], list[dict[str, Any]] | None]:
        return UpdateForm.initial_from(self.draft), SourceForm.initial_from(self.draft)

    def known_version(self, commitment: Commitment) -> int:
        # Opening a draft written against an older version: what happened since it was.
        return self.draft.base_version

    def save(self, *, submit: bool, version: int, form: UpdateForm, sources) -> StatusUpdate:
        fields = form.update_fields()
        if not fields["is_correction"]:
            fields["corrects"] = None  # only a correction names the event it corrects
        save = services.update_edit_submit if submit else services.update_edit
        return save(
            update=self.draft,
            author=self.request.user,
            # Unchanged sources stay the same rows.
            sources=sources.inputs() if sources.has_changed() else None,
            base_version=version,
            form_token=_form_token(self.request),
            **fields,
        )

    def extra_context(self) -> dict[str, Any]:
        return {"heading": _("Edit draft %s") % self.draft.pk, "update": self.draft}


class SourceFormView(AnalystOnlyMixin, View):
    """GET /my/updates/source-form/?sources-TOTAL_FORMS=N: the form of source N+1 (htmx
    appends it to the form's sources), and the formset's count, now N+1 (swapped out of
    band). When that makes the most sources an update takes, or the form has them already,
    the "Add another source" button gives way to a note saying so (out of band too)."""

    def get(self, request: HttpRequest) -> HttpResponse:
        index = parse_version(request.GET.get(f"{SOURCES_PREFIX}-TOTAL_FORMS"))
        if index is None:
            return HttpResponseBadRequest(_("Give the number of sources the form has."))
        form = None
        if index < selectors.MAX_SOURCES:
            form = SourceForm(prefix=f"{SOURCES_PREFIX}-{index}", use_required_attribute=False)
            # htmx moves the focus to the new source's first field.
            form.fields["url"].widget.attrs["autofocus"] = True
        return render(
            request,
            "commitments/_source_form_added.html",
            {
                "form": form,
                "number": index + 1,
                "total": index + 1,
                "prefix": SOURCES_PREFIX,
                "more_sources": index + 1 < selectors.MAX_SOURCES,
                "max_sources": selectors.MAX_SOURCES,
            },
        )


class MyUpdatesView(AnalystOnlyMixin, TemplateView):
    """/my/updates/: the analyst's own updates, grouped by state."""

    template_name = "commitments/my_updates.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        asked = {
            state: number
            for state in selectors.PAGED_GROUPS
            if (number := parse_version(self.request.GET.get(f"{state}_page")))
        }
        groups = selectors.my_update_groups(author=self.request.user, pages=asked)
        shown = {group.state: group.page for group in groups if group.paged}
        for group in groups:
            # The links to the group's newer and older pages keep the other groups' pages.
            group.newer_query = _pages_query(shown, group.state, group.page - 1)
            group.older_query = _pages_query(shown, group.state, group.page + 1)
        context["groups"] = groups
        return context


def _pages_query(shown: dict[str, int], state: str, page: int) -> str:
    """The query string of My updates with `state` on `page` and the other groups where they
    are (the first pages left out)."""
    pages = {**shown, state: page}
    return urlencode({f"{s}_page": n for s, n in pages.items() if n > 1})


def _own_update_action(service: Callable[..., Any], done: str) -> Callable[..., HttpResponse]:
    """A POST that applies `service` to an own update, then goes back to My updates with
    what happened (or why not)."""

    @require_POST
    @_analysts_only
    def view(request: HttpRequest, pk: int) -> HttpResponse:
        update = get_object_or_404(selectors.own_updates(author=request.user), pk=pk)
        try:
            service(update=update, author=request.user)
        except DomainError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, done % pk)
        return redirect("commitments:my_updates")

    return view


update_submit = _own_update_action(
    services.update_submit, gettext_lazy("Update %s submitted for review.")
)
update_delete = _own_update_action(services.update_delete, gettext_lazy("Draft %s deleted."))
update_withdraw = _own_update_action(services.update_withdraw, gettext_lazy("Update %s withdrawn."))
