"""The audit log at `/audit/`: the history's events, filtered and paged, newest first, under
the state of the chain's last verification. Reviewers and admins only."""

from django.core.paginator import InvalidPage, Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from commitments import selectors
from commitments.filters import AuditLogFilter
from commitments.views._access import page_gate

PAGE_SIZE = 50

# The pages an event's object links to, by selectors.AuditLogEntry.object_kind.
_OBJECT_PAGES = {
    "commitment": "commitments:commitment_detail",
    "participant": "commitments:participant_detail",
    "guarantee": "commitments:guarantee_detail",
    "agreement": "commitments:agreement_detail",
}


class AuditLogView(View):
    """`/audit/`: anonymous visitors are sent to sign in; signed-in users who are neither
    reviewers nor admins are refused (403). Bad filters answer 400 with each field's error
    beside it; a page that does not exist is a 404."""

    template_name = "commitments/audit_log.html"

    @method_decorator(
        page_gate(
            selectors.may_read_audit_log,
            gettext_lazy("Only reviewers and admins may read the audit log."),
        )
    )
    def get(self, request: HttpRequest) -> HttpResponse:
        filterset = AuditLogFilter(
            request.GET, queryset=selectors.audit_log(viewer=request.user), viewer=request.user
        )
        context = {
            "filter": filterset,
            "verification": selectors.latest_audit_verification(),
            "is_admin": selectors.may_see_chain_alarm(viewer=request.user),
        }
        if not filterset.is_valid():
            return render(request, self.template_name, {**context, "entries": None}, status=400)
        paginator = Paginator(filterset.qs, PAGE_SIZE)
        number = request.GET.get("page") or 1
        try:
            page = paginator.page(number)
        except InvalidPage as error:
            raise Http404(
                _("No page %(page)s of the audit log: %(error)s") % {"page": number, "error": error}
            ) from error
        entries = selectors.audit_log_entries(page.object_list)
        query = request.GET.copy()
        query.pop("page", None)
        return render(
            request,
            self.template_name,
            {
                **context,
                "page_obj": page,
                "page_query": query.urlencode(),
                "entries": [(entry, _object_url(entry)) for entry in entries],
            },
        )


def _object_url(entry: selectors.AuditLogEntry) -> str:
    name = _OBJECT_PAGES.get(entry.object_kind)
    return reverse(name, args=[entry.object_key]) if name else ""
