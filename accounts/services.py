"""Writes to users and roles; each audited."""

import hashlib
import secrets
from collections.abc import Iterable
from datetime import timedelta
from functools import partial

from django.conf import settings
from django.contrib.auth.models import Group, Permission
from django.core.cache import cache
from django.db import transaction
from django.db.models import ProtectedError
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import signals
from accounts.forms import UserCreateForm
from accounts.models import ApiToken, IdempotencyRecord, TokenScope, User
from accounts.roles import Role, role_groups
from tracker.exceptions import NotAllowed, ValidationFailed

# Fields that give power beyond the roles: only a superuser (or the system, actor None) sets them.
_SUPERUSER_ONLY_FIELDS = ("is_staff", "is_superuser")

_AUDITED_USER_FIELDS = (
    "username",
    "email",
    "first_name",
    "last_name",
    "is_active",
    "is_staff",
    "is_superuser",
)


def _check_roles(roles: Iterable[str]) -> list[str]:
    roles = list(dict.fromkeys(roles))
    unknown = [r for r in roles if r not in Role.values]
    if unknown:
        raise ValidationFailed(
            {
                "roles": [
                    _("Unknown role %(r)s; choose from %(all)s.")
                    % {"r": ", ".join(unknown), "all": ", ".join(Role.values)}
                ]
            }
        )
    return roles


def _snapshot(user: User) -> dict:
    return {name: getattr(user, name) for name in _AUDITED_USER_FIELDS}


def _is_system_or_superuser(actor: User | None) -> bool:
    """The system (a command run by an operator on the server: actor None) or a superuser."""
    return actor is None or (actor.is_active and actor.is_superuser)


def _check_may_change(*, user: User, actor: User | None) -> None:
    """Only a superuser changes a superuser's account: an admin who could set a superuser's
    password or e-mail could become one."""
    if (
        user.pk is not None
        and not _is_system_or_superuser(actor)
        and User.objects.filter(pk=user.pk, is_superuser=True).exists()
    ):
        raise NotAllowed(_("Only a superuser changes a superuser's account."))


def _check_not_own_roles(*, user: User, actor: User | None) -> None:
    if actor is not None and actor.pk == user.pk:
        raise NotAllowed(_("Nobody changes their own roles."))


def _keep_staff_in_step(user: User, roles: Iterable[str]) -> None:
    """Only the admin role (and superusers) enter the Django admin: is_staff follows it."""
    is_staff = user.is_superuser or Role.ADMIN in roles
    if user.is_staff != is_staff:
        user.is_staff = is_staff
        user.save(update_fields=["is_staff"])


@transaction.atomic
def user_create(
    *,
    username: str,
    roles: Iterable[str],
    password: str | None = None,
    email: str = "",
    actor: User | None = None,
) -> tuple[User, str]:
    """Create a user holding `roles`; returns the user and the password (generated if not
    given). The admin role also grants access to the Django admin."""
    roles = _check_roles(roles)
    password = password or secrets.token_urlsafe(12)
    form = UserCreateForm(
        {"username": username, "email": email, "password1": password, "password2": password}
    )
    if not form.is_valid():
        # The password's messages are filed under password2 (the confirmation) by the form.
        names = {"password2": "password", "__all__": "non_field_errors"}
        raise ValidationFailed(
            {names.get(field, field): list(messages) for field, messages in form.errors.items()}
        )
    user = User.objects.create_user(
        username=form.cleaned_data["username"],
        email=form.cleaned_data["email"],
        password=password,
        is_staff=Role.ADMIN in roles,
    )
    user.groups.set(role_groups(roles))
    signals.audit(
        action=signals.USER_CREATED,
        actor=actor,
        obj=user,
        after={**_snapshot(user), "roles": sorted(roles)},
    )
    return user, password


@transaction.atomic
def user_set_roles(*, user: User, roles: Iterable[str], actor: User | None) -> User:
    """Replace a user's roles, and keep is_staff in step with the admin role; audited with
    before and after. Nobody changes their own roles."""
    roles = _check_roles(roles)
    _check_not_own_roles(user=user, actor=actor)
    _check_may_change(user=user, actor=actor)
    before = sorted(user.groups.filter(name__in=Role.values).values_list("name", flat=True))
    if before == sorted(roles):
        return user
    others = user.groups.exclude(name__in=Role.values)
    user.groups.set([*others, *role_groups(roles)])
    user.__dict__.pop("_role_names", None)
    _roles_changed(user=user, before=before, after=sorted(roles), actor=actor)
    return user


