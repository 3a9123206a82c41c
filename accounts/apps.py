from django.apps import AppConfig
from django.db.models.signals import post_migrate


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Accounts"

    def ready(self) -> None:
        from accounts.roles import grant_role_permissions

        # Once per migrate (sender: this app), after the migrations of every app.
        post_migrate.connect(grant_role_permissions, sender=self, dispatch_uid="role-permissions")
