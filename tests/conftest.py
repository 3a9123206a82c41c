import os
from urllib.parse import urlsplit, urlunsplit

import pytest
from django.conf import settings as django_settings
from django.db import connection

from accounts.models import TokenScope
from accounts.roles import Role
from tests.audit_table import AUDIT_TABLE, trigger_sql
from tests.factories import UserFactory
from tests.helpers import bearer


def xdist_worker_index() -> int:
    """0 without pytest-xdist, else the worker's number (gw0, gw1...): `make test` runs the
    suite in two processes (Makefile, TEST_PROCESSES)."""
    return int(os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw"))


def _redis_db_of_this_worker(url: str) -> str:
    """REDIS_URL's database number plus the xdist worker's: redis://h:6379/8 is db 8 for
    gw0 and db 9 for gw1 (Redis has 16 unless configured otherwise)."""
    parts = urlsplit(url)
    db = int(parts.path.strip("/") or 0) + xdist_worker_index()
    return urlunsplit(parts._replace(path=f"/{db}"))


def pytest_configure(config):
    """Each xdist worker has a Redis database of its own, as it has a test database of its
    own (pytest-django): the cache tests clear it, the delivery tests start workers that
    take every task queued there. The settings were read before this conftest; nothing has
    connected yet. Subprocesses (Celery workers, make serve, manage.py) inherit it too."""
    url = django_settings.REDIS_URL
    if not url or not xdist_worker_index():
        return
    own = _redis_db_of_this_worker(url)
    os.environ["REDIS_URL"] = own
    django_settings.REDIS_URL = own
    broker = django_settings.CELERY_BROKER_URL
    if broker == url:
        django_settings.CELERY_BROKER_URL = own
        if os.environ.get("CELERY_BROKER_URL") == url:
            os.environ["CELERY_BROKER_URL"] = own
    cache = django_settings.CACHES["default"]
    if cache.get("LOCATION") == url:
        cache["LOCATION"] = own


BROWSER_TESTS = "tests/browser/"


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config, log):
    """Under -n (`make test`), xdist hands out every test on its own, except the browser
    tests (tests/browser/), one unit run by one worker in collection order: one Playwright
    and live server, the shared demo loaded once, after the fresh ones (tests/browser/
    conftest.py). Being the largest unit, it is handed out first; the other worker runs the
    rest meanwhile and this one joins it afterwards. (xdist's own --dist loadgroup marks do
    not group under pytest 9.2: xdist 3.8 renames the node id, which pytest 9 no longer
    reads.) Another --dist than the default keeps xdist's scheduler."""
    if config.getvalue("dist") != "load":
        return None
    from xdist.scheduler import LoadScopeScheduling

    class BrowserTestsTogether(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return "browser" if nodeid.startswith(BROWSER_TESTS) else nodeid

    return BrowserTestsTogether(config, log)


@pytest.fixture(autouse=True)
def _tasks_run_in_process(settings):
    """Unit tests need no broker; delivery tests start a real worker instead."""
    settings.CELERY_TASK_ALWAYS_EAGER = True


@pytest.fixture(autouse=True)
def _no_throttling_page_cache_or_head_watcher_unless_asked(settings):
    """Tests share one cache, and factories write rows without audit events (which key the
    API's page cache); the audit head watcher's own connection cannot see a test's
    uncommitted rows: a test of any of them turns it on itself."""
    settings.API_THROTTLE_RATE = "100000/min"
    settings.API_PAGE_CACHE_SECONDS = 0
    settings.AUDIT_HEAD_WATCH = False


@pytest.fixture(scope="session", autouse=True)
def _flush_passes_the_audit_truncate_trigger():
    """Django's flush after each transactional test TRUNCATEs every table, which the audit
    table's trigger refuses (migration 0005): on PostgreSQL the flush switches that trigger
    off inside its own transaction (the tests' role owns the table)."""
    from django.db.backends.postgresql.operations import DatabaseOperations

    original = DatabaseOperations.execute_sql_flush
    trigger = "audit_event_no_truncate"

    def execute_sql_flush(self, sql_list):
        if any(AUDIT_TABLE in sql for sql in sql_list):
            sql_list = [
                trigger_sql("DISABLE", trigger),
                *sql_list,
                trigger_sql("ENABLE", trigger),
            ]
        return original(self, sql_list)

    DatabaseOperations.execute_sql_flush = execute_sql_flush
    yield
    DatabaseOperations.execute_sql_flush = original


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def analyst(db):
    return UserFactory(username="ana", roles=[Role.ANALYST])


@pytest.fixture
def reviewer(db):
    return UserFactory(username="rev", roles=[Role.REVIEWER])


@pytest.fixture
def admin_user(db):
    return UserFactory(username="adm", roles=[Role.ADMIN], is_superuser=True)


@pytest.fixture
def api_client_user(db):
    return UserFactory(username="bot", roles=[Role.API_CLIENT])


@pytest.fixture
def as_analyst(analyst):
    return bearer(analyst)


@pytest.fixture
def as_reviewer(reviewer):
    return bearer(reviewer)


@pytest.fixture
def as_reader(api_client_user):
    return bearer(api_client_user, TokenScope.READ)


def on_postgres() -> bool:
    return connection.vendor == "postgresql"


def pytest_collection_modifyitems(config, items):
    """Tests marked postgres are skipped, loudly, when the suite runs on SQLite; tests marked
    worker (a real Celery worker shares the test database) or serve (make serve) also need
    REDIS_URL."""
    from django.conf import settings

    on_pg = settings.DATABASES["default"]["ENGINE"].endswith("postgresql")
    skip_pg = pytest.mark.skip(reason="needs PostgreSQL: set DATABASE_URL=postgres://...")
    skip_worker = pytest.mark.skip(
        reason="starts a Celery worker: needs PostgreSQL and Redis (DATABASE_URL, REDIS_URL)"
    )
    for item in items:
        if ("worker" in item.keywords or "serve" in item.keywords) and not (
            on_pg and settings.REDIS_URL
        ):
            item.add_marker(skip_worker)
        elif "postgres" in item.keywords and not on_pg:
            item.add_marker(skip_pg)