def _roles_changed(*, user: User, before: list[str], after: list[str], actor: User | None):
    """user_set_roles set the user's groups (its checks passed): keep is_staff in step with
    the admin role, audit the change and let it apply to the user's next API request."""
    staff_before = user.is_staff
    _keep_staff_in_step(user, after)
    _forget_tokens_of(user)
    before_fields, after_fields = {"roles": before}, {"roles": after}
    if user.is_staff != staff_before:
        before_fields["is_staff"], after_fields["is_staff"] = staff_before, user.is_staff
    signals.audit(
        action=signals.USER_ROLES_CHANGED,
        actor=actor,
        obj=user,
        before=before_fields,
        after=after_fields,
    )


@transaction.atomic
def user_save(*, user: User, actor: User | None, password_changed: bool = False) -> User:
    """Save a user's account fields (admin); audited, a password change named but not shown.
    Only a superuser (or the system) sets is_staff or is_superuser, or changes a superuser."""
    creating = user.pk is None
    _check_may_change(user=user, actor=actor)
    old = {} if creating else _snapshot(User.objects.get(pk=user.pk))
    new = _snapshot(user)
    raised = [name for name in _SUPERUSER_ONLY_FIELDS if new[name] != old.get(name, False)]
    if raised and not _is_system_or_superuser(actor):
        raise NotAllowed(_("Only a superuser sets staff or superuser status."))
    _check_may_set_password(user=user, actor=actor, creating=creating, changed=password_changed)
    user.save()
    changed = [name for name in new if old.get(name) != new[name]]
    after = {name: new[name] for name in changed}
    if password_changed:
        after["password"] = "changed"
    if not creating and after:
        _forget_tokens_of(user)
    if creating or after:
        signals.audit(
            action=signals.USER_CREATED if creating else signals.USER_CHANGED,
            actor=actor,
            obj=user,
            before={name: old.get(name) for name in changed if not creating},
            after=after,
        )
    return user


def _check_may_set_password(*, user: User, actor: User | None, creating: bool, changed: bool):
    """Whoever knows a password acts as its user: only a superuser (or the system) sets
    another person's password once the account exists; an admin who could would sign in as a
    reviewer and conjure the second pair of eyes."""
    if changed and not creating and not _is_system_or_superuser(actor) and actor != user:
        raise NotAllowed(_("Only a superuser sets another person's password."))


@transaction.atomic
def user_permissions_set(
    *, user: User, permissions: Iterable[Permission], actor: User | None
) -> User:
    """Replace a user's own (raw) permissions: superusers only; audited with the codenames
    before and after."""
    if not _is_system_or_superuser(actor):
        raise NotAllowed(_("Only a superuser grants permissions to a user."))
    permissions = list(permissions)
    before = _codenames(user.user_permissions.all())
    after = _codenames(permissions)
    if before == after:
        return user
    user.user_permissions.set(permissions)
    _forget_tokens_of(user)
    signals.audit(
        action=signals.USER_CHANGED,
        actor=actor,
        obj=user,
        before={"permissions": before},
        after={"permissions": after},
    )
    return user


@transaction.atomic
def user_delete(*, user: User, actor: User | None) -> None:
    """Delete a user; their events keep their name."""
    _check_may_change(user=user, actor=actor)
    before = _snapshot(user)
    pk = user.pk
    _forget_tokens_of(user)
    try:
        with transaction.atomic():
            user.delete()
    except ProtectedError as error:
        raise ValidationFailed(
            _("%s wrote or reviewed status updates; deactivate the account instead.") % user
        ) from error
    signals.audit(
        action=signals.USER_DELETED,
        actor=actor,
        object_type="accounts.user",
        object_id=pk,
        before=before,
    )


# Roles ----------------------------------------------------------------------------------


def _codenames(permissions: Iterable[Permission]) -> list[str]:
    return sorted(
        f"{p.content_type.app_label}.{p.codename}"
        for p in Permission.objects.filter(pk__in=[p.pk for p in permissions]).select_related(
            "content_type"
        )
    )


