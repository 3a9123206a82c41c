"""The Django admin's site: only the admin role (and superusers) get in at all."""

from django.contrib import admin


class TrackerAdminSite(admin.AdminSite):
    """Django's site, but a staff flag alone opens nothing: the user must hold the admin role
    (accounts.roles), which the roles service keeps in step with `is_staff`."""

    def has_permission(self, request) -> bool:
        from accounts.roles import Role, has_role

        user = request.user
        return user.is_active and user.is_staff and has_role(user, Role.ADMIN)
