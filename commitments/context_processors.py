"""Template context every page gets from the record."""

from dataclasses import dataclass

from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse
from django.utils.functional import SimpleLazyObject

from commitments import selectors

_CACHE_ATTRIBUTE = "_record_has_sample_data"


def sample_data(request: HttpRequest) -> dict:
    """`record_has_sample_data`, for base.html's banner: asked of the database once per
    request, and only when a template reads it (a feed's entry templates never do)."""

    def has_sample_data() -> bool:
        if not hasattr(request, _CACHE_ATTRIBUTE):
            setattr(request, _CACHE_ATTRIBUTE, selectors.record_has_sample_data())
        return getattr(request, _CACHE_ATTRIBUTE)

    return {"record_has_sample_data": has_sample_data}


@dataclass(frozen=True)
class Header:
    """What base.html's header shows a signed-in user."""

    roles: list[str]
    # (label, URL) of each page the user's roles may use.
    links: list[tuple[str, str]]
    unread: int


def _links(request: HttpRequest) -> list[tuple[str, str]]:
    links = []
    for link in selectors.nav_links_for(user=request.user):
        try:
            links.append((str(link.label), reverse(link.url_name)))
        except NoReverseMatch:
            # A page this deployment does not serve (yet): no link rather than a broken one.
            continue
    return links


def header(request: HttpRequest) -> dict:
    """`header`, for base.html: the signed-in user's roles, links and unread count, built
    only when a template reads it (an htmx fragment never does): one query for the unread
    count and at most one for the roles (cached on the user). None for a visitor."""

    def build() -> Header | None:
        user = request.user
        if not user.is_authenticated:
            return None
        return Header(
            roles=selectors.role_labels_for(user=user),
            links=_links(request),
            unread=selectors.notification_unread_count(user=user),
        )

    return {"header": SimpleLazyObject(build)}
