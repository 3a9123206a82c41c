"""The migration that encrypts webhook secrets encrypts the rows already there, and going
back decrypts them."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from commitments import crypto
from commitments.models import WebhookEndpoint
from tests.factories import UserFactory

PLAIN = "whsec_" + "A" * 43 + "="


def around_the_migration() -> tuple[list, list]:
    """(just before the encrypting migration, every commitments migration applied), found by
    name so that renumbering does not break the test."""
    graph = MigrationExecutor(connection).loader.graph
    (node,) = [n for n in graph.nodes if n[0] == "commitments" and n[1].endswith("_encrypted")]
    (parent,) = [p for p in graph.node_map[node].parents if p.key[0] == "commitments"]
    return [parent.key], [graph.leaf_nodes("commitments")[0]]


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def raw_secret() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT secret FROM commitments_webhookendpoint")
        return cursor.fetchone()[0]


@pytest.mark.django_db(transaction=True)
def test_migrating_encrypts_the_secrets_already_stored_and_going_back_decrypts_them():
    before, after = around_the_migration()
    owner = UserFactory()
    old_apps = migrate(before)
    old_apps.get_model("commitments", "WebhookEndpoint").objects.create(
        owner_id=owner.pk, url="https://hooks.example.org/1", secret=PLAIN, event_types=[]
    )

    migrate(after)
    encrypted = raw_secret()
    migrate(before)
    decrypted = raw_secret()
    migrate(after)

    assert PLAIN not in encrypted and crypto.decrypt(encrypted) == PLAIN
    assert decrypted == PLAIN
    assert WebhookEndpoint.objects.get().secret == PLAIN
