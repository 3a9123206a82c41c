from rest_framework import pagination

# Beyond any table this API serves; keeps a huge offset from overflowing the database's integers.
MAX_OFFSET = 2**31 - 1


class LimitOffsetPagination(pagination.LimitOffsetPagination):
    """limit/offset pages (default 50, at most 500) that reuse a count already taken for the
    list's ETag instead of counting twice."""

    default_limit = 50
    max_limit = 500

    def get_count(self, queryset):
        known = getattr(self, "known_count", None)
        return known if known is not None else super().get_count(queryset)

    def get_offset(self, request):
        return min(super().get_offset(request), MAX_OFFSET)
