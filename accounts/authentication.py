"""DRF authentication: `Authorization: Bearer <key>` with a hashed, revocable ApiToken."""

from datetime import timedelta

from django.core.cache import cache, caches
from django.core.cache.backends.locmem import LocMemCache
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions

from accounts.models import ApiToken
from accounts.services import api_token_hash
from tracker import record_version

# last_used_at is written at most this often per token, not on every request.
LAST_USED_RESOLUTION = timedelta(minutes=1)
# A token (with its user) is cached this long in a cache every process shares (Redis): one
# cache read instead of a query per request. The services forget it when it is revoked and
# when its user is changed (roles, deactivation, deletion: accounts.services._forget_tokens_of).
CACHE_SECONDS = 30
# Tokens kept in this process's memory, each with the record's version it was read at; any
# write (a revocation, a change of its user, all audited) moves the version and so drops them.
MEMORY_SIZE = 10_000
_memory: dict[str, tuple[str, ApiToken]] = {}


def token_cache_seconds() -> int:
    """CACHE_SECONDS with a shared cache; 0 with a per-process one (LocMemCache, when there
    is no REDIS_URL): a revocation forgets the token only in the process that revoked it, so
    every request reads the token from the database instead."""
    return 0 if isinstance(caches["default"], LocMemCache) else CACHE_SECONDS


class BearerTokenAuthentication(authentication.BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower() != self.keyword.lower().encode():
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(_("Send the header as 'Bearer <token>'."))
        try:
            key = header[1].decode()
        except UnicodeError as error:
            raise exceptions.AuthenticationFailed(_("The token is not valid.")) from error
        key_hash = api_token_hash(key)
        token, cache_seconds = self.token(key_hash)
        now = timezone.now()
        if token is None or not token.user.is_active:
            raise exceptions.AuthenticationFailed(_("The token is not valid."))
        if token.revoked_at is not None:
            raise exceptions.AuthenticationFailed(_("The token was revoked."))
        if token.expires_at is not None and token.expires_at <= now:
            raise exceptions.AuthenticationFailed(_("The token has expired."))
        if token.last_used_at is None or now - token.last_used_at > LAST_USED_RESOLUTION:
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
            token.last_used_at = now
            if cache_seconds:
                cache.set(ApiToken.cache_key_for(key_hash), token, cache_seconds)
        return token.user, token

    def authenticate_header(self, request):
        return self.keyword

    def token(self, key_hash: str) -> tuple[ApiToken | None, int]:
        """The token of `key_hash` with its user, and how long the shared cache keeps it (0:
        not there). Kept in this process while the record's version stands (read before the
        token, so a write between the two leaves nothing stale); else from the shared cache
        (Redis); else from the database."""
        version = record_version.current()
        if version is not None:
            kept = _memory.get(key_hash)
            if kept is not None and kept[0] == version:
                return kept[1], 0
            token = ApiToken.objects.select_related("user").filter(key_hash=key_hash).first()
            if token is not None:
                if len(_memory) >= MEMORY_SIZE:
                    _memory.clear()
                _memory[key_hash] = (version, token)
            return token, 0
        cache_key = ApiToken.cache_key_for(key_hash)
        cache_seconds = token_cache_seconds()
        token = cache.get(cache_key) if cache_seconds else None
        if token is None:
            token = ApiToken.objects.select_related("user").filter(key_hash=key_hash).first()
            if token is not None and cache_seconds:
                cache.set(cache_key, token, cache_seconds)
        return token, cache_seconds


class BearerTokenScheme(OpenApiAuthenticationExtension):
    """Documents the bearer token in the OpenAPI schema."""

    target_class = BearerTokenAuthentication
    name = "bearerAuth"

    def get_security_definition(self, auto_schema):
        return {"type": "http", "scheme": "bearer", "description": "an API token (ct_...)"}
