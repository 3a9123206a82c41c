"""The audit chain cannot be cut or rewritten unseen.

- On PostgreSQL, a BEFORE INSERT trigger accepts only the event that continues the chain: the
  next sequence number after the head (1 when empty) whose prev_hash is the head's hash (64
  zeros when empty). It takes the advisory lock audit.record() takes (commitments.audit
  ._LOCK_KEY), so raw inserts are serialised too: a forged row with sequence 2^63-1, or a
  bulk insert that does not continue the chain, is refused, and later audited writes work.
- A BEFORE TRUNCATE trigger refuses TRUNCATE (0002's function, which names the operation).
- Signed checkpoints of the head (AuditCheckpoint), and the webhook event types each endpoint
  receives (existing endpoints keep receiving commitment.status_changed only).

SQLite has no such triggers; there the model's refusals are what holds. The database owner can
still switch triggers off: run the app as a role that does not own the table (README), and
keep checkpoints, which reveal a cut or rewritten history to whoever holds one.
"""

from django.db import migrations, models

import commitments.models.notifications

TABLE = "commitments_auditevent"
LOCK_KEY = 727_001  # commitments.audit._LOCK_KEY

INSTALL = f"""
CREATE OR REPLACE FUNCTION audit_event_continues_chain() RETURNS trigger AS $$
DECLARE
    head_sequence bigint;
    head_hash text;
BEGIN
    PERFORM pg_advisory_xact_lock({LOCK_KEY});
    SELECT sequence, hash INTO head_sequence, head_hash
        FROM {TABLE} ORDER BY sequence DESC LIMIT 1;
    IF NOT FOUND THEN
        head_sequence := 0;
        head_hash := repeat('0', 64);
    END IF;
    IF NEW.sequence IS DISTINCT FROM head_sequence + 1 THEN
        RAISE EXCEPTION 'audit events continue the chain: event #% refused, the next is #%',
            NEW.sequence, head_sequence + 1
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    IF NEW.prev_hash IS DISTINCT FROM head_hash THEN
        RAISE EXCEPTION 'audit events continue the chain: event #% must follow hash %, not %',
            NEW.sequence, head_hash, NEW.prev_hash
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER audit_event_continues_chain
    BEFORE INSERT ON {TABLE}
    FOR EACH ROW EXECUTE FUNCTION audit_event_continues_chain();
CREATE TRIGGER audit_event_no_truncate
    BEFORE TRUNCATE ON {TABLE}
    FOR EACH STATEMENT EXECUTE FUNCTION audit_event_append_only();
"""

REMOVE = f"""
DROP TRIGGER IF EXISTS audit_event_no_truncate ON {TABLE};
DROP TRIGGER IF EXISTS audit_event_continues_chain ON {TABLE};
DROP FUNCTION IF EXISTS audit_event_continues_chain();
"""


def install(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(INSTALL, params=None)


def remove(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(REMOVE, params=None)


class Migration(migrations.Migration):
    dependencies = [("commitments", "0005_correction_dates")]

    operations = [
        migrations.RunPython(install, remove),
        migrations.AddField(
            model_name="webhookendpoint",
            name="event_types",
            field=models.JSONField(
                default=commitments.models.notifications.default_event_types,
                help_text="The webhook event types it receives: commitment.status_changed, audit.checkpoint.",
                verbose_name="event types",
            ),
        ),
        migrations.CreateModel(
            name="AuditCheckpoint",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("sequence", models.BigIntegerField(verbose_name="sequence")),
                ("hash", models.CharField(max_length=64, verbose_name="hash")),
                ("signed_at", models.DateTimeField(db_index=True, verbose_name="signed at")),
                ("key_id", models.CharField(max_length=64, verbose_name="key id")),
                ("signature", models.CharField(max_length=128, verbose_name="signature")),
            ],
            options={
                "ordering": ["-signed_at", "-pk"],
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(("sequence__gte", 0)),
                        name="checkpoint_sequence_natural",
                    )
                ],
            },
        ),
    ]
