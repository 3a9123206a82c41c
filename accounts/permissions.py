"""DRF permissions: who may call the API at all, and read tokens never write.

Role rules (analysts propose, reviewers decide, four eyes) live in the services, which
answer 403 through tracker/api.py.
"""

from rest_framework import permissions

from accounts.models import ApiToken, TokenScope


class ReadOrWriteScope(permissions.BasePermission):
    message = "This token may only read (scope 'read')."

    def has_permission(self, request, view) -> bool:
        if not (request.user and request.user.is_authenticated):
            return False
        if request.method in permissions.SAFE_METHODS:
            return True
        token = request.auth
        return not isinstance(token, ApiToken) or token.scope == TokenScope.WRITE
