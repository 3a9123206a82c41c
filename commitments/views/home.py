from django.views.generic import TemplateView

from commitments import selectors
from commitments.choices import CommitmentStatus


class HomeView(TemplateView):
    template_name = "commitments/home.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["agreements"] = selectors.agreement_overview()
        context["statuses"] = CommitmentStatus.choices
        return context
