"""HTTP behaviour shared by the API views: ETags, conditional requests, idempotent POSTs."""

import hashlib
import json
from collections.abc import Callable
from datetime import timedelta
from functools import wraps

import orjson
from django.conf import settings
from django.core.cache import cache
from django.db import DatabaseError, IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.cache import parse_etags
from rest_framework import serializers, status
from rest_framework.response import Response

from accounts.models import IdempotencyRecord
from commitments import audit
from tracker.api import (
    IdempotencyConflict,
    IdempotencyMismatch,
    IdempotencyShownOnce,
    PreconditionFailed,
)


def _tag(*parts: object) -> str:
    digest = hashlib.blake2b("|".join(map(str, parts)).encode(), digest_size=12).hexdigest()
    return f'"{digest}"'


def body_etag(data) -> str:
    """A strong ETag of what an object's GET shows: it changes whenever any of it does, the
    rows it borrows from (a participant's name, a source) included."""
    return _tag(orjson.dumps(data, default=str))


def matches(request, etag: str, header: str = "If-None-Match") -> bool:
    value = request.headers.get(header)
    if not value:
        return False
    tags = parse_etags(value)
    return "*" in tags or etag in tags


def list_etag(request) -> str:
    """The ETag of a list (or a feed page) as this user sees it: see ConditionalMixin."""
    return _tag(request.get_full_path(), request.user.pk, audit.head())


def not_modified(etag: str) -> Response:
    return Response(status=status.HTTP_304_NOT_MODIFIED, headers={"ETag": etag})


class ConditionalMixin:
    """ETag on every list and object GET; If-None-Match answers 304 without building the body.

    Every write to the record appends an audit event (commitments.services), so the chain's
    head changes whenever any list could: a list's ETag covers the request's query, the user
    (drafts are their author's) and the head's hash, which one index lookup reads. It is read
    before the rows, so a racing write can only make an ETag older, never a 304 wrong.

    The same ETag keys a cache of the page's data (settings.API_PAGE_CACHE_SECONDS; 0 turns
    it off): clients polling an unchanged list share one database read. A write changes every
    key, so nothing is ever invalidated, and nothing stale is served.
    """

    def list(self, request, *args, **kwargs):
        etag = list_etag(request)
        if matches(request, etag):
            return not_modified(etag)
        seconds = settings.API_PAGE_CACHE_SECONDS
        data = cache.get(f"apipage:{etag}") if seconds else None
        if data is None:
            queryset = self.filter_queryset(self.get_queryset())
            response = self.list_response(request, queryset)
            if seconds and response.status_code == status.HTTP_200_OK:
                cache.set(f"apipage:{etag}", response.data, seconds)
        else:
            response = Response(data)
        response["ETag"] = etag
        return response

    def list_response(self, request, queryset: QuerySet) -> Response:
        page = self.paginate_queryset(queryset)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def retrieve(self, request, *args, **kwargs):
        data = self.get_serializer(self.get_object()).data
        etag = body_etag(data)
        if matches(request, etag):
            return not_modified(etag)
        return Response(data, headers={"ETag": etag})


def check_if_match(request, shown: Callable[[], dict]) -> None:
    """412 when the client sent If-Match and what its GET shows (`shown()`, the serialized
    object, built only when the header is there) changed since."""
    if request.headers.get("If-Match") and not matches(request, body_etag(shown()), "If-Match"):
        raise PreconditionFailed()


def request_fingerprint(method: str, path: str, data: object) -> str:
    """What makes two requests with one Idempotency-Key "the same request"."""
    # The stdlib's json: request data may hold integers beyond 64 bits.
    body = json.dumps(data, sort_keys=True, default=str).encode()
    return hashlib.sha256(method.encode() + b" " + path.encode() + b"\n" + body).hexdigest()


def take_over(claim: IdempotencyRecord) -> bool:
    """A claim older than settings.IDEMPOTENCY_CLAIM_SECONDS belongs to a request that can no
    longer be at work (its process died): the retry takes it over, so the key is not blocked
    for ever. Nothing of the dead request was committed (_run_claimed), and one retry wins (a
    conditional UPDATE)."""
    now = timezone.now()
    cutoff = now - timedelta(seconds=settings.IDEMPOTENCY_CLAIM_SECONDS)
    return bool(
        IdempotencyRecord.objects.filter(pk=claim.pk, status_code=0, created_at__lt=cutoff).update(
            created_at=now
        )
    )


