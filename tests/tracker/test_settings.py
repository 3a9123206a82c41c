"""Production settings: secure by default once DEBUG is off."""

import base64
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def manage(*args, **env):
    environment = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    environment.update(env)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_prints_no_warning_with_production_settings(tmp_path):
    result = manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DJANGO_DEBUG="false",
        DJANGO_SECRET_KEY="a-long-random-production-key-" + "x7Qp2" * 10,
        DJANGO_ALLOWED_HOSTS="tracker.example.org",
        AUDIT_SIGNING_KEY=base64.b64encode(bytes(range(32))).decode(),
        WEBHOOK_SECRET_KEYS=base64.urlsafe_b64encode(bytes(range(32, 64))).decode(),
        # The settings alone: the database role's own check is tested with roles of its own
        # (tests/commitments/test_deploy_checks.py), and the tests connect as a superuser.
        DATABASE_URL=f"sqlite:///{tmp_path / 'deploy.sqlite3'}",
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_debug_off_without_a_secret_key_fails_at_start_with_a_clear_error():
    result = manage("check", DJANGO_DEBUG="false")

    assert result.returncode != 0
    assert "Set DJANGO_SECRET_KEY when DJANGO_DEBUG is off." in result.stderr
