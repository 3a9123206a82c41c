"""With DEBUG off, a weak DJANGO_SECRET_KEY stops the app at start, with Django's own thresholds
(the deploy check's security.W009): 50 characters, 5 different ones."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def check_in_production(secret_key: str, tmp_path) -> subprocess.CompletedProcess:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    environment.update(
        DJANGO_DEBUG="false",
        DJANGO_SECRET_KEY=secret_key,
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
    )
    return subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize(
    "secret_key",
    ["x", "k7#Qp2-v9Zs" * 4 + "x7Qp2", "ab" * 40],
    ids=["one", "49-long", "2-different"],
)
def test_a_weak_secret_key_stops_the_app_at_start_in_production(secret_key, tmp_path):
    result = check_in_production(secret_key, tmp_path)

    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY is too weak" in result.stderr