@transaction.atomic
def role_permissions_set(
    *, group: Group, permissions: Iterable[Permission], actor: User | None
) -> Group:
    """Replace the permissions of a role's group; audited with the codenames before and
    after, and applied to every member's next API request. Role groups are defined by the
    code (accounts.roles.Role): only theirs are managed here."""
    if group.name not in Role.values:
        raise ValidationFailed(_("%s is not a role.") % group.name)
    permissions = list(permissions)
    before = _codenames(group.permissions.all())
    after = _codenames(permissions)
    if before == after:
        return group
    group.permissions.set(permissions)
    for member in group.user_set.all():
        _forget_tokens_of(member)
    signals.audit(
        action=signals.ROLE_PERMISSIONS_CHANGED,
        actor=actor,
        object_type="auth.group",
        object_id=group.pk,
        before={"role": group.name, "permissions": before},
        after={"role": group.name, "permissions": after},
    )
    return group


# API tokens ------------------------------------------------------------------------------


def _forget_cached_tokens(key_hashes: list[str]) -> None:
    """The API authentication's cache (with each token's user and roles) forgets these tokens
    now, and again once this commits: a request in between may have cached them as they were."""
    keys = [ApiToken.cache_key_for(key_hash) for key_hash in key_hashes]
    if keys:
        cache.delete_many(keys)
        transaction.on_commit(partial(cache.delete_many, keys))


def _forget_tokens_of(user: User) -> None:
    """A change to a user (roles, active, deletion) applies to their next API request."""
    _forget_cached_tokens(
        list(ApiToken.objects.filter(user=user).values_list("key_hash", flat=True))
    )


TOKEN_PREFIX = "ct_"


def api_token_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


@transaction.atomic
def api_token_issue(
    *,
    user: User,
    scope: str = TokenScope.READ,
    name: str = "",
    expires_days: int | None = None,
    actor: User | None = None,
) -> tuple[ApiToken, str]:
    """Issue a token acting as `user`; returns it with its key, which is never shown again.

    A person issues tokens only to themselves (a token for someone else would let its issuer
    act as them); the system (actor None: the create_api_token command, run by an operator on
    the server) issues to anyone. The event names both the actor and the token's owner."""
    if actor is not None and actor.pk != user.pk:
        raise NotAllowed(_("A token is issued only to oneself."))
    errors = {}
    if scope not in TokenScope.values:
        errors["scope"] = [_("Choose read or write.")]
    if expires_days is not None and expires_days < 1:
        errors["expires_days"] = [_("A token lives at least one day.")]
    if not user.is_active:
        errors["user"] = [_("%s is not active.") % user]
    if errors:
        raise ValidationFailed(errors)
    key = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user,
        name=name,
        scope=scope,
        prefix=key[:10],
        key_hash=api_token_hash(key),
        expires_at=timezone.now() + timedelta(days=expires_days) if expires_days else None,
    )
    signals.audit(
        action=signals.TOKEN_ISSUED,
        actor=actor,
        obj=token,
        after={
            "user": user.username,
            "scope": scope,
            "prefix": token.prefix,
            "expires_at": token.expires_at,
        },
    )
    return token, key


@transaction.atomic
def api_token_revoke(*, token: ApiToken, actor: User | None) -> ApiToken:
    """Revoke a token at once; revoking twice changes nothing. An admin may revoke anyone's;
    the event names both the actor and the token's owner."""
    token = ApiToken.objects.select_related("user").select_for_update(of=("self",)).get(pk=token.pk)
    if token.revoked_at is not None:
        return token
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])
    _forget_cached_tokens([token.key_hash])
    signals.audit(
        action=signals.TOKEN_REVOKED,
        actor=actor,
        obj=token,
        before={"user": token.user.username, "revoked_at": None},
        after={"user": token.user.username, "revoked_at": token.revoked_at},
    )
    return token


def idempotency_records_purge(*, now=None) -> int:
    """Forget the Idempotency-Keys older than settings.IDEMPOTENCY_KEY_HOURS (their claims
    and stored responses); returns how many."""
    cutoff = (now or timezone.now()) - timedelta(hours=settings.IDEMPOTENCY_KEY_HOURS)
    deleted, _per_model = IdempotencyRecord.objects.filter(created_at__lt=cutoff).delete()
    return deleted
