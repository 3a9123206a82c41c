from django.db import migrations, models


class Migration(migrations.Migration):
    """What the record said at a moment (the matrix's and the API's known_on): each
    commitment's latest event recorded by then, one index step."""

    dependencies = [
        ("commitments", "0008_matrix_indexes"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="auditevent",
            index=models.Index(
                fields=["commitment", "occurred_at"], name="audit_commitment_recorded"
            ),
        ),
    ]
