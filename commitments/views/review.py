"""The review queue (/review/): reviewers approve or reject submitted updates, one at a time
or several at once, in place with htmx or by a plain POST and a redirect.

Reads go through selectors.review_rows_for (the diff against the live record is computed
there), writes through services.update_approve / update_reject / updates_approve; the
services decide who may do what, and their refusals become a note on the row here.
"""

import re

from django.contrib import messages
from django.core.paginator import InvalidPage
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from django.views.generic import TemplateView

from commitments import selectors, services
from commitments.exceptions import DomainError, UpdateNotPending, ValidationFailed
from commitments.selectors import RowNote
from commitments.views._access import page_gate

QUEUE_TEMPLATE = "commitments/review_queue.html"
# htmx's answer to a decision: the row, and the heading's count of updates waiting.
DECIDED_ROW_TEMPLATE = "commitments/_review_row_decided.html"
LIST_TEMPLATE = "commitments/_review_list.html"
LEVELS = {"success": messages.SUCCESS, "info": messages.INFO, "error": messages.ERROR}


# An update's id as a form posts it: ASCII digits, bounded (str.isdigit() takes "²").
_ID = re.compile(r"[0-9]{1,18}")


_reviewers_only = page_gate(
    selectors.may_review, gettext_lazy("Only reviewers may open the review queue.")
)


@method_decorator(_reviewers_only, name="dispatch")
class ReviewQueueView(TemplateView):
    template_name = QUEUE_TEMPLATE

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        number = self.request.GET.get("page") or 1
        try:
            page, rows = selectors.review_queue_page(reviewer=self.request.user, number=number)
        except InvalidPage as error:
            raise Http404(_("No page %s of the review queue.") % str(number)[:20]) from error
        context.update(_list_context(page, rows))
        return context


def _redrawn_page(request: HttpRequest, **kwargs):
    """The queue's page the form was posted from (its `page` field), redrawn after a
    decision; the first page when that one no longer exists."""
    number = request.POST.get("page") or 1
    try:
        return selectors.review_queue_page(reviewer=request.user, number=number, **kwargs)
    except InvalidPage:
        return selectors.review_queue_page(reviewer=request.user, **kwargs)


def _back_to_queue(request: HttpRequest) -> HttpResponse:
    page = request.POST.get("page", "")
    query = f"?page={page}" if _ID.fullmatch(page) and page != "1" else ""
    return redirect(reverse("commitments:review_queue") + query)


def _list_context(page, rows, **extra) -> dict:
    return {"page_obj": page, "rows": rows, "waiting": page.paginator.count, **extra}


def _redrawn_list(request: HttpRequest, page, rows, **extra) -> HttpResponse:
    """htmx's answer to Approve selected: the list, and the heading's count out of band."""
    return render(request, LIST_TEMPLATE, _list_context(page, rows, oob_waiting=True, **extra))


def _refusal_note(error: DomainError, update_pk: int) -> RowNote:
    if isinstance(error, UpdateNotPending):
        return RowNote(
            "info",
            _("Update %(pk)s is already %(state)s: nothing changed.")
            % {"pk": update_pk, "state": error.update.get_state_display().lower()},
        )
    if isinstance(error, ValidationFailed) and "comment" in error.fields:
        return RowNote("error", " ".join(error.fields["comment"]), field="comment")
    return RowNote("error", error.message)


@require_POST
@_reviewers_only
def review_decide(request: HttpRequest, pk: int) -> HttpResponse:
    """Approve or reject one update (the button pressed says which). htmx: the row, redrawn
    with its outcome or the refusal. Otherwise: back to the queue with a message, or the
    queue with the refusal beside the comment field."""
    update = get_object_or_404(selectors.status_updates_for(viewer=request.user), pk=pk)
    comment = request.POST.get("comment", "")
    try:
        if "reject" in request.POST:
            services.update_reject(update=update, reviewer=request.user, comment=comment)
            note = RowNote("success", _("Update %s rejected.") % pk)
        elif "approve" in request.POST:
            services.update_approve(update=update, reviewer=request.user, comment=comment)
            note = RowNote("success", _("Update %s approved.") % pk)
        else:
            note = RowNote("error", _("Press Approve or Reject: nothing changed."))
    except DomainError as error:
        note = _refusal_note(error, pk)
    if request.htmx:
        rows = selectors.review_rows_for(reviewer=request.user, only=[pk], notes={pk: note})
        waiting = selectors.review_waiting_count(reviewer=request.user)
        context = {"row": rows[0], "typed_comment": comment, "waiting": waiting}
        return render(request, DECIDED_ROW_TEMPLATE, context)
    if note.field:
        page, rows = _redrawn_page(request, also=[pk], notes={pk: note})
        context = _list_context(page, rows, typed_comment=comment)
        return render(request, QUEUE_TEMPLATE, context, status=400)
    messages.add_message(request, LEVELS[note.level], note.text)
    return _back_to_queue(request)


@require_POST
@_reviewers_only
def review_bulk_approve(request: HttpRequest) -> HttpResponse:
    """Approve the selected updates, each on its own: htmx redraws the list with each one's
    outcome; without it, one message per update and back to the queue."""
    selected = request.POST.getlist("selected")
    bad = [value for value in selected if not _ID.fullmatch(value)]
    if bad:
        refusal = RowNote(
            "error",
            _("“%s” is not an update number: nothing was approved.") % bad[0][:20],
        )
        if request.htmx:
            page, rows = _redrawn_page(request)
            # 200: htmx swaps in only a success, and the refusal is to be seen.
            return _redrawn_list(request, page, rows, page_notes=[refusal])
        messages.add_message(request, LEVELS[refusal.level], refusal.text)
        return _back_to_queue(request)
    pks = {int(value) for value in selected}
    updates = list(selectors.status_updates_for(viewer=request.user).filter(pk__in=pks))
    notes: dict[int, RowNote] = {}
    for outcome in services.updates_approve(updates=updates, reviewer=request.user):
        pk = outcome.update.pk
        if outcome.refusal is None:
            notes[pk] = RowNote("success", _("Update %s approved.") % pk)
        else:
            notes[pk] = _refusal_note(outcome.refusal, pk)
    # What has no row to show it on: nothing selected, or an update this reviewer cannot see.
    page_notes = [
        RowNote("error", _("There is no update %s to approve.") % pk)
        for pk in sorted(pks - {u.pk for u in updates})
    ]
    if not pks:
        page_notes.append(RowNote("info", _("Select at least one update to approve.")))
    if request.htmx:
        page, rows = _redrawn_page(request, also=list(notes), notes=notes)
        return _redrawn_list(request, page, rows, page_notes=page_notes)
    for note in [*notes.values(), *page_notes]:
        messages.add_message(request, LEVELS[note.level], note.text)
    return _back_to_queue(request)
