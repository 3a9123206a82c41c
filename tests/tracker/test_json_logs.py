"""Log lines as JSON objects, one per line, with the request id and user id; an access line
per request; DJANGO_LOG_FORMAT chooses json (the default with DEBUG off) or text."""

import io
import json
import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import bearer
from tracker.logs import ContextFilter, JsonFormatter

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def lines():
    """What the root logger's JSON handler writes, as parsed objects (each must parse)."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(ContextFilter())
    root = logging.getLogger()
    previous = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)

    def read(logger: str | None = None) -> list[dict]:
        parsed = [json.loads(line) for line in stream.getvalue().splitlines()]
        return [p for p in parsed if logger is None or p["logger"] == logger]

    yield read
    root.removeHandler(handler)
    root.setLevel(previous)


def test_each_line_is_one_json_object_with_the_common_fields(lines):
    logging.getLogger("tracker.test").warning("disk %s full", "/var", extra={"percent": 97})

    [line] = lines("tracker.test")
    assert line["level"] == "WARNING"
    assert line["message"] == "disk /var full"
    assert line["percent"] == 97
    assert line["request_id"] is None
    assert line["user_id"] is None
    assert line["timestamp"].endswith("+00:00")


def test_an_exception_is_kept_inside_its_line(lines):
    try:
        raise ValueError("bad")
    except ValueError:
        logging.getLogger("tracker.test").exception("failed")

    [line] = lines("tracker.test")
    assert "ValueError: bad" in line["exc_info"]


def test_a_request_has_one_access_line_with_status_duration_and_its_request_id(db, client, lines):
    response = client.get("/login/", HTTP_X_REQUEST_ID="probe-42")

    [access] = lines("tracker.access")
    assert access["level"] == "INFO"
    assert access["method"] == "GET"
    assert access["path"] == "/login/"
    assert access["status"] == 200
    assert access["duration_ms"] > 0
    assert access["request_id"] == "probe-42" == response["X-Request-ID"]
    assert access["message"].startswith("GET /login/ 200 ")


def test_the_access_line_names_the_signed_in_user(db, client, analyst, lines):
    client.force_login(analyst)

    client.get("/")

    [access] = lines("tracker.access")
    assert access["user_id"] == analyst.pk


def test_the_access_line_names_the_api_tokens_user(db, analyst, lines):
    bearer(analyst).get("/api/v1/commitments/")

    [access] = lines("tracker.access")
    assert access["status"] == 200
    assert access["user_id"] == analyst.pk


def test_a_line_logged_while_serving_carries_the_request_id(db, client, lines):
    response = client.get("/no-such-page/")

    [not_found] = lines("django.request")
    assert not_found["message"] == "Not Found: /no-such-page/"
    assert not_found["request_id"] == response["X-Request-ID"]
    assert "request" not in not_found  # Django's request object: not serialised


def test_probes_are_logged_at_debug_only(client, lines):
    client.get("/healthz")

    [access] = lines("tracker.access")
    assert access["level"] == "DEBUG"


SHOW_FORMAT = (
    "import django; django.setup(); import logging;"
    "logging.getLogger('tracker.test').warning('hello')"
)


def run_python(**env) -> subprocess.CompletedProcess:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    environment.update(DJANGO_SETTINGS_MODULE="tracker.settings", **env)
    return subprocess.run(
        [sys.executable, "-c", SHOW_FORMAT],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )


PRODUCTION = {
    "DJANGO_DEBUG": "false",
    "DJANGO_SECRET_KEY": "a-long-random-production-key-" + "x7Qp2" * 10,
    "AUDIT_SIGNING_KEY": "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=",
    "WEBHOOK_SECRET_KEYS": "ICEiIyQlJicoKSorLC0uLzAxMjM0NTY3ODk6Ozw9Pj8=",
}


def test_production_logs_json_by_default():
    result = run_python(**PRODUCTION)

    [line] = [line for line in result.stderr.splitlines() if "tracker.test" in line]
    assert json.loads(line)["message"] == "hello"


def test_debug_logs_readable_text_by_default_and_the_variable_overrides_either():
    text = run_python(DJANGO_DEBUG="true").stderr
    assert " WARNING tracker.test hello" in text

    forced = run_python(DJANGO_DEBUG="true", DJANGO_LOG_FORMAT="json").stderr
    [line] = [line for line in forced.splitlines() if "tracker.test" in line]
    assert json.loads(line)["level"] == "WARNING"


def test_an_unknown_log_format_stops_the_start_naming_the_variable():
    result = run_python(DJANGO_LOG_FORMAT="xml")

    assert result.returncode != 0
    assert "DJANGO_LOG_FORMAT must be json or text, not 'xml'." in result.stderr
