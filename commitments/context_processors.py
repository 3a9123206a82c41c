"""Template context every page gets from the record."""

from django.http import HttpRequest

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
