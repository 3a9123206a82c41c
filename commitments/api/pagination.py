from rest_framework import pagination

# Beyond any table this API serves; keeps a huge offset from overflowing the database's integers.
MAX_OFFSET = 2**31 - 1


class LimitOffsetPagination(pagination.LimitOffsetPagination):
    """limit/offset pages: 50 rows by default, at most 500."""

    default_limit = 50
    max_limit = 500

    def get_offset(self, request):
        return min(super().get_offset(request), MAX_OFFSET)

    def get_paginated_response_schema(self, schema):
        """Every page holds all four keys; `next` and `previous` are null at either end."""
        response_schema = super().get_paginated_response_schema(schema)
        response_schema["required"] = list(response_schema["properties"])
        return response_schema
