"""A client generated from the served schema (openapi-python-client) works against the API:
it compiles, and its typed models hold what the API sends, `None` where the schema says
nullable and never `Unset` for a field that is always there."""

import compileall
import datetime
import importlib
import subprocess
import sys
import typing
from pathlib import Path

import attrs
import httpx
import pytest

from accounts.services import api_token_issue
from tests.factories import CommitmentFactory

PACKAGE = "tracker_client"
# No post-hooks: the generator would run ruff from PATH on the generated code.
CONFIG = f"project_name_override: {PACKAGE}\npackage_name_override: {PACKAGE}\npost_hooks: []\n"


@pytest.fixture
def generated_client(live_server, tmp_path):
    """The package openapi-python-client writes from the live server's schema, imported."""
    schema = tmp_path / "schema.json"
    schema.write_bytes(httpx.get(f"{live_server.url}/api/schema/?format=json").content)
    (tmp_path / "config.yml").write_text(CONFIG)
    cli = Path(sys.executable).parent / "openapi-python-client"
    result = subprocess.run(
        [
            str(cli),
            "generate",
            "--path",
            str(schema),
            "--config",
            str(tmp_path / "config.yml"),
            "--meta",
            "none",
            "--output-path",
            str(tmp_path / PACKAGE),
            "--fail-on-warning",
        ],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert compileall.compile_dir(tmp_path / PACKAGE, quiet=1)
    sys.path.insert(0, str(tmp_path))
    try:
        yield importlib.import_module(PACKAGE)
    finally:
        sys.path.remove(str(tmp_path))
        for name in [name for name in sys.modules if name.split(".")[0] == PACKAGE]:
            del sys.modules[name]


@pytest.mark.django_db(transaction=True)
def test_a_generated_client_creates_a_status_update_and_reads_it_back_typed(
    generated_client, live_server, analyst
):
    create = importlib.import_module(f"{PACKAGE}.api.v1.v1_status_updates_create")
    retrieve = importlib.import_module(f"{PACKAGE}.api.v1.v1_status_updates_retrieve")
    models = importlib.import_module(f"{PACKAGE}.models")
    unset = importlib.import_module(f"{PACKAGE}.types").Unset
    commitment = CommitmentFactory()
    _, key = api_token_issue(user=analyst, scope="write")
    client = generated_client.AuthenticatedClient(base_url=live_server.url, token=key)
    body = models.UpdateCreateRequest(
        commitment=commitment.pk,
        proposed_status=models.CommitmentStatusEnum.IN_PARLIAMENT,
        effective_date=datetime.date(2024, 5, 2),
        summary="The bill was tabled.",
        sources=[
            models.SourceInputRequest(
                url="https://news.example.org/bill", published_on=datetime.date(2024, 5, 1)
            )
        ],
    )

    created = create.sync(client=client, body=body)
    read = retrieve.sync(client=client, id=created.id)

    assert isinstance(read, models.StatusUpdate)
    assert read.to_dict() == created.to_dict()
    assert (read.commitment, read.proposed_by) == (commitment.pk, "ana")
    assert read.sources[0].published_on == datetime.date(2024, 5, 1)
    assert read.reviewed_by is None
    hints = typing.get_type_hints(models.StatusUpdate, localns=vars(models))
    assert hints["reviewed_by"] == str | None
    assert hints["proposed_by"] is str
    values = attrs.asdict(
        read, recurse=False, filter=lambda a, _: a.name != "additional_properties"
    )
    assert [name for name, value in values.items() if isinstance(value, unset)] == []
