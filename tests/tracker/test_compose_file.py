"""docker/: the compose file's structure, the image's final stage and the environment example,
read as files (no Docker engine here; CI also runs `docker-compose config`)."""

import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml  # PyYAML: a dependency of drf-spectacular

ROOT = Path(__file__).resolve().parents[2]
DOCKER = ROOT / "docker"
APP_SERVICES = ["web", "worker", "beat"]
ONE_SHOTS = ["migrate", "db-roles"]


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load((DOCKER / "compose.yml").read_text())


@pytest.fixture(scope="module")
def services(compose) -> dict:
    return compose["services"]


def command_of(service: dict) -> str:
    command = service.get("command", "")
    return " ".join(command) if isinstance(command, list) else command


def env_example() -> dict[str, str]:
    """NAME -> value of every line `NAME=value` or `# NAME=value` (a default shown)."""
    text = (DOCKER / ".env.example").read_text()
    return dict(re.findall(r"^(?:# )?([A-Z][A-Z0-9_]*)=(.*)$", text, re.MULTILINE))


def readme_configuration_variables() -> list[str]:
    """The names in the first column of README.md's configuration table."""
    readme = (ROOT / "README.md").read_text()
    section = readme.split("\n## Configuration\n", 1)[1].split("\n## ", 1)[0]
    names = []
    for row in re.findall(r"^\| (.+?) \|", section, re.MULTILINE):
        names += re.findall(r"`([A-Z][A-Z0-9_]+)`", row)
    return names


def entrypoint_case(role: str) -> str:
    """The body of `role)` in docker/entrypoint.sh's case."""
    text = (DOCKER / "entrypoint.sh").read_text()
    match = re.search(rf"^  {re.escape(role)}\)\n(.*?)^    ;;", text, re.MULTILINE | re.DOTALL)
    assert match, f"entrypoint.sh has no {role}) case"
    return match.group(1)


def test_exactly_one_service_runs_beat(services):
    beats = [name for name, s in services.items() if "beat" in command_of(s).split()]

    assert beats == ["beat"]


def test_no_service_and_no_entrypoint_role_runs_a_worker_with_an_embedded_beat(services):
    assert all("--beat" not in command_of(s) for s in services.values())
    assert "--beat" not in (DOCKER / "entrypoint.sh").read_text()


# Ids other than the bare names: a test keyword "worker" is the conftest's worker marker.
@pytest.mark.parametrize("name", APP_SERVICES, ids=lambda name: f"the {name} service")
def test_app_services_wait_for_migrate_and_the_role_grants_to_complete(services, name):
    depends_on = services[name]["depends_on"]

    assert depends_on["migrate"] == {"condition": "service_completed_successfully"}
    assert depends_on["db-roles"] == {"condition": "service_completed_successfully"}
    assert depends_on["db"] == {"condition": "service_healthy"}
    assert depends_on["redis"] == {"condition": "service_healthy"}


def test_migrate_is_a_one_shot_that_migrates_and_exits(services):
    migrate = services["migrate"]

    assert command_of(migrate) == "migrate"
    assert migrate["restart"] == "no"
    assert "python manage.py migrate --noinput" in entrypoint_case("migrate")


def test_the_role_grants_run_after_migrate_with_the_projects_role_script(services):
    roles = services["db-roles"]

    assert roles["depends_on"]["migrate"] == {"condition": "service_completed_successfully"}
    assert "../.ci/app-role.sql:/docker/app-role.sql:ro" in roles["volumes"]
    assert roles["restart"] == "no"


def test_the_web_role_never_migrates():
    assert "migrate" not in entrypoint_case("web")
    assert "gunicorn" in entrypoint_case("web")


def test_every_long_running_service_has_a_healthcheck(services):
    long_running = set(services) - set(ONE_SHOTS)

    assert long_running == {"db", "redis", "web", "worker", "beat"}
    assert [
        name for name in sorted(long_running) if "test" not in services[name].get("healthcheck", {})
    ] == []


def test_web_is_published_on_the_hosts_loopback_only(services):
    assert services["web"]["ports"] == ["127.0.0.1:${TRACKER_WEB_PORT:-8000}:8000"]


def test_web_healthcheck_asks_readyz(services):
    assert "/readyz" in services["web"]["healthcheck"]["test"]


def test_worker_healthcheck_pings_its_own_celery_node(services):
    test = " ".join(services["worker"]["healthcheck"]["test"])

    assert "celery -A tracker inspect ping" in test
    assert "celery@$${HOSTNAME}" in test


