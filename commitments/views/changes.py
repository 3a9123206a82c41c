"""What changed: the record's latest applied changes, newest first, fifty a page."""

from django.core.paginator import InvalidPage, Paginator
from django.http import Http404
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.generic import TemplateView

from commitments import selectors

PAGE_SIZE = 50


class ChangesView(TemplateView):
    template_name = "commitments/changes.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        paginator = Paginator(selectors.record_changes(viewer=self.request.user), PAGE_SIZE)
        number = self.request.GET.get("page") or 1
        try:
            page = paginator.page(number)
        except InvalidPage as error:
            # Django's convention for a paginated page: a page that is not there is a 404.
            raise Http404(
                _("No page %(page)s of changes: %(error)s")
                % {
                    "page": number,
                    "error": error,
                }
            ) from error
        context["page_obj"] = page
        context["changes"] = page.object_list
        context["feed_url"] = reverse("commitments:changes_feed")
        context["feed_title"] = _("Changes to the record (Atom)")
        return context
