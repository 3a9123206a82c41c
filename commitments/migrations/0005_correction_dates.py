"""A correction may name the status change it corrects (StatusUpdate.corrects, the audit
event's sequence); only a correction does."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("commitments", "0004_audit_head_notify"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="statusupdate",
            name="corrects",
            field=models.ForeignKey(
                blank=True,
                help_text="The earlier status change this correction says was wrong: it and every later status change of the commitment are superseded when the correction is applied.",
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="commitments.auditevent",
                to_field="sequence",
                verbose_name="corrects event",
            ),
        ),
        migrations.AddConstraint(
            model_name="statusupdate",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("is_correction", True), ("corrects__isnull", True), _connector="OR"
                ),
                name="update_only_correction_names_event",
                violation_error_message="Only a correction names the event it corrects.",
            ),
        ),
    ]
