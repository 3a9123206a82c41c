"""The webhooks page at `/webhooks/`: a signed-in user's own endpoints. Create one (its
secret shown once), rotate the secret (shown once), switch it on or off, delete it, see its
recent deliveries with their attempts and resend one. Every write goes through the services
of commitments/services/webhook_endpoints.py, as the API's do; another user's endpoint or
delivery is a 404 (an admin manages others' in the admin).

A secret is shown once: after a creation or a rotation the page is redirected to (POST,
redirect, GET), and that GET takes the secret out of the session, where it waited encrypted
(commitments.crypto), for that one answer. Every answer of the page says
Cache-Control: no-store."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from commitments import crypto, selectors, services
from commitments.exceptions import DomainError, ValidationFailed
from commitments.models import CHECKPOINT_TYPE, STATUS_CHANGED_TYPE
from tracker.api import domain_status  # a refusal's status, as the API answers it

# The session's slot for a secret to show once: {"endpoint": id, "token": Fernet token}.
SECRET_SLOT = "webhooks.secret_shown_once"

EVENT_TYPE_CHOICES = [
    (STATUS_CHANGED_TYPE, gettext_lazy("Status changes (commitment.status_changed)")),
    (CHECKPOINT_TYPE, gettext_lazy("Signed audit checkpoints (audit.checkpoint)")),
]


class EndpointForm(forms.Form):
    """What the page asks for a new endpoint; the service checks the rest (the URL's
    target, the description's length, the event types, the quota) and says what is wrong."""

    url = forms.CharField(
        label=gettext_lazy("URL"),
        widget=forms.TextInput(attrs={"inputmode": "url", "autocomplete": "off"}),
        help_text=gettext_lazy("Where the signed POSTs go: https://… on port 80 or 443"),
    )
    description = forms.CharField(label=gettext_lazy("Description"), required=False)
    event_types = forms.MultipleChoiceField(
        label=gettext_lazy("Event types"),
        choices=EVENT_TYPE_CHOICES,
        required=False,
        initial=[STATUS_CHANGED_TYPE],
        widget=forms.CheckboxSelectMultiple,
    )


def _page(
    request: HttpRequest,
    *,
    form: EndpointForm | None = None,
    status: int = 200,
    shown_secret: dict | None = None,
) -> HttpResponse:
    response = render(
        request,
        "commitments/webhooks.html",
        {
            "form": form or EndpointForm(),
            "endpoints": selectors.webhook_endpoints_owned(owner=request.user),
            "recent_deliveries": selectors.RECENT_DELIVERIES,
            "shown_secret": shown_secret,
        },
        status=status,
    )
    response["Cache-Control"] = "no-store"
    return response


def _keep_secret_once(request: HttpRequest, *, endpoint_id: int, secret: str) -> None:
    request.session[SECRET_SLOT] = {"endpoint": endpoint_id, "token": crypto.encrypt(secret)}


def _take_secret(request: HttpRequest) -> dict | None:
    """The secret waiting to be shown, taken out of the session (so never shown again)."""
    slot = request.session.pop(SECRET_SLOT, None)
    if not slot:
        return None
    return {"endpoint": slot["endpoint"], "secret": crypto.decrypt(slot["token"])}


def _own_endpoint(request: HttpRequest, pk: int):
    owned = selectors.webhook_endpoints_for(viewer=request.user).filter(owner=request.user.pk)
    return get_object_or_404(owned, pk=pk)


@login_required
def webhooks(request: HttpRequest) -> HttpResponse:
    """GET: the page (with a secret, once, after a creation or rotation); POST: create an
    endpoint."""
    if request.method == "GET":
        return _page(request, shown_secret=_take_secret(request))
    if request.method != "POST":
        response = HttpResponse(status=405)
        response["Allow"] = "GET, POST"
        return response
    form = EndpointForm(request.POST)
    if not form.is_valid():
        return _page(request, form=form, status=400)
    try:
        endpoint, secret = services.webhook_endpoint_create(
            owner=request.user,
            url=form.cleaned_data["url"],
            description=form.cleaned_data["description"],
            event_types=form.cleaned_data["event_types"],
        )
    except ValidationFailed as error:
        for field, field_messages in error.fields.items():
            for message in field_messages:
                form.add_error(field if field in form.fields else None, message)
        return _page(request, form=form, status=400)
    except DomainError as error:
        form.add_error(None, error.message)
        return _page(request, form=form, status=domain_status(error))
    _keep_secret_once(request, endpoint_id=endpoint.pk, secret=secret)
    messages.success(request, _("Endpoint created: copy its secret now."))
    return redirect("commitments:webhooks")


def _refused(request: HttpRequest, error: DomainError) -> HttpResponse:
    messages.error(request, error.message)
    return _page(request, status=domain_status(error))


@login_required
@require_POST
def webhook_rotate(request: HttpRequest, pk: int) -> HttpResponse:
    endpoint = _own_endpoint(request, pk)
    try:
        secret = services.webhook_endpoint_rotate_secret(endpoint=endpoint, actor=request.user)
    except DomainError as error:
        return _refused(request, error)
    _keep_secret_once(request, endpoint_id=endpoint.pk, secret=secret)
    messages.success(
        request, _("New secret: copy it now. The old one still signs for a grace period.")
    )
    return redirect("commitments:webhooks")


@login_required
@require_POST
def webhook_activity(request: HttpRequest, pk: int) -> HttpResponse:
    """Switch an endpoint on (`is_active=true`) or off (`is_active=false`)."""
    endpoint = _own_endpoint(request, pk)
    wanted = request.POST.get("is_active")
    if wanted not in ("true", "false"):
        return _refused(request, ValidationFailed(_("Say whether to turn it on or off.")))
    try:
        services.webhook_endpoint_update(
            endpoint=endpoint, actor=request.user, is_active=wanted == "true"
        )
    except DomainError as error:
        return _refused(request, error)
    messages.success(
        request, _("Endpoint turned on.") if wanted == "true" else _("Endpoint turned off.")
    )
    return redirect("commitments:webhooks")


@login_required
@require_POST
def webhook_delete(request: HttpRequest, pk: int) -> HttpResponse:
    endpoint = _own_endpoint(request, pk)
    try:
        services.webhook_endpoint_delete(endpoint=endpoint, actor=request.user)
    except DomainError as error:
        return _refused(request, error)
    messages.success(request, _("Endpoint deleted, with its deliveries."))
    return redirect("commitments:webhooks")


@login_required
@require_POST
def webhook_resend(request: HttpRequest, pk: int) -> HttpResponse:
    delivery = get_object_or_404(selectors.webhook_deliveries_owned(owner=request.user), pk=pk)
    try:
        services.webhook_delivery_resend(delivery=delivery, actor=request.user)
    except DomainError as error:
        return _refused(request, error)
    messages.success(request, _("Delivery queued to be sent again."))
    return redirect("commitments:webhooks")
