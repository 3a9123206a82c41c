"""Backup and restore as README "Backup and restore" says: `pg_dump -Fc` of a seeded database,
`pg_restore` into a new one, and `verify_audit` there. Every step is the operator's command,
run as a subprocess against databases of its own (created and dropped here)."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest
from django.conf import settings

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        not all(shutil.which(tool) for tool in ("pg_dump", "pg_restore", "createdb", "psql")),
        reason="needs PostgreSQL's client programs (pg_dump, pg_restore, createdb, psql)",
    ),
]

ROOT = Path(__file__).resolve().parents[2]
# xdist workers each get databases of their own.
PREFIX = f"backup_{os.environ.get('PYTEST_XDIST_WORKER', 'main')}_{os.getpid()}"


def server() -> dict[str, str]:
    db = settings.DATABASES["default"]
    return {
        "PGHOST": db["HOST"] or "127.0.0.1",
        "PGPORT": str(db["PORT"] or 5432),
        "PGUSER": db["USER"],
        "PGPASSWORD": db["PASSWORD"] or "",
    }


def url(name: str) -> str:
    s = server()
    password = f":{s['PGPASSWORD']}" if s["PGPASSWORD"] else ""
    return f"postgres://{s['PGUSER']}{password}@{s['PGHOST']}:{s['PGPORT']}/{name}"


def run(*args: str, database: str | None = None) -> subprocess.CompletedProcess:
    """A command as the operator types it; manage.py commands on `database`, tasks in process."""
    env = {**os.environ, **server(), "REDIS_URL": ""}
    env.pop("CELERY_BROKER_URL", None)
    if database:
        env["DATABASE_URL"] = url(database)
    return subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True, check=False)


def manage(database: str, *args: str) -> subprocess.CompletedProcess:
    return run(sys.executable, "manage.py", *args, database=database)


def ok(result: subprocess.CompletedProcess) -> str:
    assert result.returncode == 0, f"{result.args}:\n{result.stdout}\n{result.stderr}"
    return result.stdout


def execute(database: str, *statements: str) -> None:
    with psycopg.connect(
        url(database).replace("postgres://", "postgresql://"), autocommit=True
    ) as c:
        for statement in statements:
            c.execute(statement)


def drop(name: str) -> None:
    execute("postgres", f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="module")
def backup(tmp_path_factory) -> dict:
    """A database seeded with the demo and a signed checkpoint, dumped; then one more audited
    change and a checkpoint an outsider keeps (JSON as served), which the dump predates."""
    source = f"{PREFIX}_source"
    drop(source)
    ok(run("createdb", source))
    try:
        ok(manage(source, "migrate", "--noinput", "-v0"))
        ok(manage(source, "seed_demo"))
        ok(manage(source, "audit_checkpoint"))
        dump = tmp_path_factory.mktemp("backup") / "tracker.dump"
        ok(run("pg_dump", "--format=custom", f"--file={dump}", url(source)))
        ok(manage(source, "create_user", "after-the-backup", "--role", "analyst"))
        later = json.loads(ok(manage(source, "audit_checkpoint")).strip().splitlines()[-1])
        checkpoint = dump.with_name("checkpoint.json")
        checkpoint.write_text(json.dumps(later))
    finally:
        drop(source)
    return {"dump": dump, "checkpoint": checkpoint}


@pytest.fixture
def restored(backup):
    """The dump restored into a new database, with README's command; dropped afterwards."""
    target = f"{PREFIX}_restored"
    drop(target)
    ok(run("createdb", target))
    ok(
        run(
            "pg_restore",
            "--no-owner",
            "--no-acl",
            "--exit-on-error",
            "--single-transaction",
            f"--dbname={url(target)}",
            str(backup["dump"]),
        )
    )
    yield target
    drop(target)


def test_a_restored_backup_passes_verify_audit(restored):
    result = manage(restored, "verify_audit")

    assert result.returncode == 0, result.stdout + result.stderr
    # Every event of the dump: the demo's history, its two updates waiting for review
    # included (2 events more than before the demo had them).
    assert "Audit chain intact. 730 events checked" in result.stdout
    assert "1 stored checkpoint(s) agree with it" in result.stdout


def test_a_restored_backup_keeps_the_audit_triggers(restored):
    result = run(
        "psql",
        "-v",
        "ON_ERROR_STOP=1",
        "-c",
        "DELETE FROM commitments_auditevent WHERE sequence = 1",
        url(restored),
    )

    assert result.returncode != 0
    assert "append-only" in result.stderr
    assert "730 events checked" in ok(manage(restored, "verify_audit"))


def test_a_restored_backup_with_one_event_edited_fails_verify_audit(restored):
    # What the table's owner can do: switch the triggers off and edit an event.
    execute(
        restored,
        "ALTER TABLE commitments_auditevent DISABLE TRIGGER USER",
        'UPDATE commitments_auditevent SET after = after || \'{"status": "in_force"}\' '
        "WHERE sequence = 10",
        "ALTER TABLE commitments_auditevent ENABLE TRIGGER USER",
    )

    result = manage(restored, "verify_audit")

    assert result.returncode != 0
    assert "event #10 was altered" in result.stderr


def test_a_backup_older_than_a_checkpoint_someone_kept_is_reported_as_cut(backup, restored):
    result = manage(restored, "verify_audit", "--checkpoint", str(backup["checkpoint"]))

    assert result.returncode == 1, result.stdout + result.stderr
    assert "cut" in (result.stdout + result.stderr)
