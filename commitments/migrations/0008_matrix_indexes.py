"""Three partial indexes of the audit table for the record as of a date and as known at a
moment (commitments.selectors.timeline): each commitment's status events, by effective date
and by sequence, and its corrections. At 1,000,000 events they take the as-of read of a
50 x 40 matrix from seconds to milliseconds (bench/matrix.py, bench/RESULTS.md)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("commitments", "0007_webhook_secrets_encrypted"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="auditevent",
            index=models.Index(
                condition=models.Q(
                    ("action__in", ("commitment.created", "commitment.status_changed"))
                ),
                fields=["commitment", "-effective_date", "-sequence"],
                name="audit_status_by_date_idx",
            ),
        ),
        migrations.AddIndex(
            model_name="auditevent",
            index=models.Index(
                condition=models.Q(
                    ("action__in", ("commitment.created", "commitment.status_changed"))
                ),
                fields=["commitment", "sequence"],
                name="audit_status_by_seq_idx",
            ),
        ),
        migrations.AddIndex(
            model_name="auditevent",
            index=models.Index(
                condition=models.Q(
                    ("action", "commitment.status_changed"), ("after__has_key", "corrects")
                ),
                fields=["commitment", "sequence"],
                name="audit_corrections_idx",
            ),
        ),
    ]
