"""The Django admin for users: every account, password and role change is audited."""

from axes.admin import AccessAttemptAdmin, AccessLogAdmin
from axes.models import AccessAttempt, AccessLog
from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.contrib.auth import admin as auth_admin
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from django.db import router, transaction
from django.utils.decorators import method_decorator
from django.utils.translation import gettext_lazy as _
from django.views.decorators.debug import sensitive_post_parameters

from accounts import services
from accounts.forms import UserChangeForm
from accounts.models import ApiToken, User
from accounts.roles import Role
from tracker.admin_refusals import RefusalMessagesMixin


@admin.register(User)
class UserAdmin(RefusalMessagesMixin, auth_admin.UserAdmin):
    """Accounts and roles. Staff and superuser status and raw permissions are a superuser's
    to set; nobody changes their own roles; only a superuser changes a superuser's account.
    The form leaves such fields out (read-only) and the services refuse them too."""

    form = UserChangeForm
    list_display = ("username", "email", "first_name", "last_name", "is_staff", "roles")

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("groups")

    @admin.display(description=_("roles"))
    def roles(self, user: User) -> str:
        return ", ".join(sorted(group.name for group in user.groups.all()))

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if not request.user.is_superuser:
            fields += ["is_staff", "is_superuser", "user_permissions"]
        if obj is not None and obj.pk == request.user.pk:
            fields.append("groups")
        return fields

    def has_change_permission(self, request, obj=None):
        if obj is not None and obj.is_superuser and not request.user.is_superuser:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        if obj is not None and obj.is_superuser and not request.user.is_superuser:
            return False
        return super().has_delete_permission(request, obj)

    def save_model(self, request, obj, form, change):
        password_changed = not change or "password" in form.changed_data
        with self.refusal_reported(request):
            services.user_save(user=obj, actor=request.user, password_changed=password_changed)

    def save_related(self, request, form, formsets, change):
        # Roles and raw permissions go through their services (audited, refused where not
        # allowed), not through the form's plain m2m save.
        groups = form.cleaned_data.pop("groups", None)
        permissions = form.cleaned_data.pop("user_permissions", None)
        super().save_related(request, form, formsets, change)
        user = form.instance
        with self.refusal_reported(request):
            if groups is not None:
                roles = [group.name for group in groups if group.name in Role.values]
                services.user_set_roles(user=user, roles=roles, actor=request.user)
            if permissions is not None:
                services.user_permissions_set(
                    user=user, permissions=permissions, actor=request.user
                )

    @method_decorator(sensitive_post_parameters())
    def user_change_password(self, request, id, form_url=""):
        # The password form saves the user itself; the change is audited in the same transaction.
        user = self.get_object(request, unquote(id))
        if user is not None and user.pk != request.user.pk and not request.user.is_superuser:
            # Only a superuser sets another person's password (services.user_save says why).
            raise PermissionDenied
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
        fields = ("name", "scope")


@admin.register(ApiToken)
class ApiTokenAdmin(RefusalMessagesMixin, admin.ModelAdmin):
    """Tokens are issued here to the signed-in user only (the key is shown once, in a
    message); an admin may revoke anyone's, by action or delete."""

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
            return ("name", "scope", "expires_days")
        return self.readonly_fields

    def has_change_permission(self, request, obj=None):
        return False if obj is not None else super().has_change_permission(request, obj)

    def save_model(self, request, obj, form, change):
        with self.refusal_reported(request):
            token, key = services.api_token_issue(
                user=request.user,
                scope=form.cleaned_data["scope"],
                name=form.cleaned_data["name"],
                expires_days=form.cleaned_data.get("expires_days"),
                actor=request.user,
            )
        for field in ApiToken._meta.concrete_fields:
            setattr(obj, field.attname, getattr(token, field.attname))
        obj._state.adding, obj._state.db = False, token._state.db
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
@admin.register(AccessAttempt)
class LockoutAdmin(AccessAttemptAdmin):
    """Deleting an address's or a username's attempts unlocks it. axes' "clean up expired
    attempts" action is left out: it reads what axes sets on a login request only, and fails
    on any other."""

    actions = []


admin.site.register(AccessLog, AccessLogAdmin)

admin.site.unregister(Group)


@admin.register(Group)
class RoleGroupAdmin(RefusalMessagesMixin, auth_admin.GroupAdmin):
    """The role groups, defined by the code (accounts.roles.Role): their names are fixed and
    they are neither added nor deleted here; a change of a role's permissions goes through
    role_permissions_set (audited, members' cached tokens forgotten). A group that is not a
    role gives no role, so none is listed or made here."""

    readonly_fields = ("name",)

    def get_queryset(self, request):
        return super().get_queryset(request).filter(name__in=Role.values)

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        # The name is read-only and a group has no other field: the permissions are the change.
        pass

    def save_related(self, request, form, formsets, change):
        permissions = form.cleaned_data.pop("permissions", None)
        super().save_related(request, form, formsets, change)
        if permissions is not None:
            with self.refusal_reported(request):
                services.role_permissions_set(
                    group=form.instance, permissions=permissions, actor=request.user
                )
