from rest_framework.negotiation import DefaultContentNegotiation


class ContentNegotiation(DefaultContentNegotiation):
    """DRF's negotiation, answered at once for what API clients send most: no Accept header,
    `*/*`, or the view's first renderer's own media type, with no ?format= and no suffix. The
    answer is the one DRF's full parsing gives (its first renderer), at a fraction of the cost
    per request."""

    def select_renderer(self, request, renderers, format_suffix=None):
        accept = request.META.get("HTTP_ACCEPT")  # an empty header is DRF's 406
        first = renderers[0]
        if (
            format_suffix is None
            and (accept is None or accept == "*/*" or accept == first.media_type)
            and self.settings.URL_FORMAT_OVERRIDE not in request.query_params
        ):
            return first, first.media_type
        return super().select_renderer(request, renderers, format_suffix)
