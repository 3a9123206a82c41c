"""Liveness and readiness for load balancers and orchestrators: /healthz and /readyz.

- /healthz answers 200 whenever the process answers: no database, no cache, nothing else.
- /readyz runs every registered check (the database answers, no migration is unapplied, the
  cache and the broker answer, and whatever the apps register: commitments adds the audit head
  watcher) and answers 200 when all of them pass, 503 when one fails, with a JSON body naming
  each check, its outcome and how long it took.

Each check runs in a thread of its own, all at once, and the answer waits for them at most
TIMEOUT_SECONDS: a check still running then (a database host that drops packets) counts as
failed. A check returns "ok" or "skipped" (nothing to check in this configuration) and fails
by raising; the body names the exception's type only, the log has the whole error.

Both answer without a login, without CSRF and without throttling (plain views, GET only), but
behind Django's host check: a probe must send a Host that DJANGO_ALLOWED_HOSTS names. The
SSL redirect leaves them alone (settings.SECURE_REDIRECT_EXEMPT), so a probe may use plain
HTTP on the private network.
"""

import contextvars
import logging
import threading
import time
import uuid
from collections.abc import Callable

from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache
from django.db import connections
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_safe

logger = logging.getLogger(__name__)

# The operations paths: middleware that would refuse, redirect or record a request (login,
# the public record's logging, the SSL redirect) leaves these alone.
PATHS = ("/healthz", "/readyz", "/metrics")
TIMEOUT_SECONDS = 2.0
BROKER_TIMEOUT_SECONDS = 1.0
OK, SKIPPED, FAILED = "ok", "skipped", "fail"

Check = Callable[[], str]
_checks: dict[str, Check] = {}


def register_check(name: str, check: Check) -> None:
    """Add a readiness check (once, when the apps are ready): `check()` returns "ok" or
    "skipped" and raises when the check fails. It runs in a thread of its own."""
    _checks[name] = check


def checks() -> dict[str, Check]:
    return dict(_checks)


# The checks tracker itself knows ---------------------------------------------------------


def database() -> str:
    """SELECT 1 on the default database."""
    with connections["default"].cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return OK


_migrations_applied = False


def migrations() -> str:
    """No migration is unapplied. Once true it stays true for this process (a deploy that
    adds migrations starts new processes), so it costs nothing after the first success."""
    global _migrations_applied
    if _migrations_applied:
        return OK
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connections["default"])
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    if plan:
        raise UnappliedMigrations(", ".join(f"{m.app_label}.{m.name}" for m, _ in plan[:5]))
    _migrations_applied = True
    return OK


class UnappliedMigrations(Exception):
    pass


def cache() -> str:
    """Set and get a key on the default cache when it is Redis; a cache in process memory
    has nothing to reach. Asks Redis itself: the project's cache treats a Redis failure as a
    miss (tracker.cache), and pauses after one, so its own answer would hide the outage."""
    default = caches["default"]
    if not isinstance(default, RedisCache):
        return SKIPPED
    key, value = f"readyz:{uuid.uuid4().hex}", uuid.uuid4().hex
    RedisCache.set(default, key, value, 10)
    try:
        if RedisCache.get(default, key) != value:
            raise CacheMismatch("the cache did not return the value just written")
    finally:
        RedisCache.delete(default, key)
    return OK


class CacheMismatch(Exception):
    pass


def broker() -> str:
    """Connect to the Celery broker (one try, a short timeout) unless tasks run in process."""
    url = settings.CELERY_BROKER_URL
    if settings.CELERY_TASK_ALWAYS_EAGER or not url or url.startswith("memory://"):
        return SKIPPED
    from kombu import Connection

    timeout = BROKER_TIMEOUT_SECONDS
    options = {"socket_connect_timeout": timeout, "socket_timeout": timeout}
    with Connection(url, connect_timeout=timeout, transport_options=options) as conn:
        conn.ensure_connection(
            max_retries=1, interval_start=0, interval_step=0, interval_max=0, timeout=timeout
        )
    return OK


register_check("database", database)
register_check("migrations", migrations)
register_check("cache", cache)
register_check("broker", broker)


# Running them ------------------------------------------------------------------------------


def _run(name: str, check: Check, results: dict[str, dict]) -> None:
    started = time.perf_counter()
    try:
        outcome = {"status": check()}
    except Exception as error:
        logger.warning("readiness check %s failed: %s: %s", name, type(error).__name__, error)
        outcome = {"status": FAILED, "error": type(error).__name__}
    finally:
        # This thread's own database connection: closed, not left for nobody to reuse.
        connections.close_all()
    outcome["duration_ms"] = round((time.perf_counter() - started) * 1000, 1)
    results[name] = outcome


def run_checks(timeout: float = TIMEOUT_SECONDS) -> dict[str, dict]:
    """Every registered check's outcome, by name: {"status", "duration_ms"[, "error"]}."""
    results: dict[str, dict] = {}
    deadline = time.monotonic() + timeout
    threads = []
    for name, check in checks().items():
        # In a copy of the request's context: a failure's log line names its request id.
        thread = threading.Thread(
            target=contextvars.copy_context().run,
            args=(_run, name, check, results),
            name=f"readyz-{name}",
            daemon=True,
        )
        thread.start()
        threads.append((name, thread))
    answered = {}
    for name, thread in threads:
        thread.join(max(0.0, deadline - time.monotonic()))
        outcome = results.get(name)
        if outcome is None:
            logger.warning("readiness check %s did not answer within %.1f s", name, timeout)
            outcome = {"status": FAILED, "error": "Timeout", "duration_ms": timeout * 1000}
        answered[name] = outcome
    return answered


# The views --------------------------------------------------------------------------------


@csrf_exempt
@require_safe
@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """The process answers."""
    return JsonResponse({"status": OK})


@csrf_exempt
@require_safe
@never_cache
def readyz(request: HttpRequest) -> JsonResponse:
    """Every check passes (200) or one fails (503); the body names each."""
    results = run_checks()
    ready = all(outcome["status"] in (OK, SKIPPED) for outcome in results.values())
    body = {"status": OK if ready else FAILED, "checks": results}
    return JsonResponse(body, status=200 if ready else 503)
