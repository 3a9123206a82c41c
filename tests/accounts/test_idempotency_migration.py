"""Upgrading forgets the idempotent responses stored before it that carry a webhook secret."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from accounts.models import IdempotencyRecord
from tests.factories import UserFactory

WITHHELD = ("accounts", "0005_idempotency_withheld")
BEFORE = ("accounts", "0004_username_unique_ignoring_case")


def migrate(target):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate([target])
    return executor.loader.project_state([target]).apps


@pytest.mark.django_db(transaction=True)
def test_a_stored_response_carrying_a_secret_is_withheld_by_the_upgrade():
    user = UserFactory()
    old = migrate(BEFORE).get_model("accounts", "IdempotencyRecord").objects
    old.create(
        user_id=user.pk,
        key="k1",
        fingerprint="f",
        status_code=201,
        response={"id": 1, "secret": "whsec_" + "A" * 43 + "="},
    )
    old.create(
        user_id=user.pk,
        key="k2",
        fingerprint="f",
        status_code=201,
        response={"id": 2, "state": "submitted"},
    )

    migrate(WITHHELD)

    leaf = MigrationExecutor(connection).loader.graph.leaf_nodes("accounts")[0]
    migrate(leaf)
    kept = {r.key: (r.response, r.response_withheld) for r in IdempotencyRecord.objects.all()}
    assert kept == {
        "k1": (None, True),
        "k2": ({"id": 2, "state": "submitted"}, False),
    }
