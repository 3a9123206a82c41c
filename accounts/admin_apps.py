"""django.contrib.admin with the project's site; INSTALLED_APPS names this instead."""

from django.contrib.admin.apps import AdminConfig


class TrackerAdminConfig(AdminConfig):
    default_site = "accounts.admin_site.TrackerAdminSite"