def test_database_and_redis_keep_their_data_on_named_volumes_and_are_checked(compose, services):
    assert "pgdata:/var/lib/postgresql/data" in services["db"]["volumes"]
    assert services["db"]["image"] in {"postgres:15", "postgres:16"}
    assert "pg_isready" in " ".join(services["db"]["healthcheck"]["test"])
    assert services["redis"]["healthcheck"]["test"] == ["CMD", "redis-cli", "ping"]
    assert {"pgdata", "redisdata"} <= set(compose["volumes"])


def test_every_service_reads_the_env_file_which_defaults_to_the_committed_example(services):
    for name, service in services.items():
        if name == "redis":
            continue
        assert service["env_file"] == "${TRACKER_ENV_FILE:-.env.example}", name
    assert (DOCKER / ".env.example").is_file()


def test_the_env_example_names_every_variable_of_the_readme_configuration_table():
    names = readme_configuration_variables()
    assert len(names) > 40  # the table was found and read
    missing = [name for name in names if name not in env_example()]

    assert missing == []


def test_the_env_example_names_the_variables_of_the_production_issue():
    new = {
        "DJANGO_LOG_FORMAT",
        "METRICS_ALLOWED_IPS",
        "PROMETHEUS_MULTIPROC_DIR",
        "DJANGO_SECURE_SSL_REDIRECT",
        "WEB_CONCURRENCY",
        "CELERY_WORKER_CONCURRENCY",
    }

    assert new - set(env_example()) == set()


def test_the_app_connects_as_a_role_other_than_the_tables_owner():
    env = env_example()
    app_user = re.match(r"postgres://([^:@]+)", env["DATABASE_URL"]).group(1)
    owner = re.match(r"postgres://([^:@]+)", env["MIGRATE_DATABASE_URL"]).group(1)

    assert app_user == env["TRACKER_DB_APP_ROLE"]
    assert owner == env["POSTGRES_USER"]
    assert app_user != owner


def test_the_env_example_holds_no_usable_secret():
    env = env_example()

    assert len(env["DJANGO_SECRET_KEY"]) < 50  # refused at start, see test_secret_key.py
    assert env["AUDIT_SIGNING_KEY"] == ""
    assert env["WEBHOOK_SECRET_KEYS"] == ""


def final_stage(dockerfile: str) -> list[str]:
    """The instructions after the Dockerfile's last FROM, continuation lines joined."""
    joined = re.sub(r"\\\n", " ", dockerfile)
    lines = [line.strip() for line in joined.splitlines()]
    lines = [line for line in lines if line and not line.startswith("#")]
    last_from = max(i for i, line in enumerate(lines) if line.upper().startswith("FROM "))
    return lines[last_from:]


def test_the_images_final_stage_runs_as_a_non_root_user():
    stage = final_stage((DOCKER / "Dockerfile").read_text())
    users = [line.split()[1] for line in stage if line.upper().startswith("USER ")]

    assert users, "the final stage sets no USER"
    assert users[-1].split(":")[0] not in {"root", "0"}


def test_the_image_is_multi_stage_slim_python_312_and_collects_static_files_at_build():
    dockerfile = (DOCKER / "Dockerfile").read_text()
    stage = final_stage(dockerfile)

    assert len(re.findall(r"^FROM ", dockerfile, re.MULTILINE)) == 2
    assert "ARG PYTHON_IMAGE=python:3.12-slim" in dockerfile
    assert any("COPY --from=builder /opt/venv" in line for line in stage)
    assert any("collectstatic --noinput" in line for line in stage if line.startswith("RUN"))
    # No dev dependencies, no compiler in the image that runs.
    assert ".[dev]" not in dockerfile
    assert not any(re.search(r"\b(gcc|build-essential)\b", line) for line in stage)


@pytest.mark.skipif(
    shutil.which("docker-compose") is None,
    reason="Debian's docker-compose is not installed (CI installs it: .ci/run)",
)
def test_docker_compose_accepts_the_file_on_a_fresh_clone():
    result = subprocess.run(
        ["docker-compose", "-f", str(DOCKER / "compose.yml"), "config", "--quiet"],
        capture_output=True,
        text=True,
        check=False,
        env={"PATH": "/usr/bin:/bin:/usr/local/bin"},
    )

    assert result.returncode == 0, result.stderr
