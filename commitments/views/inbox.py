"""The inbox: a signed-in user's in-app notifications, newest first; mark one or all read."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.paginator import InvalidPage, Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST
from django.views.generic import TemplateView

from commitments import selectors, services

PAGE_SIZE = 25


class InboxView(LoginRequiredMixin, TemplateView):
    """Newest first, PAGE_SIZE a page, in a fixed number of queries however many there are."""

    template_name = "commitments/inbox.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        paginator = Paginator(selectors.notification_inbox(user=self.request.user), PAGE_SIZE)
        number = self.request.GET.get("page") or 1
        try:
            page = paginator.page(number)
        except InvalidPage as error:
            raise Http404(
                _("No page %(page)s of your inbox: %(error)s") % {"page": number, "error": error}
            ) from error
        context["page_obj"] = page
        context["notifications"] = page.object_list
        return context


def _back(request: HttpRequest) -> str:
    """Where a form without JavaScript returns: the page it was posted from (`next`, on this
    site only), else the inbox."""
    target = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse("commitments:inbox")


@require_POST
@login_required
def inbox_mark_read(request: HttpRequest, pk: int) -> HttpResponse:
    """Mark one of the user's notifications read (another's is a 404). htmx gets the item
    redrawn in place, with the header's unread count; a plain form goes back where it was."""
    notification = get_object_or_404(selectors.notification_inbox(user=request.user), pk=pk)
    notification = services.notification_mark_read(notification=notification, user=request.user)
    if request.htmx:
        context = {
            "notification": notification,
            "unread": selectors.notification_unread_count(user=request.user),
            "oob": True,
        }
        return render(request, "commitments/_notification.html", context)
    return redirect(_back(request))


@require_POST
@login_required
def inbox_mark_all_read(request: HttpRequest) -> HttpResponse:
    """Mark every unread notification of the user read, and say how many."""
    count = services.notifications_mark_all_read(user=request.user)
    if count:
        messages.success(
            request,
            ngettext(
                "Marked %(count)d notification read.",
                "Marked %(count)d notifications read.",
                count,
            )
            % {"count": count},
        )
    else:
        messages.info(request, _("Nothing was unread."))
    return redirect(_back(request))
