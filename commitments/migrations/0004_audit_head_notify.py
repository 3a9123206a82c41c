"""On PostgreSQL, appending audit events NOTIFYs `audit_head` with the new head, as
"<sequence>:<hash>" (commitments.headwatch). The notification is sent when the transaction
commits, and not at all when it rolls back. One per INSERT statement, however many rows.

SQLite has no such trigger; there every ETag reads the head from the table.
"""

from django.db import migrations

TABLE = "commitments_auditevent"

INSTALL = f"""
CREATE OR REPLACE FUNCTION audit_event_notify_head() RETURNS trigger AS $$
DECLARE
    top record;
BEGIN
    SELECT sequence, hash INTO top FROM appended ORDER BY sequence DESC LIMIT 1;
    IF FOUND THEN
        PERFORM pg_notify('audit_head', top.sequence || ':' || top.hash);
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER audit_event_notify_head
    AFTER INSERT ON {TABLE}
    REFERENCING NEW TABLE AS appended
    FOR EACH STATEMENT EXECUTE FUNCTION audit_event_notify_head();
"""

REMOVE = f"""
DROP TRIGGER IF EXISTS audit_event_notify_head ON {TABLE};
DROP FUNCTION IF EXISTS audit_event_notify_head();
"""


def install(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(INSTALL, params=None)


def remove(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(REMOVE, params=None)


class Migration(migrations.Migration):
    dependencies = [("commitments", "0003_notifications")]

    operations = [migrations.RunPython(install, remove)]
