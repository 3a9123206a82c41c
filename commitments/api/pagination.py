from rest_framework import pagination


class LimitOffsetPagination(pagination.LimitOffsetPagination):
    """limit/offset pages (default 50, at most 500) that reuse a count already taken for the
    list's ETag instead of counting twice."""

    default_limit = 50
    max_limit = 500

    def get_count(self, queryset):
        known = getattr(self, "known_count", None)
        return known if known is not None else super().get_count(queryset)