def shown_once(response: Response) -> Response:
    """Mark a response that carries a secret or a token: no cache keeps it
    (Cache-Control: no-store), and neither does the Idempotency-Key store (`idempotent`)."""
    response["Cache-Control"] = "no-store"
    return response


def _withheld(response: Response) -> bool:
    return "no-store" in response.get("Cache-Control", "")


def _expired(record: IdempotencyRecord) -> bool:
    """A key remembered longer than settings.IDEMPOTENCY_KEY_HOURS counts as new (the beat
    purges such records; this covers the time until it runs)."""
    window = timedelta(hours=settings.IDEMPOTENCY_KEY_HOURS)
    return record.created_at < timezone.now() - window


def idempotent(handler):
    """POST handlers: with an Idempotency-Key, the same key and body replay the first response
    (nothing is created twice); the same key with another body is refused (422).

    The key is claimed (a row with no response yet) before the handler runs, so a retry that
    arrives while the first request is still at work is refused with 409 instead of writing
    twice; a request that fails releases its claim, so the client may try again, and a claim
    left by a request that died is taken over once it is old enough (take_over).

    A response marked `shown_once` (it carries a secret) is not stored: a repeat is refused
    with 409 instead of replaying the secret, or making a second one. A key is remembered for
    settings.IDEMPOTENCY_KEY_HOURS.
    """

    @wraps(handler)
    def wrapper(self, request, *args, **kwargs):
        key = request.headers.get("Idempotency-Key")
        if key is None:
            return handler(self, request, *args, **kwargs)
        if not 1 <= len(key) <= 255:
            raise serializers.ValidationError(
                {"Idempotency-Key": ["Send between 1 and 255 characters."]}
            )
        fingerprint = request_fingerprint(request.method, request.path, request.data)
        claim, previous = _claim(request.user, key, fingerprint), None
        if claim is None:
            previous = _previous(request.user, key)
            if previous is not None and _expired(previous):
                previous.delete()  # forgotten: the key counts as new
                claim = _claim(request.user, key, fingerprint)
                previous = None if claim else _previous(request.user, key)
        if claim is None:
            if previous is None:  # released meanwhile by a request that failed
                raise IdempotencyConflict() from None
            if previous.fingerprint != fingerprint:
                raise IdempotencyMismatch() from None
            if previous.response_withheld:
                raise IdempotencyShownOnce() from None
            if previous.status_code != 0:
                return Response(
                    previous.response,
                    status=previous.status_code,
                    headers={"Idempotent-Replayed": "true"},
                )
            if not take_over(previous):
                raise IdempotencyConflict() from None
            claim = previous
        return _run_claimed(claim, lambda: handler(self, request, *args, **kwargs))

    return wrapper


def _claim(user, key: str, fingerprint: str) -> IdempotencyRecord | None:
    """The key's new claim, or None when the key is taken."""
    try:
        with transaction.atomic():
            return IdempotencyRecord.objects.create(
                user=user, key=key, fingerprint=fingerprint, status_code=0
            )
    except IntegrityError:
        return None


def _previous(user, key: str) -> IdempotencyRecord | None:
    return IdempotencyRecord.objects.filter(user=user, key=key).first()


def _run_claimed(claim: IdempotencyRecord, handler) -> Response:
    """Runs the handler and stores its response in the claim in one transaction, so a claim
    without a response always means that nothing of its request was committed (take_over
    relies on it). A refusal (an exception, or a response of 300 and above) releases the
    claim; what the handler wrote before refusing (an update marked stale, say) is kept, as
    without a key, unless the database itself failed."""
    failure = None
    try:
        with transaction.atomic():
            try:
                response = handler()
            except DatabaseError:
                raise  # everything rolls back
            except Exception as error:
                failure = error
            if failure is not None or response.status_code >= 300:
                claim.delete()
            elif _withheld(response):
                claim.status_code = response.status_code
                claim.response_withheld = True
                claim.save(update_fields=["status_code", "response_withheld"])
            else:
                claim.status_code = response.status_code
                claim.response = orjson.loads(orjson.dumps(response.data, default=str))
                claim.save(update_fields=["status_code", "response"])
    except BaseException:
        claim.delete()  # the claim was committed before; the rollback kept it
        raise
    if failure is not None:
        raise failure
    return response
