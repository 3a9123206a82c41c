"""schemathesis against the live schema: generated requests (stateful links included),
authenticated as a user with write scope who is analyst and reviewer.

No server errors, no response outside the schema (status code, content type, headers,
body). Runs the schemathesis CLI against pytest-django's live server on the test database.
"""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command

from accounts.services import api_token_issue, user_create
from tests.factories import NotificationFactory

CHECKS = ",".join(
    [
        "not_a_server_error",
        "status_code_conformance",
        "content_type_conformance",
        "response_headers_conformance",
        "response_schema_conformance",
    ]
)
MIN_CASES = 500


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_schemathesis_finds_no_server_error_and_no_response_outside_the_schema(
    live_server, tmp_path
):
    call_command("seed_demo", stdout=open(os.devnull, "w"))  # noqa: SIM115
    user, _ = user_create(username="fuzzer", roles=["analyst", "reviewer"])
    # The inbox's operations (/api/v1/notifications/) have something to read and mark: the
    # demo tells nobody of its history.
    NotificationFactory.create_batch(3, recipient=user)
    _, key = api_token_issue(user=user, scope="write")
    cli = Path(sys.executable).parent / "schemathesis"

    result = subprocess.run(
        [
            str(cli),
            "run",
            f"{live_server.url}/api/schema/",
            "--header",
            f"Authorization: Bearer {key}",
            "--checks",
            CHECKS,
            "--phases",
            "coverage,fuzzing,stateful",
            "--max-examples",
            os.environ.get("SCHEMATHESIS_MAX_EXAMPLES", "6"),
            "--seed",
            os.environ.get("SCHEMATHESIS_SEED", "20240315"),
            "--workers",
            "1",
            "--request-timeout",
            "10",
            "--generation-database",
            "none",
            "--no-color",
        ],
        capture_output=True,
        text=True,
        timeout=400,
        cwd=tmp_path,
    )

    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-6000:]
    generated = re.search(r"(\d+) generated", output)
    assert generated, output[-2000:]
    assert int(generated.group(1)) >= MIN_CASES, output[-2000:]
