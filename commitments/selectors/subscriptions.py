"""Subscriptions as their subscriber sees them, and what a page's object is followed by."""

from django.db.models import Exists, Model, OuterRef, Prefetch, QuerySet

from accounts.models import User
from commitments.models import Agreement, Guarantee, Participant, Subscription

# Which filter of a subscription names objects of each kind.
_FILTER_OF: dict[type[Model], str] = {
    Participant: "participants",
    Guarantee: "guarantees",
    Agreement: "agreements",
}


def subscriptions_of(*, user: User) -> QuerySet[Subscription]:
    """The user's own subscriptions, oldest first, with what each follows: four queries
    however many there are (anyone's, admins' included, are never listed here)."""
    if not user.is_authenticated:
        return Subscription.objects.none()
    return (
        Subscription.objects.filter(user=user.pk)
        .prefetch_related(
            Prefetch("participants", queryset=Participant.objects.order_by("name")),
            Prefetch("guarantees", queryset=Guarantee.objects.order_by("title", "pk")),
            Prefetch("agreements", queryset=Agreement.objects.order_by("title", "pk")),
        )
        .order_by("pk")
    )


def subscriptions_following_only(*, user: User, obj: Participant | Guarantee | Agreement):
    """The user's subscriptions that follow this one participant, guarantee or agreement and
    nothing else (what its page's "Follow" button makes), oldest first; one query. A
    subscription that takes it in among others (several participants, everything) is not one:
    it is managed on the subscriptions page."""
    if not user.is_authenticated:
        return Subscription.objects.none()
    own = _FILTER_OF[type(obj)]
    conditions = []
    for name in _FILTER_OF.values():
        through = Subscription._meta.get_field(name).remote_field.through
        rows = through.objects.filter(subscription=OuterRef("pk"))
        if name == own:
            target = Subscription._meta.get_field(name).m2m_reverse_field_name()
            conditions.append(Exists(rows.filter(**{target: obj.pk})))
            conditions.append(~Exists(rows.exclude(**{target: obj.pk})))
        else:
            conditions.append(~Exists(rows))
    return Subscription.objects.filter(*conditions, user=user.pk).order_by("pk")


def subscription_choices() -> dict[str, list]:
    """What the subscriptions form offers to follow: every participant, guarantee (with its
    agreement) and agreement, by name; three queries."""
    return {
        "participants": list(Participant.objects.order_by("name")),
        "guarantees": list(
            Guarantee.objects.select_related("agreement").order_by(
                "agreement__title", "position", "title"
            )
        ),
        "agreements": list(Agreement.objects.order_by("-signed_on", "title")),
    }
