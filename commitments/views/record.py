"""The record's detail pages: a participant, a guarantee, an agreement, a commitment.

Each view looks its object up through a selector (an unknown code, slug or id is a 404),
reads the rest through selectors, and renders. Every page costs a fixed number of queries.
"""

from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.generic import DetailView

from commitments import selectors
from commitments.views.charts import progress_chart
from commitments.views.subscriptions import follow_context


class ParticipantDetailView(DetailView):
    template_name = "commitments/participant_detail.html"
    context_object_name = "participant"

    def get_object(self, queryset=None):
        # The URL's converter has upper-cased the code already: codes are stored so.
        return get_object_or_404(selectors.participant_lookup(), code=self.kwargs["code"])

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        participant = self.object
        groups = selectors.participant_commitments(participant=participant)
        context["groups"] = groups
        context["totals"] = selectors.totals_of(
            c.status for group in groups for c in group.commitments
        )
        context["timeline"] = selectors.participant_timeline(
            participant=participant, viewer=self.request.user
        )
        context["timeline_limit"] = selectors.PARTICIPANT_TIMELINE_LIMIT
        context.update(follow_context(self.request, participant))
        return context


class GuaranteeDetailView(DetailView):
    template_name = "commitments/guarantee_detail.html"
    context_object_name = "guarantee"

    def get_object(self, queryset=None):
        return get_object_or_404(selectors.guarantee_lookup(), slug=self.kwargs["slug"])

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        guarantee = self.object
        commitments = selectors.guarantee_commitments(guarantee=guarantee)
        context["commitments"] = commitments
        context["totals"] = selectors.totals_of(c.status for c in commitments)
        context["chart"] = progress_chart(
            selectors.guarantee_progress(guarantee=guarantee),
            title=_("Progress of “%s”") % guarantee.title,
            today=timezone.localdate(),
        )
        context.update(follow_context(self.request, guarantee))
        return context


class AgreementDetailView(DetailView):
    template_name = "commitments/agreement_detail.html"
    context_object_name = "agreement"

    def get_object(self, queryset=None):
        return get_object_or_404(selectors.agreement_lookup(), slug=self.kwargs["slug"])

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        agreement = self.object
        rows = selectors.agreement_guarantees(agreement=agreement)
        context["rows"] = rows
        context["totals"] = selectors.agreement_totals(rows=rows)
        context["chart"] = progress_chart(
            selectors.agreement_progress(agreement=agreement),
            title=_("Progress of “%s”") % agreement.title,
            today=timezone.localdate(),
        )
        context.update(follow_context(self.request, agreement))
        return context


class CommitmentDetailView(DetailView):
    template_name = "commitments/commitment_detail.html"
    context_object_name = "commitment"

    def get_object(self, queryset=None):
        return get_object_or_404(selectors.commitment_lookup(), pk=self.kwargs["pk"])

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        commitment = self.object
        context["ladder"] = selectors.commitment_ladder(commitment=commitment)
        context["timeline"] = selectors.commitment_timeline(
            commitment=commitment, viewer=self.request.user
        )
        context["pending_count"] = selectors.commitment_pending_count(commitment=commitment)
        context["status_label"] = selectors.status_label(commitment.status)
        context["may_propose"] = selectors.may_propose_updates(viewer=self.request.user)
        return context
