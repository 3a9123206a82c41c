"""The Django admin for users: every account, password and role change is audited."""

from axes.admin import AccessAttemptAdmin, AccessLogAdmin
from axes.models import AccessAttempt, AccessLog
from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.contrib.auth import admin as auth_admin
from django.db import router, transaction
from django.utils.decorators import method_decorator
from django.utils.translation import gettext_lazy as _
from django.views.decorators.debug import sensitive_post_parameters

from accounts import services
from accounts.forms import UserChangeForm
from accounts.models import ApiToken, User
from accounts.roles import Role
from commitments.admin import RefusalMessagesMixin


def _role_names(user: User) -> list[str]:
    return sorted(user.groups.filter(name__in=Role.values).values_list("name", flat=True))


@admin.register(User)
class UserAdmin(RefusalMessagesMixin, auth_admin.UserAdmin):
    form = UserChangeForm
    list_display = ("username", "email", "first_name", "last_name", "is_staff", "roles")

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("groups")

    @admin.display(description=_("roles"))
    def roles(self, user: User) -> str:
        return ", ".join(sorted(group.name for group in user.groups.all()))

    def save_model(self, request, obj, form, change):
        # The form saves the groups after this; save_related compares the roles then.
        obj._roles_before = _role_names(obj) if change else []
        password_changed = not change or "password" in form.changed_data
        with self.refusal_reported(request):
            services.user_save(user=obj, actor=request.user, password_changed=password_changed)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        user = form.instance
        before, after = getattr(user, "_roles_before", []), _role_names(user)
        if before != after:
            services.user_roles_changed(user=user, before=before, after=after, actor=request.user)

    @method_decorator(sensitive_post_parameters())
    def user_change_password(self, request, id, form_url=""):
        # The password form saves the user itself; the change is audited in the same transaction.
        user = self.get_object(request, unquote(id))
        old_hash = user.password if user is not None else None
        with transaction.atomic(using=router.db_for_write(self.model)):
            response = super().user_change_password(request, id, form_url)
            if user is not None and request.method == "POST":
                user.refresh_from_db()
                if user.password != old_hash:
                    services.user_save(user=user, actor=request.user, password_changed=True)
        return response

    def delete_model(self, request, obj):
        with self.refusal_reported(request):
            services.user_delete(user=obj, actor=request.user)

    def delete_queryset(self, request, queryset):
        for user in queryset:
            with self.refusal_reported(request):
                services.user_delete(user=user, actor=request.user)


class ApiTokenAddForm(forms.ModelForm):
    expires_days = forms.IntegerField(
        label=_("expires in (days)"), required=False, min_value=1, help_text=_("Empty: never.")
    )

    class Meta:
        model = ApiToken
        fields = ("user", "name", "scope")


@admin.register(ApiToken)
class ApiTokenAdmin(RefusalMessagesMixin, admin.ModelAdmin):
    """Tokens are issued here (the key is shown once, in a message) and revoked by action."""

    list_display = (
        "prefix",
        "user",
        "name",
        "scope",
        "created_at",
        "expires_at",
        "last_used_at",
        "revoked_at",
    )
    list_filter = ("scope", ("revoked_at", admin.EmptyFieldListFilter))
    search_fields = ("prefix", "name", "user__username")
    autocomplete_fields = ("user",)
    actions = ["revoke"]
    readonly_fields = (
        "user",
        "name",
        "scope",
        "prefix",
        "created_at",
        "expires_at",
        "last_used_at",
        "revoked_at",
    )

    def get_form(self, request, obj=None, **kwargs):
        if obj is None:
            kwargs["form"] = ApiTokenAddForm
        return super().get_form(request, obj, **kwargs)

    def get_readonly_fields(self, request, obj=None):
        return self.readonly_fields if obj else ()

    def get_fields(self, request, obj=None):
        if obj is None:
            return ("user", "name", "scope", "expires_days")
        return self.readonly_fields

    def has_change_permission(self, request, obj=None):
        return False if obj is not None else super().has_change_permission(request, obj)

    def save_model(self, request, obj, form, change):
        token, key = services.api_token_issue(
            user=form.cleaned_data["user"],
            scope=form.cleaned_data["scope"],
            name=form.cleaned_data["name"],
            expires_days=form.cleaned_data.get("expires_days"),
            actor=request.user,
        )
        obj.pk, obj._state.adding = token.pk, False
        self.message_user(
            request,
            _("The token's key, shown only now: %(key)s") % {"key": key},
            messages.WARNING,
        )

    def delete_model(self, request, obj):
        services.api_token_revoke(token=obj, actor=request.user)

    def delete_queryset(self, request, queryset):
        for token in queryset:
            services.api_token_revoke(token=token, actor=request.user)

    @admin.action(description=_("Revoke selected tokens"), permissions=["view"])
    def revoke(self, request, queryset):
        for token in queryset:
            services.api_token_revoke(token=token, actor=request.user)
        self.message_user(request, _("%d token(s) revoked.") % queryset.count())


# The login lockout (accounts.lockout): an admin unlocks an address or a username by deleting
# its access attempts; the access log lists sign-ins. axes' own admin, registered here (with
# AXES_ENABLE_ADMIN off) so its failure log, which is not kept, has no page.
admin.site.register(AccessAttempt, AccessAttemptAdmin)
admin.site.register(AccessLog, AccessLogAdmin)
