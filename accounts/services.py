"""Writes to users and roles; each audited."""

import hashlib
import secrets
from collections.abc import Iterable
from datetime import timedelta
from functools import partial

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import ProtectedError
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.forms import UserCreateForm
from accounts.models import ApiToken, IdempotencyRecord, TokenScope, User
from accounts.roles import Role, role_groups
from commitments import audit
from commitments.exceptions import ValidationFailed

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
    audit.record(
        action=audit.USER_CREATED,
        actor=actor,
        obj=user,
        after={**_snapshot(user), "roles": sorted(roles)},
    )
    return user, password


@transaction.atomic
def user_set_roles(*, user: User, roles: Iterable[str], actor: User | None) -> User:
    """Replace a user's roles; audited with before and after."""
    roles = _check_roles(roles)
    before = sorted(user.groups.filter(name__in=Role.values).values_list("name", flat=True))
    if before == sorted(roles):
        return user
    others = user.groups.exclude(name__in=Role.values)
    user.groups.set([*others, *role_groups(roles)])
    user.__dict__.pop("_role_names", None)
    user_roles_changed(user=user, before=before, after=sorted(roles), actor=actor)
    return user


@transaction.atomic
def user_roles_changed(
    *, user: User, before: list[str], after: list[str], actor: User | None
) -> None:
    """The user's groups were set (by user_set_roles, or by the admin's form itself): audit
    the change of roles and let it apply to the user's next API request."""
    _forget_tokens_of(user)
    audit.record(
        action=audit.USER_ROLES_CHANGED,
        actor=actor,
        obj=user,
        before={"roles": before},
        after={"roles": after},
    )


@transaction.atomic
def user_save(*, user: User, actor: User | None, password_changed: bool = False) -> User:
    """Save a user's account fields (admin); audited, a password change named but not shown."""
    creating = user.pk is None
    old = {} if creating else _snapshot(User.objects.get(pk=user.pk))
    user.save()
    new = _snapshot(user)
    changed = [name for name in new if old.get(name) != new[name]]
    after = {name: new[name] for name in changed}
    if password_changed:
        after["password"] = "changed"
    if not creating and after:
        _forget_tokens_of(user)
    if creating or after:
        audit.record(
            action=audit.USER_CREATED if creating else audit.USER_CHANGED,
            actor=actor,
            obj=user,
            before={name: old.get(name) for name in changed if not creating},
            after=after,
        )
    return user


@transaction.atomic
def user_delete(*, user: User, actor: User | None) -> None:
    """Delete a user; their events keep their name."""
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
    audit.record(
        action=audit.USER_DELETED,
        actor=actor,
        object_type="accounts.user",
        object_id=pk,
        before=before,
    )


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
    """Issue a token acting as `user`; returns it with its key, which is never shown again."""
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
    audit.record(
        action=audit.TOKEN_ISSUED,
        actor=actor or user,
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
    """Revoke a token at once; revoking twice changes nothing."""
    token = ApiToken.objects.select_for_update().get(pk=token.pk)
    if token.revoked_at is not None:
        return token
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])
    _forget_cached_tokens([token.key_hash])
    audit.record(
        action=audit.TOKEN_REVOKED,
        actor=actor,
        obj=token,
        before={"revoked_at": None},
        after={"revoked_at": token.revoked_at},
    )
    return token


def idempotency_records_purge(*, now=None) -> int:
    """Forget the Idempotency-Keys older than settings.IDEMPOTENCY_KEY_HOURS (their claims
    and stored responses); returns how many."""
    cutoff = (now or timezone.now()) - timedelta(hours=settings.IDEMPOTENCY_KEY_HOURS)
    deleted, _per_model = IdempotencyRecord.objects.filter(created_at__lt=cutoff).delete()
    return deleted
