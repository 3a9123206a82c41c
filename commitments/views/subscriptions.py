"""Following: the subscriptions page, and the "Follow" button of the record's pages.

The views read through selectors and write through services.subscription_create and
subscription_delete; the services' refusals are shown beside the fields they name.
"""

from django import forms
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from commitments import selectors, services
from commitments.choices import NotificationChannel
from commitments.exceptions import DomainError, ValidationFailed
from commitments.models import Agreement, Guarantee, Participant

# Follow / Unfollow: what a page's object is, how to find it, and its page.
_KINDS = {
    "participant": (Participant, selectors.participant_lookup, "participants"),
    "guarantee": (Guarantee, selectors.guarantee_lookup, "guarantees"),
    "agreement": (Agreement, selectors.agreement_lookup, "agreements"),
}


def object_url(obj) -> str:
    match obj:
        case Participant():
            return reverse("commitments:participant_detail", kwargs={"code": obj.code})
        case Guarantee():
            return reverse("commitments:guarantee_detail", kwargs={"slug": obj.slug})
        case Agreement():
            return reverse("commitments:agreement_detail", kwargs={"slug": obj.slug})
    raise TypeError(f"No page shows a {type(obj).__name__}.")


def follow_context(request, obj) -> dict:
    """What the "Follow" box of a participant's, guarantee's or agreement's page shows: for a
    signed-in user, whether they follow it (one query); for others, nothing."""
    if not request.user.is_authenticated:
        return {"follow": None}
    kind = {model: name for name, (model, _lookup, _f) in _KINDS.items()}[type(obj)]
    following = list(selectors.subscriptions_following_only(user=request.user, obj=obj))
    return {
        "follow": {
            "kind": kind,
            "object": obj,
            "subscriptions": following,
            "channels": [s.get_channel_display() for s in following],
            "options_url": f"{reverse('commitments:subscriptions')}?{_KINDS[kind][2]}={obj.pk}",
        }
    }


class _AnyOf(forms.TypedMultipleChoiceField):
    """Ids from a list of choices, passed on unchecked: the service says which it does not
    know (the choices may have changed since the page was drawn)."""

    def valid_value(self, value) -> bool:
        return True


def _ids(value) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise forms.ValidationError(_("“%s” is not an id.") % value) from None


class SubscriptionForm(forms.Form):
    channel = forms.ChoiceField(
        label=gettext_lazy("Channel"),
        choices=NotificationChannel.choices,
        initial=NotificationChannel.IN_APP,
        widget=forms.RadioSelect,
        help_text=gettext_lazy("E-mail needs an address on your account."),
    )
    participants = _AnyOf(
        label=gettext_lazy("Participants"),
        coerce=_ids,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    guarantees = _AnyOf(
        label=gettext_lazy("Guarantees"),
        coerce=_ids,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    agreements = _AnyOf(
        label=gettext_lazy("Agreements"),
        coerce=_ids,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, participants=(), guarantees=(), agreements=(), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["participants"].choices = [(p.pk, p.name) for p in participants]
        self.fields["guarantees"].choices = [
            (g.pk, f"{g.title} ({g.agreement.title})") for g in guarantees
        ]
        self.fields["agreements"].choices = [(a.pk, a.title) for a in agreements]

    def add_refusal(self, error: DomainError) -> None:
        """The service's messages beside the fields they name; the others above the form."""
        fields = error.fields if isinstance(error, ValidationFailed) else {None: [str(error)]}
        for name, problems in fields.items():
            for problem in problems:
                self.add_error(name if name in self.fields else None, problem)


def _row(subscription) -> dict:
    """One line of the list: what the subscription follows, in words."""
    follows = [
        (label, [str(obj) for obj in getattr(subscription, name).all()])
        for name, label in (
            ("participants", _("Participants")),
            ("guarantees", _("Guarantees")),
            ("agreements", _("Agreements")),
        )
    ]
    follows = [(label, names) for label, names in follows if names]
    summary = "; ".join(f"{label}: {', '.join(names)}" for label, names in follows)
    return {
        "subscription": subscription,
        "follows": follows,
        "summary": summary or _("Everything"),
        "channel": subscription.get_channel_display(),
    }


class SubscriptionsView(LoginRequiredMixin, View):
    """The signed-in user's subscriptions, a form to add one, a button to delete each."""

    template_name = "commitments/subscriptions.html"

    def _form(self, data=None) -> SubscriptionForm:
        choices = selectors.subscription_choices()
        initial = {
            name: self.request.GET.getlist(name)
            for name in ("participants", "guarantees", "agreements")
        }
        return SubscriptionForm(data, initial=initial, **choices)

    def _render(self, form: SubscriptionForm, status: int = 200):
        rows = [_row(s) for s in selectors.subscriptions_of(user=self.request.user)]
        context = {"form": form, "rows": rows}
        return render(self.request, self.template_name, context, status=status)

    def get(self, request):
        return self._render(self._form())

    def post(self, request):
        form = self._form(request.POST)
        if not form.is_valid():
            return self._render(form, status=400)
        try:
            services.subscription_create(user=request.user, **form.cleaned_data)
        except ValidationFailed as error:
            form.add_refusal(error)
            return self._render(form, status=400)
        messages.success(request, _("Subscription added."))
        return redirect("commitments:subscriptions")


class SubscriptionDeleteView(LoginRequiredMixin, View):
    """Delete one of the user's own subscriptions (anyone else's is a 404)."""

    http_method_names = ["post"]

    def post(self, request, pk: int):
        subscription = get_object_or_404(selectors.subscriptions_of(user=request.user), pk=pk)
        try:
            services.subscription_delete(subscription=subscription, user=request.user)
        except DomainError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, _("Subscription deleted."))
        return redirect("commitments:subscriptions")


class _FollowForm(forms.Form):
    kind = forms.ChoiceField(choices=[(name, name) for name in _KINDS])
    object = forms.IntegerField(min_value=1)


class _FollowBase(LoginRequiredMixin, View):
    http_method_names = ["post"]

    def post(self, request):
        form = _FollowForm(request.POST)
        if not form.is_valid():
            raise Http404(_("Nothing to follow."))
        kind = form.cleaned_data["kind"]
        _model, lookup, _filter = _KINDS[kind]
        obj = get_object_or_404(lookup(), pk=form.cleaned_data["object"])
        try:
            self.act(request, kind, obj)
        except DomainError as error:
            messages.error(request, str(error))
        return redirect(object_url(obj))


class FollowView(_FollowBase):
    """Follow a participant, guarantee or agreement in the inbox: one click."""

    def act(self, request, kind: str, obj) -> None:
        services.subscription_create(
            user=request.user, channel=NotificationChannel.IN_APP, **{_KINDS[kind][2]: [obj]}
        )
        messages.success(request, _("You follow %s: its changes come to your inbox.") % obj)


class UnfollowView(_FollowBase):
    """Stop following it: every subscription of the user that follows it alone ends."""

    def act(self, request, kind: str, obj) -> None:
        following = selectors.subscriptions_following_only(user=request.user, obj=obj)
        for subscription in following:
            services.subscription_delete(subscription=subscription, user=request.user)
        messages.success(request, _("You no longer follow %s.") % obj)
